"""What a change did to the plan: two models in, the differences out, as data or Markdown.

``gapcheck diff`` builds one model from a git revision and one from the work tree with the
same core; this module compares them: gaps added and removed, severity and status changes,
coverage gained and lost (pages that started or stopped addressing a gap both sides have),
and findings new and fixed (matched by rule, file and message, not line, so that an edit
higher up the page does not show every finding as fixed and new again).
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from .model import FLAGGED_STATES, Finding, Gap, Model

#: rows shown per table in Markdown; the rest is counted ("and 3 more")
MAX_ROWS = 30
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")


def _gap(gap: Gap) -> dict[str, Any]:
    return {"id": gap.id, "title": gap.title, "severity": gap.severity, "status": gap.status,
            "page": gap.page, "state": gap.state, "addressed_by": list(gap.addressed_by)}


def _finding_key(f: Finding) -> tuple[str, str, str]:
    return (f.rule, f.file, f.message)


def _unmatched(findings: list[Finding], others: list[Finding]) -> list[dict[str, object]]:
    """The findings of ``findings`` that ``others`` does not have, matched one for one."""
    left = Counter(_finding_key(f) for f in others)
    out = []
    for f in findings:
        key = _finding_key(f)
        if left[key] > 0:
            left[key] -= 1
        else:
            out.append(f.as_dict())
    return out


def compare(base: Model, head: Model) -> dict[str, Any]:
    """The differences from ``base`` to ``head``, as sorted, JSON-ready data."""
    added = [g for g in head.gaps if g.id not in base.by_id]
    removed = [g for g in base.gaps if g.id not in head.by_id]
    changed: list[dict[str, Any]] = []
    gained: list[dict[str, str]] = []
    lost: list[dict[str, str]] = []
    for gap in head.gaps:  # matrix order
        old = base.by_id.get(gap.id)
        if old is None:
            continue
        for name in ("severity", "status"):
            before, after = getattr(old, name), getattr(gap, name)
            if before != after:
                changed.append({"id": gap.id, "title": gap.title, "field": name,
                                "from": before, "to": after})
        gained += [{"gap": gap.id, "title": gap.title, "page": p}
                   for p in gap.addressed_by if p not in old.addressed_by]
        lost += [{"gap": gap.id, "title": gap.title, "page": p}
                 for p in old.addressed_by if p not in gap.addressed_by]
    new = _unmatched(head.findings, base.findings)
    fixed = _unmatched(base.findings, head.findings)
    return {
        "gaps": {"added": [_gap(g) for g in added], "removed": [_gap(g) for g in removed],
                 "changed": changed},
        "coverage": {"gained": gained, "lost": lost},
        "findings": {"new": new, "fixed": fixed},
    }


def to_json(diff: dict[str, Any], base: str, commit: str) -> str:
    data = {"base": base, "base_commit": commit, **diff}
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def md(text: object) -> str:
    """User text for a Markdown table cell: no markup, no HTML, no cell break."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(" ".join(str(text).split()), quote=False))


def page_url(path: str, use_directory_urls: bool) -> str:
    """A docs page's URL relative to the site's root, as MkDocs writes it."""
    stem = path.rsplit(".", 1)[0]
    folder, _, name = stem.rpartition("/")
    folder = folder + "/" if folder else ""
    if name in ("index", "README"):
        return folder
    return f"{folder}{name}/" if use_directory_urls else f"{folder}{name}.html"


def _table(heading: str, head: list[str], items: list[Any], row: Callable[[Any], str]
           ) -> list[str]:
    """A section of the comment: its heading and a Markdown table of at most MAX_ROWS rows."""
    lines = [f"#### {heading}", "", "|" + "|".join(f" {h} " if h else " " for h in head) + "|",
             "|" + " --- |" * len(head)]
    lines += [row(i) for i in items[:MAX_ROWS]]
    if len(items) > MAX_ROWS:
        lines.append(f"| … and {len(items) - MAX_ROWS} more | |")
    return [*lines, ""]


def to_markdown(diff: dict[str, Any], head: Model, base: str, *,
                site_url: str | None = None, use_directory_urls: bool = True,
                docs_prefix: str = "") -> str:
    """A pull-request comment: one summary line, then a short table per kind of change."""
    gaps, coverage, findings = diff["gaps"], diff["coverage"], diff["findings"]

    def title(gap_id: str, text: str) -> str:
        gap = head.by_id.get(gap_id)
        shown = md(text)
        if gap is not None and site_url:
            url = site_url.rstrip("/") + "/" + page_url(gap.page, use_directory_urls)
            if gap.anchor:
                url += "#" + gap.anchor
            shown = f"[{shown}]({url.replace(' ', '%20').replace(')', '%29')})"
        return f"{shown} `{gap_id}`"

    changed = len({c["id"] for c in gaps["changed"]})
    parts = [
        f"**{len(gaps['added'])}** gap{'s' if len(gaps['added']) != 1 else ''} added",
        f"**{len(gaps['removed'])}** removed",
        f"**{changed}** changed",
        f"coverage **+{len(coverage['gained'])}** / **-{len(coverage['lost'])}**",
        f"findings **{len(findings['new'])}** new, **{len(findings['fixed'])}** fixed",
    ]
    ref = " ".join(base.replace("`", "").split())  # a code span shows it as typed
    out = [f"### gapcheck: the plan against `{ref}`", "", " · ".join(parts), ""]
    if not any([gaps["added"], gaps["removed"], gaps["changed"], coverage["gained"],
                coverage["lost"], findings["new"], findings["fixed"]]):
        out.append("No change to the plan's gaps, their coverage or the findings.")
        return "\n".join(out) + "\n"

    def state(g: dict[str, Any]) -> str:
        pages = ", ".join(md(p) for p in g["addressed_by"])
        if g["state"] in FLAGGED_STATES:
            return (pages + "; " if pages else "") + f"⚠️ {md(g['state'])}"
        return pages or md(g["state"])

    if gaps["added"]:
        out += _table("Gaps added", ["Gap", "Severity", "Status", "Addressed by"],
                      gaps["added"], lambda g: f"| {title(g['id'], g['title'])} | "
                      f"{md(g['severity'])} | {md(g['status'])} | {state(g)} |")
    if gaps["removed"]:
        out += _table("Gaps removed", ["Gap", "Severity", "Status"], gaps["removed"],
                      lambda g: f"| {md(g['title'])} `{g['id']}` | {md(g['severity'])} | "
                      f"{md(g['status'])} |")
    if gaps["changed"]:
        out += _table("Gaps changed", ["Gap", "Field", "Before", "After"], gaps["changed"],
                      lambda c: f"| {title(c['id'], c['title'])} | {c['field']} | "
                      f"{md(c['from'])} | {md(c['to'])} |")
    if coverage["gained"] or coverage["lost"]:
        moves = [(c, "gained") for c in coverage["gained"]] + [
            (c, "lost") for c in coverage["lost"]]
        out += _table("Coverage", ["Gap", "Page", ""], moves,
                      lambda m: f"| {title(m[0]['gap'], m[0]['title'])} | "
                      f"{md(docs_prefix + m[0]['page'])} | {m[1]} |")
    if findings["new"] or findings["fixed"]:
        marked = [(f, "new") for f in findings["new"]] + [(f, "fixed") for f in findings["fixed"]]
        out += _table("Findings", ["", "Where", "Rule", "Message"], marked,
                      lambda m: f"| {m[1]} | {md(docs_prefix + m[0]['file'])}:"
                      f"{m[0]['line']} | {m[0]['rule']} | {md(m[0]['message'])} |")
    return "\n".join(out)
