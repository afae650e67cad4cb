"""Front matter with line numbers.

MkDocs parses front matter only when it renders a page and drops invalid YAML silently; gapcheck
reads every page's front matter up front, reports what is wrong, and keeps the source line of
every key it may point a finding at.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import yaml

from .model import Record

try:  # the C loader is several times faster on 10,000 pages
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

_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"


class _Fallback(Exception):
    """The document needs PyYAML's own constructor: merge keys, or nesting deeper than
    :data:`_MAX_DEPTH` (PyYAML does not recurse; this constructor does)."""


_MAX_DEPTH = 50


def construct(loader: _Loader, node: yaml.Node) -> Any:
    """The value of a composed document: :func:`_construct`, or PyYAML's for merge keys."""
    try:
        return _construct(loader, node, {}, 0)
    except _Fallback:
        return loader.construct_document(node)


def _construct(loader: _Loader, node: yaml.Node, memo: dict[int, Any], depth: int) -> Any:
    """The Python value of a composed node, as ``loader.construct_document`` gives it.

    Front matter is mostly plain strings in plain mappings and lists: those are built here
    directly, and every other tag goes to PyYAML's own constructor for that tag, so values
    are the same, at a fraction of the cost of PyYAML's generic machinery.
    """
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _STR:
            return node.value
        return loader.construct_object(node, deep=True)
    if depth > _MAX_DEPTH:
        raise _Fallback
    depth += 1
    done = memo.get(id(node))
    if done is not None:
        return done  # an alias to a list or mapping already built (maybe one containing it)
    if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
        items: list[Any] = []
        memo[id(node)] = items
        items.extend(_construct(loader, item, memo, depth) for item in node.value)
        return items
    if isinstance(node, yaml.MappingNode) and node.tag == _MAP:
        mapping: dict[Any, Any] = {}
        memo[id(node)] = mapping
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _Fallback
            key = _construct(loader, key_node, memo, depth)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark,
                    "found unhashable key", key_node.start_mark,
                ) from None
            mapping[key] = _construct(loader, value_node, memo, depth)
        return mapping
    return loader.construct_object(node, deep=True)  # sets, omaps, pairs, other tags


class Source(Record):
    """A page's Markdown decoded for gapcheck: text with LF line ends and no BOM."""

    __slots__ = _fields = ("text", "encoding_error", "encoding_error_line")

    def __init__(
        self, text: str, encoding_error: str | None = None, encoding_error_line: int = 1
    ) -> None:
        self.text = text
        self.encoding_error = encoding_error  #: why the bytes were not UTF-8, if they were not
        self.encoding_error_line = encoding_error_line


def decode(raw: bytes | str | Source) -> Source:
    """Decode a page as MkDocs does (UTF-8, BOM allowed) without ever raising; a page that is
    decoded already (a :class:`Source`) is returned as it is."""
    if isinstance(raw, Source):
        return raw
    error = None
    line = 1
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            error = f"byte 0x{raw[exc.start]:02x} is not valid UTF-8"
            text = raw.decode("utf-8-sig", errors="replace")
    else:
        text = raw.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return Source(text, error, line)


class FrontMatter(Record):
    """The front matter of one page."""

    __slots__ = _fields = (
        "data", "node", "lines", "present", "body_offset", "body_line", "error", "error_line"
    )

    def __init__(
        self,
        data: dict[str, Any] | None = None,
        node: yaml.Node | None = None,
        lines: Lines | None = None,
        present: bool = False,
        body_offset: int = 0,
        body_line: int = 1,
        error: str | None = None,
        error_line: int = 1,
    ) -> None:
        self.data: dict[str, Any] = {} if data is None else data
        self.node = node  #: the composed YAML, for line numbers on demand
        self.lines = lines  #: or, when the fast reader read it, the lines of its keys
        self.present = present
        self.body_offset = body_offset  #: where the Markdown body starts in the text
        self.body_line = body_line  #: 1-based line where the body starts
        self.error = error
        self.error_line = error_line

    def line(self, *path: str | int) -> int:
        """The source line of the deepest key or item on ``path`` that exists.

        Looked up on demand: a finding or a gap asks for a handful of lines, so nothing is
        recorded for the thousands of keys nobody asks about. A repeated key resolves to its
        last occurrence, whose value is the one YAML keeps. An alias points back at its anchor,
        above; the line that uses the alias is kept then.
        """
        if self.node is None and self.lines is not None:
            return self.lines.line(path)
        node = self.node
        best = 1 if self.node is None else 2
        for key in path:
            found: yaml.Node | None = None
            line = best
            if isinstance(node, yaml.MappingNode) and isinstance(key, str):
                for key_node, value_node in node.value:
                    if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                        found, line = value_node, key_node.start_mark.line + 2
            elif (
                isinstance(node, yaml.SequenceNode)
                and isinstance(key, int)
                and 0 <= key < len(node.value)
            ):
                found = node.value[key]
                line = found.start_mark.line + 2
            if found is None:
                break
            best = max(best, line)
            node = found
        return best


class Lines:
    """The source lines of a front matter's keys and items, as the fast reader records them:
    for a mapping, key -> (line, child); for a list, [(line, child)]."""

    __slots__ = ("tree",)

    def __init__(self, tree: dict[str, tuple[int, Any]]) -> None:
        self.tree = tree

    def line(self, path: tuple[str | int, ...]) -> int:
        """As :meth:`FrontMatter.line`: the line of the deepest key or item on ``path``."""
        best = 2
        tree: Any = self.tree
        for key in path:
            if isinstance(tree, dict):
                found = tree.get(key) if isinstance(key, str) else None
            elif isinstance(tree, list) and isinstance(key, int) and 0 <= key < len(tree):
                found = tree[key]
            else:
                found = None
            if found is None:
                break
            line, tree = found
            best = max(best, line)
        return best


class _NotSimple(Exception):
    """The front matter uses YAML the fast reader leaves to PyYAML."""


#: ``key:`` then a space or the end of the line; keys outside this form go to PyYAML
_FAST_KEY_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?: +|$)")
_KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
#: keys known to be of that form and to be read by YAML as themselves (``on`` is True); the
#: same few keys repeat on every page. Bounded.
_KEYS: set[str] = set()
_KEYS_MAX = 4096
_MISSING = object()
_PLAIN_START_REFUSED = frozenset("?:,[]{}#&*!|>'\"%@`")
_IMPLICIT = _Loader.yaml_implicit_resolvers
#: PyYAML's own constructors, impossible dates included: those raise, and the front matter goes
#: to the PyYAML path, which keeps them as text. So the fast reader's values are exactly the
#: ones MkDocs' loader makes, which lets the plugin hand them to MkDocs (see plugin.py).
_CONSTRUCTORS = {
    **_Loader.yaml_constructors,
    "tag:yaml.org,2002:timestamp": _BaseLoader.yaml_constructors["tag:yaml.org,2002:timestamp"],
}
_SCALAR_LOADER = _Loader("")  # scalar constructors read no loader state


#: one-line scalar as written -> its value, for the values front matter repeats on every page
#: (``severity: high``, ``status: accepted``, owners, dates). Values are immutable (str, int,
#: float, bool, None, date, datetime), so one object may serve every page; bounded.
_SCALARS: dict[str, Any] = {}
_SCALARS_MAX = 8192


def _scalar(text: str) -> Any:
    """The value of a scalar written on one line, as PyYAML reads it; raises _NotSimple."""
    value = _SCALARS.get(text, _MISSING)
    return _new_scalar(text) if value is _MISSING else value


def _new_scalar(text: str) -> Any:
    """:func:`_scalar` of a text not in ``_SCALARS``: read, and remembered (bounded)."""
    value = _read_scalar(text)
    if len(_SCALARS) < _SCALARS_MAX:
        _SCALARS[text] = value
    return value


def _read_scalar(text: str) -> Any:
    text = text.rstrip(" ")
    if not text:
        return None
    first = text[0]
    if first == "'":
        pieces = []
        pos = 1
        while True:
            end = text.find("'", pos)
            if end < 0:
                raise _NotSimple
            if text.startswith("''", end):
                pieces.append(text[pos : end + 1])
                pos = end + 2
                continue
            if end != len(text) - 1:
                raise _NotSimple
            pieces.append(text[pos:end])
            return "".join(pieces)
    if first == '"':
        if text.find('"', 1) != len(text) - 1 or "\\" in text:
            raise _NotSimple
        return text[1:-1]
    if (
        first in _PLAIN_START_REFUSED
        or (first == "-" and (len(text) == 1 or text[1] == " "))
        or " #" in text
        or ": " in text
        or text.endswith(":")
    ):
        raise _NotSimple
    for tag, regexp in _IMPLICIT.get(first, ()):
        if regexp.match(text):
            if tag == _STR:
                return text
            return _CONSTRUCTORS[tag](_SCALAR_LOADER, yaml.ScalarNode(tag, text))
    return text


#: (indent, content, line number) of the fast reader's non-blank, non-comment lines
_Item = tuple[int, str, int]


def read_simple(yaml_text: str) -> tuple[dict[str, Any], Lines] | None:
    """Front matter in the block style almost everyone writes, read without PyYAML's parser.

    ``key: value`` lines, lists of ``- value`` or of ``- key: value`` mappings, nested by
    indentation, with plain or quoted one-line scalars (and plain values of a key continued on
    more-indented lines, see :func:`_continued`) resolved by PyYAML's own resolvers and
    constructors, so the values are PyYAML's. Anything else (flow collections, anchors, tags,
    block scalars, quoted values on several lines, comments after values, escapes, repeated
    keys, odd characters) returns None and is left to PyYAML. About three times faster, and
    most of a build's front matter is this simple.
    """
    items: list[_Item] = []
    for number, line in enumerate(yaml_text.split("\n"), start=2):
        if not line.isprintable():
            # stricter than YAML's printable set: controls, tabs, a BOM, U+2028/9 (line breaks
            # to YAML), NBSP and the like all go to PyYAML, which knows what to do with them
            return None
        content = line.lstrip(" ")
        if content and content[0] != "#":
            items.append((len(line) - len(content), content, number))
    if not items or items[0][0] != 0:
        return None
    try:
        data, tree, pos = _mapping(items, 0, 0, None)
    except (_NotSimple, KeyError, ValueError, TypeError, OverflowError, yaml.YAMLError):
        return None
    if pos != len(items):
        return None
    return data, Lines(tree)


# Module functions with the position passed along, not closures over it: two closures that
# call each other are a reference cycle, which would keep every page's lines alive until the
# cyclic GC runs (and core.analyze_paths pauses it while it parses).
def _mapping(items: list[_Item], pos: int, indent: int, first: _Item | None
             ) -> tuple[dict[str, Any], dict[str, tuple[int, Any]], int]:
    out: dict[str, Any] = {}
    lines: dict[str, tuple[int, Any]] = {}
    count = len(items)
    while first is not None or pos < count:
        if first is not None:
            _, content, number = first
            first = None
        else:
            at, content, number = items[pos]
            if at < indent:
                break
            if at > indent:
                raise _NotSimple
            pos += 1
        # what _FAST_KEY_RE matches, by a split at the first colon (keys repeat: a set says
        # whether one is of the form, and a string to YAML)
        key, colon, rest = content.partition(":")
        if not colon:
            raise _NotSimple  # a line without a key
        if key not in _KEYS:
            if not _KEY_RE.fullmatch(key) or _scalar(key) != key:
                raise _NotSimple  # not a key, or not a string (on, yes, null)
            if len(_KEYS) < _KEYS_MAX:
                _KEYS.add(key)
        if key in out:
            raise _NotSimple  # repeated: PyYAML's path reports it
        if rest:
            if rest[0] != " ":
                raise _NotSimple
            rest = rest.lstrip(" ")
        child: Any = None
        value: Any = None
        if rest:
            if pos < count and items[pos][0] > indent:  # continued on the lines below
                value, pos = _continued(items, pos, indent, rest, number)
            else:
                value = _SCALARS.get(rest, _MISSING)  # _scalar, inlined: most values repeat
                if value is _MISSING:
                    value = _new_scalar(rest)
        elif pos < count:
            at, following, _ = items[pos]
            if following.startswith("- ") and at >= indent:
                value, child, pos = _sequence(items, pos, at)
            elif at > indent:
                value, child, pos = _mapping(items, pos, at, None)
        out[key] = value
        lines[key] = (number, child)
    return out, lines, pos


def _continued(items: list[_Item], pos: int, indent: int, rest: str, number: int
               ) -> tuple[Any, int]:
    """A plain value continued on the lines below its key, each indented more than the key
    (``rationale: why`` then ``  and why not``, as ``yaml.dump`` wraps long text): folded as
    YAML folds it, each line break a space, and resolved like a one-line value. A quoted
    start, a blank or comment line between, a line that starts with an indicator, or ``: ``
    or `` #`` anywhere (which end a plain value) are left to PyYAML."""
    if rest[0] in "'\"":
        raise _NotSimple
    parts = [rest]
    count = len(items)
    while pos < count:
        at, content, line = items[pos]
        if at <= indent:
            break
        if line != number + 1 or content[0] in _PLAIN_START_REFUSED or content[0] == "-":
            raise _NotSimple
        parts.append(content)
        number = line
        pos += 1
    # _read_scalar checks the whole: no ": " or " #", no indicator first, no ":" last
    return _read_scalar(" ".join(part.rstrip(" ") for part in parts)), pos


def _sequence(items: list[_Item], pos: int, indent: int
              ) -> tuple[list[Any], list[tuple[int, Any]], int]:
    out: list[Any] = []
    lines: list[tuple[int, Any]] = []
    count = len(items)
    while pos < count:
        at, content, number = items[pos]
        if at != indent or not content.startswith("- "):
            if at > indent:
                raise _NotSimple
            break
        pos += 1
        rest = content[2:].lstrip(" ")
        if not rest:
            raise _NotSimple
        if _FAST_KEY_RE.match(rest):
            column = indent + len(content) - len(rest)
            value, child, pos = _mapping(items, pos, column, (column, rest, number))
            out.append(value)
            lines.append((number, child))
        else:
            out.append(_scalar(rest))
            lines.append((number, None))
    return out, lines, pos


def _may_repeat(node: yaml.MappingNode, data: dict[str, Any]) -> bool:
    """Whether a mapping (or a gap's) has fewer values than keys written: O(1) per mapping."""
    if len(node.value) != len(data):
        return True
    gaps = data.get("gaps")
    if isinstance(gaps, list):
        for key_node, value_node in node.value:
            if key_node.value == "gaps" and isinstance(value_node, yaml.SequenceNode):
                return any(
                    isinstance(item, yaml.MappingNode) and isinstance(value, dict)
                    and len(item.value) != len(value)
                    for item, value in zip(value_node.value, gaps, strict=False)
                )
    gap = data.get("gap")
    if isinstance(gap, dict):
        for key_node, value_node in node.value:
            if key_node.value == "gap" and isinstance(value_node, yaml.MappingNode):
                return len(value_node.value) != len(gap)
    return False


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
            )
        return FrontMatter()
    yaml_text = text[start : close[0]]
    body_offset = close[1] + 1 if close[1] < len(text) else close[1]
    body_line = text.count("\n", 0, body_offset) + 1
    fm = FrontMatter(present=True, body_offset=body_offset, body_line=body_line)
    if "\t" in yaml_text:
        for number, content in enumerate(yaml_text.split("\n"), start=2):
            indent = content[: len(content) - len(content.lstrip(" \t"))]
            if "\t" in indent:
                fm.error = "a tab indents this line; YAML allows only spaces for indentation"
                fm.error_line = number
                return fm
    simple = read_simple(yaml_text)
    if simple is not None:
        fm.data, fm.lines = simple
        return fm
    loader = _Loader(yaml_text)
    try:
        node = loader.get_single_node()
        data = None if node is None else construct(loader, node)
    except yaml.MarkedYAMLError as exc:
        mark, reason = exc.problem_mark, exc.problem or exc.context
        if exc.context and exc.context_mark and "end of stream" in (exc.problem or ""):
            # e.g. a quote never closed: the parser fails at the end, the cause is where the
            # context (the quoted scalar) began
            mark, reason = exc.context_mark, f"{exc.context} that is never closed"
        mark = mark or exc.context_mark
        fm.error = f"not valid YAML: {brief(str(reason))}"
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
    fm.node = node
    fm.data = data
    repeated = None
    if isinstance(node, yaml.MappingNode) and _may_repeat(node, data):
        repeated = _repeated_key(node)
    if repeated:
        line, first, key = repeated
        fm.error = (
            f"key '{key}' is written twice in one mapping (lines {first} and {line}); YAML keeps "
            "only the last value and drops the first silently: remove or merge one"
        )
        fm.error_line = line
    return fm


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
