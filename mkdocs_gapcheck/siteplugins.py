"""Other plugins in mkdocs.yml that change which pages a build has, as ``gapcheck check`` sees them.

The command never imports a site's plugins. For the ones whose effect on the set of pages is
plain from their documented settings it does the same thing: mkdocs-exclude's ``glob`` and
``regex``, mkdocs-static-i18n's languages (one check per language, as it builds one site per
language), the Material blog's drafts. For the ones whose pages only exist while they run
(gen-files scripts, the blog's archive and category pages, hooks) it says so, once each.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from . import frontmatter

#: mkdocs-static-i18n's pattern of a locale (mkdocs_static_i18n/config.py RE_LOCALE)
LOCALE_RE = re.compile(r"(^[a-z]{2}(-[A-Za-z]{4})?(-[A-Z]{2})?$)|(^[a-z]{2}_[A-Z]{2}$)")
_MARKDOWN = (".markdown", ".mdown", ".mkdn", ".mkd", ".md")


@dataclass(slots=True)
class I18n:
    """mkdocs-static-i18n's settings: which languages it builds, and how files name theirs."""

    structure: str  #: "suffix" (gaps.fr.md) or "folder" (fr/gaps.md)
    default: str
    languages: list[str]  #: every configured locale
    build: list[str]  #: the locales it builds, the default first
    fallback: bool  #: fallback_to_default: a missing translation shows the default's page


@dataclass(slots=True)
class Blog:
    """The Material blog's settings that decide which posts are drafts."""

    post_dir: str  #: posts are the pages whose path starts with it
    draft: bool  #: drafts are built too
    draft_if_future_date: bool


@dataclass(slots=True)
class Plugins:
    """What gapcheck check takes from the other plugins of mkdocs.yml."""

    excluded: Callable[[str], bool] = lambda path: False  #: mkdocs-exclude drops the page
    i18n: I18n | None = None
    blogs: list[Blog] = field(default_factory=list)
    #: one line per plugin (or hooks) whose pages this command cannot see
    blind: list[str] = field(default_factory=list)


def named_items(value: Any) -> list[tuple[Any, Any]]:
    """``plugins`` or ``markdown_extensions`` of mkdocs.yml (a list of names and one-key
    mappings, or a mapping) as (name, options) pairs, options as written."""
    if isinstance(value, dict):
        return list(value.items())
    items: list[tuple[Any, Any]] = []
    for item in value if isinstance(value, list) else ():
        if isinstance(item, dict):
            items.extend(item.items())
        else:
            items.append((item, {}))
    return items


def entries(plugins: Any) -> list[tuple[str, dict[str, Any]]]:
    """``plugins`` of mkdocs.yml as (name, options) pairs, names without a leading ``/``."""
    return [
        (name.lstrip("/"), options if isinstance(options, dict) else {})
        for name, options in named_items(plugins)
        if isinstance(name, str)
    ]


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _exclude(options: dict[str, Any]) -> Callable[[str], bool]:
    """mkdocs-exclude's test: fnmatch of any ``glob`` ('*' also matches '/'), ``re.match``
    of any ``regex`` (anchored at the start), both on the path under docs_dir."""
    globs = _strings(options.get("glob"))
    try:
        regexes = [re.compile(r) for r in _strings(options.get("regex"))]
    except re.error:
        regexes = []  # the plugin itself fails the build on a bad pattern

    def excluded(path: str) -> bool:
        return any(fnmatch.fnmatchcase(path, g) for g in globs) or any(
            r.match(path) for r in regexes
        )

    return excluded


def _i18n(options: dict[str, Any]) -> I18n | None:
    languages = [
        lang for lang in options.get("languages") or []
        if isinstance(lang, dict) and isinstance(lang.get("locale"), str)
    ]
    if not languages:
        return None
    only = options.get("build_only_locale")
    default = next((lang["locale"] for lang in languages if lang.get("default") is True), None)
    if isinstance(only, str):
        default = only
    if default is None:
        return None
    build = [
        lang["locale"] for lang in languages
        if lang["locale"] != "null" and lang.get("build", True) is not False
        and (not isinstance(only, str) or lang["locale"] == only)
    ]
    build = [default] + [b for b in build if b != default]
    return I18n(
        structure="folder" if options.get("docs_structure") == "folder" else "suffix",
        default=default,
        languages=[lang["locale"] for lang in languages],
        build=build,
        fallback=options.get("fallback_to_default", True) is not False,
    )


def read(data: dict[str, Any]) -> Plugins:
    """The other plugins' settings from the loaded mkdocs.yml."""
    found = Plugins()
    blind: dict[str, str] = {}
    for name, options in entries(data.get("plugins")):
        if options.get("enabled", True) is False:
            continue
        if name == "exclude":
            found.excluded = _exclude(options)
        elif name == "i18n":
            found.i18n = _i18n(options)
        elif name in ("blog", "material/blog"):
            blog_dir = str(options.get("blog_dir", "blog"))
            post_dir = str(options.get("post_dir", "{blog}/posts")).replace("{blog}", blog_dir)
            found.blogs.append(Blog(
                post_dir=posixpath.normpath(post_dir),
                draft=options.get("draft") is True,
                draft_if_future_date=options.get("draft_if_future_date") is True,
            ))
            blind[name] = (
                f"plugin '{name}' (Material blog) builds its index, archive and category pages "
                "while it runs; this command reads the posts but cannot see those pages"
            )
        elif name == "gen-files":
            blind[name] = (
                "plugin 'gen-files' (mkdocs-gen-files) adds pages from its scripts while it "
                "runs; this command cannot see them: for this site trust `mkdocs build --strict`"
            )
    if data.get("hooks"):
        blind["hooks"] = (
            "hooks in mkdocs.yml may add, drop or change pages while MkDocs runs; this command "
            "cannot see what they do: for this site trust `mkdocs build --strict`"
        )
    found.blind = list(blind.values())
    return found


# --- the Material blog's drafts --------------------------------------------------------------


def is_post(blog: Blog, path: str) -> bool:
    """Whether the page is one of the blog's posts (the blog tests the path's start)."""
    return path.startswith(blog.post_dir if blog.post_dir != "." else "")


def is_draft(blog: Blog, text: str, now: dt.datetime) -> bool:
    """Whether the blog leaves a post out as a draft (``draft: true``, or a future date with
    ``draft_if_future_date``), as material/plugins/blog decides it."""
    if blog.draft:
        return False
    meta = frontmatter.parse(text).data
    draft = meta.get("draft")
    if isinstance(draft, bool):
        return draft
    if blog.draft_if_future_date:
        created = meta.get("date")
        if isinstance(created, dict):
            created = created.get("created")
        if isinstance(created, dt.datetime):
            aware = created if created.tzinfo else created.replace(tzinfo=dt.timezone.utc)
            return aware > now
        if isinstance(created, dt.date):
            return dt.datetime(created.year, created.month, created.day,
                               tzinfo=dt.timezone.utc) > now
    return False


# --- mkdocs-static-i18n ----------------------------------------------------------------------


def _locale(i18n: I18n, path: str) -> tuple[str, str]:
    """(locale of the file, its path without the locale), as mkdocs-static-i18n names them."""
    if i18n.structure == "folder":
        first, _, rest = path.partition("/")
        if rest and (first in i18n.languages or LOCALE_RE.match(first)):
            return first, rest
        return i18n.default, path
    name = path.rpartition("/")[2]
    stem = name
    for ext in _MARKDOWN:
        if name.endswith(ext):
            stem = name[: -len(ext)]
            break
    base, dot, locale = stem.rpartition(".")
    if dot and base and (locale in i18n.languages or LOCALE_RE.match(locale)):
        return locale, path.replace(f".{locale}", "", 1)
    return i18n.default, path


def language_pages(i18n: I18n, paths: Iterable[str], language: str) -> list[str]:
    """The pages mkdocs-static-i18n builds for ``language``: for each page, its translation,
    else (with fallback_to_default) the default language's page."""
    own: dict[str, str] = {}
    fallback: dict[str, str] = {}
    order: dict[str, None] = {}  # each page once, where it first appears
    for path in paths:
        locale, norm = _locale(i18n, path)
        order.setdefault(norm)
        if locale == language:
            own.setdefault(norm, path)
        elif locale == i18n.default and i18n.fallback:
            fallback.setdefault(norm, path)
    return [own.get(n) or fallback[n] for n in order if n in own or n in fallback]
