"""The MkDocs plugin: a thin adapter that feeds the core the site's pages and shows its output.

Every page's front matter is read in ``on_files``, before any page renders, so findings and
views never depend on the order pages render in. Markers are HTML comments that Markdown
passes through unchanged (and escapes inside code), so the views replace them in each page's
HTML once every page's headings are known. State belongs to one build: ``on_config`` resets
it, so a second build in the same process (``mkdocs serve``) sees only the current sources.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from importlib import resources
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink
from mkdocs.utils import get_relative_url
from mkdocs.utils.templates import TemplateContext

from . import baseline as baselines
from . import export, markdown, render
from .core import analyze_paths, nav_paths
from .frontmatter import Source, decode
from .history import History, site_history
from .model import Model
from .options import Options
from .reviews import ReviewsError, load_reviews, reviews_path
from .schema import GapcheckConfig

# A plain logger under "mkdocs.plugins" so that warnings count towards --strict and each line
# starts with the finding itself: "docs/gaps.md:14: uncovered-gap: ...".
log = logging.getLogger("mkdocs.plugins.gapcheck")

_LOG_LEVELS = {"error": logging.ERROR, "warn": logging.WARNING, "info": logging.INFO}

#: Where the plugin's stylesheet is written in site_dir.
CSS_URI = "assets/gapcheck/gapcheck.css"
_ASSETS = resources.files("mkdocs_gapcheck") / "assets"

#: A marker as it reaches the HTML: an HTML comment (a marker inside code is escaped, so it
#: is not matched and stays text).
_MARKER_HTML_RE = re.compile(r"<!--[ \t]*gapcheck:(?P<body>[^\n]*?)-->")


def _headings(items: list[AnchorLink], out: list[render.Heading]) -> list[render.Heading]:
    for item in items:
        out.append((item.id, render.heading_text(item.title)))
        _headings(item.children, out)
    return out


class GapcheckPlugin(BasePlugin[GapcheckConfig]):
    """Reads plan pages' front matter, links gaps to the pages that address them, and warns."""

    def __init__(self) -> None:
        self.options = Options()
        self.model: Model | None = None
        self.docs_prefix = ""
        self.baseline_path: str | None = None
        self.templates = render.template_env()
        self._reset()

    def _reset(self) -> None:
        self.model = None
        #: docs path -> URL of every page built in this build
        self.urls: dict[str, str] = {}
        #: docs path -> the page, once its Markdown is rendered (its toc gives the anchors)
        self.rendered: dict[str, Page] = {}
        #: the git history behind the trend view: read on the first trend marker of a build
        self.history: History | None = None
        self.config_dir = ""
        self.docs_dir = ""
        self.exclude_docs: Any = None

    # Before other plugins' on_config: a wrong option should stop the build at once.
    @event_priority(50)
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        self._reset()
        if not self.config.enabled:
            return None
        if CSS_URI not in config.extra_css:
            config.extra_css.append(CSS_URI)
        self.options = self.config.options()
        # the theme's folders first, so that custom_dir/gapcheck/matrix.html overrides ours
        self.templates = render.template_env(config.theme.dirs)
        root = os.path.dirname(config.config_file_path or os.path.join(os.getcwd(), "x"))
        prefix = os.path.relpath(config.docs_dir, root).replace(os.sep, "/")
        self.docs_prefix = "" if prefix == "." else prefix.rstrip("/") + "/"
        self.config_dir, self.docs_dir = root, config.docs_dir
        self.exclude_docs = config.exclude_docs
        self.baseline_path = baselines.path_of(root, self.options.baseline)
        return None

    # Last, so that pages other plugins add or change in on_files are read too.
    @event_priority(-100)
    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files | None:
        if not self.config.enabled:
            return None
        pages = {file.src_uri: file for file in files.documentation_pages()}

        def read(path: str) -> Source:
            file = pages[path]
            source = decode(file.content_bytes)
            if source.encoding_error:
                # MkDocs would stop with a traceback; build the page with the bad bytes replaced
                # and let the bad-encoding finding say where they are.
                file.content_string = source.text
            return source

        # the reviews file sits beside mkdocs.yml, as gapcheck review writes it
        root = os.path.dirname(config.config_file_path or os.path.join(os.getcwd(), "x"))
        try:
            reviews = load_reviews(reviews_path(root, self.options.reviews),
                                   self.options.reviews)
        except ReviewsError as exc:
            raise PluginError(f"gapcheck: {exc}") from None
        self.model = analyze_paths(pages, read, self.options, nav=nav_paths(config.nav),
                                   reviews=reviews, baseline=self._baseline())
        self._report(self.model)
        if files.get_file_from_path(CSS_URI) is None:  # a docs file of that name overrides it
            css = str(_ASSETS / "gapcheck.css")
            files.append(File.generated(config, CSS_URI, abs_src_path=css))
        return None

    def _baseline(self) -> baselines.Baseline | None:
        """The baseline file's findings to hold back, read afresh for every build."""
        if self.baseline_path is None or self.options.baseline is None:
            return None
        try:
            return baselines.load(self.baseline_path, self.options.baseline)
        except baselines.BaselineError as exc:
            raise PluginError(f"gapcheck: {exc}") from None

    # Any time: only adds the baseline file to what `mkdocs serve` watches.
    @event_priority(0)
    def on_serve(self, server: Any, /, *, config: MkDocsConfig, builder: Any) -> Any:
        if self.config.enabled and self.baseline_path and os.path.isfile(self.baseline_path):
            server.watch(self.baseline_path)
        return server

    def _report(self, model: Model) -> None:
        for note in model.notes:
            log.info(f"gapcheck: {note}")
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

    # Any time: only records the page, whose table of contents gives the views' anchors.
    @event_priority(0)
    def on_page_content(
        self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        self.rendered[page.file.src_uri] = page
        return None

    # Every page's Markdown is rendered by now (MkDocs renders all pages before on_env).
    @event_priority(100)
    def on_env(self, env: Any, /, *, config: MkDocsConfig, files: Files) -> Any:
        self.urls = {f.src_uri: f.url for f in files.documentation_pages()}
        if self.model is not None:
            self._check_sections(config)
        return None

    def _page_headings(self, path: str) -> list[render.Heading] | None:
        page = self.rendered.get(path)
        return None if page is None else _headings(list(page.toc), [])

    def _check_sections(self, config: MkDocsConfig) -> None:
        """A gap's ``section`` that is no heading anchor, at the level MkDocs uses for anchors."""
        assert self.model is not None
        level = config.validation.links.anchors
        for gap in self.model.gaps:
            headings = None if gap.section is None else self._page_headings(gap.page)
            if headings is None or any(anchor == gap.section for anchor, _ in headings):
                continue
            found = render.gap_anchor(gap, headings)
            log.log(
                level,
                f"{self.docs_prefix}{gap.page}:{gap.line}: gap '{gap.id}' has section "
                f"'{gap.section}', but no heading of the page has that anchor; the views link to "
                + (f"'#{found}' instead" if found else "the page instead")
                + (f" (anchors: {', '.join(a for a, _ in headings[:8])})" if headings else ""),
            )

    def _view(self, page: Page) -> render.View:
        assert self.model is not None
        return render.View(
            model=self.model,
            options=self.options,
            page=page.file.src_uri,
            url_for=self._url_for(page),
            headings=self._page_headings,
            templates=self.templates,
            trend=self._history,
        )

    def _history(self) -> History:
        """The site's history for the trend view, once per build (and cached by commit
        across builds in :mod:`.history`)."""
        if self.history is None:
            spec = self.exclude_docs  # pathspec's GitIgnoreSpec, as MkDocs reads exclude_docs

            def excluded(path: str) -> bool:
                return any(part.startswith(".") for part in path.split("/")) or bool(
                    spec is not None and spec.match_file(path)
                )

            self.history = site_history(self.config_dir, self.docs_dir, self.options, excluded)
        return self.history

    def _url_for(self, page: Page) -> Callable[[str], str | None]:
        """The URL of a docs page relative to ``page``; None if it is not built."""

        def url_for(target: str) -> str | None:
            url = self.urls.get(target)
            return None if url is None else get_relative_url(url, page.url)

        return url_for

    # Before the search plugin (priority 0) indexes page.content: backlinks are searchable.
    @event_priority(50)
    def _on_page_context_backlinks(
        self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext | None:
        if self.model is None or page.content is None or not self.options.backlinks:
            return None
        info = self.model.pages.get(page.file.src_uri)
        if info is not None and (info.gaps or info.addresses):
            page.content = render.insert_backlinks(self._view(page), page.content)
        return None

    # After the search plugin: views stay out of the search index, where their text would
    # repeat the gap and plan pages (every overview page would match every gap title).
    @event_priority(-100)
    def _on_page_context_views(
        self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext | None:
        if self.model is not None and page.content is not None:
            page.content = self.render_views(page, page.content)
        return None

    on_page_context = CombinedEvent(_on_page_context_backlinks, _on_page_context_views)

    def render_views(self, page: Page, html: str) -> str:
        """``html`` with each valid marker replaced by its view (an unknown one, reported as
        ``unknown-marker``, stays an HTML comment that shows nothing)."""
        found = [
            (m, *markdown.parse_marker(m["body"], self.options.severities))
            for m in _MARKER_HTML_RE.finditer(html)
        ]
        valid = [(m, name, filters) for m, name, filters, problem in found if problem is None]
        if not valid:
            return html
        views = render.render_markers(self._view(page), [(n, f) for _, n, f in valid])
        return render.splice(
            html, [(m.start(), m.end(), view) for (m, _, _), view in zip(valid, views, strict=True)]
        )

    # After the site is written; the export only reads the model.
    @event_priority(0)
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.model is None or self.options.export is None:
            return
        target = os.path.normpath(os.path.join(config.site_dir, self.options.export))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(export.to_json(self.model))
