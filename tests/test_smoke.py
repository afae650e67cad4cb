"""The acceptance case of the plugin: one unaddressed high gap fails the strict build."""

from __future__ import annotations

GAPS = """
    ---
    gaps:
      - id: security
        title: Security & Compliance
        severity: high
    ---
    # Gaps
    """


def test_unaddressed_gap_is_one_warning(site):
    built = site({"gaps.md": GAPS})
    built.expect_warnings(
        "docs/gaps.md:3: uncovered-gap: high gap 'security' (Security & Compliance) is "
        "addressed by no page"
    )
    assert len(built.messages()) == 1


def test_addressed_gap_builds_clean(site):
    built = site({"gaps.md": GAPS, "adr/0001-x.md": "---\naddresses: security\n---\n# X\n"})
    built.expect_clean()
