"""The MkDocs plugin: a thin adapter that feeds the core the site's pages and reports findings.

Everything is read in ``on_files``, before any page renders, so findings and views never depend
on the order pages render in. State belongs to one build: ``on_config`` resets it, so a second
build in the same process (``mkdocs serve``) sees only the current sources.
"""

from __future__ import annotations

import logging
import math
import os
import posixpath
import re
from collections.abc import Callable
from importlib import resources
from typing import Any

from mkdocs.config import config_options as c
from mkdocs.config.base import Config, ValidationError
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink
from mkdocs.utils import get_relative_url
from mkdocs.utils.templates import TemplateContext

from . import export, markdown, render
from .core import analyze_paths, nav_paths
from .frontmatter import FrontMatter, Source, decode
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

#: Where the plugin's stylesheet is served from (an in-memory file; nothing goes into docs_dir).
CSS_URI = "assets/gapcheck/gapcheck.css"


def _stylesheet() -> str:
    return (resources.files("mkdocs_gapcheck") / "assets" / "gapcheck.css").read_text("utf-8")


def _headings(items: list[AnchorLink], out: list[render.Heading]) -> list[render.Heading]:
    for item in items:
        out.append((item.id, render.heading_text(item.title)))
        _headings(item.children, out)
    return out


def _clean_url(url: str) -> bool:
    """Whether a URL is as MkDocs makes them: no leading slash, no empty or dot segment."""
    return not (url[:1] == "/" or "//" in url or "/." in "/" + url)


def _url_parts(url: str) -> list[str]:
    """A URL's path segments, normalised as ``mkdocs.utils.get_relative_url`` does."""
    if "//" in url or "/." in "/" + url:  # empty or dot segments: normalise them
        path = posixpath.normpath("/" + url.lstrip("/"))[1:]
    else:  # MkDocs' own URLs: nothing to normalise but the slashes at the ends
        path = url.strip("/")
    return path.split("/") if path else []


#: A slot left by on_page_markdown, as written (``<!--``) or escaped in code (``&lt;!--``); the
#: nonce (checked in the match) makes it a token no author writes by chance. The pattern starts
#: with a literal, so that ``re`` skips through a page at C speed (an optional ``<p>`` in front
#: made it try every offset: 17 ms on a 400 kB page). One fixed pattern: a pattern per build
#: would add an entry to the ``re`` cache on every rebuild of ``mkdocs serve``.
_SLOT_RE = re.compile(r"!--gapcheck-slot-(?P<nonce>[0-9a-f]+)-(?P<n>\d+)--(?:&gt;|>)")


def _swap_in_blocks(content: str, written: str, swaps: list[tuple[int, int, str, str]]) -> str:
    """Each backlinks block in place of its text (``GapcheckPlugin._put_backlinks_text``).

    ``written`` is the content the search plugins were given: if it is still the page's
    content, the texts are where they were put. If a plugin between changed it, each text
    is found again, and replaced only where it is found once (a text found twice could be the
    page's own words); a text not replaced stays, so the page keeps the words.
    """
    if content is written or content == written:
        return render.splice(content, [(start, end, block) for start, end, _, block in swaps])
    for _, _, text, block in swaps:
        if content.count(text) == 1:
            content = content.replace(text, block, 1)
        else:
            log.debug("gapcheck: a backlinks block stays as text: the page changed after search")
    return content


def _slots_in(text: str) -> list[tuple[int, int, int, int, bool, re.Match[str]]]:
    """Each slot in ``text``: (start, end) of the token, (start, end) of the paragraph it is
    alone in (else the token's again), whether it was escaped in code, and the match."""
    found = []
    for match in _SLOT_RE.finditer(text):
        start, end = match.start(), match.end()
        if text.endswith("<", 0, start):
            start, escaped = start - 1, False
        elif text.endswith("&lt;", 0, start):
            start, escaped = start - 4, True
        else:
            continue
        outer_start, outer_end = start, end
        before = start
        while before and text[before - 1].isspace():
            before -= 1
        after = end
        while after < len(text) and text[after].isspace():
            after += 1
        if text.endswith("<p>", 0, before) and text.startswith("</p>", after):
            outer_start, outer_end = before - 3, after + 4
        found.append((start, end, outer_start, outer_end, escaped, match))
    return found


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0)


def _read_bytes(path: str) -> bytes:
    """A file's bytes, as ``File.content_bytes`` reads a file on disk, without the io stack
    (a file object, a buffer, a check for a terminal): a third of the instructions."""
    fd = os.open(path, _OPEN_FLAGS)
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
    finally:
        os.close(fd)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _shared_source(text: str, fm: FrontMatter) -> tuple[str, dict[str, Any] | None]:
    """What MkDocs is handed for a page gapcheck has read: ``(source, front matter)``.

    MkDocs reads a page as ``text`` is (UTF-8 with an optional BOM, line ends as universal
    newlines) and takes its front matter with ``mkdocs.utils.meta.get_data``. Where gapcheck's
    fast reader read the front matter (the block style most pages use, values as PyYAML makes
    them) and MkDocs' pattern finds the same block, MkDocs gets the body after a blank line,
    which its reader takes as "no metadata" at the cost of a split; the front matter goes to
    ``page.meta`` before any plugin's ``on_page_markdown``. Every other page (no front matter,
    an error, YAML left to PyYAML) is handed over whole, and MkDocs parses it as it would.
    """
    # MkDocs' pattern (``^-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n``) ends at the first line
    # after the opening one that is "---" or "..." (spaces and tabs after it allowed), as
    # gapcheck's reader does, but only if a line end follows: a front matter closed on the
    # file's last line, without one, is page text to MkDocs. (An empty front matter, which
    # the pattern would not end at the next line either, is never read by the fast reader.)
    offset = fm.body_offset
    if fm.lines is not None and fm.error is None and fm.data and text[offset - 1] == "\n":
        return "\n" + text[offset:], fm.data
    return text, None


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
        self._reset_views()

    def _reset_views(self) -> None:
        self.files: Files | None = None
        #: docs path -> URL of every built page, for the views' links (one dict per build:
        #: Files.get_file_from_path builds a PurePath on each call, thousands per build)
        self.urls: dict[str, str] = {}
        #: self.urls split once per build: MkDocs' own (clean) URLs, and any with a leading
        #: slash, an empty or a dot segment, which go to mkdocs.utils.get_relative_url
        self._split_urls: tuple[dict[str, str], dict[str, str], dict[str, str]] | None = None
        #: per page: the markers replaced by slots, as (name, filters, marker text as written)
        self.slots: dict[str, list[tuple[str, dict[str, str], str]]] = {}
        #: the pages rendered in this build; their headings are read when a view needs them
        self.rendered: dict[str, Page] = {}
        #: per page: its heading anchors, (id, text), in page order
        self.headings: dict[str, list[render.Heading]] = {}
        #: per page: the content given to the search plugins, and where in it each backlinks
        #: block's text is, as (start, end, text, block): swapped in after the search plugins
        self.backlinks: dict[str, tuple[str, list[tuple[int, int, str, str]]]] = {}
        self.memo: render.Memo | None = None
        #: per page read in on_files: the source MkDocs is handed instead of reading the file
        #: again, and the front matter it is handed instead of parsing it again (or None)
        self.sources: dict[str, tuple[str, dict[str, Any] | None]] = {}
        #: per page whose source was handed over without its front matter: that front matter
        self.meta: dict[str, dict[str, Any]] = {}
        #: the page MkDocs is about to read (on_pre_page): only that read is answered
        self.reading: str | None = None
        #: whether this build hands MkDocs the sources (no other on_page_read_source handler)
        self.sharing = False
        #: sources handed over in this build, and how many of them with their front matter
        self.handed = [0, 0]
        # A slot token no author writes by chance; it never reaches the output.
        self.nonce = os.urandom(4).hex()

    # Before other plugins' on_config: a wrong option should stop the build at once.
    @event_priority(50)
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        self.model = None
        self._reset_views()
        if not self.config.enabled:
            return None
        if CSS_URI not in config.extra_css:
            config.extra_css.append(CSS_URI)
        # already validated with the config (GapcheckConfig.validate)
        self.options = parse_options({k: v for k, v in self.config.items() if k != "enabled"})
        self.sharing = self._share_sources(config)
        root = os.path.dirname(config.config_file_path or os.path.join(os.getcwd(), "x"))
        prefix = os.path.relpath(config.docs_dir, root).replace(os.sep, "/")
        self.docs_prefix = "" if prefix == "." else prefix.rstrip("/") + "/"
        return None

    def _share_sources(self, config: MkDocsConfig) -> bool:
        """Register :meth:`_page_read_source` for this build, unless another plugin or hook
        handles ``on_page_read_source``: MkDocs allows one handler, and warns about two
        (which fails ``--strict``). Registered here rather than as a method named after the
        event, so that gapcheck steps aside instead."""
        events = getattr(config.plugins, "events", None)
        handlers = events.get("page_read_source") if isinstance(events, dict) else None
        if not isinstance(handlers, list):
            return False
        if self._page_read_source in handlers:
            return True
        if handlers:
            log.debug("gapcheck: another plugin provides page sources; MkDocs reads them itself")
            return False
        handlers.append(self._page_read_source)
        return True

    # Last, so that pages other plugins generate in on_files are read too.
    @event_priority(-100)
    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files | None:
        if not self.config.enabled:
            return None
        pages = {file.src_uri: file for file in files.documentation_pages()}

        def read(path: str) -> Source:  # one page at a time: no copy of the whole site
            file = pages[path]
            disk = file.abs_src_path  # None for a file whose content a plugin gave
            source = decode(file.content_bytes if disk is None else _read_bytes(disk))
            if source.encoding_error:
                # MkDocs would stop with a traceback; build the page with the bad bytes replaced
                # and let the bad-encoding finding say where they are.
                file.content_string = source.text
            return source

        keep = None
        if self.sharing:
            def keep(path: str, source: Source, fm: FrontMatter) -> None:
                if not source.encoding_error and pages[path].abs_src_path is not None:
                    self.sources[path] = _shared_source(source.text, fm)

        self.model = analyze_paths(
            pages, read, self.options, nav=nav_paths(config.nav), keep=keep
        )
        self._report(self.model)
        if files.get_file_from_path(CSS_URI) is None:  # a docs file of that name overrides it
            files.append(File.generated(config, CSS_URI, content=_stylesheet()))
        self.files = files
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

    # ---------------------------------------------------------------------------------------
    # views: marker -> slot (markdown), slot -> HTML (page_context, after search); headings
    # from each page's toc

    # ---------------------------------------------------------------------------------------
    # MkDocs reads each page again after on_files, and parses its front matter again (with
    # PyYAML: on the generated 300-page site, 92 M instructions to gapcheck's 34 M). It is
    # handed what gapcheck read instead (see _shared_source).

    # Last, so that a page another plugin reads early (in on_nav, say) is read by MkDocs.
    @event_priority(-100)
    def on_pre_page(self, page: Page, /, *, config: MkDocsConfig, files: Files) -> Page | None:
        self.reading = page.file.src_uri
        return None

    def _page_read_source(self, /, *, page: Page, config: MkDocsConfig) -> str | None:
        """MkDocs' ``on_page_read_source`` (registered in on_config): the page's source as
        gapcheck read it, once, for the read that follows on_pre_page; None to let MkDocs
        read the file (a page gapcheck did not read, or whose file a plugin has changed)."""
        uri = page.file.src_uri
        if uri != self.reading or page.file.abs_src_path is None:
            return None
        self.reading = None
        shared = self.sources.pop(uri, None)
        if shared is None:
            return None
        source, meta = shared
        self.handed[0] += 1
        if meta is not None:
            self.meta[uri] = meta
            self.handed[1] += 1
        return source

    # Before every other plugin's on_page_markdown, whatever its priority: page.meta is what
    # they read, and MkDocs sets it (to the empty metadata of the body) just before.
    @event_priority(math.inf)
    def _on_page_markdown_meta(
        self, markdown_text: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        meta = self.meta.pop(page.file.src_uri, None)
        if meta is not None and not page.meta:
            page.meta = meta
        return None

    # Late, so that markers other plugins write into the Markdown (macros, includes) are seen.
    @event_priority(-50)
    def _on_page_markdown_markers(
        self, markdown_text: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        if self.model is None:
            return None
        # its table of contents, once rendered, gives the heading anchors the views link to
        self.rendered[page.file.src_uri] = page
        if "gapcheck:" not in markdown_text:
            self.slots.pop(page.file.src_uri, None)
            return None
        body = markdown.scan(
            markdown_text, 0, 1, self.options.severities, links=False, title=False
        )
        slots: list[tuple[str, dict[str, str], str]] = []
        pieces: list[str] = []
        last = 0
        for marker in body.markers:
            if not marker.valid:
                continue  # reported as unknown-marker; an HTML comment shows nothing
            pieces.append(markdown_text[last : marker.start])
            pieces.append(f"<!--gapcheck-slot-{self.nonce}-{len(slots)}-->")
            slots.append(
                (marker.name, dict(marker.filters), markdown_text[marker.start : marker.end])
            )
            last = marker.end
        if not slots:
            self.slots.pop(page.file.src_uri, None)
            return None
        pieces.append(markdown_text[last:])
        self.slots[page.file.src_uri] = slots
        return "".join(pieces)

    on_page_markdown = CombinedEvent(_on_page_markdown_meta, _on_page_markdown_markers)

    def _page_headings(self, path: str) -> list[render.Heading] | None:
        """A rendered page's heading anchors, read from its table of contents when first asked."""
        found = self.headings.get(path)
        if found is None:
            page = self.rendered.get(path)
            if page is None:
                return None
            found = self.headings[path] = _headings(list(page.toc), [])
        return found

    # Every page's Markdown is rendered by now, so every heading anchor is known.
    @event_priority(100)
    def on_env(self, env: Any, /, *, config: MkDocsConfig, files: Files) -> Any:
        if self.sharing:
            log.debug(
                f"gapcheck: MkDocs took {self.handed[0]} page sources from gapcheck's read, "
                f"{self.handed[1]} of them with their front matter parsed; "
                f"{len(self.sources)} not taken"
            )
        self.sources.clear()  # every page is read by now
        self.meta.clear()
        self.files = files
        self.urls = {f.src_uri: f.url for f in files.documentation_pages()}
        if self.config.enabled and self.model is not None:
            self.memo = render.Memo(self.model, self.options, self._page_headings)
            self._check_sections(config)
        return None

    def _check_sections(self, config: MkDocsConfig) -> None:
        """A gap's ``section`` that is no heading anchor, at the level MkDocs uses for anchors."""
        level = config.validation.links.anchors
        for gap in self.model.gaps if self.model else ():
            if gap.section is None:
                continue
            headings = self._page_headings(gap.page)
            if headings is None:
                continue
            if any(anchor == gap.section for anchor, _ in headings):
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
            memo=self.memo,
        )

    def _fill_slots(self, text: str, page: Page, *, views: bool) -> str:
        """Put the rendered views into their slots (``views``), or only the markers that ended
        up in code back as written (``views=False``: those are page text, also for search)."""
        slots = self.slots.get(page.file.src_uri)
        if not slots:
            return text
        htmls: list[str] = []
        if views:
            htmls = render.render_markers(self._view(page), [(n, f) for n, f, _ in slots])

        edits: list[tuple[int, int, str]] = []
        for start, end, outer_start, outer_end, escaped, match in _slots_in(text):
            n = int(match["n"])
            if match["nonce"] != self.nonce or n >= len(slots):
                continue
            if escaped:  # the marker ended up in code: show it as written
                edits.append((start, end, render.esc(slots[n][2])))
            elif views:  # alone in a paragraph: replaces it
                edits.append((outer_start, outer_end, htmls[n]))
        return render.splice(text, edits)

    # Before the search plugins (priority 0), which index page.content: backlinks go in as
    # their bare text (see _put_backlinks_text), views not at all (see below).
    @event_priority(50)
    def _on_page_context_before_search(
        self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext | None:
        if self.model is None or page.content is None:
            return None
        uri = page.file.src_uri
        self.backlinks.pop(uri, None)
        content = self._fill_slots(page.content, page, views=False)
        info = self.model.pages.get(uri)
        if self.options.backlinks and info is not None and (info.gaps or info.addresses):
            placed = render.backlinks_at(self._view(page), content)
            if placed:
                content = self._put_backlinks_text(uri, content, placed)
        page.content = content
        return None

    # After the search plugins: the backlinks blocks replace their stand-ins, and the views
    # fill their slots. Views stay out of the search index: their text repeats the gap and plan
    # pages (every overview page would match every gap title), and parsing large tables for the
    # index was half of the plugin's cost on a build. Done in page.content rather than in the
    # written page (on_post_page): a page's content is a fraction of the page the theme makes
    # of it, and post-processing plugins (minifiers) see the final HTML either way.
    @event_priority(-100)
    def _on_page_context_after_search(
        self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext | None:
        if self.model is None or page.content is None:
            return None
        content = page.content
        pending = self.backlinks.pop(page.file.src_uri, None)
        if pending is not None:
            content = _swap_in_blocks(content, *pending)
        page.content = self._fill_slots(content, page, views=True)
        return None

    on_page_context = CombinedEvent(_on_page_context_before_search, _on_page_context_after_search)

    def _put_backlinks_text(self, uri: str, content: str, placed: list[tuple[int, str]]) -> str:
        """``content`` with the text of each backlinks block where the block goes; the blocks
        replace their text after the search plugins (``_swap_in_blocks``).

        The search plugins index page.content with Python's HTML parser, which pays for every
        tag: a block's badges, lists and links (about 12 tags) cost more than inserting it, and
        even a wrapping paragraph (two tags) cost about 7% of the plugin's overhead. The text
        is what search needs, and bare text (its HTML escapes kept) costs the parser nothing
        but the text.
        """
        inserts: list[tuple[int, int, str]] = []
        swaps: list[tuple[int, int, str, str]] = []
        shift = 0  # what the texts before this one added
        for at, block in placed:
            text = "\n" + render.backlinks_text(block) + "\n"
            inserts.append((at, at, text))
            swaps.append((at + shift, at + shift + len(text), text, block))
            shift += len(text)
        written = render.splice(content, inserts)
        self.backlinks[uri] = (written, swaps)
        return written

    def _url_for(self, page: Page) -> Callable[[str], str | None]:
        """``url_for`` of the views of ``page``: the URL of a docs page relative to ``page``
        (None if it is not built), as ``mkdocs.utils.get_relative_url`` gives it.

        The views link thousands of times per build. MkDocs' URLs are normalised paths, so
        the common part is found with ``startswith`` on this page's folder and its parents
        (one C-level comparison each); URLs with a ``.`` or empty segment go to MkDocs.
        """
        base, _, name = page.url.rpartition("/")
        here = _url_parts(base if "." in name else page.url)
        split = self._split_urls
        if split is None or split[0] is not self.urls:
            clean = {path: url for path, url in self.urls.items() if _clean_url(url)}
            odd = {path: url for path, url in self.urls.items() if path not in clean}
            split = self._split_urls = (self.urls, clean, odd)
        _, urls, odd = split
        # this page's folder and its parents: ("a/b/", ""), ("a/", "../"), ("", "../../")
        folders = [""]
        for part in here:
            folders.append(folders[-1] + part + "/")
        prefixes = [(folder, "../" * (len(here) - k)) for k, folder in enumerate(folders)][::-1]

        def url_for(target: str) -> str | None:
            url = urls.get(target)
            if url is None:
                url = odd.get(target)
                return None if url is None else get_relative_url(url, page.url)
            # the deepest folder of this page's that holds the URL ("" holds every URL, so the
            # loop always breaks; a loop, not next() over a generator: thousands of calls)
            for prefix, up in prefixes:  # noqa: B007
                if url.startswith(prefix):
                    break
            rest = url[len(prefix) :]
            if rest:
                return up + rest
            rel = up.rstrip("/") or "."
            return rel + "/" if url.endswith("/") else rel

        return url_for
