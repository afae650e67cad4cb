"""The plugin's config class: MkDocs' view of the one option schema in :mod:`.options`.

Each option takes its default and its check from ``options.SCHEMA``, so the plugin, the
Markdown extension and ``gapcheck check`` accept and reject the same values with the same
messages; MkDocs reports them as config errors, and warns about names it does not know.
"""

from __future__ import annotations

from typing import Any

from mkdocs.config.base import BaseConfigOption, Config, ValidationError

from . import options
from .options import Options


class _Option(BaseConfigOption[Any]):
    """An option whose default and check are the schema's, found by its attribute name."""

    def __set_name__(self, owner: type, name: str) -> None:
        super().__set_name__(owner, name)
        self.option = options.SCHEMA[name]
        self.default = self.option.default

    def run_validation(self, value: object, /) -> Any:
        try:
            return self.option.check(self.option.default if value is None else value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class GapcheckConfig(Config):
    # one line per name of options.SCHEMA (a test keeps the two in step)
    enabled = _Option()
    severities = _Option()
    efforts = _Option()
    kinds = _Option()
    coverage = _Option()
    backlinks = _Option()
    export = _Option()
    stale_runbook_days = _Option()
    rules = _Option()
    reviews = _Option()
    baseline = _Option()

    def validate(self) -> tuple[Any, Any]:
        failed, warnings = super().validate()
        if not failed:
            failed.extend(
                (name, ValidationError(problem))
                for name, problem in options.relation_problems(self)
            )
        return failed, warnings

    def options(self) -> Options:
        """The validated options as the core takes them."""
        return options.build(self)
