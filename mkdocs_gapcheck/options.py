"""The plugin's options as plain data, validated the same way for the plugin and the CLI."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from typing import Any, cast

from .model import COVERAGE_KINDS, LEVELS, RULES, FrozenRecord, Level

DEFAULT_SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low")
DEFAULT_EFFORTS: tuple[str, ...] = ("low", "medium", "high")
DEFAULT_KINDS: dict[str, tuple[str, ...]] = {
    "adr": ("adr/", "decisions/"),
    "runbook": ("runbooks/",),
    "roadmap": ("roadmap/",),
}
FOLDER_KINDS: tuple[str, ...] = ("adr", "runbook", "roadmap", "plan", "gaps")
DEFAULT_EXPORT = "gapcheck.json"
DEFAULT_STALE_DAYS = 180


class OptionsError(ValueError):
    """Raised with every problem of a gapcheck configuration, one per line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems

    def by_option(self) -> list[tuple[str, str]]:
        """(option, problem) pairs: every problem names its option first, in quotes."""
        pairs = []
        for problem in self.problems:
            name = problem.split("'")[1] if problem.startswith("'") else ""
            pairs.append((name.split(".")[0] or "gapcheck", problem))
        return pairs


class Options(FrozenRecord):
    """The plugin's options, validated (see :func:`parse_options`); read-only."""

    __slots__ = _fields = (
        "severities", "efforts", "kinds", "coverage", "backlinks", "export",
        "stale_runbook_days", "rules",
    )
    severities: tuple[str, ...]
    efforts: tuple[str, ...]
    kinds: Mapping[str, tuple[str, ...]]
    #: severity (lower case) -> kinds that must address it; absent severities need [any]
    coverage: Mapping[str, tuple[str, ...]]
    backlinks: bool
    export: str | None
    stale_runbook_days: int
    rules: Mapping[str, Level]

    def __init__(
        self,
        severities: tuple[str, ...] = DEFAULT_SEVERITIES,
        efforts: tuple[str, ...] = DEFAULT_EFFORTS,
        kinds: Mapping[str, tuple[str, ...]] | None = None,
        coverage: Mapping[str, tuple[str, ...]] | None = None,
        backlinks: bool = True,
        export: str | None = DEFAULT_EXPORT,
        stale_runbook_days: int = DEFAULT_STALE_DAYS,
        rules: Mapping[str, Level] | None = None,
    ) -> None:
        init = object.__setattr__
        init(self, "severities", severities)
        init(self, "efforts", efforts)
        init(self, "kinds", dict(DEFAULT_KINDS) if kinds is None else kinds)
        init(self, "coverage", {} if coverage is None else coverage)
        init(self, "backlinks", backlinks)
        init(self, "export", export)
        init(self, "stale_runbook_days", stale_runbook_days)
        init(self, "rules", {} if rules is None else rules)

    def level(self, rule: str) -> Level:
        return self.rules.get(rule, "warn")

    def required_kinds(self, severity: str) -> tuple[str, ...]:
        return self.coverage.get(severity.lower(), ("any",))


def today() -> dt.date:
    """Today, or the day of ``SOURCE_DATE_EPOCH`` for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).date()
    return dt.date.today()


def _str_list(name: str, value: Any, problems: list[str]) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"'{name}' must be a list of non-empty strings, got {value!r}")
        return None
    return tuple(v.strip() for v in value)


def parse_options(raw: Mapping[str, Any] | None) -> Options:
    """Validate the ``gapcheck`` options mapping of mkdocs.yml; raise :class:`OptionsError`."""
    raw = dict(raw or {})
    problems: list[str] = []
    known = {"severities", "efforts", "kinds", "coverage", "backlinks", "export",
             "stale_runbook_days", "rules", "enabled"}
    for key in sorted(set(raw) - known):
        problems.append(f"unknown option '{key}' (options: {', '.join(sorted(known))})")

    severities = DEFAULT_SEVERITIES
    if raw.get("severities") is not None:
        severities = _str_list("severities", raw["severities"], problems) or severities
    efforts = DEFAULT_EFFORTS
    if raw.get("efforts") is not None:
        efforts = _str_list("efforts", raw["efforts"], problems) or efforts
    for name, scale in (("severities", severities), ("efforts", efforts)):
        lowered = [s.lower() for s in scale]
        if len(set(lowered)) != len(lowered):
            problems.append(f"'{name}' lists a value twice (case-insensitively): {list(scale)}")

    kinds = dict(DEFAULT_KINDS)
    raw_kinds = raw.get("kinds")
    if raw_kinds is not None:
        if not isinstance(raw_kinds, Mapping):
            problems.append(f"'kinds' must map a kind to folder prefixes, got {raw_kinds!r}")
        else:
            for kind, prefixes in raw_kinds.items():
                if kind not in FOLDER_KINDS:
                    problems.append(
                        f"'kinds' has unknown kind '{kind}' (kinds: {', '.join(FOLDER_KINDS)})"
                    )
                    continue
                parsed = _str_list(f"kinds.{kind}", prefixes or [], problems)
                if parsed is not None:
                    kinds[kind] = tuple(p.strip("/") + "/" for p in parsed)

    coverage: dict[str, tuple[str, ...]] = {}
    raw_cov = raw.get("coverage")
    if raw_cov is not None:
        if not isinstance(raw_cov, Mapping):
            problems.append(f"'coverage' must map a severity to kinds, got {raw_cov!r}")
        else:
            known_sev = {s.lower() for s in severities}
            for sev, kinds_needed in raw_cov.items():
                if str(sev).lower() not in known_sev:
                    problems.append(
                        f"'coverage' names severity '{sev}', which is not in severities "
                        f"({', '.join(severities)})"
                    )
                    continue
                parsed = _str_list(f"coverage.{sev}", kinds_needed or [], problems)
                if parsed is None:
                    continue
                bad = [k for k in parsed if k not in COVERAGE_KINDS]
                if bad:
                    problems.append(
                        f"'coverage.{sev}' has unknown kind(s) {', '.join(bad)} "
                        f"(allowed: {', '.join(COVERAGE_KINDS)})"
                    )
                    continue
                coverage[str(sev).lower()] = parsed

    backlinks = raw.get("backlinks", True)
    if not isinstance(backlinks, bool):
        problems.append(f"'backlinks' must be true or false, got {backlinks!r}")
        backlinks = True

    export: str | None = DEFAULT_EXPORT
    raw_export = raw.get("export", DEFAULT_EXPORT)
    if raw_export is False or raw_export is None:
        export = None
    elif isinstance(raw_export, str) and raw_export.strip() and not os.path.isabs(raw_export):
        export = raw_export.strip()
    else:
        problems.append(
            f"'export' must be a path relative to site_dir, or false; got {raw_export!r}"
        )

    stale = raw.get("stale_runbook_days", DEFAULT_STALE_DAYS)
    if isinstance(stale, bool) or not isinstance(stale, int) or stale < 0:
        problems.append(f"'stale_runbook_days' must be a whole number of days >= 0, got {stale!r}")
        stale = DEFAULT_STALE_DAYS

    rules: dict[str, Level] = {}
    raw_rules = raw.get("rules")
    if raw_rules is not None:
        if not isinstance(raw_rules, Mapping):
            problems.append(f"'rules' must map a rule id to a level, got {raw_rules!r}")
        else:
            for rule, level in raw_rules.items():
                if rule not in RULES:
                    problems.append(
                        f"'rules' names unknown rule '{rule}' (rules: {', '.join(RULES)})"
                    )
                elif level is False:  # YAML reads a bare `off` as false
                    rules[rule] = "off"
                elif level not in LEVELS:
                    problems.append(
                        f"'rules.{rule}' must be one of {', '.join(LEVELS)}, got {level!r}"
                    )
                else:
                    rules[rule] = cast(Level, level)

    if problems:
        raise OptionsError(problems)
    return Options(
        severities=severities,
        efforts=efforts,
        kinds=kinds,
        coverage=coverage,
        backlinks=backlinks,
        export=export,
        stale_runbook_days=stale,
        rules=rules,
    )
