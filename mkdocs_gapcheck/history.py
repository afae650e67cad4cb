"""Gaps over time: counts by severity and status at each commit that changed a gap page.

One ``git log`` lists the commits that touched docs_dir along the first-parent line (the
main line of a repository, so that merged branches do not zigzag the curve), with the blob
of every changed file; one ``git cat-file --batch`` reads those blobs. Each changed page's
front matter is parsed with the core's parser; a commit that changed a page defining gaps
(before or after) becomes a point. The result is cached by HEAD commit for ``mkdocs serve``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from . import frontmatter
from .config import MARKDOWN_EXTENSIONS
from .gitsite import GitError, git, read_blobs, repo_of
from .model import GAP_STATUSES
from .options import Options
from .parse import parse_page

_ZERO = "0" * 40


@dataclass(frozen=True, slots=True)
class Point:
    """The site's gaps right after one commit."""

    commit: str
    date: dt.date  #: the commit date (committer, UTC)
    by_severity: dict[str, int]  #: every severity of the scale, in scale order
    by_status: dict[str, int]  #: every status, in GAP_STATUSES order

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    def as_dict(self) -> dict[str, object]:
        return {"commit": self.commit, "date": self.date.isoformat(), "total": self.total,
                "severity": dict(self.by_severity), "status": dict(self.by_status)}


@dataclass(slots=True)
class History:
    """The points in commit order, or why there are none (``note``)."""

    points: list[Point] = field(default_factory=list)
    note: str | None = None


#: (repository root, HEAD, docs folder, scales) -> History: one computation per commit
_CACHE: dict[tuple[object, ...], History] = {}


def site_history(config_dir: str, docs_dir: str, options: Options,
                 exclude: Callable[[str], bool] = lambda path: False) -> History:
    """The history of the site whose docs are in ``docs_dir``; a note instead when there is no
    repository, no commit, or only a shallow clone's part of the history."""
    try:
        repo = repo_of(config_dir)
    except GitError as exc:
        return History(note=f"No history to chart: {exc}.")
    if repo.head is None:
        return History(note="No history to chart: the repository has no commit yet.")
    if repo.shallow:
        return History(note="No history to chart: this is a shallow clone (in CI, check out "
                            "with fetch-depth: 0).")
    docs_rel = os.path.relpath(os.path.realpath(docs_dir), repo.root).replace(os.sep, "/")
    if docs_rel.startswith(".."):
        return History(note="No history to chart: docs_dir is outside the git repository.")
    docs_rel = "" if docs_rel == "." else docs_rel
    key = (repo.root, repo.head, docs_rel, options.severities, options.efforts)
    if key not in _CACHE:
        try:
            _CACHE[key] = _compute(repo.root, docs_rel, options, exclude)
        except GitError as exc:
            return History(note=f"No history to chart: {exc}.")
    return _CACHE[key]


def _log(root: str, docs_rel: str) -> list[tuple[str, dt.date, list[tuple[str, str]]]]:
    """(commit, date, [(path under docs_dir, new blob or zeros when deleted)]), oldest first."""
    out = git(["-c", "core.quotePath=false", "log", "--first-parent",
               "--diff-merges=first-parent", "--reverse", "--no-renames", "--raw", "--no-abbrev",
               "--format=commit %H %ct", "--", docs_rel or "."], root)
    prefix = docs_rel + "/" if docs_rel else ""
    commits: list[tuple[str, dt.date, list[tuple[str, str]]]] = []
    for line in out.decode("utf-8", "replace").splitlines():
        if line.startswith("commit "):
            _, sha, stamp = line.split()
            day = dt.datetime.fromtimestamp(int(stamp), tz=dt.timezone.utc).date()
            commits.append((sha, day, []))
        elif line.startswith(":") and commits:
            meta, _, path = line.partition("\t")
            parts = meta.split()
            if len(parts) >= 5 and path.startswith(prefix) and not path.startswith('"'):
                commits[-1][2].append((path[len(prefix):], parts[3]))
    return commits


def _compute(root: str, docs_rel: str, options: Options, exclude: Callable[[str], bool]
             ) -> History:
    commits = _log(root, docs_rel)
    changes = [
        (sha, day, [(p, blob) for p, blob in files
                    if p.endswith(MARKDOWN_EXTENSIONS) and not exclude(p)])
        for sha, day, files in commits
    ]
    blobs = read_blobs(root, [b for _, _, files in changes for _, b in files if b != _ZERO])
    parsed: dict[bytes, list[tuple[str, str, str]]] = {}  # front matter -> [(id, sev, status)]
    state: dict[str, list[tuple[str, str, str]]] = {}  # page -> its gaps now
    points: list[Point] = []
    for sha, day, files in changes:
        touched = False
        for path, blob in files:
            before = state.pop(path, None)
            gaps = [] if blob == _ZERO else _gaps_of(path, blob, blobs, parsed, options)
            if gaps:
                state[path] = gaps
            touched = touched or bool(before) or bool(gaps)
        if touched:
            points.append(_point(sha, day, state, options))
    return History(points)


def _gaps_of(path: str, blob: str, blobs: dict[str, bytes | None],
             parsed: dict[bytes, list[tuple[str, str, str]]], options: Options
             ) -> list[tuple[str, str, str]]:
    raw = blobs.get(blob) or b""
    if b"gap" not in raw:  # most pages define none: skip their YAML
        return []
    # most commits edit a gap page's prose, not its front matter: parse each front matter once
    key = raw[:raw.find(b"\n---", 3) + 1] if raw.startswith(b"---") else b""
    if key not in parsed:
        fm = frontmatter.parse(frontmatter.decode(raw).text)
        parsed[key] = [(g.id, g.severity, g.status)
                       for g in parse_page(path, 0, fm, options).gaps]
    return parsed[key]


def _point(sha: str, day: dt.date, state: dict[str, list[tuple[str, str, str]]],
           options: Options) -> Point:
    by_severity = dict.fromkeys(options.severities, 0)
    by_status = dict.fromkeys(GAP_STATUSES, 0)
    seen: set[str] = set()
    for path in sorted(state):
        for gid, severity, status in state[path]:
            if gid.lower() in seen:  # a duplicate id counts once, as the site shows it
                continue
            seen.add(gid.lower())
            by_severity[severity] = by_severity.get(severity, 0) + 1
            by_status[status] = by_status.get(status, 0) + 1
    return Point(sha, day, by_severity, by_status)
