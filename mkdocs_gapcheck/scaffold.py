"""``gapcheck new DIR``: a new knowledge site, copied from the template that ships with gapcheck.

The wheel carries the template as ``mkdocs_gapcheck/site_template``; an editable checkout has
it next to the package as ``site-template/``. Either way the copy is the template's sources
only, never a ``site/`` it was built into.

The template's dates (drills, due dates, ADR dates, roadmap weeks) are written for one day,
:data:`TEMPLATE_DAY`. The copy moves every ISO date of its Markdown pages by the days between
that day and today (in whole weeks, so weekdays stay), so that a new site's runbooks were
drilled a few weeks ago and its due dates lie ahead whatever the day: it passes its own check
on any day.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from .options import today

PACKAGE_DIR = Path(__file__).resolve().parent
#: The day the template's dates are written for. Edit the template's dates as of this day.
TEMPLATE_DAY = dt.date(2026, 11, 21)
#: A YYYY-MM-DD date, also at the start of a timestamp (2026-11-13T09:45Z), not inside a number.
_ISO_DATE_RE = re.compile(r"(?<![0-9-])([0-9]{4}-[0-9]{2}-[0-9]{2})(?![0-9])")
#: What a new site's git repository should not hold: the built site.
GITIGNORE = "# the built site: `mkdocs build` writes it, CI builds it again\nsite/\n"
#: Not copied: build output and caches a template folder may hold.
_SKIP_TOP = frozenset({"site"})
_SKIP_ANYWHERE = frozenset({"__pycache__", ".cache", ".DS_Store"})


class ScaffoldError(Exception):
    """The site cannot be created; the message is one line for the user."""


def template_dir() -> Path:
    """The site template: inside the installed package, else beside it in a checkout."""
    for candidate in (PACKAGE_DIR / "site_template", PACKAGE_DIR.parent / "site-template"):
        if (candidate / "mkdocs.yml").is_file():
            return candidate
    raise ScaffoldError(
        "the site template is missing from this installation of mkdocs-gapcheck "
        f"(looked in {PACKAGE_DIR / 'site_template'}); reinstall it"
    )


def _ignore(template: Path) -> Callable[[str, list[str]], set[str]]:
    def ignore(folder: str, names: list[str]) -> set[str]:
        skip = {n for n in names if n in _SKIP_ANYWHERE or n.endswith(".pyc")}
        if Path(folder) == template:
            skip |= {n for n in names if n in _SKIP_TOP}
        return skip

    return ignore


def date_offset(day: dt.date) -> int:
    """Days to move the template's dates by for a site created on ``day``: whole weeks, so
    that a roadmap week that starts on a Monday still does."""
    days = (day - TEMPLATE_DAY).days
    return days - days % 7


def shift_dates(text: str, days: int) -> str:
    """``text`` with every valid ISO date moved by ``days`` (invalid ones are left alone)."""
    if not days:
        return text

    def moved(match: re.Match[str]) -> str:
        try:
            day = dt.date.fromisoformat(match[1])
        except ValueError:
            return match[1]
        return (day + dt.timedelta(days=days)).isoformat()

    return _ISO_DATE_RE.sub(moved, text)


def _date_pages(target: Path, days: int) -> None:
    for path in target.rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        shifted = shift_dates(text, days)
        if shifted != text:
            path.write_text(shifted, encoding="utf-8", newline="\n")


def create_site(target: Path, template: Path | None = None, on: dt.date | None = None
                ) -> list[Path]:
    """Copy the template into ``target`` (new or empty), its dates moved to ``on`` (default
    today) and a ``.gitignore`` for ``site/`` beside it; return the files written, sorted."""
    template = template or template_dir()
    if target.exists() and not target.is_dir():
        raise ScaffoldError(f"{target} exists and is not a folder")
    if target.is_dir() and any(target.iterdir()):
        raise ScaffoldError(
            f"{target} is not empty; gapcheck new creates a site in a new or empty folder"
        )
    try:
        target.mkdir(parents=True, exist_ok=True)
        shutil.copytree(template, target, ignore=_ignore(template), dirs_exist_ok=True)
        for path in target.rglob("*"):  # a read-only install must not give a read-only site
            mode = path.stat().st_mode
            if path.is_file() and not mode & 0o200:
                os.chmod(path, mode | 0o200)
        _date_pages(target, date_offset(on or today()))
        gitignore = target / ".gitignore"
        if not gitignore.exists():
            gitignore.write_text(GITIGNORE, encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise ScaffoldError(f"cannot create {target}: {reason}") from None
    return sorted(p for p in target.rglob("*") if p.is_file())
