"""The one schema of gapcheck's options, read by the plugin and by ``gapcheck check``.

MkDocs' config types check each option's type and give its default; :meth:`GapcheckConfig.
validate` then checks how values relate (a coverage severity must be on the scale) and
:meth:`GapcheckConfig.options` hands the core a plain :class:`.options.Options`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, cast

from mkdocs.config import config_options as c
from mkdocs.config.base import Config, ValidationError

from .model import COVERAGE_KINDS, DEFAULT_KINDS, KINDS, LEVELS, RULES, Level
from .options import (
    DEFAULT_BASELINE,
    DEFAULT_EFFORTS,
    DEFAULT_EXPORT,
    DEFAULT_REVIEWS,
    DEFAULT_SEVERITIES,
    DEFAULT_STALE_DAYS,
    Options,
)


class _Level(c.Choice):  # type: ignore[type-arg]
    """A rule's level; YAML reads a bare ``off`` as false, which means ``off`` here."""

    def run_validation(self, value: object) -> Any:
        return super().run_validation("off" if value is False else value)


class OptionsError(ValueError):
    """Every problem of a gapcheck configuration, one per line, each naming its option."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class GapcheckConfig(Config):
    enabled = c.Type(bool, default=True)
    severities = c.ListOfItems(c.Type(str), default=list(DEFAULT_SEVERITIES))
    efforts = c.ListOfItems(c.Type(str), default=list(DEFAULT_EFFORTS))
    kinds = c.DictOfItems(
        c.ListOfItems(c.Type(str), default=[]),
        default={k: list(v) for k, v in DEFAULT_KINDS.items()},
    )
    coverage = c.DictOfItems(c.ListOfItems(c.Choice(COVERAGE_KINDS), default=[]), default={})
    backlinks = c.Type(bool, default=True)
    export = c.Type((str, bool), default=DEFAULT_EXPORT)
    stale_runbook_days = c.Type(int, default=DEFAULT_STALE_DAYS)
    rules = c.DictOfItems(_Level(LEVELS), default={})
    reviews = c.Type((str, bool), default=DEFAULT_REVIEWS)
    #: the baseline file beside mkdocs.yml (see baseline.py); false: ignore any baseline
    baseline = c.Type((str, bool), default=DEFAULT_BASELINE)

    def validate(self) -> tuple[Any, Any]:
        failed, warnings = super().validate()
        if not failed:
            failed.extend((name, ValidationError(msg)) for name, msg in self._relations())
        return failed, warnings

    def _relations(self) -> list[tuple[str, str]]:
        """(option, problem) for values of the right type that do not fit together."""
        problems: list[tuple[str, str]] = []
        for name in ("severities", "efforts"):
            scale = [s.strip().lower() for s in self[name]]
            if not scale or not all(scale):
                problems.append((name, "must be a list of non-empty strings"))
            elif len(set(scale)) != len(scale):
                problems.append((name, f"lists a value twice (case-insensitively): {self[name]}"))
        for kind in self.kinds:
            if kind not in KINDS:
                problems.append((
                    "kinds", f"unknown kind '{kind}' (kinds: {', '.join(KINDS)})"
                ))
        known = {s.strip().lower() for s in self.severities}
        for severity in self.coverage:
            if str(severity).lower() not in known:
                problems.append((
                    "coverage",
                    f"names severity '{severity}', which is not in severities "
                    f"({', '.join(self.severities)})",
                ))
        for rule in self.rules:
            if rule not in RULES:
                problems.append(("rules", f"unknown rule '{rule}' (rules: {', '.join(RULES)})"))
        export = self.export
        if export is True or (isinstance(export, str) and (
            not export.strip() or os.path.isabs(export)
        )):
            problems.append(("export", f"must be a path relative to site_dir, or false; got "
                             f"{export!r}"))
        reviews = self.reviews
        if reviews is True or (isinstance(reviews, str) and not reviews.strip()):
            problems.append(("reviews", f"must be a file path beside the config file, or "
                             f"false; got {reviews!r}"))
        baseline = self.baseline
        if baseline is True or (isinstance(baseline, str) and not baseline.strip()):
            problems.append(("baseline", f"must be a file path (relative to the config file's "
                             f"folder), or false; got {baseline!r}"))
        if self.stale_runbook_days < 0:
            problems.append(("stale_runbook_days", "must be a whole number of days >= 0"))
        return problems

    def options(self) -> Options:
        """The validated options as the core takes them."""
        return Options(
            severities=tuple(s.strip() for s in self.severities),
            efforts=tuple(s.strip() for s in self.efforts),
            kinds={
                **DEFAULT_KINDS,
                **{k: tuple(p.strip("/") + "/" for p in v) for k, v in self.kinds.items()},
            },
            coverage={str(k).lower(): tuple(v) for k, v in self.coverage.items()},
            backlinks=self.backlinks,
            export=self.export.strip() if isinstance(self.export, str) else None,
            stale_runbook_days=self.stale_runbook_days,
            rules={k: cast(Level, v) for k, v in self.rules.items()},
            reviews=self.reviews.strip() if isinstance(self.reviews, str) else None,
            baseline=self.baseline.strip() if isinstance(self.baseline, str) else None,
        )


def load_options(raw: Mapping[str, Any] | None, config_file: str | None = None) -> Options:
    """Validate a ``gapcheck`` options mapping as the plugin does; raise :class:`OptionsError`
    listing every problem, unknown options included."""
    config = GapcheckConfig(config_file_path=config_file)
    config.load_dict(dict(raw or {}))
    failed, warnings = config.validate()
    problems = [f"'{name}': {error}" for name, error in failed]
    problems += [f"'{name}': {warning}" for name, warning in warnings]
    if problems:
        raise OptionsError(problems)
    return config.options()
