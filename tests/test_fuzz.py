"""Any front matter gives findings, never an exception: in the core, the plugin and the CLI.

Values are generated as Python data (nested lists and mappings, dates, unicode, huge strings)
dumped with ``yaml.safe_dump``, mixed with raw YAML snippets (aliases, tags, bad dates, flow
collections, broken quoting) spliced in as text, and put under every key of the contract, at
the top level and inside gaps. Whole front matter as arbitrary text, and whole files as
arbitrary bytes, are fuzzed too. The properties: the analysis returns; every finding names a
known rule, a page of the site and a line of that page; the export is valid JSON; two runs give
the same result; a real build finishes (or fails for a reason that is not gapcheck's code);
``gapcheck check`` exits 0 or 1 with well-formed output in every format.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import logging
import re
import signal
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import build_site, count_case, write_site
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mkdocs_gapcheck import export
from mkdocs_gapcheck.core import SourceFile, analyze
from mkdocs_gapcheck.model import LEVELS, RULES
from mkdocs_gapcheck.options import Options

TOP_KEYS = ("gaps", "gap", "kind", "addresses", "status", "date", "superseded_by", "owner",
            "last_tested", "period", "start", "title")
GAP_KEYS = ("id", "title", "severity", "effort", "timing", "status", "owner", "due",
            "rationale", "section")

#: Words that are valid somewhere, so that generated pages often get past the first check.
WORDS = ("high", "HIGH", "low", "medium", "critical", "open", "in-progress", "resolved",
         "accepted", "proposed", "rejected", "deprecated", "superseded", "superseded by 0002-y",
         "adr", "runbook", "roadmap", "plan", "gaps", "none", "security", "Security",
         "fuzz-gap", "0002-y", "decisions/0002-y.md", "2026-01-15", "2026-02-30", "Week 1-2",
         "", " ", "-", "#anchor", "security & compliance")

#: Raw YAML spliced in as text: aliases, tags, odd scalars, flow collections, bad syntax.
RAW_SNIPPETS = (
    "&a [*a]", "&b {k: *b}", "*undefined", "!!python/object:os.system x", "!!binary aGVsbG8=",
    "!!set {a, b}", "!!omap [a: 1]", "!!timestamp 2026-13-45", "!!float nope", "!!int 0x1F",
    "2026-02-30", "2026-01-15T10:00:00Z", "2026-01-15 10:00:00.123456789 +05:30", "0o17",
    "1_000", "-.inf", ".nan", "~", "null", "yes", "no", "on", "off", "0x", "12:30:00",
    "'unterminated", '"bad \\q escape"', "[a, b", "{a: b", "a: b: c", "- x", "? complex",
    "@reserved", "`backtick", "%TAG", "|", ">-", "&anchor", "!local tag", "[[[[[[]]]]]]",
    "{? [a]: b}", "[{id: x, title: y, severity: high}]", "{id: 12, title: 3, severity: 1}",
    "\u202e\u0000", "\ufeff", "'\u00e9\u4e2d\U0001f600'", "\"\\x00\\u2028\"", "é: ü",
)

HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
          HealthCheck.function_scoped_fixture]


class Raw(str):
    """A YAML snippet to splice into the dumped text as it is."""


huge_text = st.builds(
    lambda ch, n: ch * n, st.sampled_from("ab\u00e9\u4e2d\U0001f600 -:#\n"),
    st.integers(2_000, 120_000),
)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-2**70, 2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40),
    st.dates(), st.datetimes(), st.sampled_from(WORDS), st.binary(max_size=8),
)
plain_values = st.recursive(
    scalars | huge_text,
    lambda kids: st.lists(kids, max_size=4)
    | st.dictionaries(st.text(max_size=8) | st.sampled_from(GAP_KEYS) | st.integers(), kids,
                      max_size=4),
    max_leaves=10,
)
raw_values = st.sampled_from(RAW_SNIPPETS).map(Raw) | st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=30
).map(Raw)
values = st.one_of(plain_values, plain_values, scalars, raw_values)


@st.composite
def gap_dicts(draw: Any) -> dict[Any, Any]:
    """A gap with some valid fields and some fuzzed ones."""
    gap: dict[Any, Any] = {}
    base = {"id": draw(st.sampled_from(("fuzz-gap", "security", "Fuzz-Gap", "g1"))),
            "title": "Fuzzed gap", "severity": "high"}
    for key in GAP_KEYS:
        choice = draw(st.integers(0, 3))
        if choice == 0 and key in base:
            gap[key] = base[key]
        elif choice == 1:
            gap[key] = draw(values)
    if draw(st.booleans()):
        gap[draw(st.text(max_size=6))] = draw(values)
    return gap


@st.composite
def front_matters(draw: Any) -> dict[Any, Any]:
    """A front matter mapping over the contract's keys."""
    data: dict[Any, Any] = {}
    for key in draw(st.lists(st.sampled_from(TOP_KEYS), max_size=7, unique=True)):
        if key == "gaps" and draw(st.booleans()):
            data[key] = draw(st.lists(gap_dicts() | values, max_size=4))
        elif key == "gap" and draw(st.booleans()):
            data[key] = draw(gap_dicts())
        else:
            data[key] = draw(values)
    return data


def dump(data: Any) -> str:
    """``yaml.safe_dump`` of ``data`` with every :class:`Raw` leaf spliced in as text."""
    raws: list[str] = []

    def swap(value: Any) -> Any:
        if isinstance(value, Raw):
            raws.append(str(value))
            return f"RAWSNIPPET{len(raws) - 1}X"
        if isinstance(value, list):
            return [swap(v) for v in value]
        if isinstance(value, dict):
            return {swap(k): swap(v) for k, v in value.items()}
        return value

    text = yaml.safe_dump(swap(data), sort_keys=False, allow_unicode=True)
    return re.sub(r"RAWSNIPPET(\d+)X", lambda m: raws[int(m.group(1))], text)


def page_text(data: Any) -> str:
    return f"---\n{dump(data)}---\n\n# Fuzzed page\n\n<!-- gapcheck:matrix -->\n\nText.\n"


#: Pages around the fuzzed one, so that references can resolve and views have content.
COMPANIONS = {
    "index.md": "# Home\n\n<!-- gapcheck:coverage -->\n\n<!-- gapcheck:grid -->\n",
    "known-gaps.md": "---\ngaps:\n  - id: security\n    title: Security\n    severity: high\n"
                     "---\n\n# Known gaps\n\n## Security\n\n<!-- gapcheck:matrix scope=page -->\n",
    "decisions/0002-y.md": "---\nstatus: accepted\ndate: 2026-01-01\naddresses: [security, "
                           "fuzz-gap]\n---\n\n# ADR 2\n\n<!-- gapcheck:index -->\n",
}
FUZZED_PATHS = ("gaps.md", "decisions/0001-x.md", "runbooks/drill.md", "roadmap/week-1.md",
                "plan.md")


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Turn a hang (an endless loop on some input) into a failure that shows where it was."""
    main = threading.current_thread() is threading.main_thread()
    if not hasattr(signal, "setitimer") or not main:
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise TimeoutError(f"still running after {seconds} s: a hang on this input")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def check_model(sources: dict[str, bytes | str]) -> Any:
    """Analyse ``sources`` and check every property a model must have; return the model."""
    with time_limit(10):
        return _check_model(sources)


def _check_model(sources: dict[str, bytes | str]) -> Any:
    model = analyze([SourceFile(p, c) for p, c in sources.items()], Options(),
                    on=dt.date(2026, 11, 21))
    lines = {
        path: (c.decode("utf-8", "replace") if isinstance(c, bytes) else c)
        .replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
        for path, c in sources.items()
    }
    for f in model.findings:
        assert f.rule in RULES, f
        assert f.level in LEVELS and f.level != "off", f
        assert f.file in sources, f
        assert 1 <= f.line <= lines[f.file], (f, lines[f.file])
        assert isinstance(f.message, str) and f.message.strip(), f
        assert "\n" not in f.message and "\r" not in f.message, f  # one finding, one line
        assert len(f.message) < 5_000, (f.file, f.line, f.rule, len(f.message))
    text = export.to_json(model)
    assert json.loads(text) == export.as_data(model)
    data = json.loads(text)
    assert set(data) == {"gaps", "pages", "findings"}
    again = analyze([SourceFile(p, c) for p, c in sources.items()], Options(),
                    on=dt.date(2026, 11, 21))
    assert export.to_json(again) == export.to_json(model)
    return model


# --- core ------------------------------------------------------------------------------------


@settings(max_examples=400, deadline=None, suppress_health_check=HEALTH)
@given(front_matters(), st.sampled_from(FUZZED_PATHS))
@example({"superseded_by": "\u00b9"}, "decisions/0001-x.md")  # int('¹') raised (rules.py)
@example({"status": "superseded by \u00b9"}, "decisions/0001-x.md")
def test_core_any_value_under_any_key(data, path):
    count_case("test_fuzz::core any value under any key")
    check_model({**COMPANIONS, path: page_text(data)})


@settings(max_examples=150, deadline=None, suppress_health_check=HEALTH)
@given(st.lists(front_matters(), min_size=2, max_size=4))
def test_core_several_fuzzed_pages(datas):
    """Fuzzed pages referring to each other (duplicates, supersession, addresses)."""
    count_case("test_fuzz::core several fuzzed pages")
    sources: dict[str, bytes | str] = dict(COMPANIONS)
    for path, data in zip(FUZZED_PATHS, datas, strict=False):
        sources[path] = page_text(data)
    check_model(sources)


@settings(max_examples=300, deadline=None, suppress_health_check=HEALTH)
@given(st.text(max_size=400), st.sampled_from(FUZZED_PATHS))
def test_core_any_text_as_front_matter(text, path):
    count_case("test_fuzz::core any text as front matter")
    check_model({**COMPANIONS, path: f"---\n{text}\n---\n# Page\n"})


@settings(max_examples=300, deadline=None, suppress_health_check=HEALTH)
@given(st.binary(max_size=400) | st.builds(lambda b: b"---\n" + b, st.binary(max_size=300)),
       st.sampled_from(FUZZED_PATHS))
def test_core_any_bytes_as_file(content, path):
    count_case("test_fuzz::core any bytes as file")
    check_model({**COMPANIONS, path: content})


def same_value(a: Any, b: Any, seen: set[tuple[int, int]] | None = None) -> bool:
    """Equality of YAML values where NaN equals NaN and self-referencing aliases end."""
    seen = set() if seen is None else seen
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, dict)):
        if (id(a), id(b)) in seen:
            return True
        seen.add((id(a), id(b)))
        if len(a) != len(b):
            return False
        if isinstance(a, list):
            return all(same_value(x, y, seen) for x, y in zip(a, b, strict=True))
        return list(a) == list(b) and all(same_value(a[k], b[k], seen) for k in a)
    return bool(a == b)




def html_escape_all(text: str) -> str:
    import html

    return html.escape(text, quote=True)


_LINK_SEGMENTS = st.sampled_from(
    ["..", ".", "", "a", "b", "c.md", "x%20y.md", "%2e%2e", "e.md#f", "g.md?h=1#i", ".md", "q#r",
     "s:t.md", "mailto:u.md", "v:"]
)




_MARKUP_TEXT = st.text(alphabet=st.sampled_from(list("ab &<>\"'{}[]()*_`~#:.!\n\t-")), max_size=40)












#: What may follow a page's front matter: bodies MkDocs' metadata reader could mistake for
#: metadata ("key: value" first), blank lines it strips, nothing at all.
_BODIES = ("# Page\n\nText.\n", "Title: looks like metadata\n\n# Page\n", "\n\n\nText.\n",
           "", "---\n", "key: value\n", "    indented\n", "\n")
#: How the block may close: as MkDocs' pattern wants it, or in ways it does not match.
_CLOSINGS = ("---\n", "...\n", "--- \t\n", "---", "----\n", "--- x\n")




# --- plugin ----------------------------------------------------------------------------------


def _gapcheck_frames(error: BaseException) -> list[str]:
    return [
        f"{frame.filename}:{frame.lineno}"
        for frame in traceback.extract_tb(error.__traceback__)
        if "mkdocs_gapcheck" in frame.filename
    ]


FINDING_RE = re.compile(r"^docs/[^:]+\.md:\d+: [a-z-]+: ")


def build_without_gapcheck_traceback(root: Path) -> Any:
    """Build ``root`` within a time limit; if the build fails, not in gapcheck's code; no
    logged record carries a traceback."""
    with time_limit(60):
        built = build_site(root)
    built.checked = True
    if built.error is not None:
        frames = _gapcheck_frames(built.error)
        assert not frames, f"gapcheck raised {built.error!r} at {frames}"
    for record in built.records:
        assert record.exc_info is None, record.getMessage()
    return built


def check_build(tmp: Path, files: dict[str, Any], theme: str = "mkdocs") -> None:
    """Build the site; the build must finish, or fail for a reason not in gapcheck's code."""
    theme_config = {"name": theme, "font": False} if theme == "material" else {"name": theme}
    root = write_site(tmp, files, {"theme": theme_config, "plugins": ["search", "gapcheck"]})
    built = build_without_gapcheck_traceback(root)
    if built.error is not None:
        # MkDocs itself may refuse the page (e.g. a title that is not text): then it must
        # refuse it without the plugin too.
        (root / "mkdocs.yml").write_text("site_name: Fixture\nplugins: [search]\n")
        without = build_site(root)
        assert without.error is not None, f"only the plugin's build failed: {built.error!r}"
    for record in built.records:
        if record.name.endswith("plugins.gapcheck") and record.levelno >= logging.WARNING:
            assert FINDING_RE.match(record.getMessage()), record.getMessage()[:300]
    if built.error is None:
        assert (built.site_dir / "gapcheck.json").exists()
        json.loads((built.site_dir / "gapcheck.json").read_text(encoding="utf-8"))


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=HEALTH)
@given(front_matters(), st.sampled_from(FUZZED_PATHS), st.sampled_from(("mkdocs", "material")))
def test_plugin_any_value_under_any_key(tmp_path_factory, data, path, theme):
    count_case("test_fuzz::plugin any value under any key")
    tmp = tmp_path_factory.mktemp("fuzz")
    check_build(tmp, {**COMPANIONS, path: page_text(data)}, theme)


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=HEALTH)
@given(st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b"---\n" + b),
       st.sampled_from(FUZZED_PATHS))
def test_plugin_any_text_or_bytes(tmp_path_factory, content, path):
    count_case("test_fuzz::plugin any text or bytes")
    tmp = tmp_path_factory.mktemp("fuzz")
    if isinstance(content, str):
        content = f"---\n{content}\n---\n# Page\n".encode("utf-8", "surrogatepass")
    check_build(tmp, {**COMPANIONS, path: content})


OPTION_KEYS = ("severities", "efforts", "kinds", "coverage", "backlinks", "export",
               "stale_runbook_days", "rules", "enabled")
option_values = st.one_of(
    values,
    st.lists(st.sampled_from(WORDS), max_size=4),
    st.dictionaries(st.sampled_from((*RULES, "high", "adr", "runbook", "critical", "x")),
                    st.sampled_from(("warn", "error", "info", "off", False, None, "x"))
                    | st.lists(st.sampled_from(("any", "adr", "runbook", "wiki")), max_size=3),
                    max_size=3),
)
option_maps = st.dictionaries(st.sampled_from(OPTION_KEYS), option_values, max_size=4)


@settings(max_examples=300, deadline=None, suppress_health_check=HEALTH)
@given(option_maps)
def test_core_any_option_value(raw):
    """Options are valid or rejected with problems, one per line, never another exception."""
    from mkdocs_gapcheck.options import OptionsError, load_options

    count_case("test_fuzz::core any option value")
    try:  # as mkdocs.yml would give it; YAML that does not load is MkDocs' to report
        raw = yaml.safe_load(dump(raw))
    except (yaml.YAMLError, ValueError, TypeError):
        return
    try:
        options = load_options(raw if isinstance(raw, dict) else {})
    except OptionsError as exc:
        assert exc.problems and all(p.strip() for p in exc.problems)
        return
    model = analyze([SourceFile(p, c) for p, c in COMPANIONS.items()], options)
    json.loads(export.to_json(model))


@pytest.mark.slow
@settings(max_examples=20, deadline=None, suppress_health_check=HEALTH)
@given(option_maps.filter(lambda m: not any(isinstance(v, Raw) for v in m.values())))
def test_plugin_any_option_value(tmp_path_factory, raw):
    """A bad option stops the build with a config error, never a traceback from gapcheck."""
    count_case("test_fuzz::plugin any option value")
    tmp = tmp_path_factory.mktemp("fuzz")
    root = write_site(tmp, dict(COMPANIONS), {"plugins": [{"gapcheck": raw}]})
    built = build_without_gapcheck_traceback(root)
    if built.error is not None:
        assert "gapcheck" in str(built.error) + " ".join(built.messages()), built.error


# --- CLI -------------------------------------------------------------------------------------


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    from mkdocs_gapcheck.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def check_cli(tmp: Path, files: dict[str, Any], fmt: str) -> None:
    root = write_site(tmp, files, {"plugins": ["search", "gapcheck"]})
    config = str(root / "mkdocs.yml")
    with time_limit(10):
        code, out, err = run_cli(["check", "-f", config, "--format", fmt])
    assert code in (0, 1), (code, err[-2000:])
    assert "Traceback" not in err
    if fmt == "json":
        json.loads(out)
    elif fmt == "sarif":
        assert json.loads(out)["version"] == "2.1.0"
    elif fmt == "github":
        for line in out.splitlines():
            assert line.startswith("::"), line[:200]
    code, out, err = run_cli(["export", "-f", config, "--format", "json"])
    assert code in (0, 1), (code, err[-2000:])
    json.loads(out)


@settings(max_examples=80, deadline=None, suppress_health_check=HEALTH)
@given(front_matters(), st.sampled_from(FUZZED_PATHS),
       st.sampled_from(("text", "json", "github", "sarif")))
def test_cli_any_value_under_any_key(tmp_path_factory, data, path, fmt):
    count_case("test_fuzz::cli any value under any key")
    check_cli(tmp_path_factory.mktemp("fuzz"), {**COMPANIONS, path: page_text(data)}, fmt)


@settings(max_examples=40, deadline=None, suppress_health_check=HEALTH)
@given(st.binary(max_size=300).map(lambda b: b"---\n" + b), st.sampled_from(FUZZED_PATHS),
       st.sampled_from(("text", "json", "github", "sarif")))
def test_cli_any_bytes_as_file(tmp_path_factory, content, path, fmt):
    count_case("test_fuzz::cli any bytes as file")
    check_cli(tmp_path_factory.mktemp("fuzz"), {**COMPANIONS, path: content}, fmt)


_OLD_LINK_RE = re.compile(
    r"\[(?:[^\]\\]|\\.)*\]\(\s*<?(?P<target>[^)\s>]+)>?(?:\s+[\"'(][^)]*)?\s*\)"
)


_LINK_TOKENS = st.sampled_from(
    ["[", "]", "(", ")", "\\", "\\]", "\\[", "!", "a", " ", "\n", "x.md", "<", ">", '"t"', "'"]
)




