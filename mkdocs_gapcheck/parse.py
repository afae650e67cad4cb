"""One page's front matter to gapcheck's model: its kind, its gaps, what it addresses.

Every value a user can get wrong becomes a finding at the line of the key that holds it; a
wrong value is then left out of the model rather than guessed at.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .frontmatter import FrontMatter, describe
from .model import ADR_STATUSES, GAP_STATUSES, KINDS, Gap, Page
from .options import Options

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_ADR_NUMBER_RE = re.compile(r"^(?:adr[-_ ]?)?(\d+)", re.IGNORECASE)
#: compiled on first use (re's cache): only a status other than these can match it
_SUPERSEDED = r"(?i)^superseded(?:[ \t]+by[ \t]+(?P<target>\S.*))?$"
_NOT_SUPERSEDED = frozenset(ADR_STATUSES) - {"superseded"}

#: (rule, line, message, subject) as the parser finds them; levels are applied later. The
#: subject is what the finding is about (a gap id, else the page path): see ``Finding.subject``
Problem = tuple[str, int, str, str]
#: In front matter that does not parse: a top-level gaps:/gap: key, and the ids it lists
_GAPS_KEY_RE = re.compile(r"(?m)^gaps?[ \t]*:")
_ID_LINE_RE = re.compile(
    r"(?m)^[ \t]*(?:-[ \t]+)?id[ \t]*:[ \t]*['\"]?([A-Za-z0-9][A-Za-z0-9._-]*)"
)


@dataclass(slots=True)
class ParsedPage:
    """A page, its gaps and the problems of its front matter, as the parser leaves them."""

    page: Page
    gaps: list[Gap] = field(default_factory=list)
    #: superseded_by as written, resolved across pages later
    superseded_ref: str | None = None
    superseded_line: int = 1
    problems: list[Problem] = field(default_factory=list)
    #: ids of gaps defined here but left out of the model: invalid gaps, and the ids a gap
    #: page whose front matter does not parse seems to define. References to them are not
    #: judged (their own finding says what is wrong): one mistake, one finding.
    unjudged: list[str] = field(default_factory=list)
    #: front matter that could not be read at all (its finding is bad-front-matter)
    unreadable: bool = False
    #: the unreadable front matter seems to define gaps (a top-level gaps: or gap: key)
    broken_gap_page: bool = False


def as_date(value: Any) -> dt.date | None:
    """A YAML date, a datetime or an ISO ``YYYY-MM-DD`` string as a date; None if it is not one."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _text(value: Any) -> str | None:
    """A free-text field as text: strings as they are, numbers and dates written out."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float, dt.date)):
        return str(value)
    return None


def _scale_value(value: Any, scale: tuple[str, ...]) -> str | None:
    if isinstance(value, str):
        wanted = value.strip().lower()
        for item in scale:
            if item.lower() == wanted:
                return item
    return None


def folder_kind(path: str, options: Options) -> str | None:
    """The kind a page gets from its folder; a folder's index page is an ordinary page."""
    name = posixpath.basename(path)
    if name in ("index.md", "README.md"):
        return None
    for kind, prefixes in options.kinds.items():
        for prefix in prefixes:
            if path.startswith(prefix) or ("/" + prefix) in path:
                return kind
    return None


def adr_number(path: str) -> str | None:
    match = _ADR_NUMBER_RE.match(posixpath.basename(path))
    return match.group(1) if match else None


def _parse_gap(
    raw: Any,
    fm: FrontMatter,
    path: str,
    key: tuple[str | int, ...],
    options: Options,
    problems: list[Problem],
) -> Gap | None:
    line = fm.line(*key)
    where = f"gap #{int(key[1]) + 1} in 'gaps'" if len(key) > 1 else "'gap'"
    if not isinstance(raw, dict):
        problems.append(
            ("invalid-gap", line, f"{where} is {describe(raw)}; write a mapping with id, title "
             "and severity", path)
        )
        return None
    ok = True
    gid = raw.get("id")
    subject = gid if isinstance(gid, str) and ID_RE.match(gid) else path

    def bad(field_name: str, message: str) -> None:
        nonlocal ok
        ok = False
        problems.append(("invalid-gap", fm.line(*key, field_name), message, subject))

    label = where
    if gid is None:
        bad("id", f"{where} has no 'id'; add one, e.g. id: security")
    elif not isinstance(gid, str) or not ID_RE.match(gid):
        bad(
            "id",
            f"{where}: id {describe(gid)} is not a valid gap id; use letters, digits, '.', '_' "
            "and '-', starting with a letter or digit (quote numbers: id: '12')",
        )
    else:
        label = f"gap '{gid}'"
    title = raw.get("title")
    if title is None or (isinstance(title, str) and not title.strip()):
        bad("title", f"{label} has no 'title'; add one, e.g. title: Security & Compliance")
    elif not isinstance(title, (str, int, float)) or isinstance(title, bool):
        bad("title", f"{label}: title is {describe(title)}; it must be text")
    severity = None
    raw_sev = raw.get("severity")
    if raw_sev is None:
        bad("severity", f"{label} has no 'severity'; one of: {', '.join(options.severities)}")
    else:
        severity = _scale_value(raw_sev, options.severities)
        if severity is None:
            bad(
                "severity",
                f"{label}: severity {describe(raw_sev)} is not one of: "
                f"{', '.join(options.severities)}",
            )
    effort = None
    if raw.get("effort") is not None:
        effort = _scale_value(raw["effort"], options.efforts)
        if effort is None:
            bad(
                "effort",
                f"{label}: effort {describe(raw['effort'])} is not one of: "
                f"{', '.join(options.efforts)}",
            )
    status = "open"
    if raw.get("status") is not None:
        found = _scale_value(raw["status"], GAP_STATUSES)
        if found is None:
            bad(
                "status",
                f"{label}: status {describe(raw['status'])} is not one of: "
                f"{', '.join(GAP_STATUSES)}",
            )
        else:
            status = found
    due = None
    if raw.get("due") is not None:
        due = as_date(raw["due"])
        if due is None:
            bad("due", f"{label}: due {describe(raw['due'])} is not a date; write YYYY-MM-DD")
    accepted_until = None
    if raw.get("accepted_until") is not None:
        accepted_until = as_date(raw["accepted_until"])
        if accepted_until is None:
            bad("accepted_until", f"{label}: accepted_until {describe(raw['accepted_until'])} "
                "is not a date; write YYYY-MM-DD")
    texts: dict[str, str | None] = {}
    for name in ("timing", "owner", "rationale", "section"):
        value = raw.get(name)
        texts[name] = _text(value)
        if value is not None and texts[name] is None and value != "":
            bad(name, f"{label}: {name} is {describe(value)}; it must be text")
    if status == "accepted" and not texts["rationale"]:
        bad(
            "status",
            f"{label} is accepted but has no 'rationale'; say why the risk is accepted",
        )
    if not ok or not isinstance(gid, str) or severity is None:
        return None
    return Gap(
        accepted_until=accepted_until,
        accepted_until_line=fm.line(*key, "accepted_until") if accepted_until else None,
        id=gid,
        title=str(title).strip(),
        severity=severity,
        page=path,
        line=line,
        order=0,
        effort=effort,
        timing=texts["timing"],
        status=status,
        owner=texts["owner"],
        due=due,
        rationale=texts["rationale"],
        section=texts["section"].lstrip("#") if texts["section"] else None,
        timing_line=fm.line(*key, "timing") if texts["timing"] else None,
        due_line=fm.line(*key, "due") if due is not None else None,
    )


def _check_date(
    data: dict[str, Any], name: str, fm: FrontMatter, problems: list[Problem], path: str
) -> dt.date | None:
    if data.get(name) is None:
        return None
    value = as_date(data[name])
    if value is None:
        problems.append(
            ("invalid-page", fm.line(name), f"{name} {describe(data[name])} is not a date; "
             "write YYYY-MM-DD", path)
        )
    return value


def _unjudged(parsed: ParsedPage, raw: Any) -> None:
    """Remember the id of a gap that was defined but is invalid (its finding says why)."""
    gid = raw.get("id") if isinstance(raw, dict) else None
    if isinstance(gid, str) and ID_RE.match(gid):
        parsed.unjudged.append(gid)


def _salvage(parsed: ParsedPage, text: str) -> None:
    """What front matter that does not parse seems to hold: whether it defines gaps, and the
    ids it lists. Only used to keep quiet about references to those ids."""
    parsed.unreadable = True
    if _GAPS_KEY_RE.search(text):
        parsed.broken_gap_page = True
        parsed.unjudged.extend(_ID_LINE_RE.findall(text))


_PAGE_CHECKS: tuple[tuple[str, Callable[[Any], bool], str], ...] = (
    ("owner", lambda v: _text(v) is not None, "text"),
    ("period", lambda v: _text(v) is not None, "text"),
    ("title", lambda v: _text(v) is not None, "text"),
)


def parse_page(
    path: str, order: int, fm: FrontMatter, options: Options, kind: str | None = None
) -> ParsedPage:
    """The page, its gaps and the problems of its front matter.

    ``kind`` is the page's kind from its folder (:func:`folder_kind`); front matter may
    override it.
    """
    data = fm.data
    page = Page(path=path, order=order, line=fm.line(), body_offset=fm.body_offset)
    parsed = ParsedPage(page)
    if fm.unreadable:
        _salvage(parsed, fm.unread or "")
    if not data:  # most pages of a site: nothing to read, the folder gives the kind
        page.kind = kind
        if kind == "adr":
            page.number = adr_number(path)
        return parsed
    problems = parsed.problems

    for name, ok, what in _PAGE_CHECKS:
        if data.get(name) is not None and not ok(data[name]):
            problems.append(
                ("invalid-page", fm.line(name), f"{name} is {describe(data[name])}; it must be "
                 f"{what}", path)
            )
    if _text(data.get("title")):
        page.title = _text(data["title"])

    # kind: front matter, else folder; `none` makes an ordinary page anywhere
    raw_kind = data.get("kind")
    if raw_kind is not None:
        if isinstance(raw_kind, str) and raw_kind.strip().lower() in (*KINDS, "none"):
            kind = raw_kind.strip().lower()
            kind = None if kind == "none" else kind
        else:
            problems.append(
                ("invalid-page", fm.line("kind"), f"kind {describe(raw_kind)} is not one of: "
                 f"{', '.join(KINDS)}, none", path)
            )

    # gaps: a list under `gaps`, or one mapping under `gap`
    defines = False
    if "gaps" in data:
        defines = True
        raw_gaps = data["gaps"]
        if isinstance(raw_gaps, dict):
            raw_gaps = [raw_gaps]
        if raw_gaps is None:
            raw_gaps = []
        if not isinstance(raw_gaps, list):
            problems.append(
                ("invalid-gap", fm.line("gaps"), f"'gaps' is {describe(raw_gaps)}; write a list "
                 "of gaps, each starting with '- id:'", path)
            )
            raw_gaps = []
        for index, raw in enumerate(raw_gaps):
            gap = _parse_gap(raw, fm, path, ("gaps", index), options, problems)
            if gap:
                parsed.gaps.append(gap)
            else:
                _unjudged(parsed, raw)
    if "gap" in data:
        defines = True
        gap = _parse_gap(data["gap"], fm, path, ("gap",), options, problems)
        if gap:
            gap.line = fm.line("gap")
            parsed.gaps.append(gap)
        else:
            _unjudged(parsed, data["gap"])
    if defines:
        kind = "gaps"
    page.kind = kind
    page.gaps = [g.id for g in parsed.gaps]

    # addresses: a gap id or a list of them
    raw_addr = data.get("addresses")
    if raw_addr is not None:
        items = [raw_addr] if isinstance(raw_addr, str) else raw_addr
        if not isinstance(items, list):
            problems.append(
                ("invalid-page", fm.line("addresses"), f"addresses is {describe(raw_addr)}; "
                 "write a gap id or a list of gap ids, e.g. addresses: [security]", path)
            )
            items = []
        for index, item in enumerate(items):
            line = fm.line("addresses", index) if isinstance(raw_addr, list) else fm.line(
                "addresses"
            )
            if isinstance(item, str) and item.strip():
                if item.strip() not in page.addresses:
                    page.addresses.append(item.strip())
                    page.addresses_lines.append(line)
            else:
                problems.append(
                    ("invalid-page", line, f"addresses item {describe(item)} is not a gap id",
                     path)
                )
        if page.addresses and page.kind is None:
            page.kind = "plan"

    # lifecycle fields (a page has a few of them: only those it has are read)
    if "owner" in data:
        page.owner = _text(data["owner"])
    if "period" in data:
        page.period = _text(data["period"])
    if "date" in data:
        page.date = _check_date(data, "date", fm, problems, path)
    if "start" in data:
        page.start = _check_date(data, "start", fm, problems, path)
    if "end" in data:
        page.end = _check_date(data, "end", fm, problems, path)
        page.end_line = fm.line("end")
        if page.end is not None and page.start is not None and page.end < page.start:
            problems.append(
                ("invalid-page", page.end_line, f"end {page.end.isoformat()} is before start "
                 f"{page.start.isoformat()}; end is the last day of the period", path)
            )
    if "last_tested" in data:
        page.last_tested = _check_date(data, "last_tested", fm, problems, path)
        page.last_tested_line = fm.line("last_tested")
    if page.kind == "adr":
        page.number = adr_number(path)
        raw_status = data.get("status")
        if raw_status is not None:
            status = _scale_value(raw_status, ADR_STATUSES)
            superseded = (
                re.match(_SUPERSEDED, raw_status.strip())
                if isinstance(raw_status, str) and status not in _NOT_SUPERSEDED
                else None
            )
            if superseded:
                status = "superseded"
                if superseded["target"]:
                    parsed.superseded_ref = superseded["target"].strip()
                    parsed.superseded_line = fm.line("status")
            if status is None:
                problems.append(
                    ("invalid-page", fm.line("status"), f"ADR status {describe(raw_status)} is "
                     f"not one of: {', '.join(ADR_STATUSES)}", path)
                )
            page.status = status
    raw_sup = data.get("superseded_by")
    if raw_sup is not None:
        ref = _text(raw_sup)
        if ref is None:
            problems.append(
                ("invalid-page", fm.line("superseded_by"), f"superseded_by is "
                 f"{describe(raw_sup)}; give the newer ADR's file name without .md", path)
            )
        else:
            parsed.superseded_ref = ref
            parsed.superseded_line = fm.line("superseded_by")
    return parsed
