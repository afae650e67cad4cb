"""The model's record classes behave as the dataclasses they replaced did."""

from __future__ import annotations

import pytest

from mkdocs_gapcheck.model import RULES, Finding, Gap, Model, Page
from mkdocs_gapcheck.options import Options


def test_records_compare_and_print_by_their_fields():
    a = Finding("orphan-page", "warn", "a.md", 2, "msg")
    assert a == Finding("orphan-page", "warn", "a.md", 2, "msg")
    assert a != Finding("orphan-page", "warn", "a.md", 3, "msg")
    assert a != ("orphan-page", "warn", "a.md", 2, "msg")
    assert repr(a) == (
        "Finding(rule='orphan-page', level='warn', file='a.md', line=2, message='msg')"
    )
    gap, other = Gap("dr", "DR", "high", "gaps.md", 3, 0), Gap("x", "X", "low", "g.md", 1, 1)
    assert gap.addressed_by == [] and gap.addressed_by is not other.addressed_by
    with pytest.raises(TypeError):
        hash(a)  # mutable records are unhashable, as dataclasses with eq are


def test_model_equality_ignores_its_indexes_and_repr_shows_fields():
    day = __import__("datetime").date(2026, 1, 1)
    gap = Gap("dr", "DR", "high", "gaps.md", 3, 0)
    one = Model([gap], {"gaps.md": Page("gaps.md", 0)}, [], ("high",), ("low",), day)
    two = Model([gap], {"gaps.md": Page("gaps.md", 0)}, [], ("high",), ("low",), day)
    assert one == two and one.gap("dr") is gap and one.gaps_order == {"dr": 0}
    assert repr(one).startswith("Model(gaps=[Gap(id='dr'") and "_by_id" not in repr(one)


def test_pages_have_slots_only():
    page = Page("a.md", 0)
    with pytest.raises(AttributeError):
        page.colour = "red"  # type: ignore[attr-defined]


def test_options_and_rule_infos_are_read_only():
    options = Options(rules={"orphan-page": "error"})
    assert options.level("orphan-page") == "error"
    assert options.kinds["adr"] == ("adr/", "decisions/")
    assert Options().kinds is not Options().kinds  # each gets its own copy of the defaults
    with pytest.raises(AttributeError, match="read-only"):
        options.backlinks = False  # type: ignore[misc]
    with pytest.raises(AttributeError, match="read-only"):
        del options.export  # type: ignore[misc]
    with pytest.raises(AttributeError, match="read-only"):
        RULES["orphan-page"].summary = "x"  # type: ignore[misc]


def test_records_copy_and_pickle():
    import copy
    import pickle

    options = Options(rules={"orphan-page": "error"}, backlinks=False)
    page = Page("a.md", 3, line=2)
    page.addresses.append("dr")
    for record in (options, RULES["orphan-page"], page):
        for clone in (copy.copy(record), copy.deepcopy(record),
                      pickle.loads(pickle.dumps(record))):
            assert clone == record and type(clone) is type(record)
    assert copy.deepcopy(options).rules is not options.rules
