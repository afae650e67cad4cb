"""The reference cannot drift from the code.

Every rule's "Triggers" example in docs/reference/rules.md is built as a real site and must
raise that rule; every "Does not trigger" example must build without a single warning. Every
rule id, option, front-matter key and marker the code knows must be documented.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from conftest import build_site, write_site

from mkdocs_gapcheck.markdown import MARKER_NAMES
from mkdocs_gapcheck.model import RULES
from mkdocs_gapcheck.options import SCHEMA
from mkdocs_gapcheck.plugin import GapcheckConfig

REFERENCE = Path(__file__).parent.parent / "docs" / "reference"
RULES_DOC = (REFERENCE / "rules.md").read_text(encoding="utf-8")
FENCE = re.compile(r'^```\w*\s+title="(?P<path>[^"]+)"\n(?P<body>.*?)^```$', re.M | re.S)


def _examples() -> dict[str, dict[str, dict[str, str]]]:
    """{rule: {"triggers": {path: text}, "clean": {path: text}}} from the rules reference."""
    found: dict[str, dict[str, dict[str, str]]] = {}
    sections = re.split(r"^## `([a-z-]+)`\n", RULES_DOC, flags=re.M)
    for rule, text in zip(sections[1::2], sections[2::2], strict=True):
        triggers, _, clean = text.partition("\nDoes not trigger")
        found[rule] = {
            "triggers": {m["path"]: m["body"] for m in FENCE.finditer(triggers)},
            "clean": {m["path"]: m["body"] for m in FENCE.finditer(clean)},
        }
    return found


EXAMPLES = _examples()


def test_every_rule_has_a_section_with_both_examples():
    assert sorted(EXAMPLES) == sorted(RULES)
    for rule, examples in EXAMPLES.items():
        assert examples["triggers"], f"{rule}: no Triggers example"
        assert examples["clean"], f"{rule}: no Does-not-trigger example"


def _build(tmp_path, rule: str, files: dict[str, str]):
    config: dict[str, object] = {"theme": {"name": "mkdocs"}}
    docs: dict[str, str | bytes] = {}
    beside: dict[str, str] = {}  # files beside mkdocs.yml (the baseline, the reviews file)
    for path, text in files.items():
        if path == "mkdocs.yml":
            config.update(yaml.safe_load(text))
            continue
        if "/" not in path:  # a file beside mkdocs.yml: the reviews file
            beside[path] = text
            continue
        assert path.startswith("docs/"), path
        # the bad-encoding example stands for a Latin-1 file: a fence can only show its text
        latin = rule == "bad-encoding"
        docs[path.removeprefix("docs/")] = text.encode("latin-1") if latin else text
    root = write_site(tmp_path / "site", docs, config)
    for name, text in beside.items():
        (root / name).write_text(text, encoding="utf-8")
    return build_site(root)


@pytest.mark.parametrize("rule", sorted(RULES))
def test_triggers_example_raises_its_rule(tmp_path, rule):
    built = _build(tmp_path, rule, EXAMPLES[rule]["triggers"])
    built.checked = True
    findings = built.messages()
    assert any(f": {rule}: " in f for f in findings), findings
    # nothing else than gapcheck findings: no broken links, no MkDocs complaints
    assert all(re.match(r"^docs/[^:]+:\d+: [a-z-]+: ", f) or f.startswith("gapcheck: ")
               for f in findings), findings


@pytest.mark.parametrize("rule", sorted(RULES))
def test_does_not_trigger_example_is_clean(tmp_path, rule):
    # the rule name is not passed: the clean bad-encoding example is UTF-8 as written
    built = _build(tmp_path, "", EXAMPLES[rule]["clean"])
    built.expect_clean()


def test_the_plugin_config_has_every_option_of_the_schema():
    assert [name for name, _ in GapcheckConfig._schema] == list(SCHEMA)


def test_every_option_is_documented():
    options = (REFERENCE / "options.md").read_text(encoding="utf-8")
    for name in SCHEMA:
        assert f"`{name}`" in options, f"option {name} is not in docs/reference/options.md"


def test_every_marker_and_filter_is_documented():
    markers = (REFERENCE / "markers.md").read_text(encoding="utf-8")
    for name in MARKER_NAMES:
        assert f"gapcheck:{name}" in markers
    for filt in ("scope=page", "severity=", "status=", "kind="):
        assert filt in markers


def test_every_front_matter_key_is_documented():
    front = (REFERENCE / "front-matter.md").read_text(encoding="utf-8")
    keys = ["gaps", "gap", "id", "title", "severity", "effort", "timing", "status", "owner",
            "due", "rationale", "section", "kind", "addresses", "date", "superseded_by",
            "last_tested", "period", "start", "end", "accepted_until"]
    for key in keys:
        assert f"`{key}`" in front, f"front-matter key {key} is not documented"


def test_every_extension_option_is_documented():
    from mkdocs_gapcheck.mdext import GapcheckExtension

    extension = (REFERENCE / "extension.md").read_text(encoding="utf-8")
    options = (REFERENCE / "options.md").read_text(encoding="utf-8")
    for name in GapcheckExtension().config:
        assert f"### `{name}`" in extension or f"`{name}`" in options, (
            f"extension option {name} is not in docs/reference/extension.md"
        )
