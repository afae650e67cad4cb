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
    assert text == export._dump(export.as_data(model))  # written directly, as the data dumps
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


@settings(max_examples=300, deadline=None, suppress_health_check=HEALTH)
@given(front_matters())
def test_core_front_matter_values_are_pyyamls(data):
    """gapcheck builds plain values itself: they must be the ones PyYAML builds."""
    from mkdocs_gapcheck import frontmatter

    count_case("test_fuzz::core front matter values are PyYAML's")
    text = dump(data)
    try:
        want = yaml.load(text, Loader=frontmatter._Loader)
    except (yaml.YAMLError, ValueError, TypeError, RecursionError):
        return
    with time_limit(10):
        fm = frontmatter.parse(f"---\n{text}---\n# Page\n")
    if not isinstance(want, dict) or fm.error:
        return
    assert same_value(fm.data, want), (fm.data, want)


def html_escape_all(text: str) -> str:
    import html

    return html.escape(text, quote=True)


_LINK_SEGMENTS = st.sampled_from(
    ["..", ".", "", "a", "b", "c.md", "x%20y.md", "%2e%2e", "e.md#f", "g.md?h=1#i", ".md", "q#r",
     "s:t.md", "mailto:u.md", "v:"]
)


@settings(max_examples=2000, deadline=None, suppress_health_check=HEALTH)
@given(
    st.sampled_from(["index.md", "a/b.md", "a/b/c.md", "a/index.md"]),
    st.lists(_LINK_SEGMENTS, min_size=1, max_size=6),
    st.booleans(),
)
def test_links_resolve_as_normpath_does(page, segments, absolute):
    """resolve_link walks segments itself; it must agree with posixpath.normpath."""
    import posixpath
    from urllib.parse import unquote

    from mkdocs_gapcheck.markdown import _SCHEME, link_bases, resolve_link

    count_case("test_fuzz::links resolve as normpath does")
    target = ("/" if absolute else "") + "/".join(segments)
    want: str | None = None
    if ".md" in target and not target.startswith(("#", "//")) and not re.match(_SCHEME, target):
        path = unquote(target.split("#", 1)[0].split("?", 1)[0])
        if path.endswith(".md"):
            if path.startswith("/"):
                want = posixpath.normpath(path.lstrip("/"))
            else:
                want = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
            if want.startswith("../") or want == "..":
                want = None
    assert resolve_link(page, target) == want
    assert resolve_link(page, target, link_bases(page)) == want


_MARKUP_TEXT = st.text(alphabet=st.sampled_from(list("ab &<>\"'{}[]()*_`~#:.!\n\t-")), max_size=40)


@settings(max_examples=1000, deadline=None, suppress_health_check=HEALTH)
@given(st.one_of(_MARKUP_TEXT, st.text(max_size=20), st.integers()))
def test_esc_fast_path_equals_html_escape(value):
    """esc skips html.escape when nothing needs escaping; the result must not change."""
    import html

    from mkdocs_gapcheck.render import esc

    count_case("test_fuzz::esc equals html.escape")
    assert esc(value) == html.escape(str(value), quote=True)


@settings(max_examples=1000, deadline=None, suppress_health_check=HEALTH)
@given(_MARKUP_TEXT)
def test_plain_heading_fast_path_equals_full_path(text):
    """plain_heading returns headings without markup characters stripped only; the full
    substitutions must give the same text for them."""
    from mkdocs_gapcheck import markdown

    count_case("test_fuzz::plain heading fast path")
    assert markdown.plain_heading(text) == markdown._strip_markup(text).strip()


@settings(max_examples=1000, deadline=None, suppress_health_check=HEALTH)
@given(st.text(alphabet=st.sampled_from(list("# \t\nab\x0c\u00a0")), max_size=30))
def test_h1_title_equals_the_pattern(text):
    """_h1_title reads a heading's title without a pattern's lazy quantifiers; the pattern
    it replaces must give the same title at every line start."""
    from mkdocs_gapcheck.markdown import _h1_title

    count_case("test_fuzz::h1 title")
    pattern = re.compile(r"#[ \t]+(?P<title>[^\n]*?[^\s#][^\n]*?)[ \t#]*(?:\n|$)")
    for pos in [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]:
        match = pattern.match(text, pos)
        assert _h1_title(text, pos) == (match["title"] if match else None), pos


@settings(max_examples=500, deadline=None, suppress_health_check=HEALTH)
@given(st.lists(st.tuples(_MARKUP_TEXT.map(html_escape_all), st.booleans()), max_size=8))
def test_backlinks_text_equals_tags_replaced_by_spaces(parts):
    """backlinks_text joins the text runs between tags; on HTML whose attribute values are
    escaped (as every block's are) that is the text with each tag replaced by a space."""
    from mkdocs_gapcheck.render import _TAG_RE, backlinks_text

    count_case("test_fuzz::backlinks text")
    block = "<div>" + "".join(
        f'<a href="x" title="{text}">{text}</a>' if tagged else text for text, tagged in parts
    ) + "</div>"
    assert backlinks_text(block) == " ".join(_TAG_RE.sub(" ", block).split())


@settings(max_examples=1000, deadline=None, suppress_health_check=HEALTH)
@given(st.text(alphabet=st.sampled_from(list("`~ab \n>")), max_size=60))
def test_fence_runs_equal_the_pattern(text):
    """_fence_runs finds runs of backticks or tildes with str.find; the pattern it replaces
    must find the same runs."""
    from mkdocs_gapcheck.markdown import _fence_runs

    count_case("test_fuzz::fence runs")
    assert _fence_runs(text) == [m.span() for m in re.finditer(r"```+|~~~+", text)]


#: What may follow a page's front matter: bodies MkDocs' metadata reader could mistake for
#: metadata ("key: value" first), blank lines it strips, nothing at all.
_BODIES = ("# Page\n\nText.\n", "Title: looks like metadata\n\n# Page\n", "\n\n\nText.\n",
           "", "---\n", "key: value\n", "    indented\n", "\n")
#: How the block may close: as MkDocs' pattern wants it, or in ways it does not match.
_CLOSINGS = ("---\n", "...\n", "--- \t\n", "---", "----\n", "--- x\n")


@settings(max_examples=600, deadline=None, suppress_health_check=HEALTH)
@given(
    st.one_of(
        st.builds(dump, front_matters()),
        st.text(max_size=200),
        st.sampled_from(("", "\n", "{}\n", "[a]\n", "x\n", "title: A\ntitle: B\n",
                         "a: 1\n# comment\n", "a:\n  - b\n  - c: d\n", "\ta: 1\n")),
    ),
    st.sampled_from(_CLOSINGS),
    st.sampled_from(_BODIES),
    st.sampled_from(("---\n", "--- \n", "", "\n---\n")),
)
@example("title: A\n", "---", "", "---\n")  # closed on the last line, without a line end
@example("title: A\n", "...\n", "Title: B\n", "---\n")
def test_sources_handed_to_mkdocs_read_as_mkdocs_reads_them(yaml_text, closing, body, opening):
    """The plugin hands MkDocs each page as gapcheck read it, without the front matter where
    gapcheck parsed it (plugin._shared_source); that front matter goes to page.meta. MkDocs'
    own reader (``get_data``, in MkDocs and in ProperDocs) on what it is handed, with that
    front matter, must give the body and metadata it gives on the file itself."""
    from mkdocs.utils.meta import get_data
    from properdocs.utils.meta import get_data as properdocs_get_data

    from mkdocs_gapcheck import frontmatter
    from mkdocs_gapcheck.plugin import _shared_source

    count_case("test_fuzz::sources handed to MkDocs")
    text = frontmatter.decode(f"{opening}{yaml_text}{closing}{body}".encode()).text
    with time_limit(10):
        fm = frontmatter.parse(text)
    source, meta = _shared_source(text, fm)
    for reader in (get_data, properdocs_get_data):
        want_body, want_meta = reader(text)
        got_body, got_meta = reader(source)
        if meta is not None:
            count_case("test_fuzz::sources handed to MkDocs, front matter parsed by gapcheck")
            assert got_meta == {}, got_meta
            got_meta = meta
        else:
            assert source == text
        assert got_body == want_body
        assert same_value(got_meta, want_meta), (got_meta, want_meta)


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
    from mkdocs_gapcheck.options import OptionsError, parse_options

    count_case("test_fuzz::core any option value")
    try:  # as mkdocs.yml would give it; YAML that does not load is MkDocs' to report
        raw = yaml.safe_load(dump(raw))
    except (yaml.YAMLError, ValueError, TypeError):
        return
    try:
        options = parse_options(raw if isinstance(raw, dict) else {})
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


@settings(max_examples=2000, deadline=None, suppress_health_check=HEALTH)
@given(st.lists(_LINK_TOKENS, max_size=16).map("".join))
@example("[a\\](b)](c.md)")
@example("[a\\\n](b.md)")
def test_link_pattern_finds_what_the_plain_pattern_finds(text):
    """The link pattern is written in unrolled form for speed: it must find exactly what the
    plain ``(?:[^\\]\\\\]|\\\\.)*`` form found, at every start position."""
    from mkdocs_gapcheck.markdown import _LINK_RE

    count_case("test_fuzz::link pattern as the plain one")
    for pos in range(len(text) + 1):
        new, old = _LINK_RE.search(text, pos), _OLD_LINK_RE.search(text, pos)
        assert (new and (new.span(), new["target"])) == (old and (old.span(), old["target"]))


@settings(max_examples=1000, deadline=None, suppress_health_check=HEALTH)
@given(st.lists(st.one_of(_LINK_TOKENS, st.sampled_from(["`", "```\n", "![i](p.md)"])),
                max_size=20).map("".join))
@example("![a[b](c.md)](d.md)")
def test_links_jump_to_each_bracket_as_a_search_would(text):
    """_links tries the pattern only where str.find finds a "["; it must give the targets the
    pattern's own search gives (images skipped, a link may start inside an image's text,
    code skipped)."""
    from mkdocs_gapcheck.markdown import _LINK_RE, _REFDEF, _CodeMap, _links

    count_case("test_fuzz::links found as by search")
    code = _CodeMap(text)
    want: list[str] = []
    match = _LINK_RE.search(text)
    while match is not None:
        if match.start() and text[match.start() - 1] == "!":
            match = _LINK_RE.search(text, match.start() + 1)
            continue
        if not code.in_code(match.start()):
            want.append(match["target"])
        match = _LINK_RE.search(text, match.end())
    got = _links(text, _CodeMap(text))
    assert got[: len(want)] == want
    # after the inline links come the reference definitions', which this test does not vary
    definitions = [m for m in re.finditer(_REFDEF, text) if not code.in_code(m.start())]
    assert len(got) - len(want) == len(definitions)
