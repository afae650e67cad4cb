"""The rules that need the whole site: links between pages and gaps, coverage, freshness.

Input is every parsed page in site order; output is the findings, as (file, rule, line,
message), the links the views show (a gap's ``addressed_by``, a page's ``linked_from``), and
each gap's and runbook's state (``Gap.state``, ``Gap.overdue``, ``Page.stale_days``): decided
here once, only shown by the views.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re

from .frontmatter import brief
from .model import KIND_INFO, Gap, Page
from .options import Options
from .parse import ParsedPage

#: (file, rule, line, message, subject); the level comes from the options. The subject is
#: what the finding is about, a gap id or a page path, never a line (see ``Finding.subject``)
Problem = tuple[str, str, int, str, str]


def _closest(word: str, choices: dict[str, str]) -> str | None:
    """The choice closest to ``word``, compared without case; ``choices`` maps lower -> spelled."""
    import difflib  # only when a finding needs a suggestion: not on every build's import

    match = difflib.get_close_matches(word.lower(), list(choices), n=1, cutoff=0.6)
    return choices[match[0]] if match else None


def _dedupe_gaps(gaps: list[Gap], problems: list[Problem]) -> list[Gap]:
    first: dict[str, Gap] = {}
    kept: list[Gap] = []
    for gap in gaps:
        seen = first.get(gap.id.lower())
        if seen is None:
            first[gap.id.lower()] = gap
            kept.append(gap)
            continue
        same = "" if seen.id == gap.id else f" as '{seen.id}' (ids are compared without case)"
        problems.append(
            (gap.page, "duplicate-gap", gap.line,
             f"gap '{gap.id}' is already defined{same} at {seen.page}:{seen.line}; "
             "gap ids are unique across the site: rename or remove one of the two", gap.id)
        )
    return kept


def _link_addresses(
    parsed: list[ParsedPage], gaps: list[Gap], problems: list[Problem]
) -> None:
    by_id = {g.id: g for g in gaps}
    lowered = {g.id.lower(): g.id for g in gaps}
    # ids defined but left out of the model (invalid gaps, gap pages that do not parse): their
    # own finding says what is wrong, so references to them are not judged. A broken gap page
    # whose ids cannot be told leaves no reference judgeable.
    unjudged = {gid.lower() for p in parsed for gid in p.unjudged}
    blind = any(p.broken_gap_page and not p.unjudged for p in parsed)
    for p in parsed:
        page = p.page
        for gid, line in zip(page.addresses, page.addresses_lines, strict=True):
            gap = by_id.get(gid)
            if gap is not None:
                gap.addressed_by.append(page.path)
                continue
            if blind or gid.lower() in unjudged:
                continue
            hint = _closest(gid, lowered)
            problems.append(
                (page.path, "unknown-gap", line,
                 f"addresses '{brief(gid)}', but no page defines a gap with that id"
                 + (f"; did you mean '{hint}'?" if hint else
                    "; define it in a gaps: list or fix the id"), gid)
            )


def _adr_lookup(pages: dict[str, Page]) -> dict[str, str]:
    """Every way a user may name an ADR in superseded_by, lower-cased, to its path."""
    names: dict[str, str] = {}
    for path, page in pages.items():
        if page.kind != "adr":
            continue
        stem = posixpath.splitext(posixpath.basename(path))[0]
        for name in (path, path[:-3], stem):
            names.setdefault(name.lower(), path)
        if page.number is not None:
            names.setdefault(str(int(page.number)), path)
    return names


def _link_supersession(
    parsed: list[ParsedPage], pages: dict[str, Page], problems: list[Problem]
) -> None:
    referring = [(p, p.superseded_ref) for p in parsed if p.superseded_ref is not None]
    if not referring:
        return  # nothing names a newer ADR: no supersession, no cycle
    names = _adr_lookup(pages)
    stems = {k: k for k in names if not k.isdigit() and "/" not in k}
    for p, ref in referring:
        key = ref.strip().lower().removesuffix(".md").lstrip("/")
        key = key.removeprefix("adr-").removeprefix("adr ") if key[4:5].isdigit() else key
        candidates = [key, posixpath.normpath(posixpath.join(posixpath.dirname(p.page.path), key))]
        if key.isdecimal():  # not isdigit(): '¹' is a digit that int() refuses
            candidates.append(str(int(key)))
        target = next((names[c] for c in candidates if c in names), None)
        if target is None:
            hint = _closest(posixpath.basename(key), stems)
            problems.append(
                (p.page.path, "unknown-page", p.superseded_line,
                 f"superseded_by '{brief(ref)}' names no ADR page of this site"
                 + (f"; did you mean '{hint}'?" if hint else
                    "; give the newer ADR's file name without .md"), p.page.path)
            )
            continue
        p.page.superseded_by = target
    # a chain of supersession that comes back on itself has no current decision
    reported: set[str] = set()
    for p, _ in referring:  # a cycle goes through pages that name a newer ADR
        seen: list[str] = []
        path: str | None = p.page.path
        while path is not None and path not in seen:
            seen.append(path)
            path = pages[path].superseded_by
        if path is None:
            continue
        cycle = seen[seen.index(path) :]
        if reported.intersection(cycle):
            continue
        reported.update(cycle)
        first = min(cycle)
        line = next(q.superseded_line for q in parsed if q.page.path == first)
        problems.append(
            (first, "invalid-page", line,
             f"superseded_by goes round in a cycle ({' -> '.join([*cycle, path])}); "
             "the newest ADR of a chain must not be superseded", first)
        )


def _link_pages(parsed: list[ParsedPage], pages: dict[str, Page]) -> None:
    for p in parsed:
        for target in dict.fromkeys(p.page.links):
            if target in pages and target != p.page.path:
                pages[target].linked_from.append(p.page.path)


def coverage_state(gap: Gap, pages: dict[str, Page], options: Options) -> tuple[str, list[str]]:
    """A gap's coverage state (see ``model.GAP_STATES``) and the required kinds it lacks.

    An accepted gap whose acceptance has expired counts as open again: its real coverage."""
    if gap.status == "accepted" and not gap.acceptance_expired:
        return "accepted", []
    required = options.required_kinds(gap.severity)
    if not gap.addressed_by:
        return ("unaddressed" if required else "optional"), []
    active = [pages[p] for p in gap.addressed_by if pages[p].active]
    if not active:
        return ("inactive" if required else "optional"), []
    have = {p.coverage_kind for p in active}
    missing = [k for k in required if k != "any" and k not in have]
    return ("partial" if missing else "covered"), missing


def _check_coverage(
    gaps: list[Gap], pages: dict[str, Page], options: Options, day: dt.date,
    problems: list[Problem],
) -> None:
    for gap in gaps:
        gap.acceptance_expired = (
            gap.status == "accepted" and gap.accepted_until is not None
            and gap.accepted_until < day
        )
        gap.state, gap.missing_kinds = coverage_state(gap, pages, options)
        name = f"{gap.severity} gap '{gap.id}' ({brief(gap.title)})"
        required = options.required_kinds(gap.severity)
        if gap.acceptance_expired:
            continue  # acceptance-expired is its one finding, whatever its coverage
        if gap.state == "unaddressed":
            problems.append(
                (gap.page, "uncovered-gap", gap.line,
                 f"{name} is addressed by no page; add '{gap.id}' to the addresses of a page "
                 "that remediates it, or set status: accepted with a rationale", gap.id)
            )
        elif gap.state == "inactive":
            inactive = ", ".join(f"{p} ({pages[p].status})" for p in gap.addressed_by)
            problems.append(
                (gap.page, "inactive-coverage", gap.line,
                 f"{name} is addressed only by inactive ADRs: {inactive}; address it from the "
                 "ADR that replaced them or from another active page", gap.id)
            )
        elif gap.state == "partial":
            active = [pages[p] for p in gap.addressed_by if pages[p].active]
            problems.append(
                (gap.page, "uncovered-gap", gap.line,
                 f"{name} needs a page of kind {' and '.join(gap.missing_kinds)} (coverage for "
                 f"{gap.severity}: {', '.join(required)}); it is addressed only by "
                 f"{', '.join(p.path + ' (' + p.coverage_kind + ')' for p in active)}", gap.id)
            )


def _check_pages(
    parsed: list[ParsedPage], options: Options, day: dt.date, any_gaps: bool,
    problems: list[Problem],
) -> None:
    """Orphans (only once a gap exists to address) and runbook drills. A page whose front
    matter does not parse has its own finding and is not judged on what it could not say."""
    for p in parsed:
        page = p.page
        if p.unreadable:
            continue
        kind = KIND_INFO.get(page.kind or "")
        if any_gaps and kind is not None and kind.needs_gaps and not page.addresses:
            problems.append(
                (page.path, "orphan-page", page.line,
                 f"{page.kind} page addresses no gap; add addresses: [gap-id] to its front "
                 "matter, or kind: none if it is not a plan document", page.path)
            )
        if page.kind != "runbook":
            continue
        if page.last_tested is None:
            if page.last_tested_line is None:
                problems.append(
                    (page.path, "stale-runbook", page.line,
                     "runbook has no last_tested date; drill it and add last_tested: YYYY-MM-DD",
                     page.path)
                )
            continue
        age = (day - page.last_tested).days
        if age > options.stale_runbook_days:
            page.stale_days = age
            problems.append(
                (page.path, "stale-runbook", page.last_tested_line or page.line,
                 f"runbook last tested {page.last_tested.isoformat()}, {age} days ago (more than "
                 f"stale_runbook_days: {options.stale_runbook_days}); drill it and update "
                 "last_tested", page.path)
            )


def _check_due(gaps: list[Gap], day: dt.date, problems: list[Problem]) -> None:
    for gap in gaps:
        gap.overdue = (
            gap.due is not None and gap.due < day and gap.status in ("open", "in-progress")
        )
        if gap.overdue and gap.due is not None:
            problems.append(
                (gap.page, "overdue-gap", gap.line,
                 f"gap '{gap.id}' was due {gap.due.isoformat()} ({(day - gap.due).days} days "
                 f"ago) and is still {gap.status}; resolve it, move due, or accept the risk",
                 gap.id)
            )


# --- schedule (issue 21): roadmap dates against gaps' due dates and timings ---------------

#: Gap statuses that still need work: a roadmap that ends leaves them behind.
_OPEN = ("open", "in-progress")


def _check_schedule(
    gaps: list[Gap], pages: dict[str, Page], day: dt.date, problems: list[Problem]
) -> None:
    """``schedule-conflict``, ``slipped-roadmap`` and ``timing-mismatch``."""
    roadmaps = [p for p in pages.values() if p.kind == "roadmap"]
    if not roadmaps:
        return
    by_id = {g.id: g for g in gaps}
    for gap in gaps:
        if gap.due is None or gap.status not in _OPEN:
            continue
        covering = [pages[p] for p in gap.addressed_by if pages[p].kind == "roadmap"]
        starts = [p.start for p in covering]
        if covering and all(s is not None and s > gap.due for s in starts):
            first = min(covering, key=lambda p: (p.start or dt.date.max, p.order))
            assert first.start is not None
            problems.append(
                (gap.page, "schedule-conflict", gap.due_line or gap.line,
                 f"gap '{gap.id}' is due {gap.due.isoformat()}, but the earliest roadmap page "
                 f"that addresses it, {first.path}, starts {first.start.isoformat()} "
                 f"({(first.start - gap.due).days} days later); address it from an earlier "
                 "roadmap page, or move start or due", gap.id)
            )
    for page in roadmaps:
        if page.end is None or page.end >= day:
            continue
        left = [g for g in map(by_id.get, page.addresses) if g is not None and g.status in _OPEN]
        if left:
            listed = ", ".join(f"'{g.id}' ({g.status})" for g in left)
            period = f"'{brief(page.period)}' " if page.period else ""
            problems.append(
                (page.path, "slipped-roadmap", page.end_line or page.line,
                 f"roadmap period {period}ended {page.end.isoformat()} "
                 f"({(day - page.end).days} days ago), but gaps it addresses are still open: "
                 f"{listed}; resolve them, move them to a later roadmap page, or set a new end",
                 page.path)
            )
    _check_timing(gaps, roadmaps, problems)


def _periods_pattern(labels: dict[str, str]) -> re.Pattern[str]:
    """One pattern for every period label as whole words, longest first: where two overlap
    (``Week 1`` and ``Week 1-2`` in "Week 1-2 quick win"), the longer one is named."""
    alternatives = sorted(labels.values(), key=len, reverse=True)
    return re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(label) for label in alternatives) + r")(?!\w)",
        re.IGNORECASE,
    )


def _check_timing(gaps: list[Gap], roadmaps: list[Page], problems: list[Problem]) -> None:
    by_period: dict[str, list[Page]] = {}
    for page in roadmaps:
        if page.period:
            by_period.setdefault(" ".join(page.period.split()).lower(), []).append(page)
    if not by_period:
        return
    labels = {k: v[0].period or k for k, v in by_period.items()}
    pattern = _periods_pattern(labels)
    for gap in gaps:
        if not gap.timing or gap.status == "accepted":
            continue
        named = [" ".join(m[0].split()).lower() for m in pattern.finditer(gap.timing)]
        for key in dict.fromkeys(named):
            pages = by_period[key]
            if any(p.path in gap.addressed_by for p in pages):
                continue
            where = " or ".join(p.path for p in pages)
            problems.append(
                (gap.page, "timing-mismatch", gap.timing_line or gap.line,
                 f"gap '{gap.id}' is timed '{brief(gap.timing)}', which names the roadmap "
                 f"period '{brief(labels[key])}', but {where} does not address it; add "
                 f"'{gap.id}' to its addresses, or correct the timing", gap.id)
            )


def _check_acceptance(gaps: list[Gap], day: dt.date, problems: list[Problem]) -> None:
    """Accepted risks are looked at again: past ``accepted_until`` the gap counts as open
    (its state is its real coverage) and this is its one finding."""
    for gap in gaps:
        if not gap.acceptance_expired or gap.accepted_until is None:
            continue
        coverage = {
            "covered": "it is addressed", "optional": "no coverage is required for it",
            "unaddressed": "no page addresses it",
        }.get(gap.state, "its coverage is incomplete")
        problems.append(
            (gap.page, "acceptance-expired", gap.accepted_until_line or gap.line,
             f"accepted gap '{gap.id}' ({brief(gap.title)}): its acceptance ran until "
             f"{gap.accepted_until.isoformat()} ({(day - gap.accepted_until).days} days ago), "
             f"so it counts as open again and {coverage}; look at the risk again: accept it "
             "for longer (a new accepted_until) or set status: open and address it", gap.id)
        )


def no_gaps_note(parsed: list[ParsedPage], gaps: list[Gap]) -> str | None:
    """The note for a site that defines no gap at all (then no page is an orphan), or None.
    Invalid gaps and gap pages that do not parse have findings of their own: no note then."""
    if gaps or any(p.unjudged or p.broken_gap_page for p in parsed):
        return None
    waiting = sum(
        1 for p in parsed
        if p.page.kind in KIND_INFO and KIND_INFO[p.page.kind].needs_gaps
    )
    return (
        "no page defines a gap yet, so no page is checked for addressing one"
        + (f" ({waiting} ADR, runbook and roadmap pages wait for one)" if waiting else "")
        + "; add a gap page (gaps: in its front matter) to start"
    )


def run_rules(
    parsed: list[ParsedPage],
    pages: dict[str, Page],
    gaps: list[Gap],
    options: Options,
    day: dt.date,
) -> list[Problem]:
    """Cross-page rules. Drops duplicate gaps from ``gaps`` (the first definition wins)."""
    problems: list[Problem] = []
    gaps[:] = _dedupe_gaps(gaps, problems)
    _link_addresses(parsed, gaps, problems)
    _link_supersession(parsed, pages, problems)
    _link_pages(parsed, pages)
    _check_coverage(gaps, pages, options, day, problems)
    _check_pages(parsed, options, day, bool(gaps), problems)
    _check_due(gaps, day, problems)
    _check_schedule(gaps, pages, day, problems)
    _check_acceptance(gaps, day, problems)
    return problems
