"""Write a realistic plan site of N pages, the same bytes for the same arguments.

The site is what gapcheck meets in the wild, scaled up: about 5% gap-analysis pages, each
defining several gaps (severity, effort, timing, status, owner, sometimes a due date); ADRs
under ``decisions/`` (some superseded by a newer ADR); runbooks with a recent ``last_tested``;
roadmap pages with ``period`` and ``start``; plan pages that address gaps; and ordinary pages.
Every page has a few headings and paragraphs (2-4 KB) and Markdown links to other pages; a
few pages carry ``gapcheck:`` markers (matrix, grid, index, coverage). Every gap is addressed
by an active page and every ADR, runbook and roadmap page addresses a gap, so the site builds
clean with ``mkdocs build --strict``.

Used by the benchmarks (``benchmarks/run.py``) and the soak tests::

    from benchmarks.generate import generate
    config_file = generate(tmp_path, pages=1000, theme="material")

or from a shell::

    python benchmarks/generate.py /tmp/site --pages 1000 [--theme material] [--no-plugin]

Dates (``last_tested``, ``start``, ``due``) are relative to ``today`` (default: today, or
``SOURCE_DATE_EPOCH``), so the site stays clean of stale runbooks and overdue gaps whenever it
is generated; pass ``today`` for byte-identical sites across days.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import posixpath
import random
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

THEMES = ("mkdocs", "material")
MIN_PAGES = 20

_TOPICS = (
    "Security & Compliance", "Testing Strategy", "Disaster Recovery", "Capacity Planning",
    "Rollback Testing", "Developer Experience", "Cross-Team Dependencies",
    "Knowledge Management", "Success Criteria", "On-Call Sustainability",
    "Customer Communication", "Vendor Lock-In", "Deployment Strategy", "Cost Analysis",
    "Risk Register", "Operational Readiness", "Quality Assurance", "Audit Logging",
    "Secrets Rotation", "Data Retention", "Access Reviews", "Incident Response",
    "Observability", "Release Cadence", "Dependency Updates", "Backup Verification",
    "Load Testing", "Feature Flags", "Schema Migrations", "Service Ownership",
)
_TIMINGS = (
    "Week 1-2 discovery", "Week 3-4 quick wins", "Month 1 checkpoint", "Month 2",
    "Month 3", "Month 3 if needed", "Next quarter", "Before go-live",
)
_OWNERS = (
    "platform-team", "security-team", "sre", "data-team", "platform-lead",
    "engineering-manager", "qa-guild", "finance", "support-lead",
)
_TEXT = (
    "the service team deploys every change through the pipeline and records the outcome in "
    "the release log so that a rollback never depends on memory alone we measure lead time "
    "change failure rate and time to restore for each product and review them weekly with "
    "the owners the audit trail keeps every access to patient data for six years and the "
    "restore drill proves that a backup is usable before anyone relies on it capacity is "
    "planned from the last quarter of traffic with a margin for the seasonal peak and the "
    "cost report names the owner of every resource the runbook lists the exact commands "
    "the dashboards to watch and the people to call while the decision record explains why "
    "this option won over the alternatives and what it costs us in complexity on call load "
    "stays within two pages a week per engineer and every incident gets a review within "
    "five working days with actions tracked to completion in the plan"
)
_WORDS: tuple[str, ...] = tuple(_TEXT.split(" "))
_SECTIONS = (
    "Context", "Goals", "Approach", "Risks", "Open questions", "Steps", "Verification",
    "Consequences", "Background", "Metrics", "Dependencies", "Timeline", "Notes",
)
_OVERVIEW_MARKERS = (
    "<!-- gapcheck:coverage severity=critical,high -->",
    "<!-- gapcheck:matrix severity=critical -->",
    "<!-- gapcheck:matrix status=open -->",
    "<!-- gapcheck:index kind=adr -->",
)
_GAP_FIELDS_STATUS = ("open", "open", "in-progress", "in-progress", "resolved", "accepted")


@dataclass
class _Page:
    path: str
    kind: str  # home, index, gaps, adr, runbook, roadmap, plan, plain
    title: str
    front: dict[str, Any] = field(default_factory=dict)
    addresses: list[str] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)  #: extra "## title" sections (gap pages)


def _slug(text: str) -> str:
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in text)
    return "-".join(part for part in out.split("-") if part)


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(9, 18))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _paragraph(rng: random.Random, links: list[tuple[str, str]]) -> str:
    sentences = [_sentence(rng) for _ in range(rng.randint(3, 5))]
    if links:
        text, target = links.pop()
        i = rng.randrange(len(sentences))
        sentences[i] = sentences[i][:-1] + f", as [{text}]({target}) describes."
    return " ".join(sentences)


def _body(page: _Page, rng: random.Random, links: list[tuple[str, str]]) -> str:
    """A page body of 2-4 KB: a title, sections with paragraphs, a list, sometimes a table."""
    parts = [f"# {page.title}", "", _paragraph(rng, links), ""]
    for marker in page.markers:
        parts += [marker, ""]
    for title in page.sections:  # gap pages: one section per gap, found by its title
        parts += [f"## {title}", "", _paragraph(rng, links), ""]
        parts += ["**Recommendation:** " + _sentence(rng), ""]
    for title in rng.sample(_SECTIONS, rng.randint(2, 4) if not page.sections else 1):
        parts += [f"## {title}", "", _paragraph(rng, links), ""]
        if rng.random() < 0.5:
            parts += [f"- {_sentence(rng)}" for _ in range(rng.randint(2, 4))] + [""]
    if rng.random() < 0.3:
        parts += ["| Item | Owner | Status |", "| --- | --- | --- |"]
        parts += [
            f"| {rng.choice(_TOPICS)} | {rng.choice(_OWNERS)} | {rng.choice(('done', 'open'))} |"
            for _ in range(rng.randint(2, 4))
        ]
        parts += [""]
    if rng.random() < 0.2:
        parts += ["```sh", "kubectl rollout undo deployment/api --to-revision=41", "```", ""]
    while links:  # links left over become a "See also" list
        text, target = links.pop()
        if "## See also" not in parts:
            parts += ["## See also", ""]
        parts.append(f"- [{text}]({target})")
    return "\n".join(parts).rstrip("\n") + "\n"


def _allocate(pages: int) -> dict[str, int]:
    """How many pages of each kind; the fixed pages are the home page and the folder indexes."""
    fixed = 6  # index.md, analysis/index.md, decisions/index.md, runbooks/index.md,
    # roadmap/index.md, plans/index.md
    rest = pages - fixed
    counts = {
        "gaps": max(1, round(pages * 0.05)),
        "adr": max(1, round(pages * 0.18)),
        "runbook": max(1, round(pages * 0.10)),
        "roadmap": max(1, min(round(pages * 0.03), 200)),
        "plan": max(1, round(pages * 0.20)),
    }
    counts["plain"] = rest - sum(counts.values())
    if counts["plain"] < 0:
        raise ValueError(f"pages must be at least {MIN_PAGES}")
    return counts


def _plan(pages: int, seed: int, today: dt.date) -> list[_Page]:
    if pages < MIN_PAGES:
        raise ValueError(f"pages must be at least {MIN_PAGES}, got {pages}")
    rng = random.Random(seed)
    counts = _allocate(pages)
    site: list[_Page] = [
        _Page("index.md", "home", "Platform knowledge base",
              markers=["<!-- gapcheck:coverage -->"]),
        _Page("analysis/index.md", "index", "Gap analyses",
              markers=["<!-- gapcheck:matrix -->", "<!-- gapcheck:grid -->"]),
        _Page("decisions/index.md", "index", "Architecture decisions",
              markers=["<!-- gapcheck:index kind=adr -->"]),
        _Page("runbooks/index.md", "index", "Runbooks",
              markers=["<!-- gapcheck:index kind=runbook -->"]),
        _Page("roadmap/index.md", "index", "Roadmap",
              markers=["<!-- gapcheck:index kind=roadmap -->"]),
        _Page("plans/index.md", "index", "Plans",
              markers=["<!-- gapcheck:index kind=plan -->"]),
    ]

    # gap pages: 3-8 gaps each, ids unique across the site
    gap_ids: list[str] = []
    all_gaps: list[dict[str, Any]] = []
    for n in range(counts["gaps"]):
        area = rng.choice(_TOPICS)
        page = _Page(f"analysis/gaps-{n + 1:03d}-{_slug(area)}.md", "gaps",
                     f"Gap review {n + 1}: {area}")
        gaps = []
        for k in range(rng.randint(3, 8)):
            topic = rng.choice(_TOPICS)
            title = f"{topic} ({n + 1}.{k + 1})"
            gid = f"{_slug(topic)}-{n + 1}-{k + 1}"
            gap: dict[str, Any] = {
                "id": gid,
                "title": title,
                "severity": rng.choice(("critical", "high", "high", "medium", "medium", "low")),
                "effort": rng.choice(("low", "medium", "high")),
                "timing": rng.choice(_TIMINGS),
                "status": rng.choice(_GAP_FIELDS_STATUS),
                "owner": rng.choice(_OWNERS),
            }
            if gap["status"] == "accepted":
                gap["rationale"] = _sentence(rng)
            if rng.random() < 0.3:
                gap["due"] = today + dt.timedelta(days=rng.randint(14, 365))
            gaps.append(gap)
            all_gaps.append(gap)
            gap_ids.append(gid)
            page.sections.append(title)
        page.front = {"title": page.title, "gaps": gaps}
        if rng.random() < 0.5:
            page.markers.append("<!-- gapcheck:matrix scope=page -->")
        site.append(page)

    def pick() -> list[str]:
        return rng.sample(gap_ids, min(len(gap_ids), rng.randint(1, 3)))

    # ADRs, some superseded by the next one (which addresses the same gaps)
    adrs: list[_Page] = []
    for n in range(counts["adr"]):
        topic = rng.choice(_TOPICS)
        page = _Page(f"decisions/{n + 1:04d}-{_slug(topic)}-decision-{n + 1}.md", "adr",
                     f"ADR {n + 1:04d}: {topic}")
        page.addresses = pick()
        page.front = {
            "status": rng.choice(("accepted", "accepted", "accepted", "proposed")),
            "date": today - dt.timedelta(days=rng.randint(1, 700)),
            "deciders": [rng.choice(_OWNERS)],
        }
        adrs.append(page)
    for older, newer in itertools.pairwise(adrs):
        if rng.random() < 0.1 and older.front["status"] != "superseded":
            older.front["status"] = "superseded"
            older.front["superseded_by"] = posixpath.splitext(posixpath.basename(newer.path))[0]
            newer.addresses = list(dict.fromkeys(newer.addresses + older.addresses))
    site += adrs

    for n in range(counts["runbook"]):
        topic = rng.choice(_TOPICS)
        page = _Page(f"runbooks/{_slug(topic)}-drill-{n + 1}.md", "runbook",
                     f"{topic} drill {n + 1}")
        page.addresses = pick()
        page.front = {
            "owner": rng.choice(_OWNERS),
            "last_tested": today - dt.timedelta(days=rng.randint(1, 90)),
        }
        site.append(page)

    start = today - dt.timedelta(days=14 * counts["roadmap"] // 2)
    for n in range(counts["roadmap"]):
        page = _Page(f"roadmap/week-{2 * n + 1:03d}-{2 * n + 2:03d}.md", "roadmap",
                     f"Week {2 * n + 1}-{2 * n + 2}")
        page.addresses = pick()
        page.front = {"period": f"Week {2 * n + 1}-{2 * n + 2}",
                      "start": start + dt.timedelta(days=14 * n)}
        site.append(page)

    plans: list[_Page] = []
    for n in range(counts["plan"]):
        topic = rng.choice(_TOPICS)
        page = _Page(f"plans/area-{n // 25 + 1:02d}/{_slug(topic)}-plan-{n + 1}.md", "plan",
                     f"{topic} plan {n + 1}")
        page.addresses = pick()
        page.front = {"title": page.title, "owner": rng.choice(_OWNERS)}
        plans.append(page)
    site += plans

    # every gap addressed by an active page: the ones nobody picked go to the plans in turn
    addressed = {gid for p in site if p.front.get("status") != "superseded" for gid in p.addresses}
    for i, gid in enumerate(g for g in gap_ids if g not in addressed):
        plans[i % len(plans)].addresses.append(gid)

    # a healthy plan keeps its folding claims and its schedule: a gap timed "Week 1-2 ..." is
    # addressed by the Week 1-2 page, and no gap is due before its roadmap pages start
    roadmaps = [p for p in site if p.kind == "roadmap"]
    for gap in all_gaps:
        for page in roadmaps:
            if gap["timing"].startswith(page.front["period"] + " ") and gap["id"] not in \
                    page.addresses:
                page.addresses.append(gap["id"])
        starts = [p.front["start"] for p in roadmaps if gap["id"] in p.addresses]
        if "due" in gap and starts:
            gap["due"] = max(gap["due"], max(starts) + dt.timedelta(days=7))

    # a few overview pages among the guides, the same number at any size: a site-wide view
    # costs time in proportion to the site, so views on a share of the pages would make the
    # plugin's work grow with the square of the site, which no real site asks of it
    overviews = {
        counts["plain"] * k // len(_OVERVIEW_MARKERS): marker
        for k, marker in enumerate(_OVERVIEW_MARKERS)
    }
    for n in range(counts["plain"]):
        topic = rng.choice(_TOPICS)
        title = f"{topic} guide {n + 1}"
        page = _Page(f"guides/section-{n // 30 + 1:02d}/{_slug(topic)}-{n + 1}.md", "plain",
                     title)
        if n in overviews:
            page.markers.append(overviews[n])
        site.append(page)
    return site


def _front_matter(page: _Page) -> str:
    front = dict(page.front)
    if page.addresses:
        front["addresses"] = page.addresses
    if not front:
        return ""
    text = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=100)
    return f"---\n{text}---\n\n"


NAVS = ("auto", "short", "full")


def _today() -> dt.date:
    """Today, or the day of ``SOURCE_DATE_EPOCH``: the date gapcheck checks the site against."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).date()
    return dt.date.today()


def _nav(site: list[_Page], mode: str) -> list[Any] | None:
    """No nav (MkDocs lists every page), every page, or the home, indexes and gap pages."""
    if mode == "auto":
        return None
    if mode == "full":
        return [p.path for p in site]
    return [p.path for p in site if p.kind in ("home", "index", "gaps")]


def _config(theme: str, plugin: bool, nav: list[Any] | None) -> dict[str, Any]:
    conf: dict[str, Any] = {"site_name": "Generated plan site"}
    if theme == "material":
        conf["theme"] = {"name": "material", "font": False}
    else:
        conf["theme"] = {"name": "mkdocs"}
    conf["plugins"] = ["search", "gapcheck"] if plugin else ["search"]
    if nav is not None:
        conf["nav"] = nav
    return conf


def generate(
    root: Path,
    pages: int,
    seed: int = 0,
    theme: str = "mkdocs",
    *,
    plugin: bool = True,
    nav: str = "auto",
    today: dt.date | None = None,
) -> Path:
    """Write ``root/mkdocs.yml`` and ``root/docs/`` (``pages`` Markdown files); return mkdocs.yml.

    ``plugin=False`` leaves gapcheck out of ``plugins`` (the markers stay HTML comments), for
    measuring the plugin's overhead on the same sources. ``nav``: ``auto`` writes none (MkDocs
    lists every page, and the themes render that whole nav into every page: build time grows
    with pages squared); ``full`` lists every page explicitly; ``short`` lists only the home
    page, the folder indexes and the gap pages (the other pages are built but not in the nav,
    which MkDocs reports at INFO level), so build time grows linearly. An existing
    ``root/docs`` is replaced.
    """
    if theme not in THEMES:
        raise ValueError(f"theme must be one of {', '.join(THEMES)}, got {theme!r}")
    if nav not in NAVS:
        raise ValueError(f"nav must be one of {', '.join(NAVS)}, got {nav!r}")
    if today is None:
        today = _today()
    root = Path(root)
    site = _plan(pages, seed, today)
    paths = [p.path for p in site]
    titles = {p.path: p.title for p in site}
    docs = root / "docs"
    if docs.exists():
        shutil.rmtree(docs)
    rng = random.Random(seed + 1)
    for page in site:
        here = posixpath.dirname(page.path)
        targets = rng.sample(paths, min(len(paths), rng.randint(2, 5)))
        links = [
            (titles[t], posixpath.relpath(t, here or "."))
            for t in targets
            if t != page.path
        ]
        text = _front_matter(page) + _body(page, rng, links)
        out = docs / page.path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8", newline="\n")
    config = root / "mkdocs.yml"
    config.write_text(
        yaml.safe_dump(_config(theme, plugin, _nav(site, nav)), sort_keys=False),
        encoding="utf-8",
        newline="\n",
    )
    return config


def set_plugin(config_file: Path, plugin: bool) -> None:
    """Add gapcheck to (or remove it from) the plugins of a generated site's mkdocs.yml."""
    conf = yaml.safe_load(Path(config_file).read_text(encoding="utf-8"))
    conf["plugins"] = ["search", "gapcheck"] if plugin else ["search"]
    Path(config_file).write_text(yaml.safe_dump(conf, sort_keys=False), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", type=Path, help="project directory to write (mkdocs.yml, docs/)")
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--theme", choices=THEMES, default="mkdocs")
    parser.add_argument("--no-plugin", action="store_true", help="leave gapcheck out of plugins")
    parser.add_argument("--nav", choices=NAVS, default="auto",
                        help="auto: no nav (every page in it); full: every page listed; "
                        "short: home, folder indexes and gap pages only")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=None,
                        help="the date the site's dates are relative to (YYYY-MM-DD)")
    args = parser.parse_args(argv)
    config = generate(args.dir, args.pages, args.seed, args.theme, plugin=not args.no_plugin,
                      nav=args.nav, today=args.today)
    size = sum(f.stat().st_size for f in (args.dir / "docs").rglob("*.md"))
    print(f"{config}: {args.pages} pages, {size / 1e6:.1f} MB of Markdown", file=sys.stderr)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    sys.exit(main())
