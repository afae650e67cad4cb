"""A corpus of bad input, each case a small site with the findings it must give, exactly.

Each case is a folder under ``tests/corpus/`` (``mkdocs.yml``, ``docs/``, ``expected.yaml``);
the big ones (a 1 MB title, 500 gaps on a page, a page addressing 200 gaps) are generated here.
``expected.yaml``::

    findings:                      # every finding, exactly: rule, file (under docs/), line
      - {rule: bad-front-matter, file: gaps.md, line: 4, message: tab}  # message: a substring
    xfail: why the current findings are wrong (optional; the findings are the right ones)

Two tests per case: the site builds with the plugin without a traceback, and the core, the
plugin and ``gapcheck check`` agree on the findings; and the findings are the expected ones.
A case marked ``xfail`` documents a wrong behaviour reported to the lead: its findings test is
a strict xfail, so it turns into a failure the day the behaviour is fixed and the mark is due
to go.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import BuiltSite, build_config, count_case

from mkdocs_gapcheck.core import SourceFile, analyze
from mkdocs_gapcheck.model import RULES
from mkdocs_gapcheck.options import load_options

CORPUS = Path(__file__).parent / "corpus"
CONFIG = "site_name: Corpus\nplugins:\n  - gapcheck\n"
FINDING_RE = re.compile(
    r"^docs/(?P<file>.+?):(?P<line>\d+): (?P<rule>[a-z-]+): (?P<message>.*)$", re.DOTALL
)

Key = tuple[str, str, int]  # (rule, file, line)


@dataclass
class Case:
    name: str
    config_file: Path
    expected: list[dict[str, Any]]
    xfail: str | None = None
    max_message: int = 20_000  #: longest message allowed, in characters


# --- generated cases -------------------------------------------------------------------------


def _write(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "mkdocs.yml").write_text(CONFIG, encoding="utf-8")
    for rel, text in files.items():
        path = root / "docs" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    return root / "mkdocs.yml"


def huge_values(root: Path) -> Case:
    """A 1 MB title, timing and owner on an unaddressed gap, a 1 MB page title and heading."""
    big = "Ü" * 1_000_000
    gaps = (
        f"---\ntitle: {big}\ngaps:\n  - id: big\n    title: {big}\n    severity: high\n"
        f"    timing: {big}\n    owner: {big}\n---\n\n# {big}\n\n<!-- gapcheck:matrix -->\n"
    )
    plan = f"---\ntitle: {big}\naddresses: [nothing]\n---\n\n# {big}\n\n<!-- gapcheck:index -->\n"
    config = _write(root, {"gaps.md": gaps, "plan.md": plan})
    expected = [
        {"rule": "uncovered-gap", "file": "gaps.md", "line": 4, "message": "gap 'big'"},
        {"rule": "unknown-gap", "file": "plan.md", "line": 3, "message": "'nothing'"},
    ]
    return Case(
        "huge-values", config, expected, max_message=2_000,
    )


def many_gaps(root: Path) -> Case:
    """500 gaps on one page: #250 has a bad severity, #500 is addressed by nothing."""
    lines = ["---", "title: Many gaps", "gaps:"]
    expected = []
    for n in range(1, 501):
        lines += [f"  - id: gap-{n}", f"    title: Gap {n}"]
        if n == 250:
            expected.append({"rule": "invalid-gap", "file": "gaps.md", "line": len(lines) + 1,
                             "message": "gap 'gap-250': severity 'severe'"})
            lines.append("    severity: severe")
        else:
            lines.append(f"    severity: {('critical', 'high', 'medium', 'low')[n % 4]}")
        lines.append("    effort: low")
        if n == 500:
            expected.append({"rule": "uncovered-gap", "file": "gaps.md", "line": len(lines) - 3,
                             "message": "gap 'gap-500'"})
    lines += ["---", "", "# Many gaps", "", "<!-- gapcheck:matrix -->", "<!-- gapcheck:grid -->"]
    plan = "---\naddresses:\n" + "".join(f"  - gap-{n}\n" for n in range(1, 500) if n != 250)
    plan += "---\n\n# Plan\n\n<!-- gapcheck:coverage -->\n"
    config = _write(root, {"gaps.md": "\n".join(lines) + "\n", "plan.md": plan})
    return Case("500-gaps", config, expected)


def many_addresses(root: Path) -> Case:
    """A runbook addressing 200 gaps, item 150 a typo, item 180 a number, and a duplicate."""
    gaps = "---\ngaps:\n" + "".join(
        f"  - id: g{n:03d}\n    title: G {n}\n    severity: medium\n" for n in range(1, 201)
    ) + "---\n\n# Gaps\n"
    items = []
    for n in range(1, 201):
        items.append({150: "g150x", 180: "180"}.get(n, f"g{n:03d}"))
    items.append("g001")  # listed twice: counted once, no finding
    body = "".join(f"  - {item}\n" if item != "180" else "  - 180\n" for item in items)
    runbook = f"---\nowner: sre\nlast_tested: 2026-11-01\naddresses:\n{body}---\n\n# Drill\n"
    config = _write(root, {"gaps.md": gaps, "runbooks/drill.md": runbook})
    # addresses item n is on line 4 + n; g150 and g180 are then addressed by nothing
    return Case("200-addresses", config, [
        {"rule": "unknown-gap", "file": "runbooks/drill.md", "line": 154,
         "message": "did you mean 'g150'?"},
        {"rule": "invalid-page", "file": "runbooks/drill.md", "line": 184,
         "message": "the number 180"},
        {"rule": "uncovered-gap", "file": "gaps.md", "line": 2 + 149 * 3 + 1,
         "message": "'g150'"},
        {"rule": "uncovered-gap", "file": "gaps.md", "line": 2 + 179 * 3 + 1,
         "message": "'g180'"},
    ])


GENERATED: dict[str, Callable[[Path], Case]] = {
    "huge-values": huge_values,
    "500-gaps": many_gaps,
    "200-addresses": many_addresses,
}
STORED = sorted(p.name for p in CORPUS.iterdir() if (p / "expected.yaml").exists())


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("corpus")


def load_case(name: str, workdir: Path) -> Case:
    if name in GENERATED:
        return GENERATED[name](workdir / "src" / name)
    data = yaml.safe_load((CORPUS / name / "expected.yaml").read_text(encoding="utf-8"))
    return Case(name, CORPUS / name / "mkdocs.yml", data.get("findings") or [], data.get("xfail"))


# --- the three adapters ----------------------------------------------------------------------


_builds: dict[str, tuple[Case, BuiltSite]] = {}


def build(name: str, workdir: Path) -> tuple[Case, BuiltSite]:
    """Build a case once per session (both tests of a case read the same build)."""
    if name not in _builds:
        case = load_case(name, workdir)
        site_dir = workdir / "site" / name
        built = build_config(case.config_file, site_dir)
        built.checked = True
        _builds[name] = (case, built)
    return _builds[name]


def plugin_findings(built: BuiltSite) -> list[tuple[Key, str]]:
    found = []
    for record in built.records:
        if not record.name.endswith("plugins.gapcheck") or record.levelno < logging.INFO:
            continue
        if record.getMessage().startswith("gapcheck: "):  # a note about the site, no finding
            continue
        match = FINDING_RE.match(record.getMessage())
        assert match, f"not a finding: {record.getMessage()[:300]!r}"
        found.append(((match["rule"], match["file"], int(match["line"])), match["message"]))
    return found


def core_findings(config_file: Path) -> list[Key]:
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    raw: dict[str, Any] = {}
    for entry in config.get("plugins", []):
        if isinstance(entry, dict) and "gapcheck" in entry:
            raw = entry["gapcheck"] or {}
    docs = config_file.parent / "docs"
    sources = [
        SourceFile(p.relative_to(docs).as_posix(), p.read_bytes())
        for p in sorted(docs.rglob("*.md"))
    ]
    model = analyze(sources, load_options(raw))
    return [(f.rule, f.file, f.line) for f in model.findings]


def cli_findings(config_file: Path) -> tuple[int, list[Key]]:
    from mkdocs_gapcheck.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", "-f", str(config_file), "--format", "json"])
    assert "Traceback" not in err.getvalue(), err.getvalue()
    data = json.loads(out.getvalue())
    findings = data["findings"] if isinstance(data, dict) else data
    return code, [(f["rule"], f["file"], f["line"]) for f in findings]


# --- the tests -------------------------------------------------------------------------------


CASES = [*STORED, *GENERATED]


@pytest.mark.parametrize("name", CASES)
def test_case_builds_and_adapters_agree(name: str, workdir: Path) -> None:
    count_case("test_corpus::builds and adapters agree")
    case, built = build(name, workdir)
    assert built.error is None, f"build failed: {built.error!r}"
    for record in built.records:
        assert record.exc_info is None, record.getMessage()[:500]
        assert "Traceback" not in record.getMessage()
    plugin = sorted(key for key, _ in plugin_findings(built))
    assert sorted(core_findings(case.config_file)) == plugin
    code, cli = cli_findings(case.config_file)
    assert sorted(cli) == plugin
    assert code == (1 if plugin else 0)
    for rule, _, _ in plugin:
        assert rule in RULES
    assert (built.site_dir / "gapcheck.json").exists()


@pytest.mark.parametrize("name", CASES)
def test_case_findings_are_the_expected_ones(
    name: str, workdir: Path, request: pytest.FixtureRequest
) -> None:
    count_case("test_corpus::findings are the expected ones")
    case, built = build(name, workdir)
    if case.xfail:
        request.applymarker(pytest.mark.xfail(reason=case.xfail, strict=True))
    got = plugin_findings(built)
    want = sorted((e["rule"], e["file"], int(e["line"])) for e in case.expected)
    assert sorted(key for key, _ in got) == want, "\n".join(
        f"{rule} {file}:{line}: {message[:160]}" for (rule, file, line), message in got
    )
    for e in case.expected:
        if "message" in e:
            messages = [m for key, m in got if key == (e["rule"], e["file"], int(e["line"]))]
            assert any(e["message"] in m for m in messages), (e, [m[:300] for m in messages])
    for (rule, file, line), message in got:
        assert "\n" not in message, f"{file}:{line}: {rule}: two lines: {message[:300]!r}"
        assert len(message) <= case.max_message, f"{file}:{line}: {rule}: {len(message)} chars"


def test_every_stored_case_has_its_files() -> None:
    """A case folder without expected.yaml would be skipped silently."""
    for folder in CORPUS.iterdir():
        if folder.is_dir():
            assert (folder / "expected.yaml").exists(), folder
            assert (folder / "mkdocs.yml").exists(), folder


def draft_expected(name: str, workdir: Path) -> str:  # pragma: no cover - a writing aid
    """The findings a case gives now, as expected.yaml text, to review before committing."""
    _, built = build(name, workdir)
    rows = [
        f"  - {{rule: {rule}, file: {json.dumps(file, ensure_ascii=False)}, line: {line}}}"
        f"  # {message[:90]}"
        for (rule, file, line), message in plugin_findings(built)
    ]
    shutil.rmtree(workdir / "site" / name, ignore_errors=True)
    return "findings:\n" + "\n".join(rows) + "\n" if rows else "findings: []\n"
