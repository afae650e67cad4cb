"""The model as data: the export shape, CSV, GitHub annotations, SARIF and the text lines."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

from hypothesis import given
from hypothesis import strategies as st

from mkdocs_gapcheck import export
from mkdocs_gapcheck.core import SourceFile, analyze
from mkdocs_gapcheck.model import RULES, Finding, Model
from mkdocs_gapcheck.options import Options

DAY = dt.date(2026, 11, 21)

GAPS = """\
---
gaps:
  - id: security
    title: Security & Compliance
    severity: high
    effort: medium
    timing: Month 1 checkpoint
  - id: dr
    title: Disaster recovery
    severity: critical
    effort: low
    status: in-progress
  - id: docs
    title: Knowledge management
    severity: low
---
# Gaps
"""


def model(**pages: str) -> Model:
    sources = {"gaps.md": GAPS, **pages}
    return analyze([SourceFile(p, t) for p, t in sources.items()], Options(), on=DAY)


def sample() -> Model:
    return model(**{
        "adr/0002-b.md": "---\naddresses: [security, dr]\n---\n# B\n",
        "adr/0001-a.md": "---\nstatus: accepted\naddresses: dr\n---\n# A\n",
        "runbooks/drill.md": "---\nlast_tested: 2026-11-01\n---\n# Drill\n",
        "plain.md": "# Plain\n",
    })


def test_export_shape_and_order() -> None:
    data = export.as_data(sample())
    assert sorted(data) == ["findings", "gaps", "pages"]
    assert [g["id"] for g in data["gaps"]] == ["dr", "security", "docs"]  # matrix order
    assert data["gaps"][0] == {
        "id": "dr", "title": "Disaster recovery", "severity": "critical", "effort": "low",
        "timing": None, "status": "in-progress", "page": "gaps.md", "line": 8,
        "addressed_by": ["adr/0001-a.md", "adr/0002-b.md"],
    }
    # pages by path, ordinary pages left out
    assert [p["path"] for p in data["pages"]] == [
        "adr/0001-a.md", "adr/0002-b.md", "gaps.md", "runbooks/drill.md",
    ]
    assert data["pages"][0] == {
        "path": "adr/0001-a.md", "kind": "adr", "title": "A", "addresses": ["dr"],
    }
    assert [(f["file"], f["line"], f["rule"]) for f in data["findings"]] == [
        ("gaps.md", 13, "uncovered-gap"), ("runbooks/drill.md", 2, "orphan-page"),
    ]


def test_json_is_deterministic_and_unicode() -> None:
    first = export.to_json(model(**{"é.md": "---\ntitle: Café\naddresses: [security]\n---\n"}))
    second = export.to_json(model(**{"é.md": "---\ntitle: Café\naddresses: [security]\n---\n"}))
    assert first == second and first.endswith("}\n") and '"Café"' in first


def test_check_json_adds_a_summary() -> None:
    data = export.check_data(sample(), "docs/")
    assert data["summary"] == {
        "docs_dir": "docs", "pages": 5, "gaps": 3,
        "findings": {"error": 0, "warn": 2, "info": 0}, "baselined": 0, "failed": True,
    }
    assert export.check_data(sample(), "")["summary"]["docs_dir"] == "."
    assert json.loads(export.to_check_json(sample())) == export.check_data(sample())


def test_csv_rows_in_matrix_order() -> None:
    rows = list(csv.reader(io.StringIO(export.to_csv(sample()))))
    assert rows == [
        list(export.CSV_COLUMNS),
        ["dr", "Disaster recovery", "critical", "low", "", "in-progress", "gaps.md", "8",
         "adr/0001-a.md; adr/0002-b.md"],
        ["security", "Security & Compliance", "high", "medium", "Month 1 checkpoint", "open",
         "gaps.md", "3", "adr/0002-b.md"],
        ["docs", "Knowledge management", "low", "", "", "open", "gaps.md", "13", ""],
    ]


def test_csv_guards_against_formulas() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert export._cell(f"{start}SUM(A1)") == f"'{start}SUM(A1)"
    assert export._cell("a=b") == "a=b" and export._cell(None) == "" and export._cell(3) == 3


@given(st.lists(st.lists(st.text(), min_size=1, max_size=4), min_size=1, max_size=3))
def test_csv_cells_round_trip(rows: list[list[str]]) -> None:
    """Whatever the text (commas, quotes, CR, LF), a cell reads back as written, guard and all."""
    text = export.write_csv([[export._cell(t) for t in row] for row in rows])
    read = list(csv.reader(io.StringIO(text, newline="")))
    expected = [
        [("'" + t if t.startswith(export._FORMULA_START) else t) for t in row] for row in rows
    ]
    assert read == expected


def test_text_lines() -> None:
    findings = [
        Finding("uncovered-gap", "warn", "gaps.md", 14, "high gap 'x' is addressed by no page"),
        Finding("orphan-page", "error", "adr/1.md", 2, "adr page addresses no gap"),
        Finding("stale-runbook", "info", "r.md", 3, "runbook has no last_tested date"),
    ]
    assert export.to_text(findings, "docs/") == (
        "docs/gaps.md:14: uncovered-gap: high gap 'x' is addressed by no page\n"
        "docs/adr/1.md:2: error: orphan-page: adr page addresses no gap\n"
        "docs/r.md:3: info: stale-runbook: runbook has no last_tested date\n"
    )
    assert export.to_text([]) == ""


def test_summary_line() -> None:
    assert export.summary_line(model()) == (
        "gapcheck: 3 findings (3 warnings) in 1 page and 3 gaps"
    )
    clean = model(**{"p.md": "---\naddresses: [security, dr, docs]\n---\n"})
    assert export.summary_line(clean) == "gapcheck: no findings in 2 pages and 3 gaps"
    one = analyze([SourceFile("g.md", GAPS.replace("- id: dr", "- id: x").split("  - id: x")[0]
                              + "---\n")], Options(rules={"uncovered-gap": "error"}), on=DAY)
    assert export.summary_line(one) == "gapcheck: 1 finding (1 error) in 1 page and 1 gap"


def test_github_commands_and_levels() -> None:
    findings = [
        Finding("uncovered-gap", "warn", "gaps.md", 14, "msg"),
        Finding("orphan-page", "error", "a.md", 2, "msg"),
        Finding("stale-runbook", "info", "b.md", 3, "msg"),
    ]
    assert export.to_github(findings, "docs/").splitlines() == [
        "::warning file=docs/gaps.md,line=14,title=uncovered-gap::msg",
        "::error file=docs/a.md,line=2,title=orphan-page::msg",
        "::notice file=docs/b.md,line=3,title=stale-runbook::msg",
    ]


def test_github_escaping() -> None:
    finding = Finding("unknown-gap", "warn", "a,b:c%.md", 1, "50% done\r\nnext: a, b")
    assert export.to_github([finding]) == (
        "::warning file=a%2Cb%3Ac%25.md,line=1,title=unknown-gap::50%25 done%0D%0Anext: a, b\n"
    )


def _unescape(text: str) -> str:
    return re.sub(r"%(25|0D|0A|3A|2C)", lambda m: bytes.fromhex(m[1]).decode(), text)


@given(st.text())
def test_github_escaping_round_trips(text: str) -> None:
    data, prop = export._github_data(text), export._github_property(text)
    assert "\n" not in data and "\r" not in data
    assert not set(prop) & {"\n", "\r", ",", ":"}
    assert _unescape(data) == text and _unescape(prop) == text


def test_sarif_rules_and_results() -> None:
    sarif = export.sarif_data(sample(), "docs/")
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(RULES)
    assert rules[0]["shortDescription"]["text"] == RULES["bad-front-matter"].summary
    assert rules[4]["name"] == "UncoveredGap"
    results = run["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("uncovered-gap", "warning"), ("orphan-page", "warning"),
    ]
    assert results[1]["ruleIndex"] == list(RULES).index("orphan-page")
    assert results[1]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "docs/runbooks/drill.md", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 2},
    }
    assert export.to_sarif(sample()) == export.to_sarif(sample())


def test_sarif_levels_and_uri_encoding() -> None:
    m = model()
    m.findings = [
        Finding("uncovered-gap", "error", "my plan/gaps #1.md", 3, "e"),
        Finding("orphan-page", "info", "a.md", 2, "i"),
        Finding("future-rule", "warn", "a.md", 4, "w"),
    ]
    results = export.sarif_data(m)["runs"][0]["results"]
    assert [r["level"] for r in results] == ["error", "note", "warning"]
    uri = results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "my%20plan/gaps%20%231.md"
    assert "ruleIndex" not in results[2]  # a rule the metadata does not list


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def _records(text: str) -> dict[str, list[str]]:
    """The record lines of an export, by list: each list opens with its key's line and each
    record is one line (its comma dropped)."""
    found: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.split("\n")[1:-2]:
        if line.startswith("    "):
            current.append(line[4:].removesuffix(","))
        elif line not in ("  ]", "  ],"):
            key, _ = json.JSONDecoder().raw_decode(line[2:])
            current = found.setdefault(key, [])
    return found


def test_export_json_is_sorted_indented_and_parses_back() -> None:
    model = analyze([SourceFile("gaps.md", GAPS)], Options(), on=DAY)
    data = export.as_data(model)
    assert data["gaps"] and data["findings"]
    text = export.to_json(model)
    assert json.loads(text) == data
    assert text == json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
