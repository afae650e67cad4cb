"""Each rule, through a real MkDocs build: its finding (file, line, message) and its silence."""

from __future__ import annotations

import pytest

GAPS = """
    ---
    title: Gaps
    gaps:
      - id: security
        title: Security & Compliance
        severity: high
        effort: medium
      - id: dr
        title: Disaster recovery
        severity: critical
    ---
    # Gaps

    ## Security & Compliance

    ## Disaster recovery
    """

COVERED = {
    "gaps.md": GAPS,
    "adr/0001-audit-log.md": """
        ---
        status: accepted
        date: 2026-10-08
        addresses: [security, dr]
        ---
        # Audit log
        """,
}


def fm(text: str) -> str:
    """A page whose front matter is ``text`` (dedented by the fixture)."""
    return f"---\n{text.strip()}\n---\n# Page\n"


def test_clean_site_is_silent(site):
    site(COVERED).expect_clean()


# --- bad-front-matter -------------------------------------------------------------------------


def test_bad_front_matter_broken_yaml(site):
    files = dict(COVERED)
    files["notes.md"] = "---\ntitle: Notes\naddresses: [security\n---\n# Notes\n"
    built = site(files)
    built.expect_warnings(
        "docs/notes.md:3: bad-front-matter: not valid YAML: the '[' opened on this line is "
        "never closed"
    )


def test_bad_front_matter_list_and_scalar(site):
    files = dict(COVERED)
    files["a.md"] = "---\n- one\n- two\n---\n# A\n"
    files["b.md"] = "---\njust words\n---\n# B\n"
    built = site(files)
    built.expect_warnings(
        "docs/a.md:2: bad-front-matter: front matter is a list of 2 items, not a mapping",
        "docs/b.md:2: bad-front-matter: front matter is 'just words', not a mapping",
    )


def test_bad_front_matter_tab_indent(site):
    files = dict(COVERED)
    files["t.md"] = "---\ngaps:\n\t- id: x\n---\n# T\n"
    site(files).expect_warnings("docs/t.md:3: bad-front-matter: a tab indents this line")


def test_bad_front_matter_never_closed(site):
    files = dict(COVERED)
    files["open.md"] = "---\ntitle: Open\n\n# Open\n"
    site(files).expect_warnings("docs/open.md:1: bad-front-matter: front matter opened by '---'")


def test_empty_front_matter_and_plain_hr_are_silent(site):
    files = dict(COVERED)
    files["empty.md"] = "---\n---\n# Empty\n"
    files["blank.md"] = "---\n\n---\n# Blank\n"
    files["hr.md"] = "---\n\nSome text after a rule.\n"
    site(files).expect_clean()


# --- invalid-gap ------------------------------------------------------------------------------


def test_invalid_gap_fields(site):
    files = dict(COVERED)
    files["more.md"] = """
        ---
        gaps:
          - id: no-title
            severity: high
          - title: No id
            severity: high
          - id: bad-sev
            title: Bad severity
            severity: urgent
          - id: bad-effort
            title: Bad effort
            severity: low
            effort: huge
          - id: bad-date
            title: Bad date
            severity: low
            due: 2026-13-45
          - id: accepted-no-why
            title: Accepted without rationale
            severity: low
            status: accepted
          - id: bad status
            title: Spaces in id
            severity: low
          - just a string
        ---
        # More
        """
    built = site(files)
    built.expect_warnings(
        "docs/more.md:3: invalid-gap: gap 'no-title' has no 'title'",
        "docs/more.md:5: invalid-gap: gap #2 in 'gaps' has no 'id'",
        "docs/more.md:9: invalid-gap: gap 'bad-sev': severity 'urgent' is not one of: "
        "critical, high, medium, low",
        "docs/more.md:13: invalid-gap: gap 'bad-effort': effort 'huge' is not one of: "
        "low, medium, high",
        "docs/more.md:17: invalid-gap: gap 'bad-date': due '2026-13-45' is not a date",
        "docs/more.md:21: invalid-gap: gap 'accepted-no-why' is accepted but has no 'rationale'",
        "docs/more.md:22: invalid-gap: gap #7 in 'gaps': id 'bad status' is not a valid gap id",
        "docs/more.md:25: invalid-gap: gap #8 in 'gaps' is 'just a string'",
    )


def test_invalid_gap_gaps_not_a_list(site):
    files = dict(COVERED)
    files["g.md"] = "---\ngaps: 12\n---\n# G\n"
    site(files).expect_warnings("docs/g.md:2: invalid-gap: 'gaps' is the number 12")


def test_scale_values_match_case_insensitively_and_display_as_configured(site, tmp_path):
    files = {
        "gaps.md": """
            ---
            gap:
              id: cost
              title: Cost
              severity: HIGH
              effort: Low
              status: In-Progress
            ---
            # Gaps
            """,
        "plan.md": "---\naddresses: cost\n---\n# Plan\n",
    }
    built = site(files, {"plugins": [{"gapcheck": {"severities": ["Critical", "High"]}}]})
    built.expect_clean()
    export = (built.site_dir / "gapcheck.json").read_text()
    assert '"severity": "High"' in export
    assert '"effort": "low"' in export
    assert '"status": "in-progress"' in export


# --- duplicate-gap ----------------------------------------------------------------------------


def test_duplicate_gap_names_both_places(site):
    files = dict(COVERED)
    files["zagain.md"] = "---\ngap:\n  id: Security\n  title: Again\n  severity: low\n---\n# A\n"
    site(files).expect_warnings(
        "docs/zagain.md:2: duplicate-gap: gap 'Security' is already defined as 'security' "
        "(ids are compared without case) at gaps.md:4"
    )


# --- unknown-gap ------------------------------------------------------------------------------


def test_unknown_gap_suggests_closest(site):
    files = dict(COVERED)
    files["runbooks/restore.md"] = """
        ---
        last_tested: 2026-11-01
        addresses:
          - dr
          - securty
        ---
        # Restore
        """
    built = site(files)
    built.expect_warnings(
        "docs/runbooks/restore.md:5: unknown-gap: addresses 'securty', but no page defines a "
        "gap with that id; did you mean 'security'?"
    )


def test_unknown_gap_without_suggestion(site):
    files = dict(COVERED)
    files["plan.md"] = "---\naddresses: zzz-qqq\n---\n# Plan\n"
    site(files).expect_warnings(
        "docs/plan.md:2: unknown-gap: addresses 'zzz-qqq', but no page defines a gap with that "
        "id; define it"
    )


# --- uncovered-gap ----------------------------------------------------------------------------


def test_uncovered_gap(site):
    built = site({"gaps.md": GAPS})
    built.expect_warnings(
        "docs/gaps.md:4: uncovered-gap: high gap 'security' (Security & Compliance) is "
        "addressed by no page",
        "docs/gaps.md:8: uncovered-gap: critical gap 'dr' (Disaster recovery) is addressed by "
        "no page",
    )


def test_uncovered_gap_missing_required_kind(site):
    config = {"plugins": [{"gapcheck": {"coverage": {"critical": ["adr", "runbook"]}}}]}
    built = site(COVERED, config)
    built.expect_warnings(
        "docs/gaps.md:8: uncovered-gap: critical gap 'dr' (Disaster recovery) needs a page of "
        "kind runbook (coverage for critical: adr, runbook); it is addressed only by "
        "adr/0001-audit-log.md (adr)"
    )


def test_coverage_empty_list_and_accepted_need_nothing(site):
    files = {
        "gaps.md": """
            ---
            gaps:
              - id: minor
                title: Minor
                severity: low
              - id: known
                title: Known risk
                severity: critical
                status: accepted
                rationale: Vendor contract covers it.
            ---
            # Gaps
            """
    }
    site(files, {"plugins": [{"gapcheck": {"coverage": {"low": []}}}]}).expect_clean()


def test_resolved_gap_still_needs_coverage(site):
    files = {"gaps.md": "---\ngap: {id: x, title: X, severity: low, status: resolved}\n---\n# G\n"}
    site(files).expect_warnings("docs/gaps.md:2: uncovered-gap: low gap 'x' (X)")


# --- orphan-page ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "kind"),
    [("adr/0002-x.md", "adr"), ("runbooks/r.md", "runbook"), ("roadmap/w1.md", "roadmap")],
)
def test_orphan_page(site, path, kind):
    files = dict(COVERED)
    files[path] = "---\ntitle: Lonely\nlast_tested: 2026-11-01\n---\n# Lonely\n"
    built = site(files)
    built.expect_warnings(f"docs/{path}:2: orphan-page: {kind} page addresses no gap")


def test_orphan_page_silent_for_index_kind_none_and_kind_from_front_matter(site):
    files = dict(COVERED)
    files["adr/index.md"] = "# Decisions\n"
    files["adr/template.md"] = "---\nkind: none\n---\n# Template\n"
    files["notes/decision.md"] = "---\nkind: adr\naddresses: dr\n---\n# A decision\n"
    site(files).expect_clean()


def test_kinds_option_maps_folders(site):
    files = dict(COVERED)
    files["playbooks/p.md"] = "# Playbook\n"
    config = {"plugins": [{"gapcheck": {"kinds": {"runbook": ["playbooks"]}}}]}
    built = site(files, config)
    built.expect_warnings(
        "docs/playbooks/p.md:1: orphan-page: runbook page addresses no gap",
        "docs/playbooks/p.md:1: stale-runbook: runbook has no last_tested date",
    )


# --- inactive-coverage ------------------------------------------------------------------------


def test_inactive_coverage(site):
    files = {
        "gaps.md": GAPS,
        "adr/0001-old.md": "---\nstatus: superseded\nsuperseded_by: 0002-new\n"
        "addresses: [security]\n---\n# Old\n",
        "adr/0002-new.md": "---\nstatus: accepted\naddresses: [dr]\n---\n# New\n",
    }
    site(files).expect_warnings(
        "docs/gaps.md:4: inactive-coverage: high gap 'security' (Security & Compliance) is "
        "addressed only by inactive ADRs: adr/0001-old.md (superseded)"
    )


def test_rejected_adr_plus_active_page_is_covered(site):
    files = dict(COVERED)
    files["adr/0002-rejected.md"] = "---\nstatus: rejected\naddresses: [dr]\n---\n# R\n"
    site(files).expect_clean()


# --- stale-runbook ----------------------------------------------------------------------------


def test_stale_runbook_old_and_missing(site):
    files = dict(COVERED)
    files["runbooks/old.md"] = "---\naddresses: dr\nlast_tested: 2025-01-01\n---\n# Old\n"
    files["runbooks/never.md"] = "---\naddresses: dr\n---\n# Never\n"
    built = site(files)
    built.expect_warnings(
        "docs/runbooks/never.md:2: stale-runbook: runbook has no last_tested date",
        "docs/runbooks/old.md:3: stale-runbook: runbook last tested 2025-01-01, 689 days ago "
        "(more than stale_runbook_days: 180)",
    )


def test_fresh_runbook_and_custom_threshold(site):
    files = dict(COVERED)
    files["runbooks/r.md"] = "---\naddresses: dr\nlast_tested: 2026-06-01\n---\n# R\n"
    config = {"plugins": [{"gapcheck": {"stale_runbook_days": 365}}]}
    site(files, config).expect_clean()


# --- overdue-gap ------------------------------------------------------------------------------


def test_overdue_gap(site):
    files = dict(COVERED)
    files["later.md"] = """
        ---
        gaps:
          - id: late
            title: Late
            severity: low
            due: 2026-11-01
          - id: done
            title: Done
            severity: low
            due: 2026-11-01
            status: resolved
          - id: future
            title: Future
            severity: low
            due: 2027-01-01
        addresses: [late, done, future]
        ---
        # Later
        """
    built = site(files)
    built.expect_warnings(
        "docs/later.md:3: overdue-gap: gap 'late' was due 2026-11-01 (20 days ago) and is "
        "still open"
    )


# --- invalid-page, unknown-page, bad-encoding ---------------------------------------------------


def test_invalid_page_values(site):
    files = dict(COVERED)
    files["adr/0002-x.md"] = """
        ---
        kind: decision
        status: maybe
        date: yesterday
        addresses: {security: yes}
        ---
        # X
        """
    built = site(files)
    built.expect_warnings(
        "docs/adr/0002-x.md:2: invalid-page: kind 'decision' is not one of: gaps, adr, runbook,"
        " roadmap, plan, none",
        "docs/adr/0002-x.md:3: invalid-page: ADR status 'maybe' is not one of",
        "docs/adr/0002-x.md:4: invalid-page: date 'yesterday' is not a date",
        "docs/adr/0002-x.md:5: invalid-page: addresses is a mapping",
        "docs/adr/0002-x.md:2: orphan-page: adr page addresses no gap",
    )


def test_superseded_by_missing_page_and_cycle(site):
    files = dict(COVERED)
    files["adr/0002-a.md"] = "---\nstatus: superseded\nsuperseded_by: 0003-b\naddresses: dr\n---\n"
    files["adr/0003-b.md"] = "---\nstatus: superseded\nsuperseded_by: 0002-a\naddresses: dr\n---\n"
    files["adr/0004-c.md"] = (
        "---\nstatus: superseded\nsuperseded_by: 0009-nope\naddresses: dr\n---\n"
    )
    built = site(files)
    built.expect_warnings(
        "docs/adr/0002-a.md:3: invalid-page: superseded_by goes round in a cycle "
        "(adr/0002-a.md -> adr/0003-b.md -> adr/0002-a.md)",
        "docs/adr/0004-c.md:3: unknown-page: superseded_by '0009-nope' names no ADR page",
    )


def test_superseded_by_forms_madr_and_number(site):
    files = dict(COVERED)
    files["adr/0002-a.md"] = "---\nstatus: superseded by ADR-0003\naddresses: dr\n---\n# A\n"
    files["adr/0003-b.md"] = "---\nstatus: accepted\nsuperseded_by: null\naddresses: dr\n---\n"
    site(files).expect_clean()


def test_bad_encoding_builds_with_a_finding(site):
    files: dict[str, str | bytes] = dict(COVERED)
    files["latin.md"] = "# Caf\xe9\n\nline two\n\nna\xefve\n".encode("latin-1")
    built = site(files)
    built.expect_warnings("docs/latin.md:1: bad-encoding: byte 0xe9 is not valid UTF-8")
    assert built.error is None
    assert "Caf\ufffd" in built.html("latin.md").get_text()


def test_bom_and_crlf_keep_lines(site):
    files: dict[str, str | bytes] = dict(COVERED)
    files["crlf.md"] = "\ufeff---\r\ntitle: X\r\naddresses:\r\n  - nope\r\n---\r\n# X\r\n".encode()
    site(files).expect_warnings("docs/crlf.md:4: unknown-gap: addresses 'nope'")


def test_page_title_from_h1_is_plain_text(site):
    files = dict(COVERED)
    files["adr/0002-canary.md"] = (
        "---\naddresses: dr\n---\n# Use `canary` **releases** for [rollouts](../gaps.md) {#adr-2}\n"
    )
    built = site(files)
    built.expect_clean()
    import json

    pages = json.loads((built.site_dir / "gapcheck.json").read_text())["pages"]
    titles = {p["path"]: p["title"] for p in pages}
    assert titles["adr/0002-canary.md"] == "Use canary releases for rollouts"


@pytest.mark.parametrize("body", ["#", "#\n#", "text\n#", "#x\n#y\n"])
def test_heading_marks_without_a_title_do_not_hang(site, body):
    """A page of bare '#' lines once looped for ever looking for its H1 (found by the fuzzer)."""
    files = dict(COVERED)
    files["odd.md"] = body
    site(files).expect_clean()
