"""The plugin's options as plain data, for the core; validated by :mod:`.schema`."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from .model import DEFAULT_KINDS, RULES, Level

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
