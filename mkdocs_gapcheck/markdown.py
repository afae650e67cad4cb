"""What gapcheck reads from a page's Markdown body: markers, links and the first heading.

Text inside fenced code blocks and inline code is text, never a marker or a link, so that docs
can show marker syntax.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import unquote

from .model import GAP_STATUSES, Marker

MARKER_RE = re.compile(r"<!--[ \t]*gapcheck:(?P<body>.*?)-->")
_FENCE_RE = re.compile(r"^(?P<indent>[ \t]*)(?:[>][ \t]*)*(?P<fence>`{3,}|~{3,})")
_INLINE_CODE_RE = re.compile(r"(?<!`)(`+)(?!`)(?:.+?)(?<!`)\1(?!`)")
_LINK_RE = re.compile(
    r"(?<!!)\[(?:[^\]\\]|\\.)*\]\(\s*<?(?P<target>[^)\s>]+)>?(?:\s+[\"'(][^)]*)?\s*\)"
)
_REFDEF_RE = re.compile(r"^[ ]{0,3}\[[^\]]+\]:[ \t]*<?(?P<target>[^\s>]+)>?")
_H1_RE = re.compile(r"^#[ \t]+(?P<title>.+?)[ \t#]*$")
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")

MARKER_NAMES: tuple[str, ...] = ("matrix", "grid", "index", "coverage")
INDEX_KINDS: tuple[str, ...] = ("adr", "runbook", "roadmap", "plan")
_FILTERS: dict[str, tuple[str, ...]] = {
    "matrix": ("scope", "severity", "status"),
    "grid": ("scope", "severity", "status"),
    "coverage": ("scope", "severity", "status"),
    "index": ("kind",),
}


@dataclass
class Body:
    """What one page's Markdown body holds for gapcheck."""

    markers: list[Marker] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  #: raw link targets, in order
    title: str | None = None
    problems: list[tuple[int, str]] = field(default_factory=list)  #: (line, unknown-marker msg)


def _code_free_lines(text: str, first_line: int) -> Iterator[tuple[int, int, str]]:
    """Yield (line number, offset, line) for the lines outside fenced code, inline code blanked."""
    fence: str | None = None
    offset = 0
    for number, line in enumerate(text.split("\n"), start=first_line):
        start = offset
        offset += len(line) + 1
        match = _FENCE_RE.match(line)
        if fence is not None:
            if match and match["fence"][0] == fence[0] and len(match["fence"]) >= len(fence):
                rest = line[match.end() :].strip()
                if not rest:
                    fence = None
            continue
        if match:
            fence = match["fence"]
            continue
        if "`" in line:
            line = _INLINE_CODE_RE.sub(lambda m: " " * len(m.group(0)), line)
        yield number, start, line


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
    for token in tokens[1:]:
        key, sep, value = token.partition("=")
        if not sep or key not in allowed:
            return name, filters, (
                f"unknown filter '{token}' on 'gapcheck:{name}' "
                f"(filters: {', '.join(k + '=' for k in allowed)})"
            )
        values = [v for v in value.split(",") if v]
        scale: tuple[str, ...]
        if key == "scope":
            scale = ("page",)
        elif key == "severity":
            scale = severities
        elif key == "status":
            scale = GAP_STATUSES
        else:
            scale = INDEX_KINDS
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


def scan(text: str, offset: int, first_line: int, severities: tuple[str, ...]) -> Body:
    """Scan the body ``text[offset:]`` whose first line is ``first_line`` of the source."""
    body = Body()
    for number, start, line in _code_free_lines(text[offset:], first_line):
        if body.title is None and line.startswith("#"):
            h1 = _H1_RE.match(line)
            if h1:
                body.title = h1["title"].strip()
        if "<!--" in line:
            for match in MARKER_RE.finditer(line):
                name, filters, problem = parse_marker(match["body"], severities)
                marker = Marker(
                    name=name,
                    filters=filters,
                    line=number,
                    start=offset + start + match.start(),
                    end=offset + start + match.end(),
                    valid=problem is None,
                )
                body.markers.append(marker)
                if problem:
                    body.problems.append((number, problem))
        if "](" in line:
            body.links.extend(m["target"] for m in _LINK_RE.finditer(line))
        if line.lstrip(" ").startswith("["):
            ref = _REFDEF_RE.match(line)
            if ref:
                body.links.append(ref["target"])
    return body


def resolve_link(page: str, target: str) -> str | None:
    """The docs path a Markdown link from ``page`` points at, if it points at a Markdown page."""
    if target.startswith("#") or _SCHEME_RE.match(target) or target.startswith("//"):
        return None
    target = unquote(target.split("#", 1)[0].split("?", 1)[0])
    if not target.endswith(".md"):
        return None
    if target.startswith("/"):
        path = posixpath.normpath(target.lstrip("/"))
    else:
        path = posixpath.normpath(posixpath.join(posixpath.dirname(page), target))
    if path.startswith("../") or path == "..":
        return None
    return path
