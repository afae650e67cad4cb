"""The knowledge-site template in a real browser: the matrix shows, its links work, no errors.

Runs Debian's chromium (/usr/bin/chromium) through Playwright's Python package; nothing is
downloaded. Without chromium the test is skipped, except under CI, where it must run.
Screenshots of the home page (coverage and progress, what is left) and of the matrix, at
desktop and at phone width (390 px), go to $GAPCHECK_SCREENSHOTS (default /tmp).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from conftest import build_site

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TEMPLATE = Path(__file__).resolve().parent.parent / "site-template"
# The template's dates (drills, due dates) are written for this day; pin it so that the
# build stays free of stale-runbook and overdue-gap warnings whenever the test runs.
TEMPLATE_DAY_EPOCH = "1795219200"  # 2026-11-21, scaffold.TEMPLATE_DAY
PHONE = {"width": 390, "height": 844}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; CI must install Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture
def served_template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The template, built without a single warning and served on 127.0.0.1; its base URL."""
    root = tmp_path / "template"
    shutil.copytree(TEMPLATE, root, ignore=shutil.ignore_patterns("site"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", TEMPLATE_DAY_EPOCH)
    built = build_site(root)
    assert built.error is None, f"build failed: {built.error!r}"
    assert built.messages() == [], "the template must build with --strict"
    handler = functools.partial(_QuietHandler, directory=str(built.site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_matrix_in_a_browser(chromium: Path, served_template: str) -> None:
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("GAPCHECK_SCREENSHOTS", "/tmp"))
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1600})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))

            page.goto(served_template)
            page.wait_for_load_state("networkidle")
            assert page.locator(".gapcheck-coverage table").is_visible()
            page.screenshot(path=str(shots / "gapcheck-browser-home.png"), full_page=True)

            page.goto(urljoin(served_template, "plan/gaps/"))
            page.wait_for_load_state("networkidle")
            matrix = page.locator(".gapcheck-matrix table")
            assert matrix.is_visible()
            assert matrix.locator("tbody tr").count() >= 10
            badge = matrix.locator(".gapcheck-badge").first
            colour = badge.evaluate("e => getComputedStyle(e).backgroundColor")
            assert colour not in ("rgba(0, 0, 0, 0)", "transparent"), "gapcheck.css not applied"
            matrix.scroll_into_view_if_needed()
            page.screenshot(path=str(shots / "gapcheck-browser-matrix.png"))

            # the coverage view on its own, for the closing note's screenshot
            page.goto(served_template)
            page.wait_for_load_state("networkidle")
            page.locator(".gapcheck-coverage").screenshot(
                path=str(shots / "gapcheck-browser-coverage.png"))
            page.goto(urljoin(served_template, "plan/gaps/"))
            page.wait_for_load_state("networkidle")

            link = matrix.locator("tbody tr").first.locator(".gapcheck-addressed a").first
            title = link.inner_text().strip()
            expected = urljoin(page.url, link.get_attribute("href") or "")
            link.click()
            page.wait_for_url(expected)
            page.wait_for_load_state("networkidle")
            assert page.url == expected
            heading = page.locator("article h1, .md-content h1").first.inner_text()
            assert title in heading, (title, heading)
        finally:
            browser.close()
    assert errors == [], errors


# --- plans over time: the trend chart and the diff comment, as a reader sees them -------------

_TREND_GAPS = [("security", "Security & Compliance", "high"), ("dr", "Disaster recovery", "high"),
               ("flaky", "Flaky tests", "medium"), ("cost", "Capacity & cost", "medium"),
               ("rollback", "Rollback testing", "high"), ("oncall", "On-call load", "low"),
               ("status-page", "Status page", "low"), ("lock-in", "Vendor lock-in", "low")]
#: (commit day, {gap: status}) applied in turn: a plan that adds gaps, then works them off
_TREND_STEPS = [
    (1, {"security": "open", "dr": "open", "flaky": "open", "cost": "open"}),
    (3, {"rollback": "open", "oncall": "open"}),
    (6, {"flaky": "in-progress", "status-page": "open"}),
    (9, {"flaky": "resolved", "security": "in-progress"}),
    (13, {"lock-in": "accepted", "cost": "in-progress"}),
    (16, {"security": "resolved", "dr": "in-progress"}),
    (20, {"cost": "resolved", "rollback": "in-progress"}),
    (24, {"dr": "resolved", "oncall": "accepted"}),
]


def _git(root: Path, *args: str, day: int = 1) -> None:
    import subprocess

    stamp = f"2026-10-{day:02d}T09:00:00+00:00"
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
           "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp,
           "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def _gaps_page(statuses: dict[str, str]) -> str:
    lines = ["---", "gaps:"]
    for gid, title, severity in _TREND_GAPS:
        if gid in statuses:
            lines += [f"  - id: {gid}", f"    title: {title}", f"    severity: {severity}",
                      f"    status: {statuses[gid]}"]
            if statuses[gid] == "accepted":
                lines.append("    rationale: Not worth it this year")
    return "\n".join([*lines, "---", "# Gaps", ""])


def test_trend_chart_and_diff_comment_in_a_browser(chromium: Path, tmp_path: Path) -> None:
    import markdown
    from conftest import write_site
    from playwright.sync_api import sync_playwright

    from mkdocs_gapcheck import diff
    from mkdocs_gapcheck.core import SourceFile, analyze
    from mkdocs_gapcheck.options import Options

    shots = Path(os.environ.get("GAPCHECK_SCREENSHOTS", "/tmp"))
    root = write_site(tmp_path / "site", {
        "index.md": "# Plan health\n\nGaps by status since the review started:\n\n"
                    "<!-- gapcheck:trend -->\n",
        "plan.md": "---\naddresses: [security, dr, flaky, cost, rollback, oncall, status-page]\n"
                   "---\n# Plan\n",
    }, {"theme": {"name": "material", "font": False, "palette": [
        {"scheme": "default", "toggle": {"icon": "material/weather-night", "name": "Dark"}},
        {"scheme": "slate", "toggle": {"icon": "material/weather-sunny", "name": "Light"}},
    ]}})
    _git(root, "init", "-q")
    statuses: dict[str, str] = {}
    for day, change in _TREND_STEPS:
        statuses.update(change)
        (root / "docs" / "gaps.md").write_text(_gaps_page(statuses), encoding="utf-8")
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", f"day {day}", day=day)
    built = build_site(root)
    built.expect_clean()

    # the diff of the last commit, rendered as GitHub renders a comment: Python-Markdown tables
    before = dict(statuses)
    before.update({"cost": "in-progress", "rollback": "open", "dr": "in-progress",
                   "oncall": "open"})
    old = analyze([SourceFile("gaps.md", _gaps_page(before)),
                   SourceFile("plan.md", "---\naddresses: [security, dr, flaky, cost, rollback, "
                              "oncall]\n---\n# Plan\n")], Options())
    added = "  - id: retention\n    title: Audit log retention\n    severity: high\n---\n# Gaps"
    new = analyze([SourceFile("gaps.md", _gaps_page(statuses).replace("---\n# Gaps", added)),
                   SourceFile("plan.md", (root / "docs/plan.md").read_text())], Options())
    comment = diff.to_markdown(diff.compare(old, new), new, "origin/main",
                               site_url="https://plans.example.org/")
    body = markdown.markdown(comment, extensions=["tables"])
    (tmp_path / "comment.html").write_text(
        "<!doctype html><meta charset=utf-8><style>body{font:14px -apple-system,'Segoe UI',"
        "Helvetica,Arial,sans-serif;color:#1f2328;max-width:760px;margin:24px;line-height:1.5}"
        "table{border-collapse:collapse;margin:0 0 16px}th,td{border:1px solid #d1d9e0;"
        "padding:6px 13px}tr:nth-child(2n){background:#f6f8fa}code{background:#eff1f3;"
        "padding:.2em .4em;border-radius:6px;font-size:85%}a{color:#0969da;"
        "text-decoration:none}h3,h4{margin:20px 0 12px}</style><div class=comment>"
        + body + "</div>", encoding="utf-8")

    errors: list[str] = []
    handler = functools.partial(_QuietHandler, directory=str(built.site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(chromium), args=FLAGS)
            try:
                for width, suffix in ((1280, ""), (390, "-phone")):
                    page = browser.new_page(viewport={"width": width, "height": 900})
                    page.on("pageerror", lambda e: errors.append(str(e)))
                    page.on("console",
                            lambda m: errors.append(m.text) if m.type == "error" else None)
                    page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
                    page.wait_for_load_state("networkidle")
                    trend = page.locator(".gapcheck-trend")
                    box = trend.locator("svg").bounding_box()
                    assert box is not None and box["width"] > 300 and box["height"] > 100
                    assert box["width"] <= width
                    band = trend.locator("polygon.gapcheck-trend-open")
                    fill = band.evaluate("e => getComputedStyle(e).fill")
                    assert fill not in ("none", "rgb(0, 0, 0)"), "gapcheck.css not applied"
                    for scheme in ("default", "slate"):
                        page.evaluate("s => document.body.setAttribute('data-md-color-scheme',"
                                      " s)", scheme)
                        text = trend.locator("svg text").first.evaluate(
                            "e => getComputedStyle(e).fill")
                        body_colour = page.evaluate(
                            "() => getComputedStyle(document.querySelector('.md-typeset'))"
                            ".color")
                        assert text == body_colour  # currentColor follows the palette
                        name = "light" if scheme == "default" else "dark"
                        trend.screenshot(path=str(shots / f"trend-{name}{suffix}.png"))
                    page.close()
                page = browser.new_page(viewport={"width": 820, "height": 600})
                page.goto((tmp_path / "comment.html").as_uri())
                assert page.locator("table").count() >= 2
                page.locator(".comment").screenshot(path=str(shots / "diff-comment.png"))
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert errors == [], errors


def test_matrix_and_coverage_on_a_phone(chromium: Path, served_template: str) -> None:
    """At 390 px every column of the matrix is on screen: "Addressed by" above all."""
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("GAPCHECK_SCREENSHOTS", "/tmp"))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=FLAGS)
        try:
            page = browser.new_page(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                    has_touch=True)
            page.goto(urljoin(served_template, "plan/gaps/"))
            page.wait_for_load_state("networkidle")
            matrix = page.locator(".gapcheck-matrix")
            matrix.scroll_into_view_if_needed()
            cells = matrix.locator("td")
            assert cells.count() >= 60
            for box in cells.evaluate_all(
                "cs => cs.map(c => { const r = c.getBoundingClientRect();"
                " return [c.dataset.label, r.left, r.right, c.scrollWidth, c.clientWidth]; })"
            ):
                label, left, right, scroll_width, client_width = box
                assert left >= 0 and right <= PHONE["width"], box
                assert scroll_width <= client_width + 1, box  # nothing cut off inside
            addressed = matrix.locator("td.gapcheck-addressed")
            assert addressed.count() >= 10
            for i in range(addressed.count()):
                box = addressed.nth(i).bounding_box()
                assert box is not None and box["x"] >= 0
                assert box["x"] + box["width"] <= PHONE["width"], (i, box)
                assert addressed.nth(i).is_visible()
            # the labels come from the cells: a reader sees which line is which
            label = addressed.first.evaluate(
                "c => getComputedStyle(c, '::before').content")
            assert label == '"Addressed by"'
            page.screenshot(path=str(shots / "gapcheck-browser-matrix-phone.png"))
            first = matrix.locator("tbody tr").first
            first.screenshot(path=str(shots / "gapcheck-browser-matrix-phone-row.png"))

            page.goto(served_template)
            page.wait_for_load_state("networkidle")
            coverage = page.locator(".gapcheck-coverage")
            coverage.scroll_into_view_if_needed()
            page.screenshot(path=str(shots / "gapcheck-browser-home-phone.png"), full_page=True)
            for box in coverage.locator("td, th").evaluate_all(
                "cs => cs.map(c => c.getBoundingClientRect().right)"
            ):
                assert box <= PHONE["width"], box
        finally:
            browser.close()
