"""Front matter values are exactly what PyYAML's safe loader (and so MkDocs) reads.

gapcheck builds plain strings, lists and mappings itself, for speed, and hands every other tag
to PyYAML: these tests hold the two to the same values on generated and tricky documents.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest
import yaml
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
