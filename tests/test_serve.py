"""``mkdocs serve`` while authoring: the matrix on the served page follows an edit on save.

Starts the real server (with livereload, as authors run it) on a free port on a temporary
copy of a small site, waits until it serves the matrix, adds a gap to the front matter, and
waits until the served matrix shows it and the terminal names the new gap's file and line.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import count_case, write_site

GAPS = """\
---
title: Gaps
gaps:
  - id: security
    title: Security & Compliance
    severity: high
    effort: medium
---

# Gaps

<!-- gapcheck:matrix -->

## Security & Compliance

What is missing.
"""
NEW_GAP = """\
  - id: rollback-testing
    title: Rollback Testing
    severity: medium
    effort: low
"""
FILES = {
    "index.md": "# Home\n\n<!-- gapcheck:coverage -->\n",
    "gaps.md": GAPS,
    "decisions/0001-audit-log.md": "---\nstatus: accepted\ndate: 2026-10-01\n"
                                   "addresses: [security]\n---\n\n# Audit log\n",
}
WAIT = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            body: bytes = response.read()
            return body.decode("utf-8")
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return None


def matrix_gaps(html: str) -> list[str]:
    """The text of the Gap column of every matrix on the page."""
    soup = BeautifulSoup(html, "html.parser")
    return [
        cell.get_text(" ", strip=True)
        for matrix in soup.select(".gapcheck-matrix")
        for cell in matrix.select("tbody td.gapcheck-gap")
    ]


def wait_for(what: str, check: Callable[[], bool], log: Path) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.25)
    pytest.fail(f"waited {WAIT:.0f} s for {what}; server log:\n{log.read_text()[-4000:]}")


@contextlib.contextmanager
def serving(tmp_path: Path, files: dict[str, str], *args: str
            ) -> Iterator[tuple[Path, str, Path]]:
    """A running ``mkdocs serve [args]`` on a copy of the site: (root, base URL, log file)."""
    root = write_site(tmp_path / "project", files, {"plugins": ["search", "gapcheck"]})
    port = free_port()
    log = tmp_path / "serve.log"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PROPERDOCS_NO_WARNING="1",
               PYTHONUNBUFFERED="1")
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}", "-f",
             str(root / "mkdocs.yml"), *args],
            cwd=root, stdout=out, stderr=subprocess.STDOUT, env=env,
        )
    try:
        yield root, f"http://127.0.0.1:{port}", log
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Path, str, Path]]:
    with serving(tmp_path, FILES) as running:
        yield running


@pytest.mark.slow
def test_matrix_follows_an_edit_while_serving(server: tuple[Path, str, Path]) -> None:
    root, base, log = server
    page = f"{base}/gaps/"
    served: dict[str, str | None] = {"html": None}

    def serves(condition: Callable[[str], bool]) -> Callable[[], bool]:
        def check() -> bool:
            served["html"] = fetch(page)
            return served["html"] is not None and condition(served["html"])
        return check

    wait_for("the first build to be served", serves(lambda html: "Gaps" in html), log)
    assert matrix_gaps(served["html"] or "") == ["Security & Compliance"], (
        "the served page has no matrix with the gap: " + (served["html"] or "")[-2000:]
    )
    assert (root / "site").exists() is False  # serve builds into a temporary directory

    time.sleep(1.0)  # a save in the same second as the build may not look like a change
    gaps = root / "docs" / "gaps.md"
    gaps.write_text(GAPS.replace("---\n\n# Gaps", NEW_GAP + "---\n\n# Gaps", 1),
                    encoding="utf-8")
    wait_for(
        "the served matrix to show the new gap",
        serves(lambda html: "Rollback Testing" in matrix_gaps(html)),
        log,
    )
    # matrix order: high before medium, whatever the declaration order
    assert matrix_gaps(served["html"] or "") == ["Security & Compliance", "Rollback Testing"]
    wait_for(
        "the terminal to name the new gap's file and line",
        lambda: "docs/gaps.md:8: uncovered-gap: medium gap 'rollback-testing'"
        in log.read_text(encoding="utf-8", errors="replace"),
        log,
    )
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in text, text[-4000:]
    assert "ERROR" not in text and "Exception" not in text, text[-4000:]
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == [
        "docs/decisions/0001-audit-log.md", "docs/gaps.md", "docs/index.md", "mkdocs.yml",
    ], "serve wrote into the project"
    count_case("test_serve::edits followed while serving")


def addressed_by(html: str) -> dict[str, list[str]]:
    """Gap title -> the titles in its matrix row's Addressed by column."""
    soup = BeautifulSoup(html, "html.parser")
    return {
        row.select_one("td.gapcheck-gap").get_text(" ", strip=True): [
            a.get_text(" ", strip=True) for a in row.select("td.gapcheck-addressed a")
        ]
        for row in soup.select(".gapcheck-matrix tbody tr")
    }


@pytest.mark.slow
def test_dirty_serve_rebuilds_the_matrix_after_an_adr_edit(tmp_path: Path) -> None:
    """`mkdocs serve --dirty` rebuilds only edited pages; gapcheck makes it rebuild the pages
    whose views and backlinks the edit changes too: here the gap page's matrix."""
    files = dict(FILES, **{"gaps.md": GAPS.replace("---\n\n# Gaps", NEW_GAP + "---\n\n# Gaps", 1)})
    with serving(tmp_path, files, "--dirty") as (root, base, log):
        page = f"{base}/gaps/"
        wait_for("the first build to be served",
                 lambda: "Rollback Testing" in matrix_gaps(fetch(page) or ""), log)
        assert addressed_by(fetch(page) or "") == {
            "Security & Compliance": ["Audit log"], "Rollback Testing": [],
        }
        time.sleep(1.0)  # a save in the same second as the build may not look like a change
        adr = root / "docs" / "decisions" / "0001-audit-log.md"
        adr.write_text(adr.read_text().replace("[security]", "[security, rollback-testing]"))
        wait_for(
            "the served matrix to show the ADR beside the gap it now addresses",
            lambda: addressed_by(fetch(page) or "").get("Rollback Testing") == ["Audit log"],
            log,
        )
        text = log.read_text(encoding="utf-8", errors="replace")
        assert "Traceback" not in text, text[-4000:]
    count_case("test_serve::dirty rebuilds followed")
