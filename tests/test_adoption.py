"""Adopting gapcheck on a site that exists: no gaps yet, the baseline, one mistake one finding,
accepted risks that expire, and `gapcheck new` on any day."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import build_config, build_site, write_site

from mkdocs_gapcheck.cli import main

GAPS = """
    ---
    gaps:
      - id: backups
        title: No tested backups
        severity: high
      - id: audit-log
        title: No audit log
        severity: high
      - id: on-call
        title: On-call load
        severity: medium
    ---
    # Gaps
    """


def madr(title: str, extra: str = "") -> str:
    """An ADR as MADR writes it: status and date, no gapcheck keys unless ``extra``."""
    return f"---\nstatus: accepted\ndate: 2024-03-01\n{extra}---\n\n# {title}\n"


def check(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    code = main(["check", "-f", str(root / "mkdocs.yml"), *args])
    out, err = capsys.readouterr()
    return code, out, err


def baseline(capsys: pytest.CaptureFixture[str], root: Path) -> str:
    assert main(["baseline", "-f", str(root / "mkdocs.yml")]) == 0
    return capsys.readouterr().out


def warnings_of(built: Any) -> list[str]:
    return built.findings(logging.WARNING)


# --- no gaps, no orphans ---------------------------------------------------------------------


def test_madr_site_without_gaps_builds_strict_and_indexes_its_adrs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_site(tmp_path / "madr", {
        "index.md": "# Decisions\n\n<!-- gapcheck:index kind=adr -->\n",
        "decisions/0001-record-decisions.md": madr("Record architecture decisions"),
        "decisions/0002-use-postgresql.md": madr("Use PostgreSQL"),
        "decisions/0003-nightly-backups.md": madr("Take nightly backups"),
    }, {"theme": {"name": "mkdocs"}})
    built = build_site(root, strict=True)
    built.expect_clean()
    notes = built.findings(logging.INFO)
    assert len(notes) == 1 and "no page defines a gap yet" in notes[0]
    assert "3 ADR, runbook and roadmap pages" in notes[0]
    rows = built.html("index.md").select(".gapcheck-index tbody tr")
    assert [r.find("a").get_text(strip=True) for r in rows] == [
        "Record architecture decisions", "Use PostgreSQL", "Take nightly backups",
    ]
    code, out, err = check(capsys, root)
    assert (code, out) == (0, "") and "gapcheck: note: no page defines a gap yet" in err


# --- the baseline ----------------------------------------------------------------------------


def _site_with_findings(root: Path) -> Path:
    return write_site(root, {
        "gaps.md": GAPS,
        "decisions/0001-record-decisions.md": madr("Record decisions"),
        "decisions/0002-use-postgresql.md": madr("Use PostgreSQL"),
        "decisions/0003-nightly-backups.md": madr("Nightly backups", "addresses: [backups]\n"),
    }, {"theme": {"name": "mkdocs"}})


def test_baseline_then_only_new_findings_fail(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    root = _site_with_findings(tmp_path / "s")
    code, out, _ = check(capsys, root)
    assert code == 1 and out.count("\n") == 4  # two orphans, two uncovered gaps

    said = baseline(capsys, root)
    assert "wrote gapcheck-baseline.json: 4 findings held back (4 new, 0 dropped)" in said
    data = json.loads((root / "gapcheck-baseline.json").read_text(encoding="utf-8"))
    assert data == {"version": 1, "entries": [
        {"file": "decisions/0001-record-decisions.md", "rule": "orphan-page",
         "subject": "decisions/0001-record-decisions.md"},
        {"file": "decisions/0002-use-postgresql.md", "rule": "orphan-page",
         "subject": "decisions/0002-use-postgresql.md"},
        {"file": "gaps.md", "rule": "uncovered-gap", "subject": "audit-log"},
        {"file": "gaps.md", "rule": "uncovered-gap", "subject": "on-call"},
    ]}
    code, out, err = check(capsys, root)
    assert code == 0 and out.count("[baselined]\n") == 4 and out.count(": info: ") == 4
    assert "4 info, 4 of them baselined" in err
    built = build_site(root, strict=True)
    built.expect_clean()
    held = built.findings(logging.INFO)
    assert len(held) == 4 and all(m.endswith(" [baselined]") for m in held)

    # a new uncovered gap fails both, with exactly that finding
    gaps = (root / "docs" / "gaps.md").read_text(encoding="utf-8")
    (root / "docs" / "gaps.md").write_text(gaps.replace(
        "---\n# Gaps", "  - id: status-page\n    title: No status page\n    severity: low\n"
        "---\n# Gaps"), encoding="utf-8")
    code, out, _ = check(capsys, root)
    failing = [line for line in out.splitlines() if ": info: " not in line]
    assert code == 1 and failing == [
        "docs/gaps.md:12: uncovered-gap: low gap 'status-page' (No status page) is addressed "
        "by no page; add 'status-page' to the addresses of a page that remediates it, or set "
        "status: accepted with a rationale"
    ]
    built = build_site(root, strict=True)
    built.expect_warnings("docs/gaps.md:12: uncovered-gap: low gap 'status-page'")
    assert len(warnings_of(built)) == 1 and built.error is not None

    # fixing a baselined finding leaves a stale entry (info), which the next baseline drops
    (root / "docs" / "gaps.md").write_text(gaps, encoding="utf-8")
    (root / "docs" / "decisions" / "0004-audit-log.md").write_text(
        madr("Central audit log", "addresses: [audit-log]\n"), encoding="utf-8")
    code, out, _ = check(capsys, root)
    stale = [line for line in out.splitlines() if "stale-baseline" in line]
    assert code == 0 and stale == [
        "docs/gaps.md:6: info: stale-baseline: the baseline gapcheck-baseline.json holds back "
        "uncovered-gap for 'audit-log', but no such finding is left (fixed, or renamed); run "
        "`gapcheck baseline` to drop the entry"
    ]
    built = build_site(root, strict=True)
    built.expect_clean()
    assert any("stale-baseline" in m for m in built.findings(logging.INFO))
    assert "3 findings held back (0 new, 1 dropped)" in baseline(capsys, root)
    code, out, _ = check(capsys, root)
    assert code == 0 and "stale-baseline" not in out
    assert "audit-log" not in (root / "gapcheck-baseline.json").read_text(encoding="utf-8")


def test_baseline_keys_survive_edits_that_move_lines(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    root = _site_with_findings(tmp_path / "s")
    baseline(capsys, root)
    gaps = root / "docs" / "gaps.md"
    # lines above every gap, and the gaps reordered: every finding moves
    text = gaps.read_text(encoding="utf-8").replace(
        "---\ngaps:\n", "---\n# reviewed in the planning meeting\ntitle: Gaps\ngaps:\n")
    gaps.write_text(text, encoding="utf-8")
    adr = root / "docs" / "decisions" / "0002-use-postgresql.md"
    adr.write_text(adr.read_text(encoding="utf-8").replace(
        "---\nstatus", "---\n# MADR 3.0\ndeciders: [platform]\nstatus"), encoding="utf-8")
    code, out, _ = check(capsys, root)
    assert code == 0, out
    assert out.count("[baselined]") == 4 and "stale-baseline" not in out
    assert "docs/gaps.md:8: info: uncovered-gap" in out  # audit-log, two lines further down


def test_sarif_fingerprints_and_suppressions(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    root = _site_with_findings(tmp_path / "s")
    baseline(capsys, root)
    (root / "docs" / "decisions" / "0005-new.md").write_text(madr("New"), encoding="utf-8")
    code, out, _ = check(capsys, root, "--format", "sarif")
    results = json.loads(out)["runs"][0]["results"]
    assert code == 1 and len(results) == 5
    by_print = {r["partialFingerprints"]["gapcheck/v1"]: r for r in results}
    assert sorted(by_print) == [
        "orphan-page:decisions/0001-record-decisions.md:decisions/0001-record-decisions.md",
        "orphan-page:decisions/0002-use-postgresql.md:decisions/0002-use-postgresql.md",
        "orphan-page:decisions/0005-new.md:decisions/0005-new.md",
        "uncovered-gap:gaps.md:audit-log",
        "uncovered-gap:gaps.md:on-call",
    ]
    new = by_print.pop("orphan-page:decisions/0005-new.md:decisions/0005-new.md")
    assert new["level"] == "warning" and "suppressions" not in new
    for result in by_print.values():
        assert result["level"] == "note"
        assert result["suppressions"] == [{"kind": "external"}]
    code, out, _ = check(capsys, root, "--format", "json")
    findings = json.loads(out)["findings"]
    assert [f["baselined"] for f in findings] == [True, True, False, True, True]
    assert {f["subject"] for f in findings} >= {"audit-log", "decisions/0005-new.md"}


def test_baseline_option_false_and_a_broken_baseline(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    root = _site_with_findings(tmp_path / "s")
    baseline(capsys, root)
    config = root / "mkdocs.yml"
    plain = config.read_text(encoding="utf-8")
    config.write_text(plain.replace("- gapcheck", "- gapcheck:\n    baseline: false"),
                      encoding="utf-8")
    assert check(capsys, root)[0] == 1  # the file is there, but ignored
    code, _, err = main(["baseline", "-f", str(config)]), *capsys.readouterr()
    assert code == 2 and "baseline: false" in err

    config.write_text(plain.replace("- gapcheck", "- gapcheck:\n    baseline: ci/held.json"),
                      encoding="utf-8")
    (root / "ci").mkdir()
    baseline(capsys, root)
    assert (root / "ci" / "held.json").is_file() and check(capsys, root)[0] == 0

    (root / "ci" / "held.json").write_text('{"entries": [}', encoding="utf-8")
    code, out, err = check(capsys, root)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "ci/held.json:1: not valid JSON" in err and "gapcheck baseline" in err
    built = build_site(root)
    built.checked = True
    logged = built.messages(logging.ERROR)
    assert built.error is not None and any("ci/held.json:1: not valid JSON" in m for m in logged)
    assert not any("Traceback" in m for m in logged)


# --- one mistake, one finding ----------------------------------------------------------------

ADDRESSING = {
    "decisions/0001-a.md": madr("A", "addresses: [backups, audit-log]\n"),
    "decisions/0002-b.md": madr("B", "addresses: [backups]\n"),
    "decisions/0003-c.md": madr("C", "addresses: [on-call, audit-log]\n"),
    "plan.md": "---\naddresses: [backups, on-call]\n---\n# Plan\n",
}


@pytest.mark.parametrize(("gaps", "expected"), [
    pytest.param(
        GAPS.replace("        severity: high\n      - id: audit-log",
                     "         severity: high\n      - id: audit-log"),
        "docs/gaps.md:5: bad-front-matter: not valid YAML: mapping values are not allowed",
        id="one-space-indent-slip",
    ),
    pytest.param(
        GAPS.replace("title: No audit log\n        severity: high",
                     "title: No audit log\n        severity: hgih"),
        "docs/gaps.md:8: invalid-gap: gap 'audit-log': severity 'hgih' is not one of",
        id="severity-typo",
    ),
])
def test_a_broken_gap_gives_one_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        gaps: str, expected: str) -> None:
    root = write_site(tmp_path / "s", {"gaps.md": gaps, **ADDRESSING},
                      {"theme": {"name": "mkdocs"}})
    built = build_site(root, strict=True)
    built.expect_warnings(expected)
    assert len(warnings_of(built)) == 1, warnings_of(built)
    assert built.findings(logging.INFO) == []  # no note, no unknown-gap at any level
    code, out, _ = check(capsys, root)
    assert code == 1 and out.count("\n") == 1 and out.startswith(expected)


def test_broken_yaml_in_an_adr_is_one_finding_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = "---\nstatus: accepted\ndate: 2024-03-01\naddresses: [backups, dr\n---\n\n# C\n"
    root = write_site(tmp_path / "s", {
        "gaps.md": GAPS.replace("      - id: audit-log", "        status: resolved\n"
                                "      - id: audit-log"),
        **ADDRESSING,
        "decisions/0003-c.md": broken,
    }, {"theme": {"name": "mkdocs"}})
    built = build_site(root, strict=True)
    expected = ("docs/decisions/0003-c.md:4: bad-front-matter: not valid YAML: the '[' opened "
                "on this line is never closed")
    built.expect_warnings(expected)
    assert len(warnings_of(built)) == 1, warnings_of(built)  # no orphan-page
    code, out, _ = check(capsys, root)
    assert code == 1 and out == expected + "\n"


def test_a_reference_to_a_real_unknown_id_is_still_reported(tmp_path: Path) -> None:
    """Unjudged ids are only those the broken gap page seems to define."""
    root = write_site(tmp_path / "s", {
        "gaps.md": GAPS.replace("        severity: high\n      - id: audit-log",
                                "         severity: high\n      - id: audit-log"),
        "plan.md": "---\naddresses: [backups, nosuch]\n---\n# Plan\n",
    }, {"theme": {"name": "mkdocs"}})
    built = build_site(root)
    built.expect_warnings("docs/gaps.md:5: bad-front-matter",
                          "docs/plan.md:2: unknown-gap: addresses 'nosuch'")


# --- accepted_until ---------------------------------------------------------------------------

ACCEPTED = """
    ---
    gaps:
      - id: vendor
        title: Vendor lock-in
        severity: low
        status: accepted
        rationale: Cheaper while we are small.
        accepted_until: {until}
    ---
    # Gaps

    <!-- gapcheck:matrix -->

    <!-- gapcheck:coverage -->
    """


def test_accepted_until(tmp_path: Path) -> None:
    # today is 2026-11-21 (conftest)
    built = build_site(write_site(tmp_path / "ok", {"gaps.md": ACCEPTED.format(
        until="2026-11-21")}, {"theme": {"name": "mkdocs"}}), strict=True)
    built.expect_clean()
    assert "risk accepted until 2026-11-21" in built.html("gaps.md").get_text()

    root = write_site(tmp_path / "old", {"gaps.md": ACCEPTED.format(until="2026-11-20")},
                      {"theme": {"name": "mkdocs"}})
    built = build_site(root)
    built.expect_warnings(
        "docs/gaps.md:8: acceptance-expired: accepted gap 'vendor' (Vendor lock-in): its "
        "acceptance ran until 2026-11-20 (1 days ago), so it counts as open again and no page "
        "addresses it"
    )
    assert len(warnings_of(built)) == 1  # not uncovered-gap as well
    soup = built.html("gaps.md")
    row = soup.select_one(".gapcheck-matrix tbody tr")
    assert "gapcheck-flagged" in row["class"]
    assert "acceptance expired" in row.get_text() and "not addressed" in row.get_text()
    total = soup.select_one(".gapcheck-coverage tr.gapcheck-total")
    cells = [" ".join(td.get_text().split()) for td in total.find_all("td")]
    assert cells[:4] == ["1", "0 0%", "1 100%", "0 0%"]  # no longer counted as accepted

    built = build_site(write_site(tmp_path / "bad", {"gaps.md": ACCEPTED.format(
        until="next spring")}, {"theme": {"name": "mkdocs"}}))
    built.expect_warnings("docs/gaps.md:8: invalid-gap: gap 'vendor': accepted_until "
                          "'next spring' is not a date")


# --- gapcheck new on any day ------------------------------------------------------------------


@pytest.mark.slow
def test_new_site_passes_its_own_strict_build_years_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1907150400")  # 2030-06-09
    target = tmp_path / "kb"
    assert main(["new", str(target)]) == 0
    out = capsys.readouterr().out
    assert "pip install 'mkdocs-gapcheck[material]'" in out
    assert (target / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "site/"
    assert "pip install 'mkdocs-gapcheck[material]'" in (target / "README.md").read_text(
        encoding="utf-8")
    drill = (target / "docs" / "runbooks" / "backup-restore-drill.md").read_text(
        encoding="utf-8")
    assert "last_tested: 2030-05-" in drill and "| 2030-05-" in drill  # front matter and log
    assert "2026-" not in drill
    code, out, _ = check(capsys, target)
    assert (code, out) == (0, ""), out
    built = build_config(target / "mkdocs.yml", tmp_path / "out", strict=True)
    built.expect_clean()


def test_date_shift_is_whole_weeks_and_leaves_non_dates() -> None:
    import datetime as dt

    from mkdocs_gapcheck.scaffold import TEMPLATE_DAY, date_offset, shift_dates

    assert date_offset(TEMPLATE_DAY) == 0
    assert date_offset(TEMPLATE_DAY + dt.timedelta(days=13)) == 7
    text = "start: 2026-10-05\nat 2026-11-13T09:45Z, not 2026-13-45 or 12026-10-05 or v2026-10-05x"
    assert shift_dates(text, 7) == (
        "start: 2026-10-12\nat 2026-11-20T09:45Z, not 2026-13-45 or 12026-10-05 or v2026-10-12x"
    )


def test_template_home_shows_progress_and_what_is_left(tmp_path: Path) -> None:
    template = Path(__file__).resolve().parent.parent / "site-template"
    root = tmp_path / "t"
    shutil.copytree(template, root, ignore=shutil.ignore_patterns("site"))
    built = build_site(root, strict=True)
    built.expect_clean()
    soup = built.html("index.md")
    head = [th.get_text(strip=True) for th in soup.select(".gapcheck-coverage thead th")]
    assert head == ["Severity", "Gaps", "Addressed", "Unaddressed", "Accepted",
                    "Resolved (progress)"]
    total = [" ".join(td.get_text().split())
             for td in soup.select_one(".gapcheck-coverage tr.gapcheck-total").find_all("td")]
    assert total[0] == "22" and total[2].startswith("0 ")  # all addressed ...
    assert not total[4].startswith("22 ")  # ... is not all resolved
    grid = soup.select_one(".gapcheck-grid")
    assert grid.caption.get_text() == "Gaps that are open or in-progress"
    counted = sum(int(td.get_text()) for td in grid.select("td.gapcheck-total"))
    assert 0 < counted < 22


def test_coverage_shows_progress_apart_from_addressed(tmp_path: Path) -> None:
    """Three gaps all addressed, one resolved, one accepted: 'all addressed' is not 'done'."""
    gaps = """
        ---
        gaps:
          - {id: a, title: A, severity: high, status: resolved}
          - {id: b, title: B, severity: high, status: in-progress}
          - {id: c, title: C, severity: high, status: open}
          - {id: d, title: D, severity: high, status: accepted, rationale: Fine for now.}
        ---
        # Gaps

        <!-- gapcheck:coverage severity=high -->

        <!-- gapcheck:grid status=open,in-progress -->
        """
    built = build_site(write_site(tmp_path / "s", {
        "gaps.md": gaps, "plan.md": "---\naddresses: [a, b, c, d]\n---\n# Plan\n",
    }, {"theme": {"name": "mkdocs"}}), strict=True)
    built.expect_clean()
    soup = built.html("gaps.md")
    high = soup.select_one(".gapcheck-coverage tbody tr")
    cells = [" ".join(td.get_text().split()) for td in high.find_all("td")]
    assert cells == ["4", "3 75%", "0 0%", "1 25%", "1 25%"]
    bar = high.select_one(".gapcheck-bar")
    assert bar["aria-label"] == "25% resolved" and "width:25%" in bar.span["style"]
    assert "resolved" in soup.select_one(".gapcheck-coverage .gapcheck-legend").get_text()
    grid = soup.select_one(".gapcheck-grid")
    assert [a.get_text() for a in grid.select("td.gapcheck-cell a")] == ["B", "C"]
