"""The views: matrix, grid, index, coverage and backlinks, as Jinja templates over the model.

Python picks and orders what a view shows (the small dataclasses below); the markup is in
``templates/gapcheck/*.html``, which a theme's ``custom_dir`` may override. No MkDocs import:
the caller gives ``url_for(path)`` (a docs page's URL relative to the page shown, None if it is
not built) and ``headings(path)`` (a rendered page's ``(id, text)`` heading anchors, None if it
was not rendered). Gap states are shown as the rules decided them, never decided again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from jinja2 import (
    BytecodeCache,
    ChoiceLoader,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
)
from jinja2.bccache import Bucket

from .model import FLAGGED_STATES, INDEX_KINDS, KIND_INFO, Gap, Model, Page

if TYPE_CHECKING:  # only passed through to the templates
    from .history import History
    from .options import Options

#: (anchor id, heading text as plain text)
Heading = tuple[str, str]
Filters = Mapping[str, str]

#: Colour tones, most severe first: red, orange, amber, olive, blue-grey.
TONES = 5
#: Which tones a scale of n severities uses, so that the least severe is always blue-grey and
#: the most severe always red, whatever the team's own scale.
_TONE_MAPS: dict[int, tuple[int, ...]] = {
    1: (0,), 2: (0, 4), 3: (0, 2, 4), 4: (0, 1, 2, 4), 5: (0, 1, 2, 3, 4),
}
_TAG_RE = re.compile(r"<[^>]*>")
#: an HTML heading with an id, as Python-Markdown's toc writes them
_HEADING_RE = re.compile(r"<h([1-6])\b[^>]*?\sid=\"([^\"]*)\"[^>]*>")


def template_env(dirs: Sequence[str] = ()) -> Environment:
    """The views' templates: ``gapcheck/<view>.html`` from ``dirs`` first (the theme's
    directories, custom_dir first), else from the package. User strings are escaped."""
    return _env(tuple(dirs))


class _CompiledTemplates(FileSystemBytecodeCache):
    """Jinja's cache of compiled templates, in its private per-user folder of the system's
    temp directory: compiling the views' templates would cost every build ~60 ms. A template
    is recompiled when its source changes; a cache that cannot be written is no error."""

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _compiled_templates() -> BytecodeCache | None:
    try:
        return _CompiledTemplates()
    except (OSError, RuntimeError):  # no private temp folder: compile in every build
        return None


@cache
def _env(dirs: tuple[str, ...]) -> Environment:
    # One Environment per set of folders keeps its compiled templates from build to build
    # (mkdocs serve); it still reloads a template whose file changed (auto_reload).
    loader = ChoiceLoader(
        [FileSystemLoader(list(dirs)), PackageLoader("mkdocs_gapcheck", "templates")]
    )
    # StrictUndefined: a misspelt variable in an override fails the build with its name
    return Environment(loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True,
                       undefined=StrictUndefined, bytecode_cache=_compiled_templates())


# --------------------------------------------------------------------------------------------
# what the templates get


@dataclass(frozen=True, slots=True)
class Severity:
    """A severity as its badge shows it."""

    name: str  #: as the option ``severities`` spells it
    classes: str  #: ``gapcheck-sev-<position> gapcheck-tone-<tone>``


@dataclass(slots=True)
class PageItem:
    """A docs page as a view shows it, with the index's columns when the index asks."""

    page: Page
    title: str  #: its title, or one made from its file name
    label: str  #: its kind as shown: "ADR 0001", "runbook", "plan"
    href: str | None  #: link from the page shown; None if the page is not built
    addresses: list[GapItem] = field(default_factory=list)  #: index: the gaps it addresses
    linked_from: list[PageItem] = field(default_factory=list)  #: index: pages linking to it
    superseded_by: PageItem | None = None  #: index, ADRs: the newer ADR


@dataclass(slots=True)
class GapItem:
    """A gap as a view shows it; its state comes from the rules (``gap.state``)."""

    gap: Gap
    severity: Severity
    href: str | None  #: link to its definition (a matrix row's, in a grid beside a matrix)
    flagged: bool  #: its state fails its coverage (``model.FLAGGED_STATES``)
    missing: list[str]  #: labels of the required kinds that do not address it
    row_id: str | None = None  #: matrix: the row's id; None if a row already has it
    addressed_by: list[PageItem] = field(default_factory=list)  #: matrix and backlinks


@dataclass(slots=True)
class GridRow:
    severity: Severity
    cells: list[list[GapItem]]  #: one per effort column, the cell's gaps
    total: int


@dataclass(frozen=True, slots=True)
class Share:
    """A count of gaps and its share of the row's gaps, in percent rounded down (so that
    100 % means all of them); None when the row has no gaps."""

    count: int
    percent: int | None


@dataclass(slots=True)
class CoverageRow:
    """One severity (or the total): where its gaps stand. Addressed, unaddressed and accepted
    split the gaps; resolved (the progress) is counted across them."""

    severity: Severity | None  #: None on the total row
    gaps: int
    addressed: Share  #: state covered: the coverage the option asks for is there
    unaddressed: Share  #: any other state but accepted (none, partial, inactive, optional)
    accepted: Share  #: risk accepted, and the acceptance has not expired
    resolved: Share  #: status resolved: the work is done


@dataclass(slots=True)
class IndexSection:
    kind: str  #: adr, runbook, roadmap or plan
    title: str  #: the kind's caption ("Runbooks")
    caption: str  #: the table's caption: the title, or "" when the index shows one kind
    rows: list[PageItem]
    periods: bool = False  #: roadmap: a page has a period (the Period column shows)
    starts: bool = False  #: roadmap: a page has a start date (the Starts column shows)


@dataclass
class View:
    """What the views of one page need: the model, and the site's links seen from that page."""

    model: Model
    options: Options
    page: str  #: docs path of the page being rendered
    url_for: Callable[[str], str | None]
    headings: Callable[[str], Sequence[Heading] | None]
    templates: Environment = field(default_factory=template_env)
    #: matrix row ids already on this page, for unique ids and for the grid's links to rows
    row_ids: set[str] = field(default_factory=set)
    #: the site's git history for the trend view, computed on first call; None: no history
    trend: Callable[[], History] | None = None

    def href(self, path: str, anchor: str | None = None) -> str | None:
        """The link from this page to a docs page (and anchor); None if it is not built."""
        if anchor and path == self.page:
            return "#" + anchor
        url = self.url_for(path)
        if url is None or not anchor:
            return url
        return f"{url}#{anchor}"

    def severity(self, name: str) -> Severity:
        return Severity(name, severity_classes(self.model, name))

    def page_item(self, path: str) -> PageItem:
        page = self.model.pages[path]
        return PageItem(page, page_title(page), kind_label(page), self.href(path))

    def gap_item(self, gap: Gap, href: str | None = None) -> GapItem:
        return GapItem(
            gap,
            self.severity(gap.severity),
            href or self.href(gap.page, gap_anchor(gap, self.headings(gap.page))),
            gap.state in FLAGGED_STATES or gap.acceptance_expired,
            [KIND_INFO[k].label for k in gap.missing_kinds],
        )

    def addressing(self, gap: Gap) -> GapItem:
        """A gap with the pages that address it."""
        item = self.gap_item(gap)
        item.addressed_by = [self.page_item(p) for p in gap.addressed_by]
        return item

    def addressed(self, page: Page) -> list[GapItem]:
        """The gaps a page addresses that exist (an unknown id is its own finding)."""
        return [self.gap_item(g) for g in map(self.model.gap, page.addresses) if g is not None]

    def render(self, name: str, **context: Any) -> str:
        template = self.templates.get_template(f"gapcheck/{name}.html")
        page = self.model.pages.get(self.page)
        return template.render(model=self.model, options=self.options, page=page, **context)


def heading_text(title_html: str) -> str:
    """A table-of-contents title (HTML) as plain text, for matching gap titles."""
    return html.unescape(_TAG_RE.sub("", title_html)).strip()


def tone(position: int, count: int) -> int:
    """The colour tone of the severity at ``position`` in a scale of ``count`` severities."""
    if count in _TONE_MAPS and 0 <= position < count:
        return _TONE_MAPS[count][position]
    if count <= 1:
        return 0
    return min(TONES - 1, max(0, round(position * (TONES - 1) / (count - 1))))


def severity_classes(model: Model, severity: str) -> str:
    """``gapcheck-sev-<position> gapcheck-tone-<tone>``: position for users, tone for colour."""
    lowered = [s.lower() for s in model.severities]
    value = severity.lower()
    position = lowered.index(value) if value in lowered else len(lowered)
    return f"gapcheck-sev-{position} gapcheck-tone-{tone(position, len(lowered))}"


def page_title(page: Page) -> str:
    """The page's title, or one made from its file name as MkDocs would."""
    if page.title:
        return page.title
    parts = page.path.rsplit("/", 2)
    stem = parts[-1].removesuffix(".md")
    if stem in ("index", "README") and len(parts) > 1:
        stem = parts[-2]
    return stem.replace("-", " ").replace("_", " ").strip().capitalize() or page.path


def kind_label(page: Page) -> str:
    """How a page's kind is shown beside its title: "ADR 0001", "runbook", "plan"."""
    if page.kind == "adr" and page.number:
        return f"ADR {page.number}"
    return KIND_INFO[page.coverage_kind].label


def roadmap_order(pages: Sequence[Page]) -> list[Page]:
    """Pages with a ``start`` date by that date, then the others in nav (site) order."""
    return sorted(pages, key=lambda p: (p.start is None, p.start or dt.date.min, p.order))


def gap_anchor(gap: Gap, headings: Sequence[Heading] | None) -> str | None:
    """The heading a gap is defined under: its ``section``, else the first whose text holds
    its title (case-insensitive), else ``None`` (the page itself)."""
    if headings is None:
        return gap.section
    if gap.section and any(anchor == gap.section for anchor, _ in headings):
        return gap.section
    wanted = gap.title.casefold()
    for anchor, text in headings:
        if wanted in text.casefold():
            return anchor
    return None


def _values(filters: Filters, name: str) -> set[str] | None:
    """A filter's comma-separated values, lower case; None if the filter is not set."""
    return {v.lower() for v in filters[name].split(",")} if name in filters else None


def select_gaps(view: View, filters: Filters) -> list[Gap]:
    """The model's gaps (matrix order) that pass a marker's filters."""
    severities = _values(filters, "severity")
    statuses = _values(filters, "status")
    gaps = view.model.gaps
    if filters.get("scope") == "page":
        gaps = [g for g in gaps if g.page == view.page]
    return [g for g in gaps if (severities is None or g.severity.lower() in severities)
            and (statuses is None or g.status.lower() in statuses)]


def _severities(view: View, filters: Filters) -> list[Severity]:
    """The rows of the grid and the coverage summary: the scale, narrowed by ``severity=``."""
    wanted = _values(filters, "severity")
    scale = view.model.severities
    return [view.severity(s) for s in scale if wanted is None or s.lower() in wanted]


# --------------------------------------------------------------------------------------------
# the views


def render_matrix(view: View, filters: Filters) -> str:
    """One row per gap in matrix order, with the pages that address it."""
    rows = []
    for gap in select_gaps(view, filters):
        item = view.addressing(gap)
        row_id = f"gapcheck-gap-{gap.id}"
        if row_id not in view.row_ids:  # a second matrix on the page repeats no id
            view.row_ids.add(row_id)
            item.row_id = row_id
        rows.append(item)
    return view.render("matrix", filters=filters, rows=rows)


def render_grid(view: View, filters: Filters) -> str:
    """Severity by effort: a count per cell and the cell's gaps as links.

    A gap links to its row when a matrix on the same page shows it (render matrices first),
    else to its definition. Gaps without effort get a "—" column, shown only when there are any.
    """
    gaps = select_gaps(view, filters)
    efforts: list[str | None] = list(view.model.efforts)
    if any(g.effort is None for g in gaps):
        efforts.append(None)
    cells: dict[tuple[str, str | None], list[GapItem]] = {}
    for gap in gaps:
        row_id = f"gapcheck-gap-{gap.id}"
        href = "#" + row_id if row_id in view.row_ids else None
        cells.setdefault((gap.severity.lower(), gap.effort), []).append(view.gap_item(gap, href))
    rows = []
    for severity in _severities(view, filters):
        row = [cells.get((severity.name.lower(), effort), []) for effort in efforts]
        rows.append(GridRow(severity, row, sum(len(c) for c in row)))
    return view.render("grid", filters=filters, efforts=efforts, rows=rows if gaps else [])


def render_coverage(view: View, filters: Filters) -> str:
    """Gaps per severity: addressed, unaddressed, accepted, and resolved (the progress).

    *Addressed* counts gaps whose state is ``covered``; *accepted* gaps are counted apart,
    never as addressed; every other gap is *unaddressed*, whatever the reason (none, partial
    or inactive coverage, none required). *Resolved* counts the gaps whose status says the
    work is done, so that "all addressed" is never read as "all done".
    """
    gaps = select_gaps(view, filters)
    shown = _severities(view, filters)
    names = {s.name.lower() for s in shown}
    return view.render(
        "coverage",
        filters=filters,
        rows=[_coverage_row(s, [g for g in gaps if g.severity.lower() == s.name.lower()])
              for s in shown],
        total=_coverage_row(None, [g for g in gaps if g.severity.lower() in names]),
    )


def _coverage_row(severity: Severity | None, gaps: Sequence[Gap]) -> CoverageRow:
    total = len(gaps)

    def share(count: int) -> Share:
        return Share(count, count * 100 // total if total else None)

    addressed = sum(g.state == "covered" for g in gaps)
    accepted = sum(g.state == "accepted" for g in gaps)
    return CoverageRow(
        severity, total, share(addressed), share(total - addressed - accepted),
        share(accepted), share(sum(g.status == "resolved" for g in gaps)),
    )


def render_index(view: View, filters: Filters) -> str:
    """ADRs, runbooks, roadmap pages and plans, each with its gaps and the pages linking to it."""
    wanted = filters["kind"].split(",") if "kind" in filters else INDEX_KINDS
    kinds = [k for k in INDEX_KINDS if k in wanted]
    sections = []
    for kind in kinds:
        pages = view.model.pages_of_kind(kind)
        if kind == "roadmap":
            pages = roadmap_order(pages)
        rows = []
        for page in pages:
            item = view.page_item(page.path)
            item.addresses = view.addressed(page)
            item.linked_from = [view.page_item(p) for p in page.linked_from]
            if page.superseded_by in view.model.pages:
                item.superseded_by = view.page_item(page.superseded_by)
            rows.append(item)
        title = KIND_INFO[kind].caption
        sections.append(IndexSection(
            kind, title, title if len(kinds) > 1 else "", rows,
            periods=any(p.period for p in pages), starts=any(p.start for p in pages),
        ))
    return view.render("index", filters=filters, sections=sections)


def render_trend(view: View, filters: Filters) -> str:
    """Gaps by status over the commits that changed a gap page, or a note saying why not."""
    from .trend import STACK, chart

    history = view.trend() if view.trend is not None else None
    number = sum(1 for r in view.row_ids if r.startswith("gapcheck-trend-")) + 1
    view.row_ids.add(f"gapcheck-trend-{number}")
    if history is None:
        drawn, note = None, "No history to chart: the trend needs the MkDocs plugin and git."
    else:
        drawn = chart(history.points)
        note = history.note or "No history to chart: no commit has changed a page that " \
            "defines gaps yet."
    return view.render("trend", chart=drawn, note=note, statuses=STACK,
                       id=f"gapcheck-trend-{number}")


RENDERERS: dict[str, Callable[[View, Filters], str]] = {
    "matrix": render_matrix, "grid": render_grid, "index": render_index,
    "coverage": render_coverage, "trend": render_trend,
}


def render_markers(view: View, markers: Sequence[tuple[str, Filters]]) -> list[str]:
    """The HTML of every marker of a page, in order; an unknown marker renders nothing.
    Matrices are rendered first, so that grids can link to their rows."""
    out = [""] * len(markers)
    for i in sorted(range(len(markers)), key=lambda i: markers[i][0] != "matrix"):
        name, filters = markers[i]
        if name in RENDERERS:
            out[i] = RENDERERS[name](view, filters)
    return out


# --------------------------------------------------------------------------------------------
# backlinks


def _heading_ends(content: str) -> dict[str, int]:
    """Heading id -> the offset just after that heading's closing tag, first heading wins."""
    ends: dict[str, int] = {}
    for match in _HEADING_RE.finditer(content):
        close = content.find(f"</h{match[1]}>", match.end())
        if close >= 0:
            ends.setdefault(html.unescape(match[2]), close + len("</h1>"))
    return ends


def backlink_blocks(view: View) -> tuple[str | None, dict[str, str]]:
    """A page's backlinks blocks: the one for its top (the gaps it addresses, None if none)
    and one per heading anchor (the pages addressing the gaps defined under that heading),
    in the order the page defines those gaps. Where they go is the caller's: HTML offsets in
    :func:`backlinks_at`, tree elements in the Markdown extension."""
    page = view.model.pages.get(view.page)
    if page is None:
        return None, {}
    grouped: dict[str, list[Gap]] = {}
    headings = view.headings(page.path)
    for gap in map(view.model.gap, page.gaps):
        if gap is not None and gap.page == page.path:
            anchor = gap_anchor(gap, headings)
            if anchor is not None:
                grouped.setdefault(anchor, []).append(gap)
    sections = {
        anchor: view.render("backlinks", placement="section",
                            rows=[view.addressing(g) for g in gaps])
        for anchor, gaps in grouped.items()
    }
    addressed = view.addressed(page)
    top = view.render("backlinks", placement="page", rows=addressed) if addressed else None
    return top, sections


def backlinks_at(view: View, content: str) -> list[tuple[int, str]]:
    """Where a page's backlinks blocks go in its HTML, in page order, as (offset, block): under
    each gap's heading, and at the top (after the H1) the gaps the page addresses."""
    top, sections = backlink_blocks(view)
    inserts: dict[int, list[str]] = {}
    ends = _heading_ends(content) if sections else {}
    for anchor, block in sections.items():
        if anchor in ends:
            inserts.setdefault(ends[anchor], []).append(block)
    if top is not None:
        end = 0
        if content.lstrip().startswith("<h1"):
            close = content.find("</h1>")
            end = close + len("</h1>") if close >= 0 else 0
        inserts.setdefault(end, []).insert(0, top)
    return [(at, block) for at in sorted(inserts) for block in inserts[at]]


def splice(text: str, edits: Iterable[tuple[int, int, str]]) -> str:
    """``text`` with each range ``[start, end)`` replaced by its new text (``start == end``
    inserts); the ranges in order and not overlapping."""
    pieces: list[str] = []
    last = 0
    for start, end, new in edits:
        pieces.append(text[last:start])
        pieces.append(new)
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def insert_backlinks(view: View, content: str) -> str:
    """``content`` with the page's backlinks blocks in (see ``backlinks_at``)."""
    return splice(content, [(at, at, block) for at, block in backlinks_at(view, content)])
