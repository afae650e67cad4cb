"""A gap's own section in the Markdown source, and its fingerprint.

The CLI has no HTML, so the section is found in the source: the ATX heading (``## Title``)
whose anchor is the gap's ``section``, else the first whose text contains the gap's title
(case-insensitive, as the views link it). Anchors follow Python-Markdown's default ``toc``
slugs, or an explicit ``{#id}`` attribute. The section's text is what lies under that heading
up to the next heading of the same or a higher level (sub-headings stay in). Setext headings
(a line underlined with ``===``) and headings inside fenced code are not read.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass

from .markdown import _fenced_ranges, plain_heading
from .model import Gap

_ATX_RE = re.compile(r"^[ ]{0,3}(?P<hashes>#{1,6})(?:[ \t]+(?P<text>.*?))?[ \t]*$", re.M)
_EXPLICIT_ID_RE = re.compile(r"\{[^}]*#(?P<id>[^\s}]+)[^}]*\}\s*$")
_CLOSING_RE = re.compile(r"[ \t]+#+$")


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    text: str  #: as a reader sees it: no markup, no attribute list
    anchor: str
    start: int  #: offset of the heading line in the text
    end: int  #: offset just after the heading line


def slugify(text: str) -> str:
    """Python-Markdown's default ``toc`` slug (``markdown.extensions.toc.slugify``, "-")."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def headings(text: str) -> list[Heading]:
    """Every ATX heading of ``text`` outside fenced code, in order."""
    fences = _fenced_ranges(text)
    found: list[Heading] = []
    for match in _ATX_RE.finditer(text):
        if any(start <= match.start() < end for start, end in fences):
            continue
        raw = _CLOSING_RE.sub("", match["text"] or "")
        explicit = _EXPLICIT_ID_RE.search(raw)
        shown = plain_heading(raw)
        anchor = explicit["id"] if explicit else slugify(shown)
        found.append(Heading(len(match["hashes"]), shown, anchor, match.start(), match.end()))
    return found


def gap_heading(gap: Gap, found: list[Heading]) -> int | None:
    """Index in ``found`` of the gap's heading: its ``section`` anchor, else the first heading
    whose text contains its title; None if neither is there."""
    if gap.section:
        for i, heading in enumerate(found):
            if heading.anchor == gap.section:
                return i
    wanted = gap.title.casefold()
    for i, heading in enumerate(found):
        if wanted in heading.text.casefold():
            return i
    return None


def section_text(text: str, found: list[Heading], index: int | None) -> str:
    """The text under heading ``index`` up to the next heading of the same or a higher level,
    whitespace folded to single spaces; "" when there is no heading."""
    if index is None:
        return ""
    heading = found[index]
    end = len(text)
    for later in found[index + 1 :]:
        if later.level <= heading.level:
            end = later.start
            break
    return " ".join(text[heading.end : end].split())


def fingerprint(gap: Gap, section: str) -> str:
    """A short hash of what a reviewer read: the gap's id, title, severity, effort,
    rationale and its section's text, each with its whitespace folded."""
    fields = [gap.id, gap.title, gap.severity, gap.effort, gap.rationale, section]
    folded = [" ".join(f.split()) if isinstance(f, str) else f for f in fields]
    data = json.dumps(folded, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:16]


def fingerprint_gaps(gaps: list[Gap], body: str) -> None:
    """Set ``fingerprint`` and ``anchor`` on each gap defined on a page whose Markdown body
    is ``body``."""
    found = headings(body)
    for gap in gaps:
        index = gap_heading(gap, found)
        gap.anchor = None if index is None else found[index].anchor
        gap.fingerprint = fingerprint(gap, section_text(body, found, index))
