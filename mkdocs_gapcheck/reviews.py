"""The reviews file: which gap fingerprint each page was last read against.

Sorted JSON with one line per (page, gap), so that two branches that review different pages
merge without a conflict::

    {
      "reviews": {
        "adr/0001-audit.md": {
          "security": "3f2a9c0d1e4b5a67"
        }
      },
      "version": 1
    }

Reading and writing the file is for the adapters; :func:`check_reviews` is a rule of the core.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping

from .frontmatter import brief
from .model import Gap, Page

#: page path -> gap id -> fingerprint recorded by ``gapcheck review``
Reviews = dict[str, dict[str, str]]
VERSION = 1


class ReviewsError(ValueError):
    """The reviews file cannot be read; the message is one line naming the file and line."""


def reviews_path(config_dir: str, option: str | None) -> str | None:
    """Where the reviews file is (option ``reviews``, beside the config file); None: off."""
    return None if option is None else os.path.join(config_dir, option)


def parse_reviews(text: str, where: str) -> Reviews:
    """The stamps in a reviews file's text; :class:`ReviewsError` if it is not one."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        hint = (" (a merge conflict left in it? keep both sides' lines, or run `gapcheck "
                "review` to record every page again)") if "<<<<<<<" in text else (
                "; fix it, or delete it and run `gapcheck review`")
        raise ReviewsError(f"{where}:{exc.lineno}: not valid JSON: {exc.msg}{hint}") from None
    stamps = data.get("reviews") if isinstance(data, dict) else None
    if not isinstance(stamps, dict) or not all(
        isinstance(page, dict) and all(isinstance(v, str) for v in page.values())
        for page in stamps.values()
    ):
        raise ReviewsError(
            f"{where}:1: not a gapcheck reviews file (expected {{\"reviews\": {{page: {{gap: "
            "fingerprint}}}}); delete it and run `gapcheck review`"
        )
    return {str(page): dict(gaps) for page, gaps in stamps.items()}


def load_reviews(path: str | None, where: str | None = None) -> Reviews | None:
    """The reviews file at ``path``; None when reviews are off or the file does not exist."""
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReviewsError(f"{where or path}: cannot read: {exc}") from None
    return parse_reviews(text, where or path)


def dump_reviews(reviews: Mapping[str, Mapping[str, str]]) -> str:
    """The file's text: keys sorted, one stamp per line, a final newline."""
    pages = {page: dict(sorted(gaps.items())) for page, gaps in sorted(reviews.items()) if gaps}
    data = {"reviews": pages, "version": VERSION}
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def stamp(reviews: Reviews, pages: Iterable[Page], by_id: Mapping[str, Gap]) -> int:
    """Record in ``reviews`` the current fingerprint of every gap each page addresses (a page's
    old stamps are replaced); returns how many stamps were written."""
    count = 0
    for page in pages:
        current = {g: by_id[g].fingerprint for g in page.addresses if g in by_id}
        if current:
            reviews[page.path] = current
        else:
            reviews.pop(page.path, None)
        count += len(current)
    return count


#: (file, rule, line, message, subject), as ``rules.Problem``; the subject is the gap id
Problem = tuple[str, str, int, str, str]


def check_reviews(pages: Iterable[Page], by_id: Mapping[str, Gap], reviews: Reviews | None,
                  ) -> list[Problem]:
    """``suspect-coverage`` and ``unreviewed-coverage``, at each gap id in ``addresses``.
    No reviews file (``None``): both rules are inactive."""
    if reviews is None:
        return []
    problems: list[Problem] = []
    for page in pages:
        stamps = reviews.get(page.path, {})
        for gid, line in zip(page.addresses, page.addresses_lines, strict=True):
            gap = by_id.get(gid)
            if gap is None:
                continue  # unknown-gap says so
            name = f"gap '{gid}' ({brief(gap.title)})"
            recorded = stamps.get(gid)
            if recorded is None:
                problems.append(
                    (page.path, "unreviewed-coverage", line,
                     f"addresses {name} but has no review stamp for it; once the page has "
                     f"been read against the gap, run: gapcheck review {page.path}", gid)
                )
            elif recorded != gap.fingerprint:
                problems.append(
                    (page.path, "suspect-coverage", line,
                     f"addresses {name}, whose definition at {gap.page}:{gap.line} changed "
                     f"since this page was reviewed; reread the page against it, then run: "
                     f"gapcheck review {page.path}", gid)
                )
    return problems
