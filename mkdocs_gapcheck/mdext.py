"""The Python-Markdown extension ``gapcheck``: the views and backlinks where no plugin runs.

Zensical runs Python-Markdown extensions but no MkDocs plugins; MkDocs and a plain
``markdown.Markdown`` call run them too. A host converts one page at a time, each with a new
``Markdown``, so the extension reads the whole site's front matter itself, through the same core
as the plugin, once per process and again only when a Markdown file under docs_dir changes, and
renders the plugin's templates. The checks are ``gapcheck check``'s job: the extension reports
nothing, and never raises (a host such as Zensical would abort the build); a problem shows as a
note on the page instead.

Markers are HTML comments, which Python-Markdown stashes as raw HTML (markers inside code are
escaped text and never stashed), so a treeprocessor that runs after ``toc`` replaces them in the
stash and adds the backlinks under the headings, whose ids are set by then.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import posixpath
import re
import threading
import xml.etree.ElementTree as etree
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from jinja2 import Environment
from markdown import Extension, Markdown
from markdown.extensions.attr_list import AttrListExtension
from markdown.extensions.toc import TocExtension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

from . import frontmatter, render
from .config import (
    EXTENSION_ONLY_OPTIONS,
    MARKDOWN_EXTENSIONS,
    ConfigError,
    docs_site,
    page_paths,
)
from .core import analyze_paths, nav_paths
from .markdown import parse_marker
from .model import Finding, Model
from .options import SCHEMA, Options, OptionsError, load_options

log = logging.getLogger("mkdocs_gapcheck.mdext")

#: A marker as Python-Markdown stashes it: an HTML comment.
_MARKER_RE = re.compile(r"<!--[ \t]*gapcheck:(?P<body>[^\n]*?)-->")
_HEADING_TAGS = frozenset(f"h{n}" for n in range(1, 7))
#: Findings that leave a page out of the views: the views say so, since no build log does.
_VIEW_NOTES = ("bad-front-matter", "bad-encoding")
#: Sites kept in memory at once (a process normally builds one; tests build many).
_CACHE_SIZE = 8


class _Unset:
    """An option the user did not set (Python-Markdown treats None and booleans specially)."""

    def __repr__(self) -> str:
        return "unset"


_UNSET: Any = _Unset()


# --- the host: Zensical, MkDocs or a plain Markdown call --------------------------------------


@dataclass(frozen=True)
class _Host:
    """Where the page being converted lives, as the host tells it or the options say."""

    docs_dir: str | None  #: absolute; None if neither the host nor the options give it
    page: str | None  #: the page's docs path, when the host (or the `page` option) says
    use_directory_urls: bool = True
    nav: tuple[str, ...] = ()
    exclude_docs: str | None = None
    draft_docs: str | None = None
    template_dirs: tuple[str, ...] = ()
    #: link pages by their Markdown source (``../adr/0001-x.md``), as an author would: Zensical
    #: resolves relative links in the HTML against the source file and rewrites them to URLs
    source_links: bool = False
    #: an object that stays the same for one whole build and differs in the next: Zensical's
    #: config (parsed again for every build, also under `zensical serve`); None if unknown.
    #: Held, not just its id, so that a later build cannot get the same id.
    build: object = field(default=None, compare=False)


def _zensical(md: Markdown) -> tuple[str | None, dict[str, Any]] | None:
    """(page path, config) from Zensical's rendering context, None outside Zensical. The
    context is undocumented, so it is read defensively (as zensical-glossary does)."""
    try:
        from zensical.extensions.context import ContextPreprocessor
    except ImportError:
        return None
    try:
        context = ContextPreprocessor.from_markdown(md)
    except Exception:  # an internal API that may change: treat as no context
        return None
    if context is None:
        return None
    config = getattr(context, "config", None)
    path = getattr(getattr(context, "page", None), "path", None)
    if not isinstance(config, dict):
        return None
    return (str(path).replace(os.sep, "/") if path else None), config


def _zensical_nav(items: object) -> list[str]:
    """Page paths of Zensical's converted nav (items with ``url`` and ``children``)."""
    found: list[str] = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, list):
            found.extend(_zensical_nav(item))
        elif isinstance(item, dict):
            url = item.get("url")
            if isinstance(url, str):
                found.extend(nav_paths(url))
            found.extend(_zensical_nav(item.get("children")))
    return found


def _host(md: Markdown, extension: GapcheckExtension) -> _Host:
    zensical = _zensical(md)
    page = extension.getConfig("page") or None
    if zensical is not None:
        path, config = zensical
        root = str(config.get("root_dir") or "")
        docs = config.get("docs_dir")
        theme = config.get("theme")
        custom = theme.get("custom_dir") if isinstance(theme, dict) else None
        return _Host(
            docs_dir=os.path.abspath(os.path.join(root, docs)) if isinstance(docs, str) else None,
            page=path or page,
            use_directory_urls=config.get("use_directory_urls", True) is not False,
            nav=tuple(_zensical_nav(config.get("nav"))),
            exclude_docs=config.get("exclude_docs") or None,
            draft_docs=config.get("draft_docs") or None,
            template_dirs=(os.path.join(root, custom),) if isinstance(custom, str) else (),
            source_links=True,
            build=config,
        )
    docs = extension.getConfig("docs_dir")
    if isinstance(docs, os.PathLike):  # MkDocs' `!relative $config_dir/docs`
        docs = os.fspath(docs)
    return _Host(
        docs_dir=os.path.abspath(docs) if isinstance(docs, str) and docs else None,
        page=page,
        use_directory_urls=extension.getConfig("use_directory_urls") is not False,
    )


# --- the site, read once per process and again when a Markdown file changes ----------------


Signature = tuple[tuple[str, int, int], ...]


@dataclass
class _Site:
    """One read of a site: the model, and what the views need to link its pages."""

    signature: Signature
    model: Model | None = None
    problem: str | None = None  #: why there is no model (shown where the views would be)
    urls: dict[str, str] = field(default_factory=dict)  #: docs path -> URL from the site root
    by_text: dict[str, str | None] = field(default_factory=dict)  #: text hash -> path (None:
    #: two pages share the text)
    headings: dict[tuple[str, object], list[render.Heading]] = field(default_factory=dict)
    #: the host's build this read was last found current for (see _Host.build)
    build: object = None


_SITES: dict[tuple[object, ...], _Site] = {}
_LOCK = threading.Lock()


def _digest(text: str) -> str:
    """A page's text as the host passes it to Markdown, hashed: line ends and the blank lines
    around it do not count."""
    norm = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    return hashlib.blake2b(norm.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _signature(docs_dir: str) -> Signature:
    """Path, modification time and size of every Markdown file under ``docs_dir`` (excluded
    ones too: a change there only costs a needless read). Cheap to take, and any edit, new
    file or removal changes it."""
    found: list[tuple[str, int, int]] = []
    folders = [docs_dir]
    while folders:
        try:
            with os.scandir(folders.pop()) as entries:
                for entry in entries:
                    if entry.is_dir():
                        folders.append(entry.path)
                    elif entry.name.endswith(MARKDOWN_EXTENSIONS):
                        stat = entry.stat()
                        found.append((entry.path, stat.st_mtime_ns, stat.st_size))
        except OSError:  # a folder that vanished or cannot be read: _load says so
            continue
    return tuple(sorted(found))


def _site(host: _Host, options: Options, options_key: str) -> _Site:
    """The site of ``host.docs_dir``, read again only if its pages changed since last time.

    Under Zensical, each build has a config of its own: the pages of one build are checked
    against the sources once, not once per page (a walk of docs_dir per page adds up)."""
    assert host.docs_dir is not None
    key = (host.docs_dir, options_key, host.use_directory_urls, host.nav, host.exclude_docs,
           host.draft_docs)
    with _LOCK:
        cached = _SITES.get(key)
    if cached is not None and host.build is not None and cached.build is host.build:
        return cached
    signature = _signature(host.docs_dir)
    if cached is not None and cached.signature == signature:
        cached.build = host.build
        return cached
    try:
        site = docs_site(host.docs_dir, nav=list(host.nav),
                         use_directory_urls=host.use_directory_urls,
                         exclude_docs=host.exclude_docs, draft_docs=host.draft_docs)
        paths = page_paths(site)
    except ConfigError as exc:
        return _Site((), problem=str(exc))
    loaded = _load(host, options, paths, signature)
    loaded.build = host.build
    with _LOCK:
        _SITES.pop(key, None)
        _SITES[key] = loaded
        while len(_SITES) > _CACHE_SIZE:
            del _SITES[next(iter(_SITES))]
    return loaded


def _load(host: _Host, options: Options, paths: list[str], signature: Signature) -> _Site:
    assert host.docs_dir is not None
    result = _Site(signature)

    def read(path: str) -> bytes:
        with open(os.path.join(host.docs_dir or "", path), "rb") as handle:
            data = handle.read()
        # The text a host converts: the body after front matter (MkDocs, Zensical), or the
        # whole file when the front matter does not parse (MkDocs leaves it in).
        text = frontmatter.decode(data).text
        for variant in {text, text[frontmatter.parse(text).body_offset:]}:
            digest = _digest(variant)
            result.by_text[digest] = None if digest in result.by_text else path
        return data

    try:
        result.model = analyze_paths(paths, read, options, nav=host.nav)
    except OSError as exc:
        name = os.path.relpath(exc.filename or host.docs_dir, host.docs_dir)
        result.problem = f"cannot read {name}: {exc.strerror or exc}"
        return result
    for path in paths:
        result.urls[path] = File(path, None, "", host.use_directory_urls).url
    return result


def _page_headings(site: _Site, docs_dir: str, path: str, md: Markdown
                   ) -> list[render.Heading] | None:
    """Another page's heading anchors, from its Markdown source: converted with the host's
    ``toc`` settings (and ``attr_list`` if the host has it), as its own build would. Only gap
    pages are asked for: gaps link to their headings."""
    toc = next((e for e in md.registeredExtensions if isinstance(e, TocExtension)), None)
    if toc is None:  # no toc, no heading ids: the views link to the page
        return None
    attr_list = any(isinstance(e, AttrListExtension) for e in md.registeredExtensions)
    slugify, separator = toc.getConfig("slugify"), toc.getConfig("separator")
    key = (path, (slugify, separator, attr_list))
    if key in site.headings:
        return site.headings[key]
    try:
        with open(os.path.join(docs_dir, path), "rb") as handle:
            text = frontmatter.decode(handle.read()).text
    except OSError:
        return None
    body = text[frontmatter.parse(text).body_offset:]
    extensions: list[Extension] = [TocExtension(slugify=slugify, separator=separator)]
    if attr_list:
        extensions.append(AttrListExtension())
    helper = Markdown(extensions=extensions)
    helper.convert(body)
    headings = _toc_headings(getattr(helper, "toc_tokens", []))
    site.headings[key] = headings
    return headings


def _toc_headings(tokens: Sequence[dict[str, Any]]) -> list[render.Heading]:
    out: list[render.Heading] = []
    for token in tokens:
        out.append((str(token["id"]), render.heading_text(str(token["name"]))))
        out.extend(_toc_headings(token.get("children", [])))
    return out


# --- options --------------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _options(key: str) -> Options | str:
    """Validated options for the JSON of what the user set, or the problems as one line."""
    try:
        return load_options(json.loads(key))
    except OptionsError as exc:
        return "invalid gapcheck options: " + "; ".join(exc.problems)


@lru_cache(maxsize=8)
def _templates(dirs: tuple[str, ...]) -> Environment:
    return render.template_env(dirs)


@lru_cache(maxsize=1)
def _stylesheet() -> str:
    """The views' stylesheet as a ``data:`` link: no file to copy into docs_dir, nothing to
    fetch, and no CSS text in the page for a search index to pick up (as a ``<style>`` would)."""
    css = (resources.files("mkdocs_gapcheck") / "assets" / "gapcheck.css").read_bytes()
    data = base64.b64encode(css).decode("ascii")
    return (f'<div class="gapcheck-stylesheet"><link rel="stylesheet" '
            f'href="data:text/css;base64,{data}"></div>')


# --- the processors -------------------------------------------------------------------------


class _CaptureText(Preprocessor):
    """Keeps the text being converted, to tell which page it is when the host does not say."""

    def __init__(self, md: Markdown, state: dict[str, str]) -> None:
        super().__init__(md)
        self.state = state

    def run(self, lines: list[str]) -> list[str]:
        self.state["text"] = "\n".join(lines)
        return lines


class _Views(Treeprocessor):
    """Replaces the markers in the raw-HTML stash and adds the backlinks under the headings."""

    def __init__(self, md: Markdown, extension: GapcheckExtension, state: dict[str, str]) -> None:
        super().__init__(md)
        self.extension = extension
        self.state = state

    def run(self, root: etree.Element) -> None:
        try:
            self._run(root)
        except Exception as exc:  # a host such as Zensical aborts the build on any exception
            log.warning("gapcheck: the views failed on this page: %r", exc, exc_info=True)
            self._notes(root, [f"the views failed on this page: {exc!r}"], top=True)

    def _markers(self) -> Iterator[tuple[int, re.Match[str]]]:
        for index, raw in enumerate(self.md.htmlStash.rawHtmlBlocks):
            if isinstance(raw, str):  # under md_in_html some entries are elements
                for match in _MARKER_RE.finditer(raw):
                    yield index, match

    def _run(self, root: etree.Element) -> None:
        ext = self.extension
        raw_options = ext.gapcheck_options()
        if raw_options.get("enabled") is False:
            return
        markers = list(self._markers())
        if not markers and raw_options.get("backlinks") is False:
            return
        options = _options(json.dumps(raw_options, sort_keys=True, default=str))
        host = _host(self.md, ext)
        problem = None
        if isinstance(options, str):
            problem = options
        elif host.docs_dir is None:
            problem = ("no docs folder: set the gapcheck extension's docs_dir option to the "
                       "folder of the site's Markdown pages")
        elif not os.path.isdir(host.docs_dir):
            problem = f"docs_dir is not a folder: {host.docs_dir}"
        if problem is not None or isinstance(options, str):
            self._problem(markers, problem or "")
            return
        site = _site(host, options, json.dumps(raw_options, sort_keys=True, default=str))
        if site.model is None:
            self._problem(markers, site.problem or "the site could not be read")
            return
        page = host.page
        if page is None:
            page = site.by_text.get(_digest(self.state.get("text", "")))
        if page is None or page not in site.model.pages:
            if markers:
                self._problem(markers, (
                    "cannot tell which page of the site this is (the host gives no page, and "
                    "its text matches no page under docs_dir); set the extension's page option"
                ))
            return
        self._render(root, site, host, options, page, markers)

    def _problem(self, markers: list[tuple[int, re.Match[str]]], problem: str) -> None:
        """Each marker shows the problem, once per page in the log too."""
        if not markers:
            return
        log.warning("gapcheck: %s", problem)
        note = self._note_html([problem])
        self._replace(markers, [note] * len(markers))

    def _replace(self, markers: list[tuple[int, re.Match[str]]], views: list[str]) -> None:
        stash = self.md.htmlStash.rawHtmlBlocks
        edits: dict[int, list[tuple[int, int, str]]] = {}
        for (index, match), view in zip(markers, views, strict=True):
            edits.setdefault(index, []).append((match.start(), match.end(), view))
        for index, spans in edits.items():
            raw = stash[index]
            assert isinstance(raw, str)
            stash[index] = render.splice(raw, spans)

    def _note_html(self, messages: list[str]) -> str:
        return _templates(()).get_template("gapcheck/note.html").render(messages=messages).strip()

    def _notes(self, root: etree.Element, messages: list[str], *, top: bool) -> None:
        self._insert(root, 0 if top else len(root), self._note_html(messages))

    def _insert(self, parent: etree.Element, index: int, html: str) -> None:
        """Block HTML at ``index`` of ``parent``: a paragraph that holds only a stash
        placeholder, which the raw-HTML postprocessor replaces whole."""
        holder = etree.Element("p")
        holder.text = self.md.htmlStash.store(html.strip())
        holder.tail = "\n"
        parent.insert(index, holder)

    def _render(self, root: etree.Element, site: _Site, host: _Host, options: Options,
                page: str, markers: list[tuple[int, re.Match[str]]]) -> None:
        model = site.model
        assert model is not None and host.docs_dir is not None
        docs_dir = host.docs_dir
        current = self._current_headings(root)
        own_url = site.urls.get(page, "")

        def url_for(target: str) -> str | None:
            url = site.urls.get(target)
            if url is None:
                return None
            if host.source_links:
                return posixpath.relpath(target, posixpath.dirname(page) or ".")
            return get_relative_url(url, own_url)

        def headings(path: str) -> Sequence[render.Heading] | None:
            if path == page:
                return current
            info = model.pages.get(path)
            if info is None or not info.gaps:
                return None
            return _page_headings(site, docs_dir, path, self.md)

        view = render.View(model=model, options=options, page=page, url_for=url_for,
                           headings=headings, templates=_templates(host.template_dirs))
        shown = False
        if markers:
            parsed = [(i, m, *parse_marker(m["body"], options.severities)) for i, m in markers]
            valid = [(i, m, name, filters) for i, m, name, filters, bad in parsed if bad is None]
            if valid:
                views = render.render_markers(view, [(n, f) for _, _, n, f in valid])
                notes = self._view_notes(model, page)
                if notes:  # once, above the page's first view
                    views[0] = self._note_html(notes) + "\n" + views[0]
                self._replace([(i, m) for i, m, _, _ in valid], [v.strip() for v in views])
                shown = True
        info = model.pages.get(page)
        if options.backlinks and info is not None and (info.gaps or info.addresses):
            shown = self._backlinks(root, view) or shown
        if shown and self.extension.getConfig("css") is not False:
            self._insert(root, len(root), _stylesheet())

    @staticmethod
    def _view_notes(model: Model, page: str) -> list[str]:
        """The findings that leave pages out of the views, as the views show them."""
        found: list[Finding] = [f for f in model.findings if f.rule in _VIEW_NOTES]
        return [f"{f.file}:{f.line}: {f.rule}: {f.message} (run `gapcheck check`)"
                for f in found]

    def _current_headings(self, root: etree.Element) -> list[render.Heading]:
        """This page's heading anchors: from ``toc`` (which has run), else the tree's ids."""
        tokens = getattr(self.md, "toc_tokens", None)
        if tokens:
            return _toc_headings(tokens)
        return [(str(el.get("id")), "".join(el.itertext()).strip())
                for el in root.iter() if el.tag in _HEADING_TAGS and el.get("id")]

    def _backlinks(self, root: etree.Element, view: render.View) -> bool:
        """Backlinks as :func:`render.backlinks_at` places them: under each gap's heading, and
        the gaps the page addresses at the top, after its title."""
        top, sections = render.backlink_blocks(view)
        parents = {child: parent for parent in root.iter() for child in parent}
        done: set[str] = set()
        added = False
        for heading in list(root.iter()):
            anchor = heading.get("id")
            if heading.tag in _HEADING_TAGS and anchor in sections and anchor not in done:
                done.add(anchor)
                parent = parents[heading]
                self._insert(parent, list(parent).index(heading) + 1, sections[anchor])
                added = True
        if top is not None:
            first = root[0] if len(root) else None
            self._insert(root, 1 if first is not None and first.tag == "h1" else 0, top)
            added = True
        return added


# --- the extension --------------------------------------------------------------------------


class GapcheckExtension(Extension):
    """``markdown_extensions: [gapcheck]``: the gapcheck views and backlinks in any host."""

    def __init__(self, **kwargs: Any) -> None:
        self.config = {
            "docs_dir": ["", "The site's docs folder, absolute or relative to the working "
                             "directory (Zensical gives its own)"],
            "page": ["", "The docs path of the page being converted, when the host does not "
                         "say (a plain markdown.Markdown call)"],
            "use_directory_urls": [True, "Link pages as MkDocs does with this setting "
                                         "(Zensical gives its own)"],
            "css": [True, "Put the views' stylesheet in each page that shows a view"],
        }
        # the plugin's options, validated by the one schema when a page is converted
        for name in SCHEMA:
            if name not in self.config:
                self.config[name] = [_UNSET, f"The gapcheck option {name}"]
        super().__init__(**kwargs)

    def gapcheck_options(self) -> dict[str, Any]:
        """The gapcheck options the user set, for :func:`.options.load_options`."""
        return {k: v for k, v in self.getConfigs().items()
                if k not in EXTENSION_ONLY_OPTIONS and v is not _UNSET}

    def extendMarkdown(self, md: Markdown) -> None:
        md.registerExtension(self)
        state: dict[str, str] = {}
        # before normalize_whitespace (30): the text as the host passed it
        md.preprocessors.register(_CaptureText(md, state), "gapcheck_text", 35)
        # after toc (5), which sets the heading ids; before unescape (0)
        md.treeprocessors.register(_Views(md, self, state), "gapcheck", 1)


def makeExtension(**kwargs: Any) -> GapcheckExtension:
    return GapcheckExtension(**kwargs)
