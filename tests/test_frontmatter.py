"""Front matter values are exactly what PyYAML's safe loader (and so MkDocs) reads.

gapcheck builds plain strings, lists and mappings itself, for speed, and hands every other tag
to PyYAML: these tests hold the two to the same values on generated and tricky documents.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest
import yaml
from conftest import count_case
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mkdocs_gapcheck import frontmatter


def reference(text: str) -> object:
    """What PyYAML gives, with impossible dates kept as text as gapcheck's loader does."""
    loader = frontmatter._Loader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def ours(text: str) -> object:
    loader = frontmatter._Loader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else frontmatter.construct(loader, node)
    finally:
        loader.dispose()


def same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and repr(a) == repr(b)


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
    st.text(max_size=30), st.dates(), st.datetimes(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=10), st.integers()), inner, max_size=4),
    ),
    max_leaves=20,
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(values, st.sampled_from([None, True, False]))
def test_same_values_as_pyyaml_for_dumped_data(value, flow):
    text = yaml.safe_dump({"key": value, "gaps": [value]}, default_flow_style=flow)
    assert same(ours(text), reference(text))


TRICKY = [
    "a: yes\nb: off\nc: 0x1F\nd: 0o17\ne: 1_000\nf: .nan\ng: ~\nh: 2026-13-45\ni: 2026-01-02\n",
    "a: &x [1, *x]\n",  # a list that contains itself
    "base: &b {x: 1}\nmerged:\n  <<: *b\n  y: 2\n",  # merge keys go to PyYAML
    "s: !!set {a, b}\no: !!omap [a: 1, b: 2]\np: !!pairs [a: 1]\n",
    "bin: !!binary aGVsbG8=\nstr: !!str 12\nint: !!int '7'\n",
    "'quoted': \"x\\ty\"\n? [complex, key]\n: value\n",
    "gaps:\n  - id: a\n    title: A\n  - &g {id: b}\n  - *g\n",
]


@pytest.mark.parametrize("text", TRICKY)
def test_same_values_as_pyyaml_for_tricky_documents(text):
    try:
        expected = reference(text)
    except yaml.YAMLError as exc:
        with pytest.raises(yaml.YAMLError):
            ours(text)
        assert exc
        return
    assert same(ours(text), expected)


def test_unknown_tag_is_bad_front_matter():
    fm = frontmatter.parse("---\nicon: !!python/name:material.emoji.twemoji\n---\n")
    assert fm.error is not None and fm.error.startswith("not valid YAML")


def test_dates_and_impossible_dates():
    fm = frontmatter.parse("---\na: 2026-01-02\nb: 2026-13-45\n---\n")
    assert fm.data == {"a": dt.date(2026, 1, 2), "b": "2026-13-45"}


@pytest.mark.parametrize("depth", [49, 51, 500])
def test_deep_nesting_same_as_pyyaml(depth):
    text = "a: " + "[" * depth + "x" + "]" * depth + "\n"
    assert same(ours(text), reference(text))


# --- the fast reader: simple block YAML without PyYAML's parser ----------------------------

FAST_KEYS = ["id", "title", "gaps", "a-b", "_x", "true", "on", "null", "Yes", "y", "n"]
FAST_SCALARS = [
    "plain", "Security & Compliance", "yes", "No", "OFF", "~", "null", "1_000", "0x1F", "0o17",
    "017", "1:20", "1:20.5", "2026-11-21", "2026-13-45", "2026-11-21 10:00:00",
    "2026-11-21T10:00:00Z",
    ".inf", "-.Inf", ".NaN", "-.5", "1e3", "1.5e3", "+1", "-1", "C#", "a #b", "a: b", "a:b",
    "http://x.org/a", "- x", "-x", "---", "...", "é ü", "a, b", "[x]", "{x}", "'q'", "'it''s'",
    "'open", '"d"', '"a\\nb"', '"x" y', "", "&a", "*a", "!t", "|", ">", "%", "@", "`", "?x", ":x",
    "<<", "=", "a\u2028b", "a\u0085b", "a\x07b", "\ufeffa", "x  ", "Week 1-2: discovery",
]

#: what a value continued on the next lines is mostly made of (besides FAST_SCALARS)
CONTINUED = ["more words", "and more.", "x", "12", "2027-01-01", "21:59:43", "true", "a:b", "C#",
             "(see ADR 12)", "Q3, if needed", "~"]
#: mostly plain words, now and then anything a one-line value may be
WORDS = st.one_of(*[st.sampled_from(CONTINUED)] * 4, st.sampled_from(FAST_SCALARS))
#: what follows a continued line: mostly nothing, now and then a blank or comment line
SELDOM = st.sampled_from(["", "", "", "", "", "\n", "  # note\n"])


def fast_documents() -> st.SearchStrategy[str]:
    scalar = st.sampled_from(FAST_SCALARS)
    key = st.sampled_from(FAST_KEYS)
    pad = st.sampled_from(["", "", "", "\n", "# note\n", "  # indented note\n"])

    def block(indent: int, depth: int) -> st.SearchStrategy[list[str]]:
        here = " " * indent
        entry = st.tuples(key, scalar, pad).map(lambda t: [f"{here}{t[0]}: {t[1]}\n{t[2]}"])
        if depth == 0:
            return st.lists(entry, min_size=1, max_size=4).map(sum_lines)
        inner = st.sampled_from([0, 2, 4])
        seq_of_scalars = st.tuples(key, inner, st.lists(scalar, min_size=1, max_size=3)).map(
            lambda t: [f"{here}{t[0]}:\n"] + [f"{here}{' ' * t[1]}- {s}\n" for s in t[2]]
        )
        seq_of_maps = st.tuples(key, inner, st.lists(
            st.lists(st.tuples(key, scalar), min_size=1, max_size=3), min_size=1, max_size=3,
        )).map(lambda t: [f"{here}{t[0]}:\n"] + [
            line for item in t[2] for line in _item(indent + t[1], item)
        ])
        nested = st.tuples(key, block(indent + 2, depth - 1)).map(
            lambda t: [f"{here}{t[0]}:\n", *t[1]]
        )
        empty = key.map(lambda k: [f"{here}{k}:\n"])
        # a value continued on more-indented lines (yaml.dump wraps long text so), now and
        # then with a blank or comment line between, or under-indented
        continued = st.tuples(
            key, WORDS, st.lists(st.tuples(st.sampled_from([-1, 0, 1, 2, 2, 4]), WORDS, SELDOM),
                                 min_size=1, max_size=3),
        ).map(lambda t: [f"{here}{t[0]}: {t[1]}\n"] + [
            f"{' ' * max(0, indent + extra)}{s}\n{p}" for extra, s, p in t[2]
        ])
        part = st.one_of(entry, seq_of_scalars, seq_of_maps, nested, empty, continued)
        return st.lists(part, min_size=1, max_size=4).map(sum_lines)

    return block(0, 2).map("".join)


def sum_lines(parts: list[list[str]]) -> list[str]:
    return [line for part in parts for line in part]


def _item(indent: int, pairs: list[tuple[str, str]]) -> list[str]:
    lines = [f"{' ' * indent}- {pairs[0][0]}: {pairs[0][1]}\n"]
    lines += [f"{' ' * (indent + 2)}{k}: {v}\n" for k, v in pairs[1:]]
    return lines


def paths(value: object, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            if isinstance(key, str):
                found += paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += paths(child, (*prefix, index))
    return [*found, (*prefix, "missing"), (*prefix, 99)]


def check_fast(text: str) -> bool:
    """If the fast reader reads ``text``, its values and lines are PyYAML's; True if it did."""
    simple = frontmatter.read_simple(text)
    if simple is None:
        return False
    data, lines = simple
    expected = reference(text)
    assert same(data, expected), (text, data, expected)
    full = frontmatter.FrontMatter(data=data, node=yaml.compose(text, Loader=frontmatter._Loader))
    for path in paths(data):
        assert lines.line(path) == full.line(*path), (text, path)
    return True


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(fast_documents())
def test_fast_reader_reads_what_pyyaml_reads(text):
    try:
        reference(text)
    except yaml.YAMLError:
        assert frontmatter.read_simple(text) is None, text
        return
    check_fast(text)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(values)
def test_fast_reader_on_dumped_data(value):
    text = yaml.safe_dump({"key": value, "gaps": [value]}, default_flow_style=False)
    check_fast(text)


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.booleans(), st.lists(st.tuples(
    st.sampled_from(["id", "title", "rationale", "a-b", "_x", "on"]), WORDS,
    st.lists(st.tuples(
        st.sampled_from([-2, 0, 1, 2, 2, 3, 6]),
        WORDS,
        SELDOM,
    ), min_size=1, max_size=4),
), min_size=1, max_size=3, unique_by=lambda entry: entry[0]))
def test_fast_reader_folds_continued_values_as_pyyaml(in_items, entries):
    """Values continued on more-indented lines, in a mapping at the top or in list items
    (``gaps:``): read by the fast reader only when PyYAML reads the same value."""
    lines = ["gaps:\n"] if in_items else []
    base = 2 if in_items else 0
    for key, first, more in entries:
        lines.append(f"- {key}: {first}\n" if in_items else f"{key}: {first}\n")
        lines += [f"{' ' * max(0, base + extra)}{word}\n{pad}" for extra, word, pad in more]
    text = "".join(lines)
    try:
        reference(text)
    except yaml.YAMLError:
        assert frontmatter.read_simple(text) is None, text
        return
    if check_fast(text):
        count_case("test_frontmatter::continued values read by the fast reader")


SIMPLE = [
    "title: Use Postgres\nstatus: accepted\ndate: 2026-03-01\naddresses:\n- dr\n- security\n",
    "gaps:\n  - id: dr\n    title: 'Disaster recovery: it''s untested'\n    severity: high\n"
    "    effort: medium\n\n  - id: sec\n    title: \"Security & Compliance\"\n"
    "    severity: critical\n    due: 2026-12-01\n# a comment line\n",
    "gap:\n  id: x\n  title: X\n  severity: low\nkind: none\n",
    "owner: sre\nlast_tested: 2026-11-13\nsuperseded_by:\n",
    # long values as yaml.dump wraps them: continued on more-indented lines
    "gaps:\n- id: a\n  rationale: On anyone complexity the data review dashboards gets anyone\n"
    "    with actions.\n  due: 2027-10-12\n",
    "title: x\n  y\n    z\nn: 1\n  2\nwhen: 2001-12-14\n  21:59:43.10\nflag: true\n  x  \n",
]


@pytest.mark.parametrize("text", SIMPLE)
def test_fast_reader_takes_the_usual_front_matter(text):
    assert check_fast(text)
    fm = frontmatter.parse(f"---\n{text}---\n# Page\n")
    assert fm.node is None and fm.lines is not None and fm.error is None


@pytest.mark.parametrize("text", [
    "a: 1\na: 2\n",  # repeated key: PyYAML's path reports it
    "a: [1, 2]\n", "a: &x 1\nb: *x\n", "a: |\n  text\n", "a: x # comment\n",
    "a: plain\n\n  continued\n", "a: plain\n  # note\n  continued\n", "a: 'q'\n  more\n",
    "a: x\n  -5\n", "a: x\n  b: y\n", "a: x\n  y:\n", "a: x\n  y #z\n", "a: \"esc\\n\"\n",
    "? a\n: b\n", "a:\tb\n",
    "title: x\ntitle\n", "a: 1\nb\n", "on: 1\n", "a:b\n", "a-\u00e9: 1\n",
])
def test_fast_reader_leaves_the_rest_to_pyyaml(text):
    assert frontmatter.read_simple(text) is None


@pytest.mark.parametrize("text", [*SIMPLE, "a: [1, 2]\nb: |\n  text\n", "a: 1\na: 2\n"])
def test_reading_front_matter_leaves_no_reference_cycles(text):
    """core.analyze_paths pauses the cyclic GC while it parses: anything a page's front
    matter left in a cycle (its lines, its nodes) would stay in memory until the end."""
    import gc

    gc.collect()
    collecting = gc.isenabled()
    gc.disable()
    try:
        for _ in range(3):
            frontmatter.parse(f"---\n{text}---\n# Page\n")
        assert gc.collect() == 0
    finally:
        if collecting:
            gc.enable()


def test_scalar_cache_gives_pyyaml_values_and_stays_bounded():
    """Repeated one-line values come from a cache: the same values as PyYAML's, every time,
    and the cache never grows past its bound however many distinct values a site has."""
    text = "severity: high\ndue: 2026-01-02\nn: 012\nf: .5\nb: yes\nz: ~\nbad: 2026-13-45\n"
    want = yaml.safe_load(text.replace("2026-13-45", "'2026-13-45'"))
    for _ in range(3):
        data = frontmatter.parse(f"---\n{text}---\n").data
        assert data == want and [type(v) for v in data.values()] == [
            type(v) for v in want.values()
        ]
    for n in range(frontmatter._SCALARS_MAX + 100):
        frontmatter.parse(f"---\ntitle: Title {n}\n---\n")
    assert len(frontmatter._SCALARS) <= frontmatter._SCALARS_MAX
