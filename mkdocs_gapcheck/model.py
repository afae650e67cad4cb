"""The gap model: plain data shared by the rules, the views, the exports and both adapters.

Nothing here imports MkDocs: the plugin and the ``gapcheck`` command fill these classes from
the same sources and must reach the same findings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

Level = Literal["error", "warn", "info", "off"]
LEVELS: tuple[Level, ...] = ("error", "warn", "info", "off")



@dataclass(frozen=True, slots=True)
class Kind:
    """A page kind: the one registry the parser, the rules, the views and the options read."""

    name: str
    label: str  #: how a page of this kind is named in the views ("ADR", "runbook")
    caption: str  #: the heading of its table in the index ("" for kinds with no table)
    folders: tuple[str, ...] = ()  #: default folder prefixes (option ``kinds``)
    needs_gaps: bool = False  #: a page of this kind that addresses no gap is an orphan-page


KIND_INFO: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("gaps", "gap page", ""),
        Kind("adr", "ADR", "Architecture decision records", ("adr/", "decisions/"), True),
        Kind("runbook", "runbook", "Runbooks", ("runbooks/",), True),
        Kind("roadmap", "roadmap", "Roadmap", ("roadmap/",), True),
        Kind("plan", "plan", "Other plan documents"),
    )
}
#: Page kinds a page can have; ``None`` on a :class:`Page` means an ordinary page.
KINDS: tuple[str, ...] = tuple(KIND_INFO)
#: Kinds that address gaps: what the index lists and ``coverage`` may require.
INDEX_KINDS: tuple[str, ...] = ("adr", "runbook", "roadmap", "plan")
#: Kinds a user may name in ``coverage`` (``any`` = one page of any kind).
COVERAGE_KINDS: tuple[str, ...] = (*INDEX_KINDS, "any")
#: The option ``kinds``' defaults: folder prefix lists per kind.
DEFAULT_KINDS: dict[str, tuple[str, ...]] = {
    k.name: k.folders for k in KIND_INFO.values() if k.folders
}

GAP_STATUSES: tuple[str, ...] = ("open", "in-progress", "resolved", "accepted")
ADR_STATUSES: tuple[str, ...] = ("proposed", "accepted", "rejected", "deprecated", "superseded")
#: ADR statuses whose page no longer counts as coverage.
INACTIVE_ADR_STATUSES: frozenset[str] = frozenset({"rejected", "deprecated", "superseded"})


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What a rule finds, for help texts, SARIF metadata and the reference docs."""

    id: str
    summary: str
    help: str
    default: Level = "warn"  #: the level when the option ``rules`` does not name the rule


#: Every rule, in the order the reference lists them. The first ten are the contract's.
RULES: dict[str, RuleInfo] = {
    r.id: r
    for r in (
        RuleInfo(
            "bad-front-matter",
            "Front matter that is not valid YAML or not a mapping.",
            "MkDocs ignores such front matter silently. Fix the YAML between the `---` lines; "
            "the message gives the parser's reason and line.",
        ),
        RuleInfo(
            "invalid-gap",
            "A gap with a missing or wrong field.",
            "Every gap needs `id`, `title` and `severity`; severity, effort and status must be "
            "on their scales (the message lists the allowed values); dates are ISO "
            "(YYYY-MM-DD); an accepted gap needs a `rationale`.",
        ),
        RuleInfo(
            "duplicate-gap",
            "One gap id defined twice.",
            "Gap ids are unique across the site, ignoring case. Rename one of the two.",
        ),
        RuleInfo(
            "unknown-gap",
            "`addresses` names a gap id that no page defines.",
            "Fix the id (the message suggests the closest one) or define the gap.",
        ),
        RuleInfo(
            "uncovered-gap",
            "A gap that lacks the coverage its severity needs.",
            "Add the gap's id to the `addresses` of a page of the required kind (option "
            "`coverage`), or set `status: accepted` with a `rationale`.",
        ),
        RuleInfo(
            "orphan-page",
            "An ADR, runbook or roadmap page that addresses no gap.",
            "Add `addresses: [gap-id]` to its front matter, or `kind: none` if it is not a "
            "plan document (a template, an index).",
        ),
        RuleInfo(
            "inactive-coverage",
            "A gap addressed only by rejected, deprecated or superseded ADRs.",
            "Address it from the ADR that replaced them, or from another active page.",
        ),
        RuleInfo(
            "stale-runbook",
            "A runbook never drilled, or not drilled for too long.",
            "Run the drill and set `last_tested:` to its date (option `stale_runbook_days`).",
        ),
        RuleInfo(
            "overdue-gap",
            "A gap past its `due` date that is still open or in progress.",
            "Resolve it, set a new `due` date, or accept the risk (`status: accepted`).",
        ),
        RuleInfo(
            "unknown-marker",
            "A `gapcheck:` marker or filter that does not exist.",
            "Markers are matrix, grid, index and coverage; filters scope=page, severity=, "
            "status= and kind=. The message names the one that is wrong.",
        ),
        RuleInfo(
            "invalid-page",
            "A page's gapcheck front matter with a wrong type or value.",
            "`kind` is one of gaps, adr, runbook, roadmap, plan or none; `addresses` is a gap "
            "id or a list of them; ADR `status` is on its scale; dates are ISO; "
            "`superseded_by` chains end.",
        ),
        RuleInfo(
            "unknown-page",
            "`superseded_by` names no ADR page of the site.",
            "Give the newer ADR's file name without `.md`, or its path under docs_dir.",
        ),
        RuleInfo(
            "bad-encoding",
            "A Markdown file that is not valid UTF-8.",
            "Re-save the file as UTF-8. The page is built with the bad bytes replaced.",
        ),
        # --- plans over time (issue 21): reviews and schedule ---------------------------
        RuleInfo(
            "suspect-coverage",
            "A page addresses a gap whose definition changed since the page was reviewed.",
            "Reread the page against the gap's new wording, update it if needed, then run "
            "`gapcheck review PAGE` to record the review.",
        ),
        RuleInfo(
            "unreviewed-coverage",
            "A page addresses a gap and has no review stamp for it (info by default).",
            "Run `gapcheck review PAGE` once the page has been read against the gap. Only "
            "active when a reviews file exists (option `reviews`).",
            default="info",
        ),
        RuleInfo(
            "schedule-conflict",
            "A gap's `due` date falls before every roadmap page that addresses it starts.",
            "Address the gap from an earlier roadmap page, move the page's `start`, or move "
            "the gap's `due` date.",
        ),
        RuleInfo(
            "slipped-roadmap",
            "A roadmap page whose `end` has passed while a gap it addresses is still open.",
            "Resolve the gaps, move them to a later roadmap page, or set a new `end`.",
        ),
        RuleInfo(
            "timing-mismatch",
            "A gap's `timing` names a roadmap page's `period`, and that page does not "
            "address it.",
            "Add the gap's id to that roadmap page's `addresses`, or correct the `timing`.",
        ),
        # --- adoption: accepted risks that expire, and the baseline ---
        RuleInfo(
            "acceptance-expired",
            "An accepted gap whose `accepted_until` date has passed.",
            "Look at the risk again: accept it for longer (a new `accepted_until`), or set "
            "`status: open` and address it. Until then the gap counts as open in the views.",
        ),
        RuleInfo(
            "stale-baseline",
            "A baseline entry that no finding matches any more.",
            "The finding it held back is fixed. Run `gapcheck baseline` to drop the entry and "
            "commit the smaller baseline file.",
            default="info",
        ),
    )
}




@dataclass(slots=True)
class Finding:
    """One problem in the sources: the unit every adapter reports."""

    rule: str
    level: Level
    file: str  #: path under docs_dir, with forward slashes
    line: int  #: 1-based line of the Markdown source, front matter included
    message: str
    #: what the finding is about: a gap id, or a page path (never a line), so that its
    #: :attr:`key` survives edits that move lines; the baseline and SARIF fingerprints use it
    subject: str = ""
    baselined: bool = False  #: its key is in the baseline: reported at info, marked so

    @property
    def key(self) -> tuple[str, str, str]:
        """(rule, file, subject): the finding's identity across edits."""
        return (self.rule, self.file, self.subject)

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.file, self.line, self.rule, self.message)

    @property
    def text(self) -> str:
        """The message as people read it: a baselined finding says so."""
        return self.message + (BASELINED_SUFFIX if self.baselined else "")

    def format(self, prefix: str = "") -> str:
        """``docs/gaps.md:14: uncovered-gap: ...``; ``prefix`` is docs_dir as the user sees it."""
        return f"{prefix}{self.file}:{self.line}: {self.rule}: {self.text}"

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "level": self.level,
            "file": self.file,
            "line": self.line,
            "message": self.message,
            "subject": self.subject,
            "baselined": self.baselined,
        }


#: Appended to a baselined finding's message wherever people read it.
BASELINED_SUFFIX = " [baselined]"


#: A gap's coverage state, decided once by the rules (see ``rules.coverage_state``):
#: accepted (risk accepted, needs nothing), covered, partial (a required kind missing),
#: inactive (only rejected/deprecated/superseded ADRs), unaddressed, optional (no page, and
#: its severity requires none).
GAP_STATES: tuple[str, ...] = (
    "accepted", "covered", "partial", "inactive", "unaddressed", "optional",
)
#: States that fail the gap's coverage: the views flag them.
FLAGGED_STATES: frozenset[str] = frozenset({"partial", "inactive", "unaddressed"})


@dataclass(slots=True)
class Gap:
    """A gap as defined in front matter, its scale values spelled as the config spells them."""

    id: str
    title: str
    severity: str
    page: str
    line: int
    order: int = 0  #: declaration order across the site (site order, then on the page)
    effort: str | None = None
    timing: str | None = None
    status: str = "open"
    owner: str | None = None
    due: dt.date | None = None
    rationale: str | None = None
    section: str | None = None
    timing_line: int | None = None  #: source line of ``timing``, for timing-mismatch
    due_line: int | None = None  #: source line of ``due``, for schedule-conflict
    #: hash of the gap's fields and its section's text (see ``sections.fingerprint``)
    fingerprint: str = ""
    #: anchor of its heading in the Markdown source (``sections.gap_heading``), for links
    #: made without HTML (``gapcheck diff``); the views use the rendered page's headings
    anchor: str | None = None
    accepted_until: dt.date | None = None  #: accepted gaps: the acceptance lapses after it
    accepted_until_line: int | None = None
    addressed_by: list[str] = field(default_factory=list)  #: page paths, site order
    # decided by the rules, shown by the views
    state: str = "unaddressed"  #: one of GAP_STATES
    missing_kinds: list[str] = field(default_factory=list)  #: required kinds not covering it
    overdue: bool = False  #: past ``due`` and still open or in progress
    #: accepted, but past ``accepted_until``: it counts as open again (state is its coverage)
    acceptance_expired: bool = False


@dataclass(slots=True)
class Marker:
    """A ``<!-- gapcheck:NAME k=v -->`` marker found outside code in a page's Markdown."""

    name: str
    filters: dict[str, str]
    line: int
    #: character offsets of the marker in the Markdown source (front matter included)
    start: int
    end: int
    valid: bool = True


@dataclass(slots=True)
class Page:
    """A Markdown page as gapcheck sees it: kind, what it addresses and its lifecycle fields."""

    path: str
    order: int  #: position in site order (nav order, then path)
    line: int = 1  #: line to report page-level findings on (its front matter's first key)
    body_offset: int = 0  #: character offset where the Markdown body starts
    title: str | None = None
    kind: str | None = None  #: one of KINDS, or None for an ordinary page
    addresses: list[str] = field(default_factory=list)
    addresses_lines: list[int] = field(default_factory=list)
    # ADR
    number: str | None = None
    status: str | None = None
    date: dt.date | None = None
    superseded_by: str | None = None  #: resolved page path, when it resolves
    # runbook
    owner: str | None = None
    last_tested: dt.date | None = None
    last_tested_line: int | None = None
    # roadmap
    period: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None  #: last day of the period (schedule rules)
    end_line: int | None = None
    markers: list[Marker] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  #: pages this page links to (paths)
    linked_from: list[str] = field(default_factory=list)  #: pages linking here, site order
    gaps: list[str] = field(default_factory=list)  #: ids of gaps defined on this page
    # decided by the rules, shown by the views
    stale_days: int | None = None  #: runbooks drilled too long ago: days since last_tested

    @property
    def active(self) -> bool:
        """Whether this page counts as coverage (rejected/deprecated/superseded ADRs do not)."""
        return not (self.kind == "adr" and self.status in INACTIVE_ADR_STATUSES)

    @property
    def coverage_kind(self) -> str:
        """The kind this page counts as when it addresses a gap."""
        return self.kind if self.kind in ("adr", "runbook", "roadmap") else "plan"


@dataclass(slots=True)
class Model:
    """Everything gapcheck knows about one site, built afresh for every build."""

    gaps: list[Gap]  #: matrix order: severity, effort, declaration order
    pages: dict[str, Page]  #: by path, in site order
    findings: list[Finding]  #: sorted by file, then line
    severities: tuple[str, ...]
    efforts: tuple[str, ...]
    today: dt.date
    #: things worth telling that are no finding about a file ("no gap is defined yet")
    notes: list[str] = field(default_factory=list)
    by_id: dict[str, Gap] = field(init=False, repr=False, compare=False)
    #: gap id -> position in matrix order
    gaps_order: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.by_id = {g.id: g for g in self.gaps}
        self.gaps_order = {g.id: i for i, g in enumerate(self.gaps)}

    def gap(self, gap_id: str) -> Gap | None:
        return self.by_id.get(gap_id)

    def pages_of_kind(self, kind: str) -> list[Page]:
        """The pages of one kind, in site order."""
        return [p for p in self.pages.values() if p.kind == kind]

    @property
    def failed(self) -> bool:
        """Whether a finding is at warn or error level (``gapcheck check`` exits 1)."""
        return any(f.level in ("warn", "error") for f in self.findings)
