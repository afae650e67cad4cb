"""The MkDocs plugin: a thin adapter that feeds the core the site's pages and shows its output.

Every page's front matter is read in ``on_nav``, before any page renders, so findings and
views never depend on the order pages render in. Markers are HTML comments that Markdown
passes through unchanged (and escapes inside code), so the views replace them in each page's
HTML once every page's headings are known. State belongs to one build: ``on_config`` resets
it, so a second build in the same process (``mkdocs serve``, mkdocs-static-i18n's build per
language) sees only the current sources. Only what ``--dirty`` needs outlives a build.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
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
from .core import analyze_paths
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
        #: whether builds are --dirty (told by on_startup; a plain build() call is not)
        self.dirty = False
        #: output file -> digest of what its gapcheck output was made from, as last written;
        #: kept across the builds of one `mkdocs serve --dirty` (see _mark_stale)
        self.written: dict[str, str] = {}
        #: findings logged since the default language's build began (mkdocs-static-i18n)
        self.logged: set[str] = set()
        self._reset()

    def _reset(self) -> None:
        self.model = None
        #: docs path -> URL of every page built in this build
        self.urls: dict[str, str] = {}
        #: docs path -> the page, once its Markdown is rendered (its toc gives the anchors)
        self.rendered: dict[str, Page] = {}
        #: docs path -> its heading anchors, read from self.rendered when first asked
        self.headings: dict[str, list[render.Heading] | None] = {}
        #: the git history behind the trend view: read on the first trend marker of a build
        self.history: History | None = None
        self.config_dir = ""
        self.docs_dir = ""
        self.exclude_docs: Any = None
        #: the language this build is for (mkdocs-static-i18n), None for a site of one language
        self.language: str | None = None
        self.default_language: str | None = None
        #: output file -> digest, for the pages this build writes (committed in on_post_build)
        self.pending: dict[str, str] = {}
        #: digest of the model and what the views show besides (set for --dirty builds)
        self.digest = ""

    # Defining on_startup makes `mkdocs serve` keep this instance across rebuilds (documented
    # MkDocs behaviour), which --dirty needs: it must know what the last build wrote.
    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.dirty = dirty
        self.written = {}

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

    # Last, so that a docs file of the same name (added by anyone) overrides our stylesheet.
    # The stylesheet is a real file outside docs_dir: every plugin that handles files
    # (mkdocs-static-i18n copies it as a theme file) can handle it.
    @event_priority(-100)
    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files | None:
        if self.config.enabled and files.get_file_from_path(CSS_URI) is None:
            css = str(_ASSETS / "gapcheck.css")
            files.append(File.generated(config, CSS_URI, abs_src_path=css))
        return None

    # The pages are read once every plugin has settled which pages this build has: after
    # every on_files (gen-files adds pages, mkdocs-exclude drops some, mkdocs-static-i18n keeps
    # one language's; MkDocs applies exclude_docs/draft_docs after on_files) and after the
    # other plugins' on_nav (the Material blog marks its posts excluded in on_files and puts
    # them back in on_nav at -50; i18n's on_nav runs at -100). The nav gives the site order.
    @event_priority(-110)
    def on_nav(
        self, nav: Navigation, /, *, config: MkDocsConfig, files: Files
    ) -> Navigation | None:
        if not self.config.enabled:
            return None
        self._language(config)
        pages = {file.src_uri: file for file in files.documentation_pages()}
        hashes: dict[str, str] = {}

        def read(path: str) -> Source:
            file = pages[path]
            source = decode(file.content_bytes)
            if self.dirty:  # only --dirty builds compare what the views are made from
                hashes[path] = hashlib.sha256(source.text.encode("utf-8")).hexdigest()
            if source.encoding_error:
                # MkDocs would stop with a traceback; build the page with the bad bytes replaced
                # and let the bad-encoding finding say where they are.
                file.content_string = source.text
            return source

        # the reviews file sits beside mkdocs.yml, as gapcheck review writes it
        try:
            reviews = load_reviews(reviews_path(self.config_dir, self.options.reviews),
                                   self.options.reviews)
        except ReviewsError as exc:
            raise PluginError(f"gapcheck: {exc}") from None
        order = [page.file.src_uri for page in nav.pages]
        self.model = analyze_paths(pages, read, self.options, nav=order, reviews=reviews,
                                   baseline=self._baseline())
        self._report(self.model)
        if self.dirty:
            self._mark_stale(files, hashes)
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

    def _language(self, config: MkDocsConfig) -> None:
        """The language of this build, from mkdocs-static-i18n's plugin (what it exposes to
        other plugins: current_language and default_language), if the site uses it."""
        i18n = config.plugins.get("i18n")
        current = getattr(i18n, "current_language", None)
        default = getattr(i18n, "default_language", None)
        if isinstance(current, str) and isinstance(default, str):
            self.language, self.default_language = current, default
        if self.language is None or self.language == self.default_language:
            self.logged = set()  # a new round of builds: the default language comes first

    def _report(self, model: Model) -> None:
        for note in model.notes:
            log.info(f"gapcheck: {note}")
        errors = 0
        said_before = self.logged
        self.logged = said_before | {f.format(self.docs_prefix) for f in model.findings}
        for finding in model.findings:
            if finding.level == "error":
                errors += 1
            text = finding.format(self.docs_prefix)
            # mkdocs-static-i18n builds each language with the pages of the default language
            # where a translation is missing: say a finding an earlier language said only once
            if text not in said_before:
                log.log(_LOG_LEVELS[finding.level], text)
        if errors:
            raise PluginError(
                f"gapcheck: {errors} finding{'s' if errors != 1 else ''} at level 'error' "
                "(listed above); fix them or lower their level under rules: in mkdocs.yml"
            )

    def _mark_stale(self, files: Files, hashes: dict[str, str]) -> None:
        """For --dirty builds: make MkDocs rebuild the pages whose gapcheck output changes.

        MkDocs rebuilds a page only when ``file.is_modified()``: its output is older than its
        source. A page whose views or backlinks show the model (a marker, a gap, an
        ``addresses``) must be rebuilt when the model changes, even if its own source did not.
        So its output's mtime is set to the epoch: the documented mtime rule then says it is
        stale. That touches only site_dir, and only output of an earlier build.
        """
        assert self.model is not None
        self.digest = _digest(self.model, self.options, files, hashes)
        for file in files.documentation_pages():
            info = self.model.pages.get(file.src_uri)
            dest = file.abs_dest_path
            shows = dest in self.written or (
                info is not None
                and (bool(info.markers) or (self.options.backlinks
                                            and bool(info.gaps or info.addresses)))
            )
            if not shows:
                continue
            self.pending[dest] = self.digest
            if self.written.get(dest) != self.digest and os.path.isfile(dest):
                os.utime(dest, (0, 0))

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
        """A rendered page's heading anchors, read from its table of contents once a build:
        every view asks for the headings of each gap's page."""
        if path not in self.headings:
            page = self.rendered.get(path)
            self.headings[path] = None if page is None else _headings(list(page.toc), [])
        return self.headings[path]

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

    # After the search plugin (0): views stay out of the search index, where their text would
    # repeat the gap and plan pages (every overview page would match every gap title). After
    # the Material blog's -100, which renders its posts' excerpts into the context of its
    # index, archive and category pages: a marker in an excerpt is rendered there too.
    @event_priority(-110)
    def _on_page_context_views(
        self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext | None:
        if self.model is None:
            return None
        if page.content is not None:
            page.content = self.render_views(page, page.content)
        # blog views: "posts" holds excerpts, Pages of their own rendered from the posts'
        # Markdown; their links must work from the view page
        posts: object = context.get("posts")
        for excerpt in posts if isinstance(posts, list) else ():
            if isinstance(excerpt, Page) and isinstance(excerpt.content, str):
                excerpt.content = self.render_views(page, excerpt.content, excerpt.file.src_uri)
        return None

    on_page_context = CombinedEvent(_on_page_context_backlinks, _on_page_context_views)

    def render_views(self, page: Page, html: str, source: str | None = None) -> str:
        """``html`` with each valid marker replaced by its view (an unknown one, reported as
        ``unknown-marker``, stays an HTML comment that shows nothing). ``source``: the page
        the markers come from, when it is not ``page`` (a blog post's excerpt)."""
        found = [
            (m, *markdown.parse_marker(m["body"], self.options.severities))
            for m in _MARKER_HTML_RE.finditer(html)
        ]
        valid = [(m, name, filters) for m, name, filters, problem in found if problem is None]
        if not valid:
            return html
        if self.digest:  # --dirty: this page shows the model, whatever its Markdown said
            self.pending[page.file.abs_dest_path] = self.digest
        view = self._view(page)
        if source is not None:
            view.page = source
        views = render.render_markers(view, [(n, f) for _, n, f in valid])
        return render.splice(
            html, [(m.start(), m.end(), view) for (m, _, _), view in zip(valid, views, strict=True)]
        )

    # After the site is written; the export only reads the model. Before mkdocs-static-i18n's
    # on_post_build (-100), which builds the other languages.
    @event_priority(0)
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        self.written.update(self.pending)
        if self.model is None or self.options.export is None:
            return
        # mkdocs-static-i18n writes the default language to site_dir and every other one to
        # site_dir/<locale>/: each language's export goes beside its pages
        folder = config.site_dir
        if self.language is not None and self.language != self.default_language:
            folder = os.path.join(folder, self.language)
        target = os.path.normpath(os.path.join(folder, self.options.export))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(export.to_json(self.model))


#: Fields that say where something is in its file: an edit elsewhere in the file moves them,
#: but no view or backlink shows them.
_POSITIONS = frozenset(
    {"line", "order", "body_offset", "addresses_lines", "last_tested_line", "markers"}
)


def _digest(model: Model, options: Options, files: Files, hashes: dict[str, str]) -> str:
    """What every view and backlink is made from: the gaps and pages of the model, the
    options, each page's URL, and the source of each page that defines gaps (its headings
    give the views' anchors). Equal digests: equal gapcheck output on every page."""
    def shown(item: object) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(item).items()  # type: ignore[call-overload]
                if k not in _POSITIONS}

    data = {
        "gaps": [shown(g) for g in model.gaps],
        "pages": [shown(p) for p in model.pages.values()],
        "options": repr(options),
        "urls": sorted((f.src_uri, f.url) for f in files.documentation_pages()),
        "sources": sorted((p, hashes.get(p, "")) for p, info in model.pages.items() if info.gaps),
    }
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
