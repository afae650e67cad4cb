"""Plans over time, in git-backed temporary sites: reviews and suspect coverage, the schedule
rules, ``gapcheck diff`` against a revision, ``gapcheck history`` and the trend marker."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import subprocess
from pathlib import Path

import pytest
from conftest import build_site, write_site

from mkdocs_gapcheck.cli import main

GAPS = """\
---
title: Gaps
gaps:
  - id: security
    title: Security & Compliance
    severity: high
    effort: medium
    timing: Month 3 checkpoint
  - id: dr
    title: Disaster Recovery
    severity: high
---
# Gaps

## Security & Compliance

Audit logging is missing, and the HIPAA checklist
has not been read since the last audit.

## Disaster Recovery

No restore drill has ever been run.
"""

FILES = {
    "gaps.md": GAPS,
    "decisions/0001-audit.md": "---\nstatus: accepted\naddresses: [security]\n---\n# Audit\n",
    "roadmap/month-3.md": (
        "---\nperiod: Month 3\naddresses:\n  - dr\n  - security\n---\n# Month 3\n"
    ),
    "plans/restore.md": "---\naddresses: [dr]\n---\n# Restore plan\n",
}


@pytest.fixture(autouse=True)
def git_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A git that knows who commits, reads no user config and stops at tmp_path."""
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Plan Tester")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "tester@example.org")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                          text=True).stdout


def commit(root: Path, message: str, day: int = 1) -> None:
    stamp = f"2026-10-{day:02d}T12:00:00+00:00"
    git(root, "add", "-A")
    subprocess.run(["git", "commit", "-q", "-m", message], cwd=root, check=True,
                   env={**os.environ, "GIT_AUTHOR_DATE": stamp,
                        "GIT_COMMITTER_DATE": stamp})


def repo(tmp_path: Path, files: dict[str, str] = FILES, config: dict[str, object] | None = None,
         ) -> Path:
    root = write_site(tmp_path / "site", files, config)
    git(root, "init", "-q", "-b", "main")
    commit(root, "the plan")
    return root


def cli(root: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([*args, "-f", str(root / "mkdocs.yml")] if args[0] != "review" else
                    [args[0], "-f", str(root / "mkdocs.yml"), *args[1:]])
    return code, out.getvalue(), err.getvalue()


def findings(root: Path, rule: str) -> list[str]:
    _, out, _ = cli(root, "check")
    return [line for line in out.splitlines() if f": {rule}: " in line]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


# --- reviews -------------------------------------------------------------------------------


def test_rewording_a_gap_makes_exactly_its_pages_suspect(tmp_path: Path) -> None:
    root = repo(tmp_path)
    assert findings(root, "suspect-coverage") == []
    assert cli(root, "review")[0] == 0
    reviews = json.loads((root / "gapcheck-reviews.json").read_text())
    assert reviews["reviews"]["roadmap/month-3.md"].keys() == {"dr", "security"}
    code, out, _ = cli(root, "check")
    assert code == 0 and "coverage" not in out

    edit(root / "docs/gaps.md", "Audit logging is missing", "Audit logging of reads is missing")
    suspect = findings(root, "suspect-coverage")
    # the ADR's addresses line 3, the roadmap's second item (line 5); not the restore plan
    assert [line.split(": ")[0] for line in suspect] == [
        "docs/decisions/0001-audit.md:3", "docs/roadmap/month-3.md:5",
    ]
    assert all("'security'" in line for line in suspect)

    # the plugin reads the same reviews file beside mkdocs.yml
    built = build_site(root)
    built.expect_warnings("docs/decisions/0001-audit.md:3: suspect-coverage:",
                          "docs/roadmap/month-3.md:5: suspect-coverage:")

    # reviewing one page clears that page alone
    assert cli(root, "review", "docs/decisions/0001-audit.md")[0] == 0
    assert [line.split(": ")[0] for line in findings(root, "suspect-coverage")] == [
        "docs/roadmap/month-3.md:5",
    ]
    assert cli(root, "review", "roadmap/month-3.md")[0] == 0
    assert findings(root, "suspect-coverage") == []


def test_whitespace_only_edits_change_no_fingerprint(tmp_path: Path) -> None:
    root = repo(tmp_path)
    cli(root, "review")
    edit(root / "docs/gaps.md", "Audit logging is missing, and the HIPAA checklist\nhas not",
         "Audit logging  is missing,\n  and the HIPAA checklist has   not")
    edit(root / "docs/gaps.md", "No restore drill has ever been run.\n",
         "No restore drill has ever been run.   \n\n\n")
    assert findings(root, "suspect-coverage") == []
    # a severity change is a change
    edit(root / "docs/gaps.md", "    severity: high\n---", "    severity: medium\n---")
    assert [line.split(": ")[0] for line in findings(root, "suspect-coverage")] == [
        "docs/plans/restore.md:2", "docs/roadmap/month-3.md:4",
    ]


def test_reviews_file_is_sorted_one_stamp_per_line(tmp_path: Path) -> None:
    root = repo(tmp_path)
    cli(root, "review")
    text = (root / "gapcheck-reviews.json").read_text()
    stamps = [line.strip() for line in text.splitlines() if line.strip().startswith('"dr"')
              or line.strip().startswith('"security"')]
    assert len(stamps) == 4  # (page, gap) pairs: one line each
    data = json.loads(text)
    assert list(data["reviews"]) == sorted(data["reviews"])
    assert json.dumps(data, sort_keys=True, indent=2) + "\n" == text


def test_unreviewed_coverage_only_with_a_reviews_file(tmp_path: Path) -> None:
    root = repo(tmp_path)
    assert findings(root, "unreviewed-coverage") == []  # no reviews file: inactive
    cli(root, "review")
    (root / "docs/plans/dr-drill.md").write_text("---\naddresses: [dr]\n---\n# Drill\n")
    code, out, _ = cli(root, "check")
    assert code == 0  # info by default
    assert "docs/plans/dr-drill.md:2: info: unreviewed-coverage: addresses gap 'dr'" in out


def test_review_of_a_page_that_does_not_exist(tmp_path: Path) -> None:
    root = repo(tmp_path)
    code, _, err = cli(root, "review", "docs/nope.md")
    assert code == 2 and "'docs/nope.md' is not a page of the site" in err


def test_a_broken_reviews_file_is_one_line(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / "gapcheck-reviews.json").write_text('{\n<<<<<<< HEAD\n}\n')
    code, _, err = cli(root, "check")
    assert code == 2 and err.startswith("gapcheck: error: gapcheck-reviews.json:2: not valid JSON")
    assert cli(root, "review")[0] == 0  # a full review writes it afresh
    assert cli(root, "check")[0] == 0


# --- schedule --------------------------------------------------------------------------------

SCHEDULE = {
    "gaps.md": """\
        ---
        gaps:
          - id: flaky
            title: Flaky tests
            severity: medium
            timing: Week 1-2 quick win
          - id: restore
            title: No restore drill
            severity: high
            due: 2026-12-01
          - id: cost
            title: Cost forecast
            severity: low
            timing: Week 1-20 maybe
        ---
        # Gaps
        """,
    "roadmap/week-1-2.md": """\
        ---
        period: Week 1-2
        start: 2026-10-05
        end: 2026-10-18
        addresses: [cost]
        ---
        # Week 1-2
        """,
    "roadmap/month-3.md": """\
        ---
        period: Month 3
        start: 2027-01-04
        addresses: [restore, flaky]
        ---
        # Month 3
        """,
}


def test_schedule_rules_at_their_lines(site) -> None:
    # today is 2026-11-21 (conftest's SOURCE_DATE_EPOCH)
    built = site(SCHEDULE)
    built.expect_warnings(
        "docs/gaps.md:6: timing-mismatch: gap 'flaky' is timed 'Week 1-2 quick win', which "
        "names the roadmap period 'Week 1-2', but roadmap/week-1-2.md does not address it",
        "docs/gaps.md:10: schedule-conflict: gap 'restore' is due 2026-12-01, but the earliest "
        "roadmap page that addresses it, roadmap/month-3.md, starts 2027-01-04",
        "docs/roadmap/week-1-2.md:4: slipped-roadmap: roadmap period 'Week 1-2' ended "
        "2026-10-18 (34 days ago), but gaps it addresses are still open: 'cost' (open)",
    )
    # 'Week 1-20 maybe' does not name 'Week 1-2': no second timing-mismatch
    assert sum("timing-mismatch" in m for m in built.messages()) == 1


def test_schedule_rules_quiet_when_the_plan_holds(site) -> None:
    files = dict(SCHEDULE)
    files["roadmap/week-1-2.md"] = files["roadmap/week-1-2.md"].replace(
        "addresses: [cost]", "addresses: [cost, flaky]").replace("end: 2026-10-18",
                                                                 "end: 2026-11-30")
    files["gaps.md"] = files["gaps.md"].replace("due: 2026-12-01", "due: 2027-01-31").replace(
        "severity: low", "severity: low\n            status: resolved")
    site(files).expect_clean()


# --- diff ------------------------------------------------------------------------------------


def test_diff_lists_an_added_uncovered_gap_and_a_resolved_one(tmp_path: Path) -> None:
    root = repo(tmp_path, config={"site_url": "https://plans.example.org/"})
    edit(root / "docs/gaps.md", "  - id: dr\n    title: Disaster Recovery\n    severity: high\n",
         "  - id: dr\n    title: Disaster Recovery\n    severity: high\n    status: resolved\n"
         "  - id: lock-in\n    title: Vendor lock-in | flags\n    severity: low\n")
    commit(root, "resolve dr, add lock-in", day=2)
    code, out, err = cli(root, "diff", "--base", "HEAD~1")
    assert code == 0, err
    assert "### gapcheck: the plan against `HEAD~1`" in out
    assert ("| [Vendor lock-in \\| flags](https://plans.example.org/gaps/) `lock-in` | low | "
            "open | ⚠️ unaddressed |") in out
    assert ("| [Disaster Recovery](https://plans.example.org/gaps/#disaster-recovery) `dr` | "
            "status | open | resolved |") in out
    assert "| new | docs/gaps.md:" in out and "uncovered-gap" in out

    code, out, _ = cli(root, "diff", "--base", "HEAD~1", "--format", "json")
    data = json.loads(out)
    assert [g["id"] for g in data["gaps"]["added"]] == ["lock-in"]
    assert data["gaps"]["added"][0]["state"] == "unaddressed"
    assert data["gaps"]["changed"] == [{"id": "dr", "title": "Disaster Recovery",
                                        "field": "status", "from": "open", "to": "resolved"}]
    assert [f["rule"] for f in data["findings"]["new"]] == ["uncovered-gap"]
    assert data["base_commit"] == git(root, "rev-parse", "HEAD~1").strip()
    # nothing written: the work tree is as committed
    assert git(root, "status", "--porcelain") == ""


def test_diff_sees_uncommitted_edits_and_coverage(tmp_path: Path) -> None:
    root = repo(tmp_path)
    edit(root / "docs/plans/restore.md", "addresses: [dr]", "addresses: [dr, security]")
    data = json.loads(cli(root, "diff", "--format", "json")[1])
    assert data["coverage"] == {"gained": [{"gap": "security", "page": "plans/restore.md",
                                            "title": "Security & Compliance"}], "lost": []}
    _, out, _ = cli(root, "diff")
    assert "| Security &amp; Compliance `security` | docs/plans/restore.md | gained |" in out


def test_diff_errors(tmp_path: Path) -> None:
    plain = write_site(tmp_path / "plain", FILES)
    code, _, err = cli(plain, "diff")
    assert code == 2 and "is not in a git repository" in err and len(err.splitlines()) == 1

    root = repo(tmp_path)
    code, _, err = cli(root, "diff", "--base", "no-such-branch")
    assert code == 2 and "unknown revision 'no-such-branch'" in err

    late = tmp_path / "late"
    late.mkdir()
    git(late, "init", "-q")
    (late / "README.md").write_text("# notes\n")
    commit(late, "before the site")
    write_site(late, FILES)
    commit(late, "the site", day=2)
    code, _, err = cli(late, "diff", "--base", "HEAD~1")
    assert code == 2 and "mkdocs.yml did not exist at HEAD~1" in err


# --- history and the trend marker -------------------------------------------------------------


def _history_repo(tmp_path: Path) -> Path:
    files = {**FILES, "index.md": "# Home\n\n<!-- gapcheck:trend -->\n"}
    root = repo(tmp_path, files)
    edit(root / "docs/gaps.md", "    severity: high\n---",
         "    severity: high\n    status: in-progress\n---")
    commit(root, "dr under way", day=5)
    (root / "docs/notes.md").write_text("# Notes\n")
    commit(root, "a page without gaps", day=6)
    edit(root / "docs/gaps.md", "status: in-progress", "status: resolved")
    commit(root, "dr done", day=9)
    return root


def test_history_counts_per_commit_that_changed_a_gap_page(tmp_path: Path) -> None:
    root = _history_repo(tmp_path)
    code, out, _ = cli(root, "history")
    assert code == 0
    rows = [line.split(",") for line in out.strip().splitlines()]
    assert rows[0] == ["commit", "date", "total", "critical", "high", "medium", "low", "open",
                       "in-progress", "resolved", "accepted"]
    assert [r[1:] for r in rows[1:]] == [
        ["2026-10-01", "2", "0", "2", "0", "0", "2", "0", "0", "0"],
        ["2026-10-05", "2", "0", "2", "0", "0", "1", "1", "0", "0"],
        ["2026-10-09", "2", "0", "2", "0", "0", "1", "0", "1", "0"],
    ]
    data = json.loads(cli(root, "history", "--format", "json")[1])
    assert data["points"][-1]["status"]["resolved"] == 1


def test_trend_marker_renders_an_svg(tmp_path: Path) -> None:
    root = _history_repo(tmp_path)
    built = build_site(root)
    built.expect_clean()
    trend = built.html("index.md").select_one(".gapcheck-trend")
    svg = trend.select_one("svg")
    assert svg is not None and svg["role"] == "img"
    assert svg.select_one("title").get_text() == "Gaps by status over 3 commits"
    assert {p["class"][0] for p in svg.select("polygon")} == {
        "gapcheck-trend-open", "gapcheck-trend-in-progress", "gapcheck-trend-resolved"}
    assert not trend.select("script")
    assert len(trend.select("details table tbody tr")) == 3


def test_trend_without_git_is_a_note(tmp_path: Path) -> None:
    root = write_site(tmp_path / "plain",
                      {**FILES, "index.md": "# Home\n\n<!-- gapcheck:trend -->\n"})
    built = build_site(root)
    built.expect_clean()
    note = built.html("index.md").select_one(".gapcheck-trend .gapcheck-note").get_text()
    assert note.startswith("No history to chart:") and "git repository" in note
    code, _, err = cli(root, "history")
    assert code == 2 and "No history to chart" in err


def test_trend_in_a_shallow_clone_is_a_note(tmp_path: Path) -> None:
    root = _history_repo(tmp_path)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{root}", str(clone)],
                   check=True)
    built = build_site(clone)
    built.expect_clean()
    note = built.html("index.md").select_one(".gapcheck-trend .gapcheck-note").get_text()
    assert "shallow clone" in note


def test_trend_marker_takes_no_filter(site) -> None:
    built = site({"index.md": "# Home\n\n<!-- gapcheck:trend scope=page -->\n"})
    built.checked = True
    assert any("unknown filter 'scope=page' on 'gapcheck:trend' (it takes no filter)" in m
               for m in built.messages(logging.WARNING))
