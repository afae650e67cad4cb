"""Build real MkDocs sites from small fixture projects and check what they log.

``build_site`` builds in-process (``build(load_config(...))``) and captures every record of
the ``mkdocs`` loggers. A test must say which warnings it expects (``site.expect_warnings``):
a site that logged a warning or error nobody checked fails the test at teardown.
"""

from __future__ import annotations

import logging
import os
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
os.environ.setdefault("PROPERDOCS_NO_WARNING", "1")
#: "today" for stale-runbook and overdue-gap in every build and subprocess: 2026-11-21 (UTC),
#: so that findings do not change with the calendar. Tests needing another day monkeypatch it.
TODAY_EPOCH = "1795262400"
os.environ["SOURCE_DATE_EPOCH"] = TODAY_EPOCH


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class BuiltSite:
    root: Path
    site_dir: Path
    records: list[logging.LogRecord]
    error: BaseException | None = None
    checked: bool = False
    _soups: dict[str, Any] = field(default_factory=dict)

    def messages(self, level: int = logging.WARNING) -> list[str]:
        """Messages at ``level`` and above, as logged (findings start with the docs path)."""
        return [r.getMessage() for r in self.records if r.levelno >= level]

    def findings(self, level: int = logging.WARNING) -> list[str]:
        """gapcheck's findings at ``level`` and above (exactly ``level`` if it is INFO)."""
        return [
            r.getMessage()
            for r in self.records
            if r.name.endswith("plugins.gapcheck")
            and (r.levelno == level if level == logging.INFO else r.levelno >= level)
        ]

    def expect_warnings(self, *expected: str) -> None:
        """Every warning/error logged must start with one of ``expected``, and each must appear."""
        self.checked = True
        got = self.messages()
        unexpected = [m for m in got if not any(m.startswith(e) for e in expected)]
        missing = [e for e in expected if not any(m.startswith(e) for m in got)]
        assert not unexpected and not missing, (
            f"unexpected warnings: {unexpected}\nmissing warnings: {missing}"
        )

    def expect_clean(self) -> None:
        self.expect_warnings()
        assert self.error is None, f"build failed: {self.error!r}"

    def html(self, page: str) -> Any:
        """The parsed HTML of a built page, given its docs path (``adr/0001-x.md``)."""
        from bs4 import BeautifulSoup

        path = self.output_path(page)
        if path not in self._soups:
            self._soups[path] = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        return self._soups[path]

    def output_path(self, page: str) -> Path:
        stem = page[: -len(".md")]
        name = Path(stem).name
        if (self.site_dir / f"{stem}.html").exists():
            return self.site_dir / f"{stem}.html"
        if name in ("index", "README"):
            return self.site_dir / Path(stem).parent / "index.html"
        return self.site_dir / stem / "index.html"


def write_site(root: Path, files: dict[str, str], config: dict[str, Any] | None = None) -> Path:
    """Write a fixture project: ``files`` under docs/ (dedented), and mkdocs.yml from ``config``."""
    conf: dict[str, Any] = {"site_name": "Fixture", "plugins": ["gapcheck"]}
    conf.update(config or {})
    root.mkdir(parents=True, exist_ok=True)
    (root / "mkdocs.yml").write_text(yaml.safe_dump(conf, sort_keys=False), encoding="utf-8")
    for rel, text in files.items():
        path = root / "docs" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def build_site(root: Path, **overrides: Any) -> BuiltSite:
    """Build ``root/mkdocs.yml`` in-process into ``root/site``; never raises on build failure."""
    return build_config(root / "mkdocs.yml", root / "site", **overrides)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Any]:
    """``site(files, config=None, **overrides)`` writes and builds a fixture project.

    At teardown, a site whose warnings were not checked and that logged any fails the test.
    """
    built: list[BuiltSite] = []
    counter = iter(range(1000))

    def make(files: dict[str, str], config: dict[str, Any] | None = None,
             beside: dict[str, str] | None = None, **overrides: Any) -> BuiltSite:
        """``beside``: files written next to mkdocs.yml (a reviews file)."""
        root = write_site(tmp_path / f"p{next(counter)}", files, config)
        for rel, text in (beside or {}).items():
            (root / rel).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        result = build_site(root, **overrides)
        built.append(result)
        return result

    yield make
    for result in built:
        if not result.checked and result.messages():
            pytest.fail(f"build logged warnings no test expected: {result.messages()}")


def build_config(config_file: Path, site_dir: Path, **overrides: Any) -> BuiltSite:
    """Build any config file (``mkdocs.yaml``, ``properdocs.yml``, a fixture site kept in the
    repository) in-process into ``site_dir``, so that nothing is written beside the sources.

    Captures the ``mkdocs`` loggers like :func:`build_site` and never raises on build failure.
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    handler = _Capture()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    error: BaseException | None = None
    try:
        config = load_config(str(config_file), site_dir=str(site_dir), **overrides)
        build(config)
    except (Exception, SystemExit) as exc:  # PluginError, Abort (SystemExit)
        error = exc
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    return BuiltSite(config_file.parent, site_dir, handler.records, error)


#: test name -> how many cases it tried (fuzz examples, corpus cases, soak builds); printed in
#: the terminal summary so that a run says how much it exercised.
CASE_COUNTS: dict[str, int] = {}


def count_case(name: str, n: int = 1) -> None:
    """Record that test ``name`` tried ``n`` more cases (see :data:`CASE_COUNTS`)."""
    CASE_COUNTS[name] = CASE_COUNTS.get(name, 0) + n


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if CASE_COUNTS:
        terminalreporter.section("cases tried")
        for name, n in sorted(CASE_COUNTS.items()):
            terminalreporter.write_line(f"{name}: {n}")
