"""What gapcheck reads from a page's Markdown body: markers, links and the first heading.

Text inside fenced code blocks and inline code is text, never a marker or a link, so that docs
can show marker syntax.
"""

from __future__ import annotations

import posixpath
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import unquote

from .model import GAP_STATUSES, INDEX_KINDS, Marker

MARKER_RE = re.compile(r"<!--[ \t]*gapcheck:(?P<body>[^\n]*?)-->")
_FENCE_RE = re.compile(r"^[ \t>]*(?P<fence>`{3,}|~{3,})(?P<rest>.*)$", re.MULTILINE)
#: an inline code span: a run of backticks, text on one line, the same run again
_INLINE_CODE_RE = re.compile(r"(?<!`)(`+)(?!`)(?:.+?)(?<!`)\1(?!`)")
#: an inline link and its target: [text](target "title"); an image is one after a "!"
_LINK_RE = re.compile(
    r"\[[^\]\\]*(?:\\.[^\]\\]*)*\]\(\s*<?(?P<target>[^)\s>]+)>?(?:\s+[\"'(][^)]*)?\s*\)"
)
_REFDEF_RE = re.compile(r"^[ ]{0,3}\[[^\]\n]+\]:[ \t]*<?(?P<target>[^\s>]+)>?", re.MULTILINE)
#: an ATX level-one heading; its title is the rest of the line less closing hashes
_H1_RE = re.compile(r"^#[ \t]+(?P<title>.*)$", re.MULTILINE)
_ATTR_LIST_RE = re.compile(r"\s*\{[:#.][^}]*\}\s*$")
_INLINE_LINK_RE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS_RE = re.compile(
    r"(\*\*|\*|`+|~~)(?=\S)(.+?)(?<=\S)\1|(?<!\w)(__|_)(?=\S)(.+?)(?<=\S)\3(?!\w)"
)
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")

MARKER_NAMES: tuple[str, ...] = ("matrix", "grid", "index", "coverage", "trend")
_FILTERS: dict[str, tuple[str, ...]] = {
    "matrix": ("scope", "severity", "status"),
    "grid": ("scope", "severity", "status"),
    "coverage": ("scope", "severity", "status"),
    "index": ("kind",),
    "trend": (),
}


@dataclass(slots=True)
class Body:
    """What one page's Markdown body holds for gapcheck."""

    markers: list[Marker] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  #: raw link targets, in order
    title: str | None = None
    #: (line, message, the marker as written: what the finding is about)
    problems: list[tuple[int, str, str]] = field(default_factory=list)


def _fenced_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges of fenced code blocks (an unclosed fence runs to the end)."""
    ranges: list[tuple[int, int]] = []
    if "```" not in text and "~~~" not in text:
        return ranges
    fence: str | None = None
    opened = 0
    for match in _FENCE_RE.finditer(text):
        run = match["fence"]
        if fence is None:
            fence, opened = run, match.start()
        elif run[0] == fence[0] and len(run) >= len(fence) and not match["rest"].strip():
            ranges.append((opened, match.end()))
            fence = None
    if fence is not None:
        ranges.append((opened, len(text)))
    return ranges


class _CodeMap:
    """Answers "is this offset inside code?" for fenced blocks and inline code spans, each
    found once per page, when first asked."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def fenced(self) -> tuple[list[int], list[int]]:
        ranges = _fenced_ranges(self.text)
        return [start for start, _ in ranges], [end for _, end in ranges]

    @cached_property
    def inline(self) -> tuple[list[int], list[int]]:
        if "`" not in self.text:
            return [], []
        spans = [m.span() for m in _INLINE_CODE_RE.finditer(self.text)]
        return [start for start, _ in spans], [end for _, end in spans]

    def in_fence(self, pos: int) -> bool:
        return _inside(self.fenced, pos)

    def in_code(self, pos: int) -> bool:
        return _inside(self.fenced, pos) or _inside(self.inline, pos)


def _inside(ranges: tuple[list[int], list[int]], pos: int) -> bool:
    """Whether ``pos`` is in one of the sorted, disjoint ranges (starts, ends)."""
    starts, ends = ranges
    index = bisect_right(starts, pos) - 1
    return index >= 0 and pos < ends[index]


def _first_h1(source: str, code: _CodeMap) -> str | None:
    """The text of the first ``# Title`` line outside code."""
    for match in _H1_RE.finditer(source):
        title = match["title"].rstrip(" \t#")
        if title.strip() and not code.in_fence(match.start()):
            return plain_heading(title)
    return None


def parse_marker(body: str, severities: tuple[str, ...]) -> tuple[str, dict[str, str], str | None]:
    """Parse ``matrix severity=high`` into (name, filters, problem or None)."""
    tokens = body.split()
    name = tokens[0] if tokens else ""
    filters: dict[str, str] = {}
    if name not in MARKER_NAMES:
        return name, filters, (
            f"unknown marker 'gapcheck:{name}' (markers: "
            f"{', '.join('gapcheck:' + n for n in MARKER_NAMES)})"
        )
    allowed = _FILTERS[name]
    scales = {"scope": ("page",), "severity": severities, "status": GAP_STATUSES,
              "kind": INDEX_KINDS}
    for token in tokens[1:]:
        key, sep, value = token.partition("=")
        if not sep or key not in allowed:
            takes = f"filters: {', '.join(k + '=' for k in allowed)}" if allowed else (
                "it takes no filter")
            return name, filters, f"unknown filter '{token}' on 'gapcheck:{name}' ({takes})"
        values = [v for v in value.split(",") if v]
        scale = scales[key]
        lowered = {s.lower(): s for s in scale}
        bad = [v for v in values if v.lower() not in lowered]
        if not values or bad:
            return name, filters, (
                f"filter '{token}' on 'gapcheck:{name}': "
                f"{'no value' if not values else repr(bad[0]) + ' is not allowed'} "
                f"(values: {', '.join(scale)})"
            )
        filters[key] = ",".join(lowered[v.lower()] for v in values)
    return name, filters, None


def plain_heading(text: str) -> str:
    """A heading's text as a reader sees it: no attribute list, links or emphasis markup."""
    text = _ATTR_LIST_RE.sub("", text)
    text = _INLINE_LINK_RE.sub(r"\1", text)
    for _ in range(3):  # nested emphasis, **`code`**
        stripped = _EMPHASIS_RE.sub(lambda m: m[2] if m[2] is not None else m[4], text)
        if stripped == text:
            break
        text = stripped
    return text.strip()


def scan(
    text: str,
    offset: int,
    first_line: int,
    severities: tuple[str, ...],
    *,
    links: bool = True,
    title: bool = True,
) -> Body:
    """Scan the body ``text[offset:]`` whose first line is ``first_line`` of the source."""
    body = Body()
    source = text[offset:]
    code = _CodeMap(source)
    if title:
        body.title = _first_h1(source, code)
    for match in MARKER_RE.finditer(source) if "gapcheck:" in source else ():
        if code.in_code(match.start()):
            continue
        line = first_line + source.count("\n", 0, match.start())
        name, filters, problem = parse_marker(match["body"], severities)
        body.markers.append(
            Marker(name=name, filters=filters, line=line, start=offset + match.start(),
                   end=offset + match.end(), valid=problem is None)
        )
        if problem:
            body.problems.append((line, problem, "gapcheck:" + " ".join(match["body"].split())))
    if links:
        inline = [m for m in _LINK_RE.finditer(source) if source[m.start() - 1 : m.start()] != "!"]
        refs = list(_REFDEF_RE.finditer(source)) if "]:" in source else []
        body.links.extend(m["target"] for m in inline + refs if not code.in_code(m.start()))
    return body


def resolve_link(page: str, target: str) -> str | None:
    """The docs path a Markdown link from ``page`` points at, if it points at a Markdown page
    inside docs_dir."""
    if target.startswith(("#", "//")) or _SCHEME_RE.match(target):
        return None
    target = unquote(re.split(r"[#?]", target, maxsplit=1)[0])
    if not target.endswith(".md"):
        return None
    if target.startswith("/"):
        path = posixpath.normpath(target).lstrip("/")
    else:
        path = posixpath.normpath(posixpath.join(posixpath.dirname(page), target))
    return None if path == ".." or path.startswith("../") or path == "." else path
