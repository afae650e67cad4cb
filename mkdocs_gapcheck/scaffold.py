"""``gapcheck new DIR``: a new knowledge site, copied from the template that ships with gapcheck.

The wheel carries the template as ``mkdocs_gapcheck/site_template``; an editable checkout has
it next to the package as ``site-template/``. Either way the copy is the template's sources
only, never a ``site/`` it was built into.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
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


def create_site(target: Path, template: Path | None = None) -> list[Path]:
    """Copy the template into ``target`` (new or empty); return the files written, sorted."""
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
    except OSError as exc:
        raise ScaffoldError(f"cannot create {target}: {exc.strerror or exc}") from None
    written = sorted(p for p in target.rglob("*") if p.is_file())
    for path in written:  # a read-only install must not give a read-only site
        mode = path.stat().st_mode
        if not mode & 0o200:
            os.chmod(path, mode | 0o200)
    return written
