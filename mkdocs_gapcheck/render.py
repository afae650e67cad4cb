"""The views as HTML: matrix, grid, index, coverage and backlinks, from the model alone.

Pure functions over plain data: they import no MkDocs, so another adapter (or a test) can call
them. Links go through two callables the caller provides, because only the site knows them:

* ``url_for(path)``: the URL of a docs page relative to the page being rendered (``None`` if
  the page is not built);
* ``headings(path)``: the heading anchors of a rendered page, as ``(id, text)`` pairs in page
  order (``None`` if the page was not rendered in this build).

Every user string goes through :func:`html.escape`. The output depends on the model and these
two callables only (the date is ``model.today``), so two builds of one site are byte-identical.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable, Iterable, Sequence

from .model import Gap, Model, Page, Record
from .options import Options

#: (anchor id, heading text as plain text)
Heading = tuple[str, str]

#: Colour tones, most severe first: red, orange, amber, olive, blue-grey.
TONES = 5
#: Which tones a scale of n severities uses, so that the least severe is always blue-grey and
#: the most severe always red, whatever the team's own scale.
_TONE_MAPS: dict[int, tuple[int, ...]] = {
    1: (0,),
    2: (0, 4),
    3: (0, 2, 4),
    4: (0, 1, 2, 4),
    5: (0, 1, 2, 3, 4),
}

_KIND_LABELS = {"adr": "ADR", "runbook": "runbook", "roadmap": "roadmap", "plan": "plan"}
_INDEX_KINDS: tuple[str, ...] = ("adr", "runbook", "roadmap", "plan")
_INDEX_CAPTIONS = {
    "adr": "Architecture decision records",
    "runbook": "Runbooks",
    "roadmap": "Roadmap",
    "plan": "Other plan documents",
}
_TAG_RE = re.compile(r"<[^>]*>")
#: the text between tags: what follows each ">" up to the next "<"
_TEXT_RE = re.compile(r">([^<]+)")
#: a character html.escape changes; most strings the views show (URLs, ids, titles) have none
_TO_ESCAPE = re.compile(r"[&<>\"']").search
#: an empty cell's content
_DASH = '<span class="gapcheck-none">—</span>'


def esc(text: object) -> str:
    """``html.escape(str(text), quote=True)``; a string with nothing to escape is returned as
    it is (one C-level search instead of five replacements: thousands of calls per build)."""
    value = text if isinstance(text, str) else str(text)
    return value if _TO_ESCAPE(value) is None else html.escape(value, quote=True)


class Memo:
    """What the views of one build compute once and show on many pages.

    Escaped titles, severity badges, gap anchors and coverage states do not depend on the page
    a view is rendered on; only the links' ``href`` do (see :meth:`View.href`). A memo belongs
    to one model and one set of headings: make a new one for each build.
    """

    def __init__(
        self,
        model: Model,
        options: Options,
        headings: Callable[[str], Sequence[Heading] | None],
    ) -> None:
        self.model = model
        self.options = options
        self.headings = headings
        self._page_text: dict[str, str] = {}
        self._gap_text: dict[str, str] = {}
        self._badges: dict[str, str] = {}
        self._anchors: dict[str, str | None] = {}
        self._states: dict[str, str] = {}
        self._addressing: dict[str, tuple[str, str]] = {}
        self._matrix_rows: dict[str, tuple[str, str, str, str, str]] = {}
        self._flags: dict[str, str] = {}
        self._kinds: dict[str | None, list[Page]] | None = None

    def pages_of_kind(self, kind: str) -> list[Page]:
        """The model's pages of a kind, in site order. Grouped in one pass when first asked:
        each index view would otherwise read every page of the site, and on a site of
        thousands of pages those reads miss the CPU's caches."""
        if self._kinds is None:
            kinds: dict[str | None, list[Page]] = {}
            for page in self.model.pages.values():
                kinds.setdefault(page.kind, []).append(page)
            self._kinds = kinds
        return self._kinds.get(kind, [])

    def page_text(self, path: str) -> str:
        """The escaped title of a page."""
        text = self._page_text.get(path)
        if text is None:
            text = self._page_text[path] = esc(page_title(self.model.pages[path]))
        return text

    def gap_text(self, gap: Gap) -> str:
        """The escaped title of a gap."""
        text = self._gap_text.get(gap.id)
        if text is None:
            text = self._gap_text[gap.id] = esc(gap.title)
        return text

    def badge(self, severity: str) -> str:
        found = self._badges.get(severity)
        if found is None:
            classes = severity_classes(self.model, severity)
            found = self._badges[severity] = (
                f'<span class="gapcheck-badge {classes}">{esc(severity)}</span>'
            )
        return found

    def anchor(self, gap: Gap) -> str | None:
        """The heading anchor a gap is defined under (see :func:`gap_anchor`)."""
        if gap.id in self._anchors:
            return self._anchors[gap.id]
        found = self._anchors[gap.id] = gap_anchor(gap, self.headings(gap.page))
        return found

    def state(self, gap: Gap) -> str:
        found = self._states.get(gap.id)
        if found is None:
            found = self._states[gap.id] = gap_state(gap, self.model, self.options)
        return found

    def addressing(self, path: str) -> tuple[str, str]:
        """How an addressing page's list item opens (its kind and, if it is inactive, its
        status), and its escaped title: the link between, which depends on the page shown,
        is made by View.addressing_item."""
        found = self._addressing.get(path)
        if found is None:
            page = self.model.pages[path]
            label = f'<span class="gapcheck-kind gapcheck-kind-{esc(page.coverage_kind)}">' \
                f"{esc(kind_label(page))}</span>"
            if page.active:
                opening = f"<li>{label} "
            else:
                opening = (
                    f'<li class="gapcheck-inactive">{label} <span class="gapcheck-note" '
                    f'title="does not count as coverage">{esc(page.status or "inactive")}:'
                    "</span> "
                )
            found = self._addressing[path] = (opening, self.page_text(path))
        return found

    def matrix_row(self, gap: Gap) -> tuple[str, str, str, str, str]:
        """What a gap's matrix row shows on every page: its row id and its ``id`` attribute,
        the row's classes, the cells from severity to status, and its coverage flag."""
        found = self._matrix_rows.get(gap.id)
        if found is None:
            state = self.state(gap)
            row_id = _row_id(gap)
            flagged = state in ("unaddressed", "inactive", "partial")
            classes = f"gapcheck-row gapcheck-state-{state}" + (
                " gapcheck-flagged" if flagged else ""
            )
            status = f'<span class="gapcheck-status gapcheck-status-{esc(gap.status)}">' \
                f"{esc(gap.status)}</span>"
            if (
                gap.due is not None and gap.due < self.model.today
                and gap.status in ("open", "in-progress")
            ):
                status += " " + _flag("overdue", f"due {gap.due.isoformat()}")
            cells = (
                f"<td>{self.badge(gap.severity)}</td>"
                f"<td>{esc(gap.effort) if gap.effort else _DASH}</td>"
                f"<td>{esc(gap.timing) if gap.timing else _DASH}</td>"
                f"<td>{status}</td>"
            )
            found = self._matrix_rows[gap.id] = (
                row_id, f' id="{esc(row_id)}"', classes, cells, self.flag(gap)
            )
        return found

    def flag(self, gap: Gap) -> str:
        """What a reader must see about a gap's coverage, beside its addressing pages."""
        found = self._flags.get(gap.id)
        if found is None:
            found = self._flags[gap.id] = _state_flag(
                gap, self.state(gap), self.model, self.options
            )
        return found


class View(Record):
    """What the views of one page need: the model, and the site's links seen from that page."""

    _fields = ("model", "options", "page", "url_for", "headings", "row_ids", "memo")
    __slots__ = (*_fields, "_hrefs", "_page_links", "_gap_links", "_addressing")

    def __init__(
        self,
        model: Model,
        options: Options,
        page: str,
        url_for: Callable[[str], str | None],
        headings: Callable[[str], Sequence[Heading] | None],
        row_ids: set[str] | None = None,
        memo: Memo | None = None,
    ) -> None:
        self.model = model
        self.options = options
        self.page = page  #: docs path of the page being rendered
        self.url_for = url_for
        self.headings = headings
        #: matrix row ids already on this page (``gapcheck-gap-<id>``), for unique ids and for
        #: the grid's links to rows
        self.row_ids: set[str] = set() if row_ids is None else row_ids
        #: the build's memo, shared by the views of all its pages (one is made if none is given)
        self.memo: Memo = Memo(model, options, headings) if memo is None else memo
        #: docs path -> escaped URL from this page (None: not built)
        self._hrefs: dict[str, str | None] = {}
        # Links as this page shows them, made once per view: a site-wide view links each
        # addressing page and each gap from many rows.
        self._page_links: dict[str, str] = {}
        self._gap_links: dict[str, str] = {}
        self._addressing: dict[str, str] = {}

    def page_url(self, path: str) -> str | None:
        """The escaped URL of a docs page relative to this page; None if it is not built."""
        hrefs = self._hrefs
        if path in hrefs:  # not try/except: most paths are new to a view, and raising costs
            return hrefs[path]
        url = self.url_for(path)
        found = hrefs[path] = None if url is None else esc(url)
        return found

    def href(self, path: str, anchor: str | None = None) -> str | None:
        """The escaped link from this page to a docs page (and anchor); None if not built."""
        if anchor is not None and path == self.page:
            return "#" + esc(anchor)
        base = self.page_url(path)
        if base is None or not anchor:
            return base
        return base + "#" + esc(anchor)

    def gap_href(self, gap: Gap) -> str | None:
        """The escaped link to where a gap is defined."""
        return self.href(gap.page, self.memo.anchor(gap))

    def page_link(self, path: str) -> str:
        """A link to a docs page, its escaped title as text (a span if it is not built)."""
        found = self._page_links.get(path)
        if found is None:
            href = self.page_url(path)
            text = self.memo.page_text(path)
            found = self._page_links[path] = (
                f"<span>{text}</span>" if href is None else f'<a href="{href}">{text}</a>'
            )
        return found

    def gap_link(self, gap: Gap) -> str:
        """A link to where a gap is defined, its escaped title as text."""
        found = self._gap_links.get(gap.id)
        if found is None:
            href = self.gap_href(gap)
            text = self.memo.gap_text(gap)
            found = self._gap_links[gap.id] = (
                f"<span>{text}</span>" if href is None else f'<a href="{href}">{text}</a>'
            )
        return found

    def addressing_item(self, path: str) -> str:
        """An addressing page's list item: its kind, its status if inactive, its link."""
        found = self._addressing.get(path)
        if found is None:
            href = self.page_url(path)
            opening, text = self.memo.addressing(path)
            found = self._addressing[path] = (
                f'{opening}<span title="{text}">{text}</span></li>' if href is None
                else f'{opening}<a href="{href}" title="{text}">{text}</a></li>'
            )
        return found


# --------------------------------------------------------------------------------------------
# shared pieces


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
    position = _position(model.severities, severity)
    return f"gapcheck-sev-{position} gapcheck-tone-{tone(position, len(model.severities))}"


def _position(scale: Sequence[str], value: str) -> int:
    lowered = [s.lower() for s in scale]
    return lowered.index(value.lower()) if value.lower() in lowered else len(scale)


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
    if page.kind == "adr" and page.number:
        return f"ADR {page.number}"
    return _KIND_LABELS.get(page.coverage_kind, page.coverage_kind)


def _a(href: str | None, text: str, cls: str = "", hover: bool = False) -> str:
    """A link, or a span if there is no ``href``; ``href`` and ``text`` are escaped already."""
    attr = f' class="{cls}"' if cls else ""
    if hover:
        attr += f' title="{text}"'
    if href is None:
        return f"<span{attr}>{text}</span>"
    return f'<a href="{href}"{attr}>{text}</a>'


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


def gap_state(gap: Gap, model: Model, options: Options) -> str:
    """How far a gap is covered, as the build sees it.

    ``accepted`` (risk accepted: needs nothing); ``covered`` (active pages of every kind its
    severity requires); ``partial`` (active pages, but a required kind missing); ``inactive``
    (addressed only by rejected, deprecated or superseded ADRs); ``unaddressed`` (no page);
    ``optional`` (no page, and its severity requires none).
    """
    if gap.status == "accepted":
        return "accepted"
    required = options.required_kinds(gap.severity)
    if not gap.addressed_by:
        return "unaddressed" if required else "optional"
    active = [model.pages[p] for p in gap.addressed_by if model.pages[p].active]
    if not active:
        return "inactive" if required else "optional"
    have = {p.coverage_kind for p in active}
    if any(k != "any" and k not in have for k in required):
        return "partial"
    return "covered"


def _missing_kinds(gap: Gap, model: Model, options: Options) -> list[str]:
    have = {model.pages[p].coverage_kind for p in gap.addressed_by if model.pages[p].active}
    return [k for k in options.required_kinds(gap.severity) if k != "any" and k not in have]


def select_gaps(view: View, filters: dict[str, str]) -> list[Gap]:
    """The model's gaps (matrix order) that pass a marker's filters."""
    severities = {s.lower() for s in filters["severity"].split(",")} if "severity" in filters \
        else None
    statuses = {s.lower() for s in filters["status"].split(",")} if "status" in filters else None
    candidates = view.model.gaps
    if filters.get("scope") == "page":  # the page's own gaps, not a pass over the whole site
        page = view.model.pages.get(view.page)
        ids = set(page.gaps) if page is not None else set()
        candidates = [g for g in (view.model.gap(i) for i in ids) if g and g.page == view.page]
        candidates.sort(key=lambda g: view.model.gaps_order[g.id])
    return [
        g
        for g in candidates
        if (severities is None or g.severity.lower() in severities)
        and (statuses is None or g.status.lower() in statuses)
    ]


def _addressing_links(view: View, paths: Iterable[str]) -> list[str]:
    item = view.addressing_item
    return [item(path) for path in paths]


def _flag(text: str, title: str = "") -> str:
    attr = f' title="{esc(title)}"' if title else ""
    return f'<span class="gapcheck-flag"{attr}>{esc(text)}</span>'


def _state_flag(gap: Gap, state: str, model: Model, options: Options) -> str:
    """What a reader must see about a gap's coverage, beside its addressing pages."""
    if state == "accepted":
        return (
            f'<span class="gapcheck-accepted" title="{esc(gap.rationale or "")}">'
            "risk accepted</span>"
        )
    if state == "unaddressed":
        return _flag("not addressed")
    if state == "inactive":
        return _flag("no active coverage")
    if state == "partial":
        missing = _missing_kinds(gap, model, options)
        return _flag(f"needs {' and '.join(_KIND_LABELS.get(k, k) for k in missing)}")
    if state == "optional":
        return '<span class="gapcheck-note">none required</span>'
    return ""


def _empty(text: str) -> str:
    return f'<p class="gapcheck-empty">{esc(text)}</p>'


def _table(kind: str, head: Sequence[str], rows: Iterable[str], caption: str = "") -> str:
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    heads = "".join(f"<th>{esc(h)}</th>" for h in head)
    # The table itself has no class: Material and the mkdocs theme style it as their own tables;
    # the wrapper scrolls sideways on a phone. One join: a site-wide table is copied once.
    return "".join([
        f'<div class="gapcheck gapcheck-{kind}"><div class="gapcheck-scroll"><table>{cap}'
        f"<thead><tr>{heads}</tr></thead><tbody>",
        *rows,
        "</tbody></table></div></div>",
    ])


def _row_id(gap: Gap) -> str:
    return f"gapcheck-gap-{gap.id}"


# --------------------------------------------------------------------------------------------
# matrix


def render_matrix(view: View, filters: dict[str, str]) -> str:
    """One row per gap in matrix order; flags what needs coverage and lacks it."""
    gaps = select_gaps(view, filters)
    if not gaps:
        return _empty("No gaps to show.")
    rows = []
    row_ids = view.row_ids
    memo_row = view.memo.matrix_row
    gap_link = view.gap_link
    for gap in gaps:
        row_id, id_attr, classes, cells, flag = memo_row(gap)
        if row_id in row_ids:
            id_attr = ""
        else:
            row_ids.add(row_id)
        links = "".join(_addressing_links(view, gap.addressed_by))
        if links:
            links = f'<ul class="gapcheck-links">{links}</ul>'
        rows.append(
            f'<tr{id_attr} class="{classes}">'
            f'<td class="gapcheck-gap">{gap_link(gap)}</td>{cells}'
            f'<td class="gapcheck-addressed">{links}{flag}</td>'
            "</tr>"
        )
    return _table(
        "matrix", ("Gap", "Severity", "Effort", "Timing", "Status", "Addressed by"), rows
    )


# --------------------------------------------------------------------------------------------
# grid


def render_grid(view: View, filters: dict[str, str]) -> str:
    """Severity by effort: a count per cell and the cell's gaps as links.

    A gap links to its row when a matrix on the same page shows it (render matrices first),
    else to its definition. Gaps without effort get a "—" column, shown only when there are any.
    """
    gaps = select_gaps(view, filters)
    if not gaps:
        return _empty("No gaps to show.")
    model = view.model
    efforts: list[str | None] = list(model.efforts)
    if any(g.effort is None for g in gaps):
        efforts.append(None)
    severities = list(model.severities)
    if "severity" in filters:
        wanted = {s.lower() for s in filters["severity"].split(",")}
        severities = [s for s in severities if s.lower() in wanted]
    cells: dict[tuple[str, str | None], list[Gap]] = {}
    for gap in gaps:
        cells.setdefault((gap.severity.lower(), gap.effort), []).append(gap)
    head = ["Severity / effort", *(e if e is not None else "—" for e in efforts), "Total"]
    rows = []
    for severity in severities:
        classes = severity_classes(model, severity)
        tds = [f'<th scope="row">{view.memo.badge(severity)}</th>']
        total = 0
        for effort in efforts:
            found = cells.get((severity.lower(), effort), [])
            total += len(found)
            if not found:
                tds.append('<td class="gapcheck-cell gapcheck-zero"><span>0</span></td>')
                continue
            items = "".join(f"<li>{_grid_link(view, g)}</li>" for g in found)
            tds.append(
                f'<td class="gapcheck-cell {classes}"><span class="gapcheck-count">{len(found)}'
                f'</span><ul class="gapcheck-links">{items}</ul></td>'
            )
        tds.append(f'<td class="gapcheck-total">{total}</td>')
        rows.append(f"<tr>{''.join(tds)}</tr>")
    return _table("grid", head, rows)


def _grid_link(view: View, gap: Gap) -> str:
    state = view.memo.state(gap)
    cls = "gapcheck-flagged" if state in ("unaddressed", "inactive", "partial") else ""
    row_id = _row_id(gap)
    href = "#" + esc(row_id) if row_id in view.row_ids else view.gap_href(gap)
    return _a(href, view.memo.gap_text(gap), cls)


# --------------------------------------------------------------------------------------------
# coverage


def render_coverage(view: View, filters: dict[str, str]) -> str:
    """Gaps per severity: how many are addressed, how many are not, and what share is.

    *Addressed* counts gaps whose coverage is complete as the build checks it (see
    :func:`gap_state`: active pages of every kind the severity requires). *Accepted* gaps
    (risk accepted) are counted apart and left out of the percentage, which is addressed
    divided by gaps minus accepted, rounded down (100 % only when nothing is left). Every
    other gap, addressed or not, is *not addressed*: unaddressed, partially covered, covered
    only by inactive ADRs, or of a severity that requires no coverage and has none.
    """
    gaps = select_gaps(view, filters)
    model = view.model
    severities = list(model.severities)
    if "severity" in filters:
        wanted = {s.lower() for s in filters["severity"].split(",")}
        severities = [s for s in severities if s.lower() in wanted]
    counts: dict[str, list[int]] = {s.lower(): [0, 0, 0, 0] for s in severities}
    for gap in gaps:
        state = view.memo.state(gap)
        row = counts.setdefault(gap.severity.lower(), [0, 0, 0, 0])
        row[0] += 1
        if state == "accepted":
            row[3] += 1
        elif state == "covered":
            row[1] += 1
        else:
            row[2] += 1
    rows = []
    totals = [0, 0, 0, 0]
    for severity in severities:
        row = counts[severity.lower()]
        totals = [a + b for a, b in zip(totals, row, strict=True)]
        rows.append(_coverage_row(view.memo.badge(severity), row, ""))
    rows.append(_coverage_row("Total", totals, ' class="gapcheck-total"'))
    return _table(
        "coverage", ("Severity", "Gaps", "Addressed", "Not addressed", "Accepted", "Addressed %"),
        rows,
    )


def _coverage_row(label: str, row: Sequence[int], attr: str) -> str:
    total, addressed, open_, accepted = row
    countable = total - accepted
    if countable:
        percent = addressed * 100 // countable
        share = (
            f'<span class="gapcheck-percent">{percent}%</span>'
            f'<span class="gapcheck-bar" aria-hidden="true"><span style="width:{percent}%">'
            "</span></span>"
        )
    else:
        share = _DASH
    unaddressed = _flag(str(open_)) if open_ else "0"
    return (
        f"<tr{attr}><th scope=\"row\">{label}</th><td>{total}</td><td>{addressed}</td>"
        f"<td>{unaddressed}</td><td>{accepted}</td><td>{share}</td></tr>"
    )


# --------------------------------------------------------------------------------------------
# index


def render_index(view: View, filters: dict[str, str]) -> str:
    """ADRs, runbooks, roadmap pages and plans, each with its gaps and the pages linking to it."""
    kinds = [k for k in _INDEX_KINDS if "kind" not in filters or k in filters["kind"].split(",")]
    parts = []
    for kind in kinds:
        pages = [p for p in view.model.pages.values() if p.kind == kind]
        caption = _INDEX_CAPTIONS[kind] if len(kinds) > 1 else ""
        if not pages:
            parts.append(_empty(f"No {_INDEX_CAPTIONS[kind].lower()} yet."))
            continue
        if kind == "adr":
            parts.append(_adr_table(view, pages, caption))
        elif kind == "runbook":
            parts.append(_runbook_table(view, pages, caption))
        elif kind == "roadmap":
            parts.append(_roadmap_table(view, pages, caption))
        else:
            parts.append(_plan_table(view, pages, caption))
    return "".join(parts)


def _addressed_items(view: View, page: Page) -> list[str]:
    """A list item per gap the page addresses: its severity badge and a link to it."""
    items = []
    for gid in page.addresses:
        gap = view.model.gap(gid)
        if gap is None:
            continue  # unknown-gap is reported; there is nothing to link to
        items.append(f"<li>{view.memo.badge(gap.severity)} {view.gap_link(gap)}</li>")
    return items


def _gap_links(view: View, page: Page) -> str:
    items = _addressed_items(view, page)
    return f'<ul class="gapcheck-links">{"".join(items)}</ul>' if items else _DASH


def _linked_from(view: View, page: Page) -> str:
    link = view.page_link
    items = [f"<li>{link(p)}</li>" for p in page.linked_from]
    return f'<ul class="gapcheck-links gapcheck-inline">{"".join(items)}</ul>' if items \
        else _DASH


def _tail(view: View, page: Page) -> str:
    """The last two cells of every index row: the gaps a page addresses, the pages linking in."""
    return (
        f'<td class="gapcheck-addresses">{_gap_links(view, page)}</td>'
        f"<td>{_linked_from(view, page)}</td>"
    )


def _adr_table(view: View, pages: list[Page], caption: str) -> str:
    rows = []
    for page in pages:
        status = _DASH
        if page.status:
            status = f'<span class="gapcheck-status gapcheck-status-{esc(page.status)}">' \
                f"{esc(page.status)}</span>"
        if page.superseded_by and page.superseded_by in view.model.pages:
            newer = view.model.pages[page.superseded_by]
            status += (
                '<span class="gapcheck-note"> by '
                f"{_a(view.href(newer.path), esc(kind_label(newer)))}</span>"
            )
        rows.append(
            f'<tr class="gapcheck-adr-{esc(page.status or "none")}">'
            f'<td class="gapcheck-nowrap">{esc(page.number) if page.number else _DASH}</td>'
            f"<td>{view.page_link(page.path)}</td>"
            f"<td>{status}</td>"
            f'<td class="gapcheck-nowrap">{esc(page.date.isoformat()) if page.date else _DASH}'
            "</td>"
            f"{_tail(view, page)}</tr>"
        )
    return _table(
        "index", ("No.", "Decision", "Status", "Date", "Addresses", "Linked from"), rows, caption
    )


def _runbook_table(view: View, pages: list[Page], caption: str) -> str:
    rows = []
    limit = view.options.stale_runbook_days
    for page in pages:
        if page.last_tested is None:
            tested = _flag("never tested")
        else:
            age = (view.model.today - page.last_tested).days
            tested = esc(page.last_tested.isoformat())
            if age > limit:
                tested += " " + _flag("stale", f"{age} days ago (more than {limit})")
        rows.append(
            f"<tr><td>{view.page_link(page.path)}</td>"
            f'<td class="gapcheck-nowrap">{esc(page.owner) if page.owner else _DASH}</td>'
            f'<td class="gapcheck-nowrap">{tested}</td>'
            f"{_tail(view, page)}</tr>"
        )
    return _table(
        "index", ("Runbook", "Owner", "Last tested", "Addresses", "Linked from"), rows, caption
    )


def roadmap_order(pages: Sequence[Page]) -> list[Page]:
    """Pages with a ``start`` date by that date, then the others in nav (site) order."""
    return sorted(pages, key=lambda p: (p.start is None, p.start or dt.date.min, p.order))


def _roadmap_table(view: View, pages: list[Page], caption: str) -> str:
    ordered = roadmap_order(pages)
    show_period = any(p.period for p in ordered)
    show_start = any(p.start for p in ordered)
    head = ["Page"]
    if show_period:
        head.insert(0, "Period")
    if show_start:
        head.append("Starts")
    head += ["Addresses", "Linked from"]
    rows = []
    for page in ordered:
        cells = [f"<td>{view.page_link(page.path)}</td>"]
        if show_period:
            period = esc(page.period) if page.period else _DASH
            cells.insert(0, f'<td class="gapcheck-nowrap">{period}</td>')
        if show_start:
            start = esc(page.start.isoformat()) if page.start else _DASH
            cells.append(f'<td class="gapcheck-nowrap">{start}</td>')
        cells.append(_tail(view, page))
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return _table("index", head, rows, caption)


def _plan_table(view: View, pages: list[Page], caption: str) -> str:
    rows = [
        f"<tr><td>{view.page_link(page.path)}</td>"
        f"{_tail(view, page)}</tr>"
        for page in pages
    ]
    return _table("index", ("Document", "Addresses", "Linked from"), rows, caption)


# --------------------------------------------------------------------------------------------
# markers and backlinks


def render_marker(view: View, name: str, filters: dict[str, str]) -> str:
    """The HTML of one valid marker; an unknown name renders nothing."""
    if name == "matrix":
        return render_matrix(view, filters)
    if name == "grid":
        return render_grid(view, filters)
    if name == "coverage":
        return render_coverage(view, filters)
    if name == "index":
        return render_index(view, filters)
    return ""


def render_markers(view: View, markers: Sequence[tuple[str, dict[str, str]]]) -> list[str]:
    """Every marker of a page, matrices first so that grids can link to their rows."""
    out = [""] * len(markers)
    for first in (True, False):
        for i, (name, filters) in enumerate(markers):
            if (name == "matrix") == first:
                out[i] = render_marker(view, name, filters)
    return out


def gap_backlinks(view: View, gaps: Sequence[Gap]) -> str:
    """The block under a gap's heading: the pages that address it, or a flag if none do."""
    parts = []
    for gap in gaps:
        links = _addressing_links(view, gap.addressed_by)
        label = f"{view.memo.gap_text(gap)} is addressed by" if len(gaps) > 1 else "Addressed by"
        body = (f'<ul class="gapcheck-links">{"".join(links)}</ul>' if links else "") + \
            view.memo.flag(gap)
        parts.append(
            f'<div class="gapcheck-line"><span class="gapcheck-label">{label}</span> '
            f"{view.memo.badge(gap.severity)} {body}</div>"
        )
    return f'<div class="gapcheck gapcheck-backlinks">{"".join(parts)}</div>'


def page_backlinks(view: View, page: Page) -> str:
    """The block at the top of a page that addresses gaps: each gap, its severity, a link."""
    items = _addressed_items(view, page)
    if not items:
        return ""
    note = ""
    if not page.active:
        note = f' <span class="gapcheck-note">({esc(page.status or "inactive")}: no longer ' \
            "counts)</span>"
    return (
        f'<div class="gapcheck gapcheck-backlinks gapcheck-addresses">'
        f'<span class="gapcheck-label">Addresses{note}</span>'
        f'<ul class="gapcheck-links">{"".join(items)}</ul></div>'
    )


_HEADING_OPEN_RE = re.compile(r"<h([1-6])\b[^>]*>")


def _heading_end(content: str, anchor: str) -> int | None:
    """Where the heading whose id is ``anchor`` ends in ``content``.

    Found with str.find and fixed patterns: a pattern per anchor filled (and evicted) the
    ``re`` module's cache with one compiled expression per gap of the site.
    """
    needle = f' id="{esc(anchor)}"'
    pos = content.find(needle)
    while pos >= 0:
        start = content.rfind("<", 0, pos)
        opening = _HEADING_OPEN_RE.match(content, start) if start >= 0 else None
        if opening and opening.end() > pos:
            close = content.find(f"</h{opening[1]}", opening.end())
            if close >= 0:
                end = content.find(">", close)
                return end + 1 if end >= 0 else None
        pos = content.find(needle, pos + 1)
    return None


def backlinks_text(block: str) -> str:
    """The text of a backlinks block (still HTML-escaped), as a reader or a search index sees
    it: tags dropped, whitespace collapsed.

    The text runs between tags, joined by spaces: the same words as replacing each tag by a
    space (the blocks' attribute values are escaped, so a ">" always ends a tag), a third
    faster than the substitution.
    """
    return " ".join(" ".join(_TEXT_RE.findall(block)).split())


def backlinks_at(view: View, content: str) -> list[tuple[int, str]]:
    """Where a page's backlinks blocks go in its HTML, in page order, as (offset, block): under
    each gap's heading, and at the top (after the H1) the gaps the page addresses."""
    page = view.model.pages.get(view.page)
    if page is None:
        return []
    inserts: dict[int, list[str]] = {}
    grouped: dict[str, list[Gap]] = {}
    for gid in page.gaps:
        gap = view.model.gap(gid)
        if gap is None or gap.page != page.path:
            continue
        anchor = view.memo.anchor(gap)
        if anchor is not None:
            grouped.setdefault(anchor, []).append(gap)
    for anchor, gaps in grouped.items():
        end = _heading_end(content, anchor)
        if end is not None:
            inserts.setdefault(end, []).append(gap_backlinks(view, gaps))
    top = page_backlinks(view, page)
    if top:
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
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


def insert_backlinks(view: View, content: str) -> str:
    """``content`` with the page's backlinks blocks in (see ``backlinks_at``)."""
    return splice(content, [(at, at, block) for at, block in backlinks_at(view, content)])
