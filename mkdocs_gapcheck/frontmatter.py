"""Front matter with line numbers.

MkDocs parses front matter only when it renders a page and drops invalid YAML silently; gapcheck
reads every page's front matter up front, reports what is wrong, and keeps the source line of
every key it may point a finding at.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

try:  # libyaml's parser, with PyYAML's own constructors
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


_OPEN_RE = re.compile(r"---[ \t]*\n")
_KEYLIKE = r"^[A-Za-z_][\w-]*[ \t]*:"  # compiled on first use: unclosed front matter only


class _Loader(_BaseLoader):
    """Safe loader that keeps impossible dates (2026-13-45) as text for the rules to report."""


def _timestamp(loader: _Loader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return str(node.value)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)

@dataclass(slots=True)
class Source:
    """A page's Markdown decoded for gapcheck: text with LF line ends and no BOM."""

    text: str
    encoding_error: str | None = None  #: why the bytes were not UTF-8, if they were not
    encoding_error_line: int = 1


def decode(raw: bytes | str | Source) -> Source:
    """Decode a page as MkDocs does (UTF-8, BOM allowed) without ever raising; a page that is
    decoded already (a :class:`Source`) is returned as it is."""
    if isinstance(raw, Source):
        return raw
    error = None
    line = 1
    if isinstance(raw, bytes):
        raw = raw.removeprefix(b"\xef\xbb\xbf")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            error = f"byte 0x{raw[exc.start]:02x} is not valid UTF-8"
            text = raw.decode("utf-8", errors="replace")
    else:
        text = raw.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return Source(text, error, line)


_STR, _SEQ, _MAP = (f"tag:yaml.org,2002:{t}" for t in ("str", "seq", "map"))


class _Fallback(Exception):
    """A document :func:`_plain` leaves to PyYAML's constructor."""


def _plain(loader: _Loader, node: yaml.Node, seen: set[int], depth: int = 0) -> Any:
    """The value of a composed node when it is plain strings in plain lists and mappings, as
    most front matter is: built directly, several times faster than PyYAML's generic
    constructor. Other scalars go to PyYAML's constructor for their tag; anything else
    (aliases to collections, merge keys, sets, deep nesting) raises :class:`_Fallback`."""
    if isinstance(node, yaml.ScalarNode):
        return node.value if node.tag == _STR else loader.construct_object(node, deep=True)
    if depth > 50 or id(node) in seen:
        raise _Fallback
    seen.add(id(node))
    if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
        return [_plain(loader, item, seen, depth + 1) for item in node.value]
    if isinstance(node, yaml.MappingNode) and node.tag == _MAP:
        mapping = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
                raise _Fallback
            mapping[_plain(loader, key, seen, depth + 1)] = _plain(loader, value, seen,
                                                                  depth + 1)
        return mapping
    raise _Fallback


def _construct(loader: _Loader, node: yaml.Node) -> Any:
    """The value of a composed document, exactly as PyYAML's safe loader makes it."""
    try:
        return _plain(loader, node, set())
    except _Fallback:
        return loader.construct_document(node)


#: Source lines of a front matter's keys and items, a few levels deep: for a mapping,
#: key -> (line, child); for a list, [(line, child)]; None below that.
Lines = dict[str, tuple[int, Any]] | list[tuple[int, Any]] | None

#: How deep :func:`_lines` records: a gap's field (``gaps``, item, field) is the deepest a
#: finding points at.
_LINES_DEPTH = 3


def _lines(node: yaml.Node, depth: int = _LINES_DEPTH) -> Lines:
    """The lines of ``node``'s keys and items. A repeated key keeps its last occurrence,
    whose value is the one YAML keeps; an alias has the line of its anchor."""
    if depth == 0:
        return None
    if isinstance(node, yaml.MappingNode):
        return {
            key.value: (key.start_mark.line + 2, _lines(value, depth - 1))
            for key, value in node.value if isinstance(key, yaml.ScalarNode)
        }
    if isinstance(node, yaml.SequenceNode):
        return [(item.start_mark.line + 2, _lines(item, depth - 1)) for item in node.value]
    return None


@dataclass(slots=True)
class FrontMatter:
    """The front matter of one page."""

    data: dict[str, Any] = field(default_factory=dict)
    #: the lines of its keys, for findings. Not the composed YAML itself: a site's worth of
    #: nodes and marks kept alive made the garbage collector's passes a fifth of a check.
    lines: Lines = None
    present: bool = False
    body_offset: int = 0  #: where the Markdown body starts in the text
    body_line: int = 1  #: 1-based line where the body starts
    error: str | None = None
    error_line: int = 1
    #: the front matter's text when it could not be read (``error`` set, no ``lines``): enough
    #: for :mod:`.parse` to tell a broken gap page and the ids it tried to define
    unread: str | None = None

    @property
    def unreadable(self) -> bool:
        """Whether the page has front matter that could not be read at all."""
        return self.error is not None and self.lines is None

    def line(self, *path: str | int) -> int:
        """The source line of the deepest key or item on ``path`` that exists (an alias's
        own line where it is below its anchor)."""
        tree = self.lines
        best = 1 if tree is None else 2
        for key in path:
            found = None
            if isinstance(tree, dict) and isinstance(key, str):
                found = tree.get(key)
            elif isinstance(tree, list) and isinstance(key, int) and 0 <= key < len(tree):
                found = tree[key]
            if found is None:
                break
            line, tree = found
            best = max(best, line)
        return best


def _repeated_key(node: yaml.Node) -> tuple[int, int, str] | None:
    """(line, first line, key) of the earliest key written twice in the front matter's own
    mapping or in a gap's mapping (YAML keeps the last value silently)."""
    mappings = [node]
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value in ("gaps", "gap"):
            items = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            mappings.extend(item for item in items if isinstance(item, yaml.MappingNode))
    found: tuple[int, int, str] | None = None
    for mapping in mappings:
        seen: dict[str, int] = {}
        for key_node, _ in mapping.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            line = key_node.start_mark.line + 2
            if key_node.value in seen:
                if found is None or line < found[0]:
                    found = (line, seen[key_node.value], key_node.value)
                break
            seen[key_node.value] = line
    return found


def _find_close(text: str, start: int) -> tuple[int, int] | None:
    """(start, end) of the first line at or after ``start`` that is '---' or '...'."""
    line_start = start
    while True:
        if not text.startswith(("---", "..."), line_start):
            dash = text.find("\n---", line_start)
            dots = text.find("\n...", line_start)
            if dash < 0 and dots < 0:
                return None
            line_start = (dots if dash < 0 else dash if dots < 0 else min(dash, dots)) + 1
        end = text.find("\n", line_start)
        end = len(text) if end < 0 else end
        if not text[line_start + 3 : end].strip(" \t"):
            return line_start, end
        if end == len(text):
            return None
        line_start = end + 1


def parse(text: str) -> FrontMatter:
    """Split and parse the front matter of ``text`` (as returned by :func:`decode`)."""
    if not _OPEN_RE.match(text):
        return FrontMatter()
    start = text.index("\n") + 1
    close = _find_close(text, start)
    if close is None:
        rest = text[start:].lstrip("\n")
        if re.match(_KEYLIKE, rest):
            return FrontMatter(
                error="front matter opened by '---' on line 1 is never closed: end it with a "
                "line '---' (MkDocs will show it as page text)",
                error_line=1,
                unread=rest,
            )
        return FrontMatter()
    yaml_text = text[start : close[0]]
    body_offset = close[1] + 1 if close[1] < len(text) else close[1]
    body_line = text.count("\n", 0, body_offset) + 1
    fm = FrontMatter(present=True, body_offset=body_offset, body_line=body_line)
    fm.unread = yaml_text  # cleared once the YAML reads as a mapping
    if "\t" in yaml_text:
        for number, content in enumerate(yaml_text.split("\n"), start=2):
            indent = content[: len(content) - len(content.lstrip(" \t"))]
            if "\t" in indent:
                fm.error = "a tab indents this line; YAML allows only spaces for indentation"
                fm.error_line = number
                return fm
    loader = _Loader(yaml_text)
    try:
        node = loader.get_single_node()
        data = None if node is None else _construct(loader, node)
    except yaml.MarkedYAMLError as exc:
        mark, reason = exc.problem_mark, exc.problem or exc.context
        if exc.context and exc.context_mark and (
            "end of stream" in (exc.problem or "") or exc.context.startswith("while parsing a flow")
        ):
            # e.g. a quote or a bracket never closed: the parser fails further on, the cause
            # is where the context (the quoted scalar, the [ or {) began
            opened = {"while parsing a flow sequence": "'['", "while parsing a flow mapping": "'{'",
                      "while scanning a quoted scalar": "quote"}
            mark, reason = exc.context_mark, (
                f"the {opened[exc.context]} opened on this line is never closed"
                if exc.context in opened else f"{exc.context} that is never closed"
            )
        mark = mark or exc.context_mark
        fm.error = f"not valid YAML: {brief(str(reason))}{_hint(str(reason))}"
        fm.error_line = (mark.line + 2) if mark is not None else 2
        return fm
    except yaml.reader.ReaderError as exc:  # a control character: a position, not a mark
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1])
        fm.error = (
            f"not valid YAML: character #x{code:04x} is not allowed in YAML; remove it or write "
            "it as an escape in a double-quoted string"
        )
        fm.error_line = yaml_text.count("\n", 0, exc.position) + 2
        return fm
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        fm.error = f"not valid YAML: {type(exc).__name__}: {str(exc)[:200]}"
        fm.error_line = 2
        return fm
    finally:
        loader.dispose()
    if data is None:
        return fm  # empty front matter: no metadata, as MkDocs reads it
    if not isinstance(data, dict):
        fm.error = (
            f"front matter is {describe(data)}, not a mapping of keys to values "
            "(write 'key: value' lines)"
        )
        fm.error_line = 2
        return fm
    fm.lines = None if node is None else _lines(node)
    fm.data = data
    fm.unread = None
    repeated = _repeated_key(node) if isinstance(node, yaml.MappingNode) else None
    if repeated:
        line, first, key = repeated
        fm.error = (
            f"key '{key}' is written twice in one mapping (lines {first} and {line}); YAML keeps "
            "only the last value and drops the first silently: remove or merge one"
        )
        fm.error_line = line
    return fm


#: What usually causes PyYAML's terser complaints, for the message's second half.
_HINTS: tuple[tuple[str, str], ...] = (
    ("mapping values are not allowed", "; quote a value that holds ': ', and check that this "
     "line is indented like the keys beside it"),
    ("did not find expected", "; this line is indented differently from the lines above it"),
    ("could not find expected ':'", "; a key needs ': ' after it, or a value needs quotes"),
)


def _hint(reason: str) -> str:
    return next((hint for start, hint in _HINTS if reason.startswith(start)), "")


def brief(text: str, limit: int = 80) -> str:
    """User text for a one-line message: whitespace folded, at most ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe(value: Any) -> str:
    """A short, bounded description of a YAML value for messages (values can be huge or cyclic)."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return repr(brief(value, 60))
    if isinstance(value, dt.datetime):
        return f"the timestamp {value.isoformat()}"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, list):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"
