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

try:  # the C loader is several times faster on 10,000 pages
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

#: A key path into the front matter: ("gaps", 0, "severity")
KeyPath = tuple[str | int, ...]

_OPEN_RE = re.compile(r"---[ \t]*\n")
_CLOSE_RE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
_KEYLIKE_RE = re.compile(r"^[A-Za-z_][\w-]*[ \t]*:")
#: how deep line numbers are recorded: top-level keys, list items, and their fields
_LINE_DEPTH = 3


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


def decode(raw: bytes | str) -> Source:
    """Decode a page as MkDocs does (UTF-8, BOM allowed) without ever raising."""
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


@dataclass(slots=True)
class FrontMatter:
    """The front matter of one page."""

    data: dict[str, Any] = field(default_factory=dict)
    lines: dict[KeyPath, int] = field(default_factory=dict)  #: key path -> 1-based source line
    present: bool = False
    body_offset: int = 0  #: where the Markdown body starts in the text
    body_line: int = 1  #: 1-based line where the body starts
    error: str | None = None
    error_line: int = 1

    def line(self, *path: str | int) -> int:
        """The line of the deepest recorded key on ``path`` (the first line of the page if none)."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


def _record_lines(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int]) -> None:
    # Aliases make the node graph cyclic; the depth bound keeps this walk finite and small.
    if len(path) >= _LINE_DEPTH:
        return
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                sub = (*path, key_node.value)
                lines.setdefault(sub, key_node.start_mark.line + 2)
                _record_lines(value_node, sub, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            sub = (*path, index)
            lines.setdefault(sub, item.start_mark.line + 2)
            _record_lines(item, sub, lines)


def parse(text: str) -> FrontMatter:
    """Split and parse the front matter of ``text`` (as returned by :func:`decode`)."""
    if not _OPEN_RE.match(text):
        return FrontMatter()
    start = text.index("\n") + 1
    close = _CLOSE_RE.search(text, start)
    if close is None:
        rest = text[start:].lstrip("\n")
        if _KEYLIKE_RE.match(rest):
            return FrontMatter(
                error="front matter opened by '---' on line 1 is never closed: end it with a "
                "line '---' (MkDocs will show it as page text)",
                error_line=1,
            )
        return FrontMatter()
    yaml_text = text[start : close.start()]
    body_offset = close.end() + 1 if close.end() < len(text) else close.end()
    body_line = text.count("\n", 0, body_offset) + 1
    fm = FrontMatter(present=True, body_offset=body_offset, body_line=body_line)
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
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        fm.error = f"not valid YAML: {exc.problem or exc.context}"
        fm.error_line = (mark.line + 2) if mark is not None else 2
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
    if node is not None:
        _record_lines(node, (), fm.lines)
    fm.lines[()] = 2
    fm.data = data
    return fm


def describe(value: Any) -> str:
    """A short, bounded description of a YAML value for messages (values can be huge or cyclic)."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return repr(shown)
    if isinstance(value, dt.datetime):
        return f"the timestamp {value.isoformat()}"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, list):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"
