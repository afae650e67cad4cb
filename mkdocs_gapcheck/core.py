"""Sources in, model out: the one pipeline behind the plugin, the CLI and the exports.

``analyze`` reads every page once (front matter, markers, links), builds the gap model,
runs the rules and returns findings sorted by file and line. It keeps no state between calls.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from . import baseline as baselines
from . import frontmatter, markdown
from .model import Finding, Gap, Model, Page
from .options import Options, today
from .parse import ParsedPage, folder_kind, parse_page
from .reviews import Reviews, check_reviews
from .rules import Problem, no_gaps_note, run_rules
from .sections import fingerprint_gaps


class SourceFile(NamedTuple):
    """A Markdown page of the site: its path under docs_dir and its raw content."""

    path: str
    content: bytes | str


def site_order(paths: Iterable[str], nav: Sequence[str] = ()) -> list[str]:
    """Pages in nav order first, then the rest as MkDocs sorts files (index first, dirs last)."""
    position = {p: i for i, p in enumerate(nav)}
    big = len(position)

    def key(path: str) -> tuple[int, list[str], bool, str]:
        folder, _, name = path.rpartition("/")
        index = name.startswith(("index.", "README.")) and name.count(".") == 1
        return (position.get(path, big), folder.split("/") if folder else [], not index, name)

    return sorted(paths, key=key)


def nav_paths(nav: object) -> list[str]:
    """The page paths of an mkdocs.yml ``nav`` value, in order (URLs and sections skipped)."""
    found: list[str] = []

    def walk(item: object) -> None:
        if isinstance(item, str):
            if item.endswith(".md") and "://" not in item:
                found.append(posixpath.normpath(item.lstrip("/")))
        elif isinstance(item, dict):
            for value in item.values():
                walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    walk(nav)
    return found


def matrix_key(gap: Gap, severities: Sequence[str], efforts: Sequence[str]) -> tuple[int, int, int]:
    """Severity (most severe first), effort (least first, none last), declaration order."""
    sev = {s: i for i, s in enumerate(severities)}
    eff = {e: i for i, e in enumerate(efforts)}
    return (sev.get(gap.severity, len(sev)), eff.get(gap.effort or "", len(eff)), gap.order)


def analyze(
    sources: Iterable[SourceFile],
    options: Options,
    *,
    nav: Sequence[str] = (),
    on: dt.date | None = None,
    views: bool = True,
    reviews: Reviews | None = None,
    baseline: baselines.Baseline | None = None,
    sections: bool = False,
) -> Model:
    """Build the model of a site from its Markdown sources.

    ``views=False`` skips what only the views and exports use and no rule needs: Markdown
    links between pages (the index's "linked from") and titles taken from a page's first
    heading. A check that renders nothing can do without them. ``baseline`` holds back the
    findings it names (see :mod:`.baseline`). ``sections=True`` reads each gap's own section
    (``Gap.anchor`` and ``Gap.fingerprint``) even without ``reviews``, which always need it.
    """
    contents = {s.path: s.content for s in sources}
    return analyze_paths(contents, contents.__getitem__, options, nav=nav, on=on, views=views,
                         reviews=reviews, baseline=baseline, sections=sections)


def analyze_paths(
    paths: Iterable[str],
    read: Callable[[str], bytes | str | frontmatter.Source],
    options: Options,
    *,
    nav: Sequence[str] = (),
    on: dt.date | None = None,
    views: bool = True,
    reviews: Reviews | None = None,
    baseline: baselines.Baseline | None = None,
    sections: bool = False,
) -> Model:
    """:func:`analyze` for pages read one at a time: ``read(path)`` gives a page's content,
    raw or already decoded. Only the page being read is held in memory. Whatever ``read``
    raises propagates.

    ``reviews`` is the reviews file's stamps (see :mod:`.reviews`); None when there is none,
    which leaves the review rules inactive."""
    problems: list[Problem] = []
    parsed: list[ParsedPage] = []
    # a gap's section is hashed for the review rules, and located for links made without HTML
    sections = sections or reviews is not None
    for order, path in enumerate(site_order(paths, nav)):
        source = frontmatter.decode(read(path))
        if source.encoding_error:
            problems.append(
                (path, "bad-encoding", source.encoding_error_line,
                 f"{source.encoding_error}; re-save the file as UTF-8", path)
            )
        fm = frontmatter.parse(source.text)
        if fm.error:
            problems.append((path, "bad-front-matter", fm.error_line, fm.error, path))
        page = parse_page(path, order, fm, options, folder_kind(path, options))
        body = markdown.scan(
            source.text, fm.body_offset, fm.body_line, options.severities, links=views,
            title=views and page.page.title is None,
        )
        page.page.markers = body.markers
        for target in body.links:
            resolved = markdown.resolve_link(path, target)
            if resolved:
                page.page.links.append(resolved)
        if page.page.title is None:
            page.page.title = body.title
        if sections and page.gaps:  # a gap's fingerprint covers its section's text here
            fingerprint_gaps(page.gaps, source.text[fm.body_offset :])
        if page.problems:
            problems.extend((path, rule, line, msg, subject)
                            for rule, line, msg, subject in page.problems)
        if body.problems:
            problems.extend((path, "unknown-marker", line, msg, marker)
                            for line, msg, marker in body.problems)
        parsed.append(page)

    pages: dict[str, Page] = {p.page.path: p.page for p in parsed}
    gaps: list[Gap] = []
    for p in parsed:
        gaps.extend(p.gaps)
    for order, gap in enumerate(gaps):
        gap.order = order
    day = on or today()
    problems.extend(run_rules(parsed, pages, gaps, options, day))
    problems.extend(check_reviews(pages.values(), {g.id: g for g in gaps}, reviews))
    gaps.sort(key=lambda g: matrix_key(g, options.severities, options.efforts))

    findings = [
        Finding(rule=rule, level=options.level(rule), file=path, line=line, message=message,
                subject=subject)
        for path, rule, line, message, subject in problems
        if options.level(rule) != "off"
    ]
    if baseline is not None:
        lines = {(g.page, g.id): g.line for g in gaps}
        findings = baselines.apply(
            findings, baseline, options.level("stale-baseline"),
            lambda file, subject: lines.get((file, subject), 1),
        )
    findings.sort(key=Finding.sort_key)
    note = no_gaps_note(parsed, gaps)
    return Model(
        gaps=gaps,
        pages=pages,
        findings=findings,
        severities=options.severities,
        efforts=options.efforts,
        today=day,
        notes=[note] if note else [],
    )
