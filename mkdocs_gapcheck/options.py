"""gapcheck's options: the one schema (names, defaults, checks), read by the plugin (see
:mod:`.schema`), the Markdown extension and ``gapcheck check``, and the validated options as
plain data for the core. Nothing here imports MkDocs, so that the command starts fast."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from .model import COVERAGE_KINDS, DEFAULT_KINDS, KINDS, LEVELS, RULES, Level

DEFAULT_SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low")
DEFAULT_EFFORTS: tuple[str, ...] = ("low", "medium", "high")
DEFAULT_EXPORT = "gapcheck.json"
DEFAULT_STALE_DAYS = 180
DEFAULT_REVIEWS = "gapcheck-reviews.json"
DEFAULT_BASELINE = "gapcheck-baseline.json"


@dataclass(frozen=True)
class Options:
    """The plugin's options after validation; read-only."""

    severities: tuple[str, ...] = DEFAULT_SEVERITIES
    efforts: tuple[str, ...] = DEFAULT_EFFORTS
    kinds: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_KINDS))
    #: severity (lower case) -> kinds that must address it; absent severities need [any]
    coverage: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    backlinks: bool = True
    export: str | None = DEFAULT_EXPORT
    stale_runbook_days: int = DEFAULT_STALE_DAYS
    rules: Mapping[str, Level] = field(default_factory=dict)
    #: the reviews file, relative to the config file's folder; None: reviews are ignored
    reviews: str | None = DEFAULT_REVIEWS
    #: the baseline file, relative to the config file's folder (or absolute); None: no baseline
    baseline: str | None = DEFAULT_BASELINE

    def level(self, rule: str) -> Level:
        info = RULES.get(rule)
        return self.rules.get(rule, info.default if info is not None else "warn")

    def required_kinds(self, severity: str) -> tuple[str, ...]:
        return self.coverage.get(severity.lower(), ("any",))


def today() -> dt.date:
    """Today, or the day of ``SOURCE_DATE_EPOCH`` for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).date()
    return dt.date.today()


class OptionsError(ValueError):
    """Every problem of a gapcheck configuration, one per line, each naming its option."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# --- the schema: each option's default and check --------------------------------------------
# A check returns the value as the core takes it, or raises ValueError saying what is wrong.


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, got {value!r}")
    return value


def _texts(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"must be a list of non-empty strings, got {value!r}")
    return tuple(v.strip() for v in value)


def _scale(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError(f"must be a list of values, most severe (or least effort) first, "
                         f"got {value!r}")
    scale = _texts(value)
    lowered = [s.lower() for s in scale]
    if len(set(lowered)) != len(lowered):
        raise ValueError(f"lists a value twice (case-insensitively): {list(scale)}")
    return scale


def _mapping(value: Any, what: str) -> Mapping[Any, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"must map {what}, got {value!r}")
    return value


def _kinds(value: Any) -> dict[str, tuple[str, ...]]:
    kinds = dict(DEFAULT_KINDS)
    for kind, prefixes in _mapping(value, "a kind to folder prefixes").items():
        if kind not in KINDS:
            raise ValueError(f"unknown kind '{kind}' (kinds: {', '.join(KINDS)})")
        kinds[kind] = tuple(p.strip("/") + "/" for p in _texts(prefixes or []))
    return kinds


def _coverage(value: Any) -> dict[str, tuple[str, ...]]:
    coverage = {}
    for severity, needed in _mapping(value, "a severity to kinds").items():
        kinds = _texts(needed) if needed else ()
        bad = [k for k in kinds if k not in COVERAGE_KINDS]
        if bad:
            raise ValueError(f"'{severity}' has unknown kind(s) {', '.join(bad)} (allowed: "
                             f"{', '.join(COVERAGE_KINDS)})")
        coverage[str(severity).lower()] = kinds
    return coverage


def _rules(value: Any) -> dict[str, Level]:
    rules: dict[str, Level] = {}
    for rule, level in _mapping(value, "a rule id to a level").items():
        if rule not in RULES:
            raise ValueError(f"unknown rule '{rule}' (rules: {', '.join(RULES)})")
        level = "off" if level is False else level  # YAML reads a bare `off` as false
        if level not in LEVELS:
            raise ValueError(f"'{rule}' must be one of {', '.join(LEVELS)}, got {level!r}")
        rules[rule] = cast(Level, level)
    return rules


def _days(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"must be a whole number of days >= 0, got {value!r}")
    return value


def _file(relative_to: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if value is False:
            return None
        if not isinstance(value, str) or not value.strip() or (
            relative_to == "site_dir" and os.path.isabs(value)
        ):
            raise ValueError(f"must be a path relative to {relative_to}, or false; got "
                             f"{value!r}")
        return value.strip()

    return check


@dataclass(frozen=True)
class Option:
    default: Any
    check: Callable[[Any], Any]


#: Every option of the plugin (and of the Markdown extension), as mkdocs.yml spells it.
SCHEMA: dict[str, Option] = {
    "enabled": Option(True, _flag),
    "severities": Option(list(DEFAULT_SEVERITIES), _scale),
    "efforts": Option(list(DEFAULT_EFFORTS), _scale),
    "kinds": Option({k: list(v) for k, v in DEFAULT_KINDS.items()}, _kinds),
    "coverage": Option({}, _coverage),
    "backlinks": Option(True, _flag),
    "export": Option(DEFAULT_EXPORT, _file("site_dir")),
    "stale_runbook_days": Option(DEFAULT_STALE_DAYS, _days),
    "rules": Option({}, _rules),
    "reviews": Option(DEFAULT_REVIEWS, _file("the config file's folder")),
    "baseline": Option(DEFAULT_BASELINE, _file("the config file's folder")),
}


def relation_problems(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(option, problem) for checked values that do not fit together."""
    known = {s.lower() for s in values["severities"]}
    return [
        ("coverage", f"names severity '{severity}', which is not in severities "
                     f"({', '.join(values['severities'])})")
        for severity in values["coverage"] if severity not in known
    ]


def build(values: Mapping[str, Any]) -> Options:
    """The options from checked values (every name of SCHEMA)."""
    return Options(**{name: values[name] for name in SCHEMA if name != "enabled"})


def load_options(raw: Mapping[str, Any] | None, config_file: str | None = None) -> Options:
    """Check a ``gapcheck`` options mapping as the plugin does; raise :class:`OptionsError`
    listing every problem, unknown options included. ``config_file`` is unused (kept for
    callers that name it)."""
    raw = dict(raw or {})
    problems = [
        f"'{name}': unknown option (options: {', '.join(SCHEMA)})"
        for name in raw if name not in SCHEMA
    ]
    values: dict[str, Any] = {}
    for name, option in SCHEMA.items():
        value = raw.get(name)
        try:
            values[name] = option.check(option.default if value is None else value)
        except ValueError as exc:
            problems.append(f"'{name}': {exc}")
    if not problems:
        problems = [f"'{name}': {problem}" for name, problem in relation_problems(values)]
    if problems:
        raise OptionsError(problems)
    return build(values)
