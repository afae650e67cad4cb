"""The gap model: plain data shared by the rules, the views, the exports and both adapters.

Nothing here imports MkDocs: the plugin and the ``gapcheck`` command fill these classes from
the same sources and must reach the same findings.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

Level = Literal["error", "warn", "info", "off"]
LEVELS: tuple[Level, ...] = ("error", "warn", "info", "off")

#: Page kinds a page can have; ``None`` on a :class:`Page` means an ordinary page.
KINDS: tuple[str, ...] = ("gaps", "adr", "runbook", "roadmap", "plan")
#: Kinds a user may name in ``coverage`` (``any`` = one page of any kind).
COVERAGE_KINDS: tuple[str, ...] = ("adr", "runbook", "roadmap", "plan", "any")

GAP_STATUSES: tuple[str, ...] = ("open", "in-progress", "resolved", "accepted")
ADR_STATUSES: tuple[str, ...] = ("proposed", "accepted", "rejected", "deprecated", "superseded")
#: ADR statuses whose page no longer counts as coverage.
INACTIVE_ADR_STATUSES: frozenset[str] = frozenset({"rejected", "deprecated", "superseded"})


class Record:
    """Plain data: ``__slots__``, an ``__init__`` written out, and the ``__repr__`` and ``__eq__``
    a dataclass would have (over ``_fields``).

    Not ``@dataclass``: it writes each class's methods as source and compiles them when the
    module is imported, 50 M instructions for gapcheck's fourteen classes, a tenth of what the
    plugin added to a 300-page build. These classes are written once; the behaviour is the same.
    """

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()

    def __repr__(self) -> str:
        values = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__qualname__}({values})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self._fields)

    __hash__ = None  # type: ignore[assignment]  # mutable, as a dataclass with eq is


class FrozenRecord(Record):
    """A :class:`Record` whose fields cannot be set once made (a frozen dataclass's promise)."""

    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only: cannot delete {name!r}")

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        # copy, deepcopy and pickle set slots one by one, which __setattr__ refuses: remake it
        # from its fields instead (each such class takes them in ``_fields`` order)
        return (type(self), tuple(getattr(self, name) for name in self._fields))


class RuleInfo(FrozenRecord):
    """What a rule finds, for help texts, SARIF metadata and the reference docs."""

    __slots__ = _fields = ("id", "summary", "help")
    id: str
    summary: str
    help: str

    def __init__(self, id: str, summary: str, help: str) -> None:
        object.__setattr__(self, "id", id)
        object.__setattr__(self, "summary", summary)
        object.__setattr__(self, "help", help)


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
    )
}


class Finding(Record):
    """One problem in the sources: the unit every adapter reports."""

    __slots__ = _fields = ("rule", "level", "file", "line", "message")

    def __init__(self, rule: str, level: Level, file: str, line: int, message: str) -> None:
        self.rule = rule
        self.level = level
        self.file = file  #: path under docs_dir, with forward slashes
        self.line = line  #: 1-based line of the Markdown source, front matter included
        self.message = message

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.file, self.line, self.rule, self.message)

    def format(self, prefix: str = "") -> str:
        """``docs/gaps.md:14: uncovered-gap: ...``; ``prefix`` is docs_dir as the user sees it."""
        return f"{prefix}{self.file}:{self.line}: {self.rule}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "level": self.level,
            "file": self.file,
            "line": self.line,
            "message": self.message,
        }


class Gap(Record):
    """A gap as defined in front matter, its scale values spelled as the config spells them."""

    __slots__ = _fields = (
        "id", "title", "severity", "page", "line", "order", "effort", "timing", "status",
        "owner", "due", "rationale", "section", "addressed_by",
    )

    def __init__(
        self,
        id: str,
        title: str,
        severity: str,
        page: str,
        line: int,
        order: int,
        effort: str | None = None,
        timing: str | None = None,
        status: str = "open",
        owner: str | None = None,
        due: dt.date | None = None,
        rationale: str | None = None,
        section: str | None = None,
        addressed_by: list[str] | None = None,
    ) -> None:
        self.id = id
        self.title = title
        self.severity = severity
        self.page = page
        self.line = line
        self.order = order  #: declaration order across the site (site order, then on the page)
        self.effort = effort
        self.timing = timing
        self.status = status
        self.owner = owner
        self.due = due
        self.rationale = rationale
        self.section = section
        #: page paths, site order
        self.addressed_by: list[str] = [] if addressed_by is None else addressed_by


class Marker(Record):
    """A ``<!-- gapcheck:NAME k=v -->`` marker found outside code in a page's Markdown."""

    __slots__ = _fields = ("name", "filters", "line", "start", "end", "valid")

    def __init__(
        self, name: str, filters: dict[str, str], line: int, start: int, end: int,
        valid: bool = True,
    ) -> None:
        self.name = name
        self.filters = filters
        self.line = line
        #: character offsets of the marker in the Markdown source (front matter included)
        self.start = start
        self.end = end
        self.valid = valid


class Page(Record):
    """A Markdown page as gapcheck sees it: kind, what it addresses and its lifecycle fields.

    Made with a path, an order and sometimes a line and body offset; the parser fills in the
    rest.
    """

    __slots__ = _fields = (
        "path", "order", "title", "kind", "addresses", "addresses_lines", "line", "body_offset",
        "number", "status", "date", "superseded_by", "owner", "last_tested", "last_tested_line",
        "period", "start", "markers", "links", "linked_from", "gaps",
    )

    def __init__(self, path: str, order: int, line: int = 1, body_offset: int = 0) -> None:
        self.path = path
        self.order = order  #: position in site order (nav order, then path)
        self.title: str | None = None
        self.kind: str | None = None  #: one of KINDS, or None for an ordinary page
        self.addresses: list[str] = []
        self.addresses_lines: list[int] = []
        self.line = line  #: line to report page-level findings on (its front matter's first key)
        self.body_offset = body_offset  #: character offset where the Markdown body starts
        # ADR
        self.number: str | None = None
        self.status: str | None = None
        self.date: dt.date | None = None
        self.superseded_by: str | None = None  #: resolved page path, when it resolves
        # runbook
        self.owner: str | None = None
        self.last_tested: dt.date | None = None
        self.last_tested_line: int | None = None
        # roadmap
        self.period: str | None = None
        self.start: dt.date | None = None
        self.markers: list[Marker] = []
        self.links: list[str] = []  #: pages this page links to (paths)
        self.linked_from: list[str] = []  #: pages linking here, site order
        self.gaps: list[str] = []  #: ids of gaps defined on this page

    @property
    def active(self) -> bool:
        """Whether this page counts as coverage (rejected/deprecated/superseded ADRs do not)."""
        return not (self.kind == "adr" and self.status in INACTIVE_ADR_STATUSES)

    @property
    def coverage_kind(self) -> str:
        """The kind this page counts as when it addresses a gap."""
        return self.kind if self.kind in ("adr", "runbook", "roadmap") else "plan"


class Model(Record):
    """Everything gapcheck knows about one site, built afresh for every build."""

    _fields = ("gaps", "pages", "findings", "severities", "efforts", "today")
    __slots__ = (*_fields, "_by_id", "gaps_order")

    def __init__(
        self,
        gaps: list[Gap],
        pages: dict[str, Page],
        findings: list[Finding],
        severities: tuple[str, ...],
        efforts: tuple[str, ...],
        today: dt.date,
    ) -> None:
        self.gaps = gaps  #: matrix order: severity, effort, declaration order
        self.pages = pages  #: by path, in site order
        self.findings = findings  #: sorted by file, then line
        self.severities = severities
        self.efforts = efforts
        self.today = today
        self._by_id = {g.id: g for g in gaps}
        #: gap id -> position in matrix order
        self.gaps_order = {g.id: i for i, g in enumerate(gaps)}

    def gap(self, gap_id: str) -> Gap | None:
        return self._by_id.get(gap_id)

    @property
    def failed(self) -> bool:
        """Whether a finding is at warn or error level (``gapcheck check`` exits 1)."""
        return any(f.level in ("warn", "error") for f in self.findings)
