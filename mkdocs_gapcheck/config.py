"""mkdocs.yml as MkDocs reads it: what ``gapcheck check`` needs and no more.

The command must see the same pages with the same options as the plugin does in a build, yet
stay independent of the site's theme and plugins. So this module reads the YAML as MkDocs
does, with the libraries MkDocs uses (``!ENV`` by pyyaml-env-tag, ``INHERIT`` merged by
mergedeep) but without importing MkDocs itself (``mkdocs.utils`` alone costs the command a
quarter of a 5,000-page site's read-and-parse time), finds the gapcheck entry under
``plugins``, and lists the Markdown files of docs_dir the way MkDocs' ``get_files`` does
(dot files, ``templates/``, ``exclude_docs``, ``draft_docs``, README/index conflicts).
Tags that would import code (``!!python/name:...`` in a pymdownx config) load as plain
values instead.
"""

from __future__ import annotations

import os
import posixpath
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import mergedeep  # type: ignore[import-untyped]  # MkDocs merges INHERIT with it
import yaml
import yaml_env_tag  # type: ignore[import-untyped]  # MkDocs' !ENV

from . import siteplugins
from .core import nav_paths

#: Looked for in this order in the current folder when no ``-f`` is given.
CONFIG_NAMES: tuple[str, ...] = ("mkdocs.yml", "mkdocs.yaml", "properdocs.yml", "zensical.toml")
#: What MkDocs counts as a Markdown page (``mkdocs.utils.markdown_extensions``).
MARKDOWN_EXTENSIONS: tuple[str, ...] = (".markdown", ".mdown", ".mkdn", ".mkd", ".md")
#: The plugin's names under ``plugins`` (a leading ``/`` skips theme namespacing in MkDocs).
PLUGIN_NAMES: tuple[str, ...] = ("gapcheck", "/gapcheck")
#: Names of the Markdown extension under ``markdown_extensions`` (entry point, module path).
EXTENSION_NAMES: tuple[str, ...] = ("gapcheck", "mkdocs_gapcheck.mdext")
#: Options of the Markdown extension that only the extension reads (where it runs, not how
#: gapcheck checks): left out when the CLI validates the extension's options.
EXTENSION_ONLY_OPTIONS: tuple[str, ...] = ("docs_dir", "page", "use_directory_urls", "css")


class ConfigError(Exception):
    """The site cannot be checked; the message is one line for the user."""


@dataclass(slots=True)
class SiteConfig:
    """What gapcheck takes from mkdocs.yml (or zensical.toml)."""

    config_file: str  #: absolute path of the config file
    config_dir: str  #: its folder: docs_dir and printed paths are relative to it
    docs_dir: str  #: absolute
    docs_prefix: str  #: docs_dir as findings show it: ``docs/`` (``""`` if it is the folder)
    nav: list[str]  #: page paths of ``nav``, in order
    options: dict[str, Any]  #: the gapcheck plugin's raw options
    plugin_found: bool
    plugin_enabled: bool
    use_directory_urls: bool
    exclude: Callable[[str], bool]  #: src_uri -> excluded from the build (exclude/draft_docs)
    prune_dot_dirs: bool  #: whether walking may skip dot folders and templates/ outright
    notes: list[str] = field(default_factory=list)  #: things worth telling the user
    site_url: str | None = None  #: for links in ``gapcheck diff``'s Markdown
    #: other plugins that change which pages the build has (i18n, mkdocs-exclude, blog...)
    plugins: siteplugins.Plugins = field(default_factory=siteplugins.Plugins)


class _SafeLoader(yaml.SafeLoader):
    """MkDocs' tags on a safe loader; ``!relative`` and unknown tags load as plain values."""


def _construct_plain(loader: yaml.SafeLoader, suffix: str | None, node: yaml.Node) -> Any:
    """A node under a tag gapcheck does not know (or a ``!relative``): its plain value."""
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        try:
            return loader.construct_mapping(node, deep=True)
        except yaml.constructor.ConstructorError:  # unhashable keys: nothing gapcheck reads
            return None
    return None  # pragma: no cover - every node is one of the three


_SafeLoader.add_multi_constructor("", _construct_plain)


def _display(path: str) -> str:
    """A path as the user would write it: relative to the current folder when below it."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def _loader(config_dir: str) -> type[yaml.SafeLoader]:
    """A safe loader with MkDocs' tags: ``!ENV`` (MkDocs' own constructor for it) and
    ``!relative`` for ``config_dir``; other tags load as plain values."""

    class Loader(_SafeLoader):
        pass

    def relative(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        """``!relative $config_dir/sub`` as a path; other forms matter only to extensions."""
        value = str(_construct_plain(loader, None, node) or "")
        prefix, _, suffix = value.partition("/")
        if prefix == "$config_dir":
            return os.path.join(config_dir, suffix) if suffix else config_dir
        return value

    Loader.add_constructor("!ENV", yaml_env_tag.construct_env_tag)
    Loader.add_constructor("!relative", relative)
    return Loader


def parse_config_text(
    raw: bytes, where: str, config_dir: str, read_inherit: Callable[[str], bytes | None],
    inherit_dir: str = "", depth: int = 0,
) -> dict[str, Any]:
    """A config file's bytes as a mapping, ``INHERIT`` resolved as MkDocs does (relative to
    the inheriting file, merged with mergedeep). ``read_inherit(path)`` reads a file by its
    path relative to the config file's folder (None if it does not exist): the work tree's,
    or a git revision's for ``gapcheck diff``. ``inherit_dir``: the inheriting file's folder,
    relative to the config file's."""
    try:
        data = yaml.load(raw.decode("utf-8", "replace"), Loader=_loader(config_dir))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"{where}:{mark.line + 1}" if mark is not None else where
        reason = " ".join(str(exc.problem or exc.context or "").split())
        raise ConfigError(f"{line}: not valid YAML: {reason}") from None
    except (yaml.YAMLError, ValueError, TypeError, AttributeError, RecursionError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"{where}: not valid YAML: {first}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{where} is not a mapping of settings (it holds a "
                          f"{type(data).__name__})")
    if "INHERIT" in data:
        name = data.pop("INHERIT")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{where}: INHERIT must name a config file, got {name!r}")
        path = posixpath.normpath(posixpath.join(inherit_dir, name))
        if depth >= 20:
            raise ConfigError(f"{where}: INHERIT goes round in a cycle via {name}")
        parent_raw = read_inherit(path)
        if parent_raw is None:
            raise ConfigError(f"{where}: Inherited config file '{name}' does not exist")
        parent = parse_config_text(parent_raw, path, config_dir, read_inherit,
                                   posixpath.dirname(path), depth + 1)
        data = mergedeep.merge(parent, data)
    return dict(data)


def load_yaml(path: str) -> dict[str, Any]:
    """The config file as a mapping, ``INHERIT`` resolved, as MkDocs loads it."""
    config_dir = os.path.dirname(path)

    def read(rel: str) -> bytes | None:
        try:
            with open(os.path.join(config_dir, rel), "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ConfigError(f"cannot read {_display(os.path.join(config_dir, rel))}: "
                              f"{exc.strerror or exc}") from None

    raw = read(os.path.basename(path))
    if raw is None:
        raise ConfigError(f"cannot read {_display(path)}: No such file or directory")
    return parse_config_text(raw, _display(path), config_dir, read)


# --- finding and reading the config --------------------------------------------------------


def find_config(explicit: str | None = None, folder: str | None = None) -> str:
    """The config file to read: ``explicit``, else the first of CONFIG_NAMES in ``folder``."""
    if explicit is not None:
        if os.path.isdir(explicit):
            folder = explicit
        elif not os.path.isfile(explicit):
            raise ConfigError(f"config file '{explicit}' does not exist")
        else:
            return os.path.abspath(explicit)
    folder = folder or os.getcwd()
    for name in CONFIG_NAMES:
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate):
            return os.path.abspath(candidate)
    where = "the current folder" if explicit is None else f"'{explicit}'"
    raise ConfigError(
        f"no {', '.join(CONFIG_NAMES[:-1])} or {CONFIG_NAMES[-1]} in {where}; "
        "pass the config file with -f"
    )


def _entry(items: list[tuple[Any, Any]], names: tuple[str, ...], what: str, where: str
           ) -> tuple[bool, dict[str, Any]]:
    """Whether one of ``items`` (name, options) is gapcheck's, and its options (``{}`` for a
    bare name)."""
    for name, options in items:
        if name in names:
            if options is None:
                return True, {}
            if not isinstance(options, dict):
                raise ConfigError(
                    f"{where}: the gapcheck {what}'s options must be a mapping, got "
                    f"{type(options).__name__}"
                )
            return True, dict(options)
    return False, {}


def _plugin_entry(plugins: Any, where: str) -> tuple[bool, dict[str, Any]]:
    """Whether ``plugins`` names gapcheck, and its options (``{}`` for a bare name)."""
    if plugins is None:
        return False, {}
    if not isinstance(plugins, (list, dict)):
        raise ConfigError(f"{where}: plugins must be a list or a mapping")
    for item in plugins if isinstance(plugins, list) else ():
        if isinstance(item, dict) and len(item) != 1:
            raise ConfigError(
                f"{where}: a plugins item names {len(item)} plugins; write one per item"
            )
    return _entry(siteplugins.named_items(plugins), PLUGIN_NAMES, "plugin", where)


def _pattern_lines(data: dict[str, Any], key: str, where: str) -> list[str]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, str):
        raise ConfigError(
            f"{where}: {key} must be a multi-line string of gitignore-style patterns "
            "(write it as `" + key + ": |`)"
        )
    return value.splitlines()


def _is_default_excluded(src_uri: str) -> bool:
    """MkDocs' own exclusions: any dot file or folder, and ``templates/`` at the top."""
    return src_uri.startswith("templates/") or any(
        part.startswith(".") for part in src_uri.split("/")
    )


def _exclusions(exclude: list[str], drafts: list[str]) -> Callable[[str], bool]:
    """A matcher with MkDocs' semantics: gitignore patterns via pathspec, as MkDocs uses it."""
    if not any(line.strip() and not line.lstrip().startswith("#") for line in exclude + drafts):
        return _is_default_excluded
    import pathspec  # MkDocs' own dependency; imported only when a pattern needs it

    try:
        spec = pathspec.GitIgnoreSpec.from_lines([".*", "/templates/", *exclude])
        draft_spec = pathspec.GitIgnoreSpec.from_lines(drafts) if drafts else None
    except ValueError as exc:
        raise ConfigError(f"exclude_docs/draft_docs: {exc}") from None

    def excluded(src_uri: str) -> bool:
        return bool(spec.match_file(src_uri)) or bool(
            draft_spec is not None and draft_spec.match_file(src_uri)
        )

    return excluded


def _extension_entry(extensions: Any, where: str) -> tuple[bool, dict[str, Any]]:
    """Whether ``markdown_extensions`` names the gapcheck extension, and its options less the
    extension-only ones."""
    found, options = _entry(siteplugins.named_items(extensions), EXTENSION_NAMES, "extension",
                            where)
    return found, {k: v for k, v in options.items() if k not in EXTENSION_ONLY_OPTIONS}


def read_config(config_file: str) -> SiteConfig:
    """Read ``config_file`` (absolute) as MkDocs, or Zensical for a ``.toml`` file, would;
    raise :class:`ConfigError` if unusable."""
    if config_file.endswith(".toml"):
        return read_zensical_config(config_file)
    return config_from_data(load_yaml(config_file), config_file, _display(config_file))


def config_from_data(
    data: dict[str, Any], config_file: str, where: str,
    is_dir: Callable[[str], bool] = os.path.isdir,
) -> SiteConfig:
    """The settings gapcheck takes from a loaded mkdocs.yml; ``is_dir(docs_dir)`` says whether
    docs_dir exists (in the work tree, or at a git revision)."""
    found, options = _plugin_entry(data.get("plugins"), where)
    what = "plugin"
    if not found:
        # the lighter setup (and Zensical reading mkdocs.yml): the Markdown extension alone
        found, options = _extension_entry(data.get("markdown_extensions"), where)
        what = "extension"
    enabled = options.get("enabled", True) is not False
    notes: list[str] = []
    if not found:
        notes.append(
            f"{where} has no gapcheck entry under plugins: checking with the default options "
            "(add '- gapcheck' to plugins so that `mkdocs build` checks too)"
        )
    elif not enabled:
        notes.append(f"{where} disables the gapcheck {what} (enabled: false); checking anyway")
    return _site_config(config_file, data, options, found, enabled, notes, where, is_dir)


def _site_config(config_file: str, data: dict[str, Any], options: dict[str, Any], found: bool,
                 enabled: bool, notes: list[str], where: str,
                 is_dir: Callable[[str], bool] = os.path.isdir) -> SiteConfig:
    """The settings MkDocs and Zensical share (docs_dir, nav, use_directory_urls,
    exclude_docs, draft_docs, site_url) from a config's data, with gapcheck's options."""
    config_dir = os.path.dirname(config_file)
    raw_docs = data.get("docs_dir")
    if raw_docs is None:
        raw_docs = "docs"
    if not isinstance(raw_docs, str) or not raw_docs.strip():
        raise ConfigError(f"{where}: docs_dir must be a folder path, got {raw_docs!r}")
    docs_dir = os.path.abspath(os.path.join(config_dir, raw_docs))
    if not is_dir(docs_dir):
        raise ConfigError(f"{where}: docs_dir '{raw_docs}' is not a folder ({_display(docs_dir)})")
    if docs_dir == config_dir:
        raise ConfigError(
            f"{where}: docs_dir must not be the config file's own folder (MkDocs refuses it)"
        )
    prefix = os.path.relpath(docs_dir, config_dir).replace(os.sep, "/")
    docs_prefix = "" if prefix == "." else prefix.rstrip("/") + "/"

    use_directory_urls = data.get("use_directory_urls", True)
    if not isinstance(use_directory_urls, bool):
        use_directory_urls = True

    exclude = _pattern_lines(data, "exclude_docs", where)
    drafts = _pattern_lines(data, "draft_docs", where)
    negated = any(line.lstrip().startswith("!") for line in exclude + drafts)
    return SiteConfig(
        config_file=config_file,
        config_dir=config_dir,
        docs_dir=docs_dir,
        docs_prefix=docs_prefix,
        nav=nav_paths(data.get("nav")),
        options=options,
        plugin_found=found,
        plugin_enabled=enabled,
        use_directory_urls=use_directory_urls,
        exclude=_exclusions(exclude, drafts),
        prune_dot_dirs=not negated,
        notes=notes,
        site_url=data["site_url"] if isinstance(data.get("site_url"), str) else None,
        plugins=siteplugins.read(data),
    )


def docs_site(docs_dir: str, *, nav: list[str] | None = None, use_directory_urls: bool = True,
              exclude_docs: str | None = None, draft_docs: str | None = None) -> SiteConfig:
    """A site known only by its docs folder (absolute) and the settings a host gives, as the
    Markdown extension sees it; for :func:`page_paths`. Raises :class:`ConfigError`."""
    data = {"exclude_docs": exclude_docs, "draft_docs": draft_docs}
    exclude = _pattern_lines(data, "exclude_docs", docs_dir)
    drafts = _pattern_lines(data, "draft_docs", docs_dir)
    negated = any(line.lstrip().startswith("!") for line in exclude + drafts)
    return SiteConfig(
        config_file="", config_dir=os.path.dirname(docs_dir), docs_dir=docs_dir,
        docs_prefix="", nav=list(nav or []), options={}, plugin_found=True, plugin_enabled=True,
        use_directory_urls=use_directory_urls, exclude=_exclusions(exclude, drafts),
        prune_dot_dirs=not negated,
    )


# --- zensical.toml -------------------------------------------------------------------------


def load_toml(path: str) -> dict[str, Any]:
    """A zensical.toml's settings: its ``[project]`` table (the whole file if it has none),
    as Zensical reads it."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    where = _display(path)
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read {where}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: not valid TOML: it is not UTF-8 text") from None
    project = data.get("project", data)
    if not isinstance(project, dict):
        raise ConfigError(f"{where}: [project] must be a table of settings")
    return project


def read_zensical_config(config_file: str) -> SiteConfig:
    """Read a zensical.toml (absolute path): the ``[project]`` settings Zensical shares with
    mkdocs.yml, and the gapcheck extension's options under ``markdown_extensions`` (table or
    list form). Raise :class:`ConfigError` if unusable."""
    where = _display(config_file)
    data = load_toml(config_file)
    found, options = _extension_entry(data.get("markdown_extensions"), where)
    enabled = options.get("enabled", True) is not False
    notes: list[str] = []
    if not found:
        notes.append(
            f"{where} has no gapcheck under markdown_extensions: checking with the default "
            "options (add [project.markdown_extensions.gapcheck] so that the site shows "
            "the views)"
        )
    elif not enabled:
        notes.append(f"{where} disables gapcheck (enabled = false); checking anyway")
    return _site_config(config_file, data, options, found, enabled, notes, where)


# --- the pages of docs_dir -----------------------------------------------------------------


def _file_sort_key(name: str) -> tuple[bool, str]:
    """``index`` and ``README`` first, as MkDocs sorts the files of one folder."""
    return (posixpath.splitext(name)[0] not in ("index", "README"), name)


def _output_name(name: str, use_directory_urls: bool) -> str:
    """Where MkDocs writes a file of a folder, relative to that folder's output."""
    if not name.endswith(MARKDOWN_EXTENSIONS):
        return name
    stem = posixpath.splitext(name)[0]
    if stem == "README":
        stem = "index"
    if not use_directory_urls or stem == "index":
        return stem + ".html"
    return stem + "/index.html"


def _dropped(names: list[str], use_directory_urls: bool, excluded: Callable[[str], bool]
             ) -> set[str]:
    """Of files of one folder that MkDocs writes to the same place, the ones it drops.

    MkDocs sorts a folder's files (index and README first), and of two with one output it
    keeps the later one unless that one is excluded (then the earlier one stays).
    """
    first_by_output: dict[str, str] = {}
    dropped: set[str] = set()
    for name in sorted(names, key=_file_sort_key):
        first = first_by_output.setdefault(_output_name(name, use_directory_urls), name)
        if first != name:
            dropped.add(first if not excluded(name) else name)
    return dropped


def page_paths(site: SiteConfig) -> list[str]:
    """The Markdown pages MkDocs builds from docs_dir (src_uri, forward slashes).

    Like ``mkdocs.structure.files.get_files`` followed by ``documentation_pages()``: excluded
    and draft files are left out, and of two files one folder writes to the same place
    (README.md and index.md) the later one wins unless it is excluded.
    """
    pages: list[str] = []

    def unreadable(error: OSError) -> None:  # MkDocs would skip the folder without a word
        where = os.path.relpath(error.filename or site.docs_dir, site.config_dir)
        raise ConfigError(f"cannot read {where.replace(os.sep, '/')}: {error.strerror or error}")

    for folder, dirnames, filenames in os.walk(site.docs_dir, onerror=unreadable,
                                               followlinks=True):
        rel = os.path.relpath(folder, site.docs_dir)
        rel = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        if site.prune_dot_dirs:  # excluded whole, and no `!pattern` can bring them back
            dirnames[:] = [
                d for d in dirnames if not d.startswith(".") and not (not rel and d == "templates")
            ]
        pages.extend(_folder_pages(site, rel, filenames))
    return pages


def _folder_pages(site: SiteConfig, rel: str, names: list[str]) -> list[str]:
    """The pages MkDocs builds of the files ``names`` of the docs folder ``rel`` ("" or
    "a/b/")."""
    # only Markdown and .html files can write to a page's place
    names = [n for n in names if n.endswith(MARKDOWN_EXTENSIONS) or n.endswith(".html")]

    def excluded(name: str) -> bool:
        return site.exclude(rel + name)

    dropped = _dropped(names, site.use_directory_urls, excluded)
    return [rel + n for n in names
            if n not in dropped and n.endswith(MARKDOWN_EXTENSIONS) and not excluded(n)]


def select_pages(site: SiteConfig, files: list[str]) -> list[str]:
    """Of ``files`` (every file under docs_dir, relative to it), the Markdown pages MkDocs
    builds: :func:`page_paths` for a listing that is not a folder (a git tree)."""
    folders: dict[str, list[str]] = {}
    for path in files:
        folder, _, name = path.rpartition("/")
        folders.setdefault(folder + "/" if folder else "", []).append(name)
    return [page for rel, names in folders.items() for page in _folder_pages(site, rel, names)]
