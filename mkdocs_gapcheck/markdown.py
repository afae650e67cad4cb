"""What gapcheck reads from a page's Markdown body: markers, links and the first heading.

Text inside fenced code blocks and inline code is text, never a marker or a link, so that docs
can show marker syntax.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from urllib.parse import unquote

from .model import GAP_STATUSES, Marker, Record

MARKER_RE = re.compile(r"<!--[ \t]*gapcheck:(?P<body>[^\n]*?)-->")
_INLINE_CODE_RE = re.compile(r"(?<!`)(`+)(?!`)(?:.+?)(?<!`)\1(?!`)")
# No look-behind for the image's "!": a pattern that starts with one is tried at every offset of
# the page (5x slower); ``_links`` skips images instead. The link text is the unrolled form of
# ``(?:[^\]\\]|\\.)*`` (same matches): a run of one character class is matched in one step,
# an alternation is tried character by character (40% of the pattern's time).
_LINK_RE = re.compile(
    r"\[[^\]\\]*(?:\\.[^\]\\]*)*\]\(\s*<?(?P<target>[^)\s>]+)>?(?:\s+[\"'(][^)]*)?\s*\)"
)
# Patterns most pages never need are compiled when first used, through re's own cache:
# compiling is Python in re (sre_parse, sre_compile), 0.3-1 M instructions a pattern, and
# gapcheck is imported by every build.
_REFDEF = r"(?m)^[ ]{0,3}\[[^\]\n]+\]:[ \t]*<?(?P<target>[^\s>]+)>?"
#: an ATX heading's opening; its title is the rest of the line (see _h1_title)
_H1_OPEN_RE = re.compile(r"#[ \t]+")
_NOT_SPACE_OR_HASH = re.compile(r"[^\s#]").search
_ATTR_LIST = r"\s*\{[:#.][^}]*\}\s*$"
_INLINE_LINK = r"!?\[([^\]]*)\]\([^)]*\)"
_EMPHASIS = r"(\*\*|\*|`+|~~)(?=\S)(.+?)(?<=\S)\1|(?<!\w)(__|_)(?=\S)(.+?)(?<=\S)\3(?!\w)"
_SCHEME = r"^[A-Za-z][A-Za-z0-9+.-]*:"

MARKER_NAMES: tuple[str, ...] = ("matrix", "grid", "index", "coverage")
INDEX_KINDS: tuple[str, ...] = ("adr", "runbook", "roadmap", "plan")
_FILTERS: dict[str, tuple[str, ...]] = {
    "matrix": ("scope", "severity", "status"),
    "grid": ("scope", "severity", "status"),
    "coverage": ("scope", "severity", "status"),
    "index": ("kind",),
}


class Body(Record):
    """What one page's Markdown body holds for gapcheck."""

    __slots__ = _fields = ("markers", "links", "title", "problems")

    def __init__(self) -> None:
        self.markers: list[Marker] = []
        self.links: list[str] = []  #: raw link targets, in order
        self.title: str | None = None
        self.problems: list[tuple[int, str]] = []  #: (line, unknown-marker message)


def _fence_runs(text: str) -> list[tuple[int, int]]:
    """Runs of three or more backticks or tildes, as (start, end), in page order: what
    ``(```+|~~~+)`` finds, found with ``str.find`` (a pattern that starts with a character
    class tests every character of the page in turn, six times slower)."""
    runs: list[tuple[int, int]] = []
    size = len(text)
    for mark in ("```", "~~~"):
        char = mark[0]
        start = text.find(mark)
        while start >= 0:
            end = start + 3
            while end < size and text[end] == char:
                end += 1
            runs.append((start, end))
            start = text.find(mark, end)
    runs.sort()
    return runs


def _fenced_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges of fenced code blocks (an unclosed fence runs to the end)."""
    ranges: list[tuple[int, int]] = []
    fence: str | None = None
    opened = 0
    for run_start, run_end in _fence_runs(text):
        start = text.rfind("\n", 0, run_start) + 1
        if text[start:run_start].strip(" \t>"):
            continue  # backticks inside a line, not a fence
        run = text[run_start:run_end]
        end = text.find("\n", run_end)
        end = len(text) if end < 0 else end
        if fence is None:
            fence, opened = run, start
        elif run[0] == fence[0] and len(run) >= len(fence) and not text[run_end:end].strip():
            ranges.append((opened, end))
            fence = None
    if fence is not None:
        ranges.append((opened, len(text)))
    return ranges


class _CodeMap:
    """Answers "is this offset inside code?" for fenced blocks and inline code spans.

    Fenced ranges are found on the first question, and only if the text has a fence at all:
    most pages are asked nothing, or about a page without code.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        # a one-character test is a memchr, 30 times faster than a three-character one
        self.has_ticks = "`" in text
        self.has_fences = (self.has_ticks and "```" in text) or ("~" in text and "~~~" in text)
        #: whether anything can be code: if not, in_code is always False (callers on hot
        #: loops test this before paying for the call)
        self.has_code = self.has_ticks or self.has_fences
        self._fenced: list[tuple[int, int]] | None = None
        self._starts: list[int] = []
        self._inline: dict[int, list[tuple[int, int]]] = {}

    def in_fence(self, pos: int) -> bool:
        """Whether ``pos`` is inside a fenced code block."""
        if self.has_fences:
            if self._fenced is None:
                self._fenced = _fenced_ranges(self.text)
                self._starts = [start for start, _ in self._fenced]
            index = bisect_right(self._starts, pos) - 1
            if index >= 0 and pos < self._fenced[index][1]:
                return True
        return False

    def in_code(self, pos: int) -> bool:
        if self.has_fences and self.in_fence(pos):
            return True
        if not self.has_ticks:
            return False
        start = self.text.rfind("\n", 0, pos) + 1
        spans = self._inline.get(start)
        if spans is None:
            end = self.text.find("\n", start)
            line = self.text[start : end if end >= 0 else len(self.text)]
            spans = []
            if "`" in line:
                found = _INLINE_CODE_RE.finditer(line)
                spans = [(start + m.start(), start + m.end()) for m in found]
            self._inline[start] = spans
        return any(a <= pos < b for a, b in spans)


def _h1_title(source: str, pos: int) -> str | None:
    r"""The title of a ``# Title`` line at ``pos``: what
    ``#[ \t]+(?P<title>[^\n]*?[^\s#][^\n]*?)[ \t#]*(?:\n|$)`` matches as the title, without its
    lazy quantifiers' backtracking (quadratic in the title's length)."""
    opening = _H1_OPEN_RE.match(source, pos)
    if opening is None:
        return None
    end = source.find("\n", opening.end())
    title = source[opening.end() : end if end >= 0 else len(source)].rstrip(" \t#")
    return title if _NOT_SPACE_OR_HASH(title) else None


def _first_h1(source: str, code: _CodeMap) -> str | None:
    """The text of the first ``# Title`` line outside code."""
    pos = 0 if source.startswith("#") else source.find("\n#") + 1
    while pos >= 0 and (pos > 0 or source.startswith("#")):
        title = _h1_title(source, pos)
        # a line's first character is in no inline code span of the line: fences only
        if title is not None and not code.in_fence(pos):
            return plain_heading(title)
        found = source.find("\n#", pos)
        pos = found + 1 if found >= 0 else -1
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


#: a character that starts an attribute list, a link or emphasis; most headings have none
_HEADING_MARKUP = re.compile(r"[{\[*_`~]").search


def plain_heading(text: str) -> str:
    """A heading's text as a reader sees it: no attribute list, links or emphasis markup."""
    if _HEADING_MARKUP(text) is None:  # most headings: nothing to strip
        return text.strip()
    return _strip_markup(text).strip()


def _strip_markup(text: str) -> str:
    """``text`` without an attribute list at its end, with links as their text, unemphasised."""
    text = re.sub(_ATTR_LIST, "", text)
    text = re.sub(_INLINE_LINK, r"\1", text)
    for _ in range(3):  # nested emphasis, **`code`**
        stripped = re.sub(_EMPHASIS, lambda m: m[2] if m[2] is not None else m[4], text)
        if stripped == text:
            break
        text = stripped
    return text


def scan(
    text: str,
    offset: int,
    first_line: int,
    severities: tuple[str, ...],
    *,
    links: bool = True,
    title: bool = True,
) -> Body:
    """Scan the body ``text[offset:]`` whose first line is ``first_line`` of the source.

    Regular expressions find candidates over the whole body; only candidates are checked
    against code ranges, so a long page without markers costs a few C-level searches.
    """
    body = Body()
    if not (title or links) and text.find("gapcheck:", offset) < 0:
        return body  # only markers wanted, and there are none: no copy, no code map
    source = text[offset:] if offset else text
    code = _CodeMap(source)
    if title:
        body.title = _first_h1(source, code)
    if "gapcheck:" in source:
        for match in MARKER_RE.finditer(source):
            if code.in_code(match.start()):
                continue
            line = first_line + source.count("\n", 0, match.start())
            name, filters, problem = parse_marker(match["body"], severities)
            body.markers.append(
                Marker(name=name, filters=filters, line=line, start=offset + match.start(),
                       end=offset + match.end(), valid=problem is None)
            )
            if problem:
                body.problems.append((line, problem))
    if links:
        body.links = _links(source, code)
    return body


def _links(source: str, code: _CodeMap) -> list[str]:
    """Targets of inline links (not images) and of reference definitions, outside code."""
    found: list[str] = []
    # Every link starts with "[": str.find jumps to each (a memchr), and the pattern is only
    # tried there; the pattern's own search steps through every character of the page.
    find = source.find
    match_at = _LINK_RE.match
    start = find("[")
    while start >= 0:
        match = match_at(source, start)
        if match is None:
            start = find("[", start + 1)
            continue
        if start and source[start - 1] == "!":
            start = find("[", start + 1)  # an image; a link may start inside its text
            continue
        if not (code.has_code and code.in_code(start)):
            found.append(match["target"])
        start = find("[", match.end())
    if "]:" in source:  # the anchored pattern is tried on every line: only when it can match
        for match in re.finditer(_REFDEF, source):
            if not (code.has_code and code.in_code(match.start())):
                found.append(match["target"])
    return found


def link_bases(page: str) -> list[str]:
    """The folders a link from ``page`` can resolve against, as path prefixes: the page's
    folder, its parent, ..., the docs root (``a/b/c.md``: ``a/b/``, ``a/``, ``""``)."""
    bases = [""]
    for part in page.split("/")[:-1]:
        bases.append(bases[-1] + part + "/")
    bases.reverse()
    return bases


def resolve_link(page: str, target: str, bases: list[str] | None = None) -> str | None:
    """The docs path a Markdown link from ``page`` points at, if it points at a Markdown page.

    Resolved as ``posixpath.normpath(posixpath.join(dirname(page), target))`` would, without
    its cost (a site has thousands of links). ``bases``, the page's :func:`link_bases`, lets
    a page's links share them: a link of the usual shapes (``name.md``, ``dir/name.md``,
    ``../../dir/name.md``) is then a prefix and a concatenation; any other walks its segments.
    """
    if ".md" not in target or target.startswith(("#", "//")):
        return None
    if ":" in target and re.match(_SCHEME, target):  # the pattern only when it can match
        return None
    if "#" in target or "?" in target:
        for stop in ("#", "?"):
            cut = target.find(stop)
            if cut >= 0:
                target = target[:cut]
    if "%" in target:
        target = unquote(target)
    if not target.endswith(".md"):
        return None
    if target[:1] != "/":
        # count the leading "../"; any other dot or empty segment takes the walk below
        up = 0
        while target.startswith("../", up):
            up += 3
        rest = target[up:] if up else target
        if rest[:1] not in ("/", ".") and "/." not in rest and "//" not in rest:
            if bases is None:
                bases = link_bases(page)
            up //= 3
            return bases[up] + rest if up < len(bases) else None  # else above docs_dir
    parts: list[str] = [] if target[:1] == "/" else page.split("/")[:-1]
    for part in target.split("/"):
        if part == "..":
            if not parts:
                return None  # above docs_dir
            parts.pop()
        elif part and part != ".":
            parts.append(part)
    return "/".join(parts)
