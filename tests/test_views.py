"""The views on real builds: matrix, grid, index, coverage and backlinks.

Every test builds a small site with the mkdocs and the material theme, with
``use_directory_urls`` on and off, and checks what a reader gets: rows and their order, links
that land on a built file and an existing anchor, escaping, and markers left alone in code.
"""

from __future__ import annotations

import json
import os
import posixpath
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from conftest import build_site, write_site

from mkdocs_gapcheck import render

GAPS = """
    ---
    title: Gaps & considerations
    gaps:
      - id: security
        title: Security & Compliance
        severity: high
        effort: medium
        timing: Week 1-2 discovery
        status: in-progress
      - id: dr
        title: Disaster <script>alert(1)</script> | Recovery
        severity: critical
        effort: high
      - id: docs
        title: Documentation
        severity: low
      - id: vendor
        title: Vendor lock-in
        severity: medium
        effort: low
        status: accepted
        rationale: The SDK is wrapped; leaving costs two weeks.
      - id: cost
        title: Cost
        severity: medium
        effort: low
        section: money-matters
    ---
    # Gaps & considerations

    ## 1. Security & compliance

    Text.

    ## Disaster recovery

    ## Money matters

    About cost.

    ## Vendor lock-in

    ## Matrix

    <!-- gapcheck:matrix -->

    ## Grid

    <!-- gapcheck:grid -->
    """

ADR_1 = """
    ---
    status: accepted
    date: 2025-10-08
    addresses: [security]
    ---
    # Send audit events to one log

    See the [gaps](../gaps.md).
    """

ADR_2 = """
    ---
    status: superseded
    date: 2025-10-10
    superseded_by: 0003-canary
    addresses: [dr]
    ---
    # Roll back automatically
    """

ADR_3 = """
    ---
    status: accepted
    date: 2025-11-02
    addresses: [dr, cost]
    ---
    # Canary releases

    Replaces [ADR 0002](0002-rollback.md).
    """

RUNBOOK_FRESH = """
    ---
    owner: platform-team
    last_tested: 2025-12-01
    addresses: [dr]
    ---
    # Restore drill
    """

RUNBOOK_STALE = """
    ---
    owner: dba
    last_tested: 2024-01-01
    addresses: [dr]
    ---
    # Failover drill
    """

WEEK_3 = """
    ---
    period: Week 3-4
    start: 2025-10-27
    addresses: [security]
    ---
    # Quick wins
    """

WEEK_1 = """
    ---
    period: Week 1-2
    start: 2025-10-13
    addresses: [security, cost]
    ---
    # Discovery
    """

PLAN = """
    ---
    addresses: security
    ---
    # Deployment strategy

    Part of the [discovery](../roadmap/week-3.md) work.
    """

HOME = """
    # Home

    <!-- gapcheck:coverage -->

    ## Index

    <!-- gapcheck:index -->

    Write `<!-- gapcheck:matrix -->` in a page to get a matrix.

    ```markdown
    <!-- gapcheck:grid -->
    ```
    """

NESTED = """
    # Deep page

    <!-- gapcheck:matrix severity=high,critical -->

    <!-- gapcheck:index kind=adr -->
    """

FILES: dict[str, str] = {
    "index.md": HOME,
    "gaps.md": GAPS,
    "adr/0001-audit-log.md": ADR_1,
    "adr/0002-rollback.md": ADR_2,
    "adr/0003-canary.md": ADR_3,
    "runbooks/restore.md": RUNBOOK_FRESH,
    "runbooks/failover.md": RUNBOOK_STALE,
    "roadmap/week-3.md": WEEK_3,
    "roadmap/week-1.md": WEEK_1,
    "plans/deploy.md": PLAN,
    "nested/deep/page.md": NESTED,
}

#: the finding the fixture has on purpose: one low gap addressed by nothing
UNCOVERED = "docs/gaps.md:14: uncovered-gap: low gap 'docs' (Documentation)"

THEMES: list[dict[str, Any]] = [{"name": "mkdocs"}, {"name": "material", "font": False}]


def _config(theme: dict[str, Any], directory_urls: bool, **extra: Any) -> dict[str, Any]:
    conf: dict[str, Any] = {
        "theme": theme,
        "use_directory_urls": directory_urls,
        "plugins": ["search", {"gapcheck": {"rules": {"stale-runbook": "info"}}}],
        "validation": {"links": {"anchors": "warn", "unrecognized_links": "warn"}},
    }
    conf.update(extra)
    return conf


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01


@pytest.fixture(
    params=[(t, d) for t in THEMES for d in (True, False)],
    ids=lambda p: f"{p[0]['name']}-{'dirurls' if p[1] else 'fileurls'}",
)
def built(request: pytest.FixtureRequest, site: Any) -> Any:
    theme, directory_urls = request.param
    result = site(FILES, _config(theme, directory_urls))
    result.expect_warnings(UNCOVERED)
    assert result.error is None
    return result


# --------------------------------------------------------------------------------------------
# helpers


def resolve(built: Any, page: str, href: str) -> tuple[Path, str]:
    """The output file a relative href on ``page`` points at, and its fragment."""
    parts = urlsplit(href)
    assert not parts.scheme and not parts.netloc and not href.startswith("/"), href
    source = built.output_path(page)
    if not parts.path:
        return source, unquote(parts.fragment)
    rel = posixpath.relpath(source.parent.as_posix(), built.site_dir.as_posix())
    target = posixpath.normpath(posixpath.join(rel, unquote(parts.path)))
    assert not target.startswith(".."), f"{href} leaves the site from {page}"
    path = built.site_dir / target
    if href.split("#")[0].endswith("/") or path.is_dir():
        path = path / "index.html"
    return path, unquote(parts.fragment)


def check_links(built: Any, page: str, scope: Any) -> int:
    """Every link in ``scope`` lands on a built file and, with a fragment, on an element id."""
    from bs4 import BeautifulSoup

    count = 0
    scopes = scope if isinstance(scope, list) else [scope]
    for a in (a for s in scopes for a in s.select("a[href]")):
        path, fragment = resolve(built, page, a["href"])
        assert path.is_file(), f"{page}: {a['href']} -> {path} does not exist"
        if fragment:
            soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
            assert soup.find(id=fragment) is not None, f"{page}: {a['href']}: no id {fragment!r}"
        count += 1
    return count


def views(soup: Any, kind: str) -> list[Any]:
    return list(soup.select(f"div.gapcheck-{kind}"))


def row_ids(table: Any) -> list[str]:
    return [tr.get("id") for tr in table.select("tbody tr")]


def text(node: Any) -> str:
    return " ".join(node.get_text(" ").split())


# --------------------------------------------------------------------------------------------
# matrix


def test_matrix_rows_in_matrix_order(built: Any) -> None:
    soup = built.html("gaps.md")
    (matrix,) = views(soup, "matrix")
    # severity (critical first), effort (least first, none last), declaration order
    assert row_ids(matrix) == [
        "gapcheck-gap-dr",
        "gapcheck-gap-security",
        "gapcheck-gap-vendor",
        "gapcheck-gap-cost",
        "gapcheck-gap-docs",
    ]
    assert [text(th) for th in matrix.select("thead th")] == [
        "Gap", "Severity", "Effort", "Timing", "Status", "Addressed by"
    ]
    for tr in matrix.select("tbody tr"):
        assert len(tr.find_all("td", recursive=False)) == 6
    security = matrix.find(id="gapcheck-gap-security")
    cells = [text(td) for td in security.find_all("td", recursive=False)]
    assert cells[:5] == [
        "Security & Compliance", "high", "medium", "Week 1-2 discovery", "in-progress"
    ]
    assert "gapcheck-badge" in security.select_one("td:nth-of-type(2) span")["class"]
    addressed = [text(li) for li in security.select(".gapcheck-addressed li")]
    # site order: folders after top-level pages, then by path
    assert addressed == [
        "ADR 0001 Send audit events to one log",
        "plan Deployment strategy",
        "roadmap Discovery",
        "roadmap Quick wins",
    ]


def test_matrix_gap_cell_links_to_the_gap_section(built: Any) -> None:
    matrix = views(built.html("gaps.md"), "matrix")[0]
    hrefs = {
        tr["id"]: tr.select_one("td.gapcheck-gap a")["href"] for tr in matrix.select("tbody tr")
    }
    assert hrefs["gapcheck-gap-security"] == "#1-security-compliance"  # title, any case
    assert hrefs["gapcheck-gap-cost"] == "#money-matters"  # section
    assert hrefs["gapcheck-gap-vendor"] == "#vendor-lock-in"
    # no heading holds the title: the page itself
    assert not hrefs["gapcheck-gap-dr"].startswith("#")
    assert check_links(built, "gaps.md", matrix) > 10


def test_matrix_flags_unaddressed_and_shows_accepted(built: Any) -> None:
    matrix = views(built.html("gaps.md"), "matrix")[0]
    docs = matrix.find(id="gapcheck-gap-docs")
    assert "gapcheck-flagged" in docs["class"]
    assert text(docs.select_one(".gapcheck-flag")) == "not addressed"
    vendor = matrix.find(id="gapcheck-gap-vendor")
    assert "gapcheck-flagged" not in vendor["class"]
    assert text(vendor.select_one(".gapcheck-accepted")) == "risk accepted"
    assert not vendor.select(".gapcheck-flag")
    dr = matrix.find(id="gapcheck-gap-dr")
    assert "gapcheck-flagged" not in dr["class"]
    inactive = dr.select_one("li.gapcheck-inactive")
    assert "superseded" in text(inactive) and "Roll back automatically" in text(inactive)


def test_matrix_from_a_nested_page_with_filters(built: Any) -> None:
    soup = built.html("nested/deep/page.md")
    (matrix,) = views(soup, "matrix")
    assert row_ids(matrix) == ["gapcheck-gap-dr", "gapcheck-gap-security"]
    assert check_links(built, "nested/deep/page.md", soup.select("div.gapcheck")) > 10


# --------------------------------------------------------------------------------------------
# grid


def test_grid_counts_per_cell_with_a_column_for_no_effort(built: Any) -> None:
    soup = built.html("gaps.md")
    (grid,) = views(soup, "grid")
    assert [text(th) for th in grid.select("thead th")] == [
        "Severity / effort", "low", "medium", "high", "—", "Total"
    ]
    counts = {}
    for tr in grid.select("tbody tr"):
        severity = text(tr.th)
        counts[severity] = [
            (td.select_one(".gapcheck-count") and text(td.select_one(".gapcheck-count")))
            or text(td)
            for td in tr.find_all("td", recursive=False)
        ]
    assert counts == {
        "critical": ["0", "0", "1", "0", "1"],
        "high": ["0", "1", "0", "0", "1"],
        "medium": ["2", "0", "0", "0", "2"],
        "low": ["0", "0", "0", "1", "1"],
    }
    medium_low = grid.select("tbody tr")[2].find_all("td")[0]
    # the cell lists its gaps; on a page with the matrix they link to its rows
    assert [a["href"] for a in medium_low.select("a")] == [
        "#gapcheck-gap-vendor", "#gapcheck-gap-cost"
    ]
    assert "gapcheck-tone-2" in medium_low["class"]
    check_links(built, "gaps.md", grid)


def test_grid_without_matrix_links_to_definitions(site: Any) -> None:
    files = {
        "gaps.md": "---\ngaps:\n  - {id: a, title: Alpha, severity: high, effort: low}\n---\n"
        "# Gaps\n\n## Alpha\n",
        "sub/grid.md": "# Grid\n\n<!-- gapcheck:grid -->\n",
        "plan.md": "---\naddresses: [a]\n---\n# Plan\n",
    }
    built = site(files)
    built.expect_clean()
    (grid,) = views(built.html("sub/grid.md"), "grid")
    assert [text(th) for th in grid.select("thead th")][-1] == "Total"
    assert "—" not in [text(th) for th in grid.select("thead th")]  # every gap has an effort
    (link,) = grid.select("a")
    assert link["href"] == "../../gaps/#alpha"
    check_links(built, "sub/grid.md", grid)


# --------------------------------------------------------------------------------------------
# index and coverage


def test_index_lists_every_kind_with_its_gaps_and_links(built: Any) -> None:
    soup = built.html("index.md")
    tables = views(soup, "index")
    assert [text(t.caption) for t in tables] == [
        "Architecture decision records", "Runbooks", "Roadmap", "Other plan documents"
    ]
    adrs, runbooks, roadmap, plans = tables
    rows = [[text(td) for td in tr.find_all("td", recursive=False)]
            for tr in adrs.select("tbody tr")]
    assert [r[:4] for r in rows] == [
        ["0001", "Send audit events to one log", "accepted", "2025-10-08"],
        ["0002", "Roll back automatically", "superseded by ADR 0003", "2025-10-10"],
        ["0003", "Canary releases", "accepted", "2025-11-02"],
    ]
    assert rows[0][4] == "high Security & Compliance"
    assert rows[0][5] == "—"
    assert rows[1][5] == "Canary releases"  # linked from ADR 0003
    superseded_by = adrs.select("tbody tr")[1].select("td")[2].a
    path, _ = resolve(built, "index.md", superseded_by["href"])
    assert path == built.output_path("adr/0003-canary.md")

    rb = {text(tr.td): [text(td) for td in tr.find_all("td", recursive=False)]
          for tr in runbooks.select("tbody tr")}
    assert rb["Failover drill"][1:3] == ["dba", "2024-01-01 stale"]
    assert rb["Restore drill"][1:3] == ["platform-team", "2025-12-01"]

    # roadmap: by start date, not by file name
    assert [text(tr.td) for tr in roadmap.select("tbody tr")] == ["Week 1-2", "Week 3-4"]
    assert [text(th) for th in roadmap.select("thead th")] == [
        "Period", "Page", "Starts", "Addresses", "Linked from"
    ]
    (plan,) = plans.select("tbody tr")
    assert [text(td) for td in plan.find_all("td", recursive=False)] == [
        "Deployment strategy", "high Security & Compliance", "—"
    ]
    assert check_links(built, "index.md", soup.select("div.gapcheck")) > 10


def test_index_kind_filter(built: Any) -> None:
    soup = built.html("nested/deep/page.md")
    (adrs,) = views(soup, "index")
    assert adrs.caption is None
    assert len(adrs.select("tbody tr")) == 3


def test_coverage_counts(built: Any) -> None:
    (coverage,) = views(built.html("index.md"), "coverage")
    rows = {text(tr.th): [text(td) for td in tr.find_all("td")]
            for tr in coverage.select("tbody tr")}
    # gaps, then count and share of: addressed, unaddressed, accepted (these three split the
    # gaps), resolved (the progress; none here)
    assert rows == {
        "critical": ["1", "1 100%", "0 0%", "0 0%", "0 0%"],
        "high": ["1", "1 100%", "0 0%", "0 0%", "0 0%"],
        "medium": ["2", "1 50%", "0 0%", "1 50%", "0 0%"],
        "low": ["1", "0 0%", "1 100%", "0 0%", "0 0%"],
        "Total": ["5", "3 60%", "1 20%", "1 20%", "0 0%"],
    }


# --------------------------------------------------------------------------------------------
# escaping, code and unknown markers


def test_user_text_is_escaped(built: Any) -> None:
    soup = built.html("gaps.md")
    for view in soup.select("div.gapcheck"):
        assert view.find("script") is None
    row = soup.find(id="gapcheck-gap-dr")
    assert text(row.td) == "Disaster <script>alert(1)</script> | Recovery"
    assert len(row.find_all("td", recursive=False)) == 6
    raw = built.output_path("gaps.md").read_text(encoding="utf-8")
    assert "Disaster &lt;script&gt;alert(1)&lt;/script&gt; | Recovery" in raw


def test_markers_in_code_stay_text(built: Any) -> None:
    soup = built.html("index.md")
    codes = [text(c) for c in soup.select("code")]
    assert "<!-- gapcheck:matrix -->" in codes
    assert any("<!-- gapcheck:grid -->" in c for c in codes)
    assert len(views(soup, "matrix")) == 0 and len(views(soup, "grid")) == 0
    for page in FILES:
        assert "gapcheck-slot" not in built.output_path(page).read_text(encoding="utf-8")


def test_unknown_markers_warn_and_render_nothing(site: Any) -> None:
    files = {
        "index.md": "# Home\n\n<!-- gapcheck:bogus -->\n\n<!-- gapcheck:matrix foo=bar -->\n\n"
        "<!-- gapcheck:index kind=wiki -->\n\nEnd.\n",
    }
    built = site(files)
    built.expect_warnings(
        "docs/index.md:3: unknown-marker: unknown marker 'gapcheck:bogus'",
        "docs/index.md:5: unknown-marker: unknown filter 'foo=bar'",
        "docs/index.md:7: unknown-marker: filter 'kind=wiki'",
    )
    soup = built.html("index.md")
    assert not soup.select(".gapcheck")
    assert "gapcheck:" not in text(soup.body)


# --------------------------------------------------------------------------------------------
# backlinks


def test_backlinks_under_gap_headings_and_on_addressing_pages(built: Any) -> None:
    soup = built.html("gaps.md")
    heading = soup.find(id="1-security-compliance")
    block = heading.find_next_sibling()
    assert "gapcheck-backlinks" in block["class"]
    assert [text(a) for a in block.select("a")] == [
        "Send audit events to one log", "Deployment strategy", "Discovery", "Quick wins"
    ]
    check_links(built, "gaps.md", block)
    money = soup.find(id="money-matters").find_next_sibling()
    assert "gapcheck-backlinks" in money["class"]
    vendor = soup.find(id="vendor-lock-in").find_next_sibling()
    assert text(vendor.select_one(".gapcheck-accepted")) == "risk accepted"

    adr = built.html("adr/0003-canary.md")
    top = adr.select_one("div.gapcheck-addresses")
    assert top is not None
    assert top.find_previous("h1") is not None  # under the page title
    assert [text(li) for li in top.select("li")] == [
        "critical Disaster <script>alert(1)</script> | Recovery", "medium Cost"
    ]
    links = [a["href"] for a in top.select("a")]
    assert links[1].endswith("#money-matters")
    check_links(built, "adr/0003-canary.md", top)
    old = built.html("adr/0002-rollback.md").select_one("div.gapcheck-addresses")
    assert "no longer counts" in text(old)


def test_backlinks_are_searchable(built: Any) -> None:
    index = json.loads((built.site_dir / "search" / "search_index.json").read_text("utf-8"))
    texts = [doc["text"] for doc in index["docs"] if doc["location"].startswith("adr/0001")]
    # Material's search keeps markup in the text ('&amp;'), MkDocs' does not
    titles = ("Security &amp; Compliance", "Security & Compliance")
    assert any("Addresses" in t and any(s in t for s in titles) for t in texts), texts
    gap_texts = [doc["text"] for doc in index["docs"] if "1-security-compliance" in doc["location"]]
    assert any("Addressed by" in t and "Send audit events to one log" in t for t in gap_texts)


def test_backlinks_can_be_turned_off(site: Any) -> None:
    conf = _config(THEMES[0], True)
    conf["plugins"] = [{"gapcheck": {"backlinks": False, "rules": {"stale-runbook": "off"}}}]
    built = site(FILES, conf)
    built.expect_warnings(UNCOVERED)
    assert not built.html("gaps.md").select(".gapcheck-backlinks")
    assert not built.html("adr/0001-audit-log.md").select(".gapcheck-backlinks")
    assert views(built.html("gaps.md"), "matrix")  # the views stay


# --------------------------------------------------------------------------------------------
# stylesheet, determinism, unit-level details


def test_stylesheet_is_linked_and_built(built: Any) -> None:
    for page in ("index.md", "nested/deep/page.md"):
        soup = built.html(page)
        hrefs = [link["href"] for link in soup.select("link[rel=stylesheet]")
                 if "gapcheck.css" in link["href"]]
        assert len(hrefs) == 1
        path, _ = resolve(built, page, hrefs[0])
        assert path == built.site_dir / "assets" / "gapcheck" / "gapcheck.css"
    css = (built.site_dir / "assets" / "gapcheck" / "gapcheck.css").read_text("utf-8")
    assert ".gapcheck-tone-0" in css and '[data-md-color-scheme="slate"]' in css
    assert not (built.root / "docs" / "assets").exists()  # nothing written into docs_dir


@pytest.mark.parametrize("theme", THEMES, ids=lambda t: t["name"])
def test_two_builds_are_byte_identical(tmp_path: Path, theme: dict[str, Any]) -> None:
    outputs = []
    for name in ("one", "two"):
        root = write_site(tmp_path / name, FILES, _config(theme, False))
        result = build_site(root)
        assert result.error is None
        outputs.append({
            p.relative_to(result.site_dir).as_posix(): p.read_bytes()
            for p in sorted(result.site_dir.rglob("*"))
            if p.suffix in (".html", ".css", ".json") and p.is_file()
        })
    assert outputs[0].keys() == outputs[1].keys()
    for key in outputs[0]:
        assert outputs[0][key] == outputs[1][key], key


def test_two_matrices_on_one_page_keep_ids_unique(site: Any) -> None:
    files = {
        "gaps.md": "---\ngaps:\n  - {id: a, title: Alpha, severity: high}\n"
        "  - {id: b, title: Beta, severity: low}\n---\n# Gaps\n\n"
        "<!-- gapcheck:matrix scope=page -->\n\n<!-- gapcheck:matrix status=open -->\n",
        "plan.md": "---\naddresses: [a, b]\n---\n# Plan\n",
    }
    built = site(files)
    built.expect_clean()
    first, second = views(built.html("gaps.md"), "matrix")
    assert row_ids(first) == ["gapcheck-gap-a", "gapcheck-gap-b"]
    assert row_ids(second) == [None, None]


def test_scope_page_shows_only_this_pages_gaps(site: Any) -> None:
    files = {
        "one.md": "---\ngaps:\n  - {id: a, title: Alpha, severity: high}\n---\n# One\n\n"
        "<!-- gapcheck:matrix scope=page -->\n",
        "two.md": "---\ngaps:\n  - {id: b, title: Beta, severity: low}\n---\n# Two\n",
        "plan.md": "---\naddresses: [a, b]\n---\n# Plan\n",
    }
    built = site(files)
    built.expect_clean()
    (matrix,) = views(built.html("one.md"), "matrix")
    assert row_ids(matrix) == ["gapcheck-gap-a"]


def test_marker_inside_paragraph_and_list(site: Any) -> None:
    files = {
        "gaps.md": "---\ngaps:\n  - {id: a, title: Alpha, severity: high}\n---\n# Gaps\n\n"
        "- item\n\n    <!-- gapcheck:coverage -->\n\nSee: <!-- gapcheck:coverage --> here.\n",
        "plan.md": "---\naddresses: [a]\n---\n# Plan\n",
    }
    built = site(files)
    built.expect_clean()
    assert len(views(built.html("gaps.md"), "coverage")) == 2


@pytest.mark.parametrize(
    ("count", "tones"),
    [
        (1, [0]),
        (3, [0, 2, 4]),
        (4, [0, 1, 2, 4]),
        (5, [0, 1, 2, 3, 4]),
        (7, [0, 1, 1, 2, 3, 3, 4]),
    ],
)
def test_severity_tones_span_red_to_grey(count: int, tones: list[int]) -> None:
    assert [render.tone(i, count) for i in range(count)] == tones


def test_heading_text_strips_markup() -> None:
    assert render.heading_text("1. Security &amp; <code>Compliance</code>") == (
        "1. Security & Compliance"
    )


def test_wrong_section_warns_at_the_anchor_level_and_falls_back(site: Any) -> None:
    files = {
        "gaps.md": "---\ngaps:\n  - id: a\n    title: Alpha\n    severity: high\n"
        "    section: nowhere\n---\n# Gaps\n\n## The alpha gap\n\n<!-- gapcheck:matrix -->\n",
        "plan.md": "---\naddresses: [a]\n---\n# Plan\n",
    }
    built = site(files, {"validation": {"links": {"anchors": "warn"}}})
    built.expect_warnings(
        "docs/gaps.md:3: gap 'a' has section 'nowhere', but no heading of the page has that "
        "anchor; the views link to '#the-alpha-gap' instead"
    )
    (matrix,) = views(built.html("gaps.md"), "matrix")
    assert matrix.select_one("td.gapcheck-gap a")["href"] == "#the-alpha-gap"
    # MkDocs' default level for anchors is info: a default build stays clean
    quiet = site(files)
    quiet.expect_clean()


def test_disabled_plugin_renders_nothing(site: Any) -> None:
    conf = {"plugins": [{"gapcheck": {"enabled": False}}]}
    built = site(FILES, conf)
    built.expect_clean()
    soup = built.html("gaps.md")
    assert not soup.select(".gapcheck")
    assert not [link for link in soup.select("link[rel=stylesheet]") if "gapcheck" in link["href"]]
    assert not (built.site_dir / "assets" / "gapcheck").exists()


def test_marker_in_an_indented_code_block_shows_as_written(site: Any) -> None:
    files = {
        "index.md": "# Home\n\nA marker:\n\n    <!-- gapcheck:coverage severity=high -->\n\nEnd.\n",
    }
    built = site(files)
    built.expect_clean()
    soup = built.html("index.md")
    assert not views(soup, "coverage")
    assert text(soup.select_one("pre code")) == "<!-- gapcheck:coverage severity=high -->"


#: a matrix override: a list instead of a table, using the package's macros and a user string
#: in text and in an attribute
OVERRIDE = """\
{% import "gapcheck/_macros.html" as m %}
<div class="gapcheck gapcheck-matrix my-matrix"><ol>
{% for row in rows %}
<li class="my-row" id="{{ row.row_id }}" title="{{ row.gap.title }}">{{ row.gap.title }}
{{ m.badge(row.severity) }} {{ row.gap.state }}</li>
{% endfor %}
</ol></div>
"""


def _site_with_override(root: Path, theme: dict[str, Any]) -> tuple[Path, Path]:
    """The test site with OVERRIDE as custom_dir/gapcheck/matrix.html: (site, override)."""
    root = write_site(root, FILES, _config({**theme, "custom_dir": "overrides"}, True))
    override = root / "overrides" / "gapcheck" / "matrix.html"
    override.parent.mkdir(parents=True)
    override.write_text(OVERRIDE, encoding="utf-8")
    return root, override


@pytest.mark.parametrize("theme", THEMES, ids=lambda t: t["name"])
def test_a_template_in_custom_dir_replaces_the_view(tmp_path: Path, theme: dict[str, Any]) -> None:
    root, _ = _site_with_override(tmp_path / "custom", theme)
    built = build_site(root)
    built.expect_warnings(UNCOVERED)
    assert built.error is None
    soup = built.html("gaps.md")
    (matrix,) = soup.select("div.my-matrix")
    assert not matrix.select("table")
    rows = matrix.select("li.my-row")
    assert [li["id"] for li in rows][:2] == ["gapcheck-gap-dr", "gapcheck-gap-security"]
    title = "Disaster <script>alert(1)</script> | Recovery"
    assert text(rows[0]) == f"{title} critical covered"
    assert rows[0]["title"] == title
    # the user string is escaped in the override too: text, attribute, no script element
    assert matrix.find("script") is None
    raw = built.output_path("gaps.md").read_text(encoding="utf-8")
    escaped = "Disaster &lt;script&gt;alert(1)&lt;/script&gt; | Recovery"
    assert f'title="{escaped}">{escaped}' in raw
    # the other views keep the package's markup
    assert views(soup, "grid")[0].select("table")
    assert not views(built.html("nested/deep/page.md"), "matrix")[0].select("table")


def test_an_edited_template_shows_in_the_next_build(tmp_path: Path) -> None:
    # compiled templates are cached (in memory and in Jinja's bytecode cache): an edit to an
    # override must still reach the next build, as in mkdocs serve
    root, override = _site_with_override(tmp_path / "edited", THEMES[0])
    first = build_site(root)
    first.expect_warnings(UNCOVERED)
    assert len(first.html("gaps.md").select("div.my-matrix")) == 1
    override.write_text(OVERRIDE.replace("my-matrix", "edited-matrix"), encoding="utf-8")
    os.utime(override, (1_900_000_000, 1_900_000_000))  # a later mtime, whatever the clock
    second = build_site(root)
    second.expect_warnings(UNCOVERED)
    soup = second.html("gaps.md")
    assert not soup.select("div.my-matrix")
    assert len(soup.select("div.edited-matrix")) == 1


def test_properdocs_builds_the_views(tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    if shutil.which("properdocs") is None:
        pytest.skip("properdocs is not installed")
    root = write_site(tmp_path / "pd", FILES, _config(THEMES[0], True))
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600", "PROPERDOCS_NO_WARNING": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "properdocs", "build", "-f", str(root / "mkdocs.yml"),
         "-d", str(root / "site")],
        capture_output=True, text=True, env=env, check=False, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    warnings = [line for line in run.stderr.splitlines() if line.startswith("WARNING")]
    assert len(warnings) == 1 and "uncovered-gap" in warnings[0], run.stderr
    from bs4 import BeautifulSoup

    soup = BeautifulSoup((root / "site" / "gaps" / "index.html").read_text("utf-8"), "html.parser")
    assert row_ids(views(soup, "matrix")[0])[0] == "gapcheck-gap-dr"
    assert soup.select(".gapcheck-backlinks")
    assert (root / "site" / "assets" / "gapcheck" / "gapcheck.css").is_file()


def test_a_page_read_but_not_built_is_named_without_a_link(site: Any, tmp_path: Path) -> None:
    """A page gapcheck read that another plugin drops after its on_nav is not built: every
    view names it as text, not as a link to a page that does not exist, also when one view
    names it twice (the matrix's addressing item, then the index row, from the view's cache)."""
    hook = tmp_path / "drop.py"
    hook.write_text(
        "from mkdocs.plugins import event_priority\n"
        "@event_priority(-200)\n"
        "def on_nav(nav, config, files):\n"
        "    files.remove(files.get_file_from_path('adr/0002-dropped.md'))\n",
        encoding="utf-8",
    )
    files = {
        "gaps.md": "---\ngaps:\n  - {id: a, title: Alpha, severity: high}\n---\n# Gaps\n\n"
        "## Alpha\n\n<!-- gapcheck:matrix -->\n\n<!-- gapcheck:index kind=adr -->\n",
        "adr/0001-kept.md": "---\nstatus: accepted\naddresses: [a]\n---\n# Kept <&> decision\n",
        "adr/0002-dropped.md": "---\nstatus: accepted\naddresses: [a]\n---\n"
        "# Dropped <&> decision\n",
    }
    built = site(files, {"hooks": [str(hook)]})
    built.expect_clean()
    assert not built.output_path("adr/0002-dropped.md").exists()
    soup = built.html("gaps.md")
    (matrix,) = views(soup, "matrix")
    (index,) = views(soup, "index")
    for table in (matrix, index):
        kept = table.find("a", string="Kept <&> decision")
        assert kept is not None and kept["href"].endswith("0001-kept/"), table
        (dropped,) = table.find_all(string="Dropped <&> decision")
        assert dropped.parent.name == "span", dropped.parent
        assert dropped.find_parent("a") is None
    (backlinks,) = soup.select(".gapcheck-backlinks")
    assert [a.get_text() for a in backlinks.find_all("a")] == ["Kept <&> decision"]
    assert "Dropped <&> decision" in backlinks.get_text()
    assert [check_links(built, "gaps.md", node) for node in (matrix, index, backlinks)] == [2, 3, 1]
