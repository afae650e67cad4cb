"""The MkDocs plugin: a thin adapter that feeds the core the site's pages and reports findings.

Everything is read in ``on_files``, before any page renders, so findings and views never depend
on the order pages render in. State belongs to one build: ``on_config`` resets it, so a second
build in the same process (``mkdocs serve``) sees only the current sources.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from mkdocs.config import config_options as c
from mkdocs.config.base import Config, ValidationError
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import Files

from . import export
from .core import SourceFile, analyze, nav_paths
from .frontmatter import decode
from .model import Model
from .options import (
    DEFAULT_EFFORTS,
    DEFAULT_KINDS,
    DEFAULT_SEVERITIES,
    Options,
    OptionsError,
    parse_options,
)

# A plain logger under "mkdocs.plugins" so that warnings count towards --strict and each line
# starts with the finding itself: "docs/gaps.md:14: uncovered-gap: ...".
log = logging.getLogger("mkdocs.plugins.gapcheck")

_LOG_LEVELS = {"error": logging.ERROR, "warn": logging.WARNING, "info": logging.INFO}


class GapcheckConfig(Config):
    enabled = c.Type(bool, default=True)
    severities = c.ListOfItems(c.Type(str), default=list(DEFAULT_SEVERITIES))
    efforts = c.ListOfItems(c.Type(str), default=list(DEFAULT_EFFORTS))
    kinds = c.DictOfItems(
        c.ListOfItems(c.Type(str), default=[]),
        default={k: list(v) for k, v in DEFAULT_KINDS.items()},
    )
    coverage = c.DictOfItems(c.ListOfItems(c.Type(str), default=[]), default={})
    backlinks = c.Type(bool, default=True)
    export = c.Type((str, bool), default="gapcheck.json")
    stale_runbook_days = c.Type(int, default=180)
    rules = c.DictOfItems(c.Type((str, bool)), default={})

    def validate(self) -> tuple[Any, Any]:
        """MkDocs checks each option's type; the core then checks values and how they relate
        (a coverage severity must be on the scale), reported as MkDocs config errors."""
        failed, warnings = super().validate()
        if not failed:
            try:
                parse_options({k: v for k, v in self.items() if k != "enabled"})
            except OptionsError as exc:
                failed.extend((key, ValidationError(msg)) for key, msg in exc.by_option())
        return failed, warnings


class GapcheckPlugin(BasePlugin[GapcheckConfig]):
    """Reads plan pages' front matter, links gaps to the pages that address them, and warns."""

    def __init__(self) -> None:
        self.options = Options()
        self.model: Model | None = None
        self.docs_prefix = ""

    # Before other plugins' on_config: a wrong option should stop the build at once.
    @event_priority(50)
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        self.model = None
        if not self.config.enabled:
            return None
        # already validated with the config (GapcheckConfig.validate)
        self.options = parse_options({k: v for k, v in self.config.items() if k != "enabled"})
        root = os.path.dirname(config.config_file_path or os.path.join(os.getcwd(), "x"))
        prefix = os.path.relpath(config.docs_dir, root).replace(os.sep, "/")
        self.docs_prefix = "" if prefix == "." else prefix.rstrip("/") + "/"
        return None

    # Last, so that pages other plugins generate in on_files are read too.
    @event_priority(-100)
    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files | None:
        if not self.config.enabled:
            return None
        sources = []
        for file in files.documentation_pages():
            raw = file.content_bytes
            source = decode(raw)
            if source.encoding_error:
                # MkDocs would stop with a traceback; build the page with the bad bytes replaced
                # and let the bad-encoding finding say where they are.
                file.content_string = source.text
            sources.append(SourceFile(file.src_uri, raw))
        self.model = analyze(sources, self.options, nav=nav_paths(config.nav))
        self._report(self.model)
        return None

    def _report(self, model: Model) -> None:
        errors = 0
        for finding in model.findings:
            if finding.level == "error":
                errors += 1
            log.log(_LOG_LEVELS[finding.level], finding.format(self.docs_prefix))
        if errors:
            raise PluginError(
                f"gapcheck: {errors} finding{'s' if errors != 1 else ''} at level 'error' "
                "(listed above); fix them or lower their level under rules: in mkdocs.yml"
            )

    # After the site is written; the export only reads the model.
    @event_priority(0)
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if not self.config.enabled or self.model is None or self.options.export is None:
            return
        target = os.path.normpath(os.path.join(config.site_dir, self.options.export))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(export.to_json(self.model))
