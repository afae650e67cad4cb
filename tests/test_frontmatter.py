"""Front matter: values exactly as PyYAML's safe loader (and so MkDocs) reads them, line numbers
for every key a finding may point at, and one clear error per broken front matter."""

from __future__ import annotations

import datetime as dt
import math

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mkdocs_gapcheck import frontmatter


def same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and repr(a) == repr(b)


def page(yaml_text: str) -> str:
    return f"---\n{yaml_text}---\n# Body\n"


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


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(values, st.sampled_from([None, True, False]))
def test_values_are_pyyamls_for_dumped_data(value, flow):
    text = yaml.safe_dump({"key": value, "gaps": [value]}, default_flow_style=flow)
    fm = frontmatter.parse(page(text))
    assert fm.error is None, fm.error
    assert same(fm.data, yaml.safe_load(text))


@pytest.mark.parametrize("text", [
    "a: yes\nb: off\nc: 0x1F\nd: 0o17\ne: 1_000\nf: .nan\ng: ~\ni: 2026-01-02\n",
    "base: &b {x: 1}\nmerged:\n  <<: *b\n  y: 2\n",
    "s: !!set {a, b}\no: !!omap [a: 1, b: 2]\np: !!pairs [a: 1]\n",
    "bin: !!binary aGVsbG8=\nstr: !!str 12\nint: !!int '7'\n",
    "gaps:\n  - id: a\n    title: A\n  - &g {id: b}\n  - *g\n",
    "a: " + "[" * 60 + "x" + "]" * 60 + "\n",
])
def test_values_are_pyyamls_for_tricky_documents(text):
    fm = frontmatter.parse(page(text))
    assert fm.error is None, fm.error
    assert same(fm.data, yaml.safe_load(text))


def test_impossible_dates_stay_text_for_the_rules():
    fm = frontmatter.parse(page("a: 2026-01-02\nb: 2026-13-45\n"))
    assert fm.data == {"a": dt.date(2026, 1, 2), "b": "2026-13-45"}


def test_lines_of_keys_items_and_nested_keys():
    fm = frontmatter.parse(page(
        "title: T\ngaps:\n  - id: a\n    title: A\n\n  - id: b\n    severity: high\n"
        "addresses: [x, y]\n"
    ))
    assert fm.line("title") == 2
    assert fm.line("gaps", 0) == 4
    assert fm.line("gaps", 1, "severity") == 8
    assert fm.line("gaps", 1, "missing") == 7  # the deepest part that exists
    assert fm.line("addresses", 1) == 9
    assert fm.body_line == 11


@pytest.mark.parametrize(("text", "line", "words"), [
    ("a: [unclosed\nb: 1\n", 2, "not valid YAML"),
    ("a: 1\n\tb: 2\n", 3, "a tab indents this line"),
    ("title: x\ntitle: y\n", 3, "key 'title' is written twice"),
    ("- a\n- b\n", 2, "not a mapping"),
    ("icon: !!python/name:material.emoji.twemoji\n", 2, "not valid YAML"),
    ("a: 'never closed\nb: 2\n", 2, "never closed"),
])
def test_one_error_at_the_line_of_the_mistake(text, line, words):
    fm = frontmatter.parse(page(text))
    assert fm.error is not None and words in fm.error, fm.error
    assert fm.error_line == line


def test_unclosed_front_matter_and_plain_rule():
    fm = frontmatter.parse("---\ntitle: x\n# Body\n")
    assert fm.error is not None and "never closed" in fm.error
    plain = frontmatter.parse("---\n\nJust a horizontal rule.\n")
    assert plain.error is None and plain.data == {} and not plain.present


def test_decode_reports_the_line_of_a_bad_byte_and_normalises_line_ends():
    source = frontmatter.decode(b"\xef\xbb\xbfa\r\nb\r\n\xff\n")
    assert source.text == "a\nb\n\ufffd\n"
    assert source.encoding_error == "byte 0xff is not valid UTF-8"
    assert source.encoding_error_line == 3
