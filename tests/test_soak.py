"""Thirty builds in one process, with edits between them, each identical to a fresh build.

What ``mkdocs serve`` does for an hour of authoring: edit, rebuild, edit, rebuild, in one
process. Each rebuild here follows serve's path (``load_config`` again into the same
``site_dir``; MkDocs keeps the instances of plugins that have ``on_startup``, such as
Material's, and makes new ones of the others), and some rebuilds reuse the previous config
object as it is (what i18n plugins do). After each, the same sources are built fresh: a new
config with new plugin instances into an empty ``site_dir``, and three times in a new Python
process. Every output file must be byte-identical (sitemaps compared without their dates) and
gapcheck must log the same findings. Memory retained between builds must not grow.
"""

from __future__ import annotations

import datetime as dt
import gc
import gzip
import importlib.util
import logging
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import count_case

ROOT = Path(__file__).resolve().parents[1]
BUILDS = 30
SUBPROCESS_AT = (10, 20, 30)
TODAY = "2026-11-21"  # conftest's SOURCE_DATE_EPOCH


def _generate_module() -> Any:
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "benchmarks" /
                                                  "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


# --- building --------------------------------------------------------------------------------


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.endswith("plugins.gapcheck"):
            self.messages.append(f"{record.levelname}: {record.getMessage()}")


@contextmanager
def captured() -> Iterator[_Capture]:
    handler = _Capture()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    # not to pytest's handler on the root logger: it keeps every record for the report, which
    # is memory that grows with the builds (and not the builds' own)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _plugin_cache() -> dict[str, Any]:
    """MkDocs' cache of plugin instances that have on_startup, shared by every load_config."""
    from mkdocs.config.defaults import MkDocsConfig

    cache: dict[str, Any] = dict(MkDocsConfig._schema)["plugins"].plugin_cache
    return cache


def build_with(config: Any) -> list[str]:
    from mkdocs.commands.build import build

    with captured() as handler:
        build(config, dirty=False)
    return handler.messages


def load(config_file: Path, site_dir: Path) -> Any:
    from mkdocs.config import load_config

    return load_config(str(config_file), site_dir=str(site_dir))


def fresh_build(config_file: Path, site_dir: Path) -> list[str]:
    """A build with new instances of every plugin, as a new process would make them."""
    cache = _plugin_cache()
    kept = dict(cache)
    cache.clear()
    try:
        if site_dir.exists():
            shutil.rmtree(site_dir)
        config = load(config_file, site_dir)
        config.plugins.on_startup(command="build", dirty=False)
        messages = build_with(config)
        config.plugins.on_shutdown()
        return messages
    finally:
        cache.clear()
        cache.update(kept)


def subprocess_build(config_file: Path, site_dir: Path) -> None:
    if site_dir.exists():
        shutil.rmtree(site_dir)
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PROPERDOCS_NO_WARNING="1")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config_file), "-d",
         str(site_dir)],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr


# --- comparing -------------------------------------------------------------------------------


_LASTMOD = re.compile(rb"<lastmod>[^<]*</lastmod>")


def snapshot(site_dir: Path) -> dict[str, bytes]:
    files = {}
    for path in sorted(site_dir.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(site_dir).as_posix()
        data = path.read_bytes()
        if rel.endswith("sitemap.xml.gz"):
            data = _LASTMOD.sub(b"", gzip.decompress(data))
        elif rel.endswith("sitemap.xml"):
            data = _LASTMOD.sub(b"", data)
        files[rel] = data
    return files


def assert_same_output(got: Path, want: Path, what: str) -> None:
    a, b = snapshot(got), snapshot(want)
    assert sorted(a) == sorted(b), (
        f"{what}: files differ: only in soak {sorted(set(a) - set(b))[:10]}, "
        f"only in fresh {sorted(set(b) - set(a))[:10]}"
    )
    differ = [name for name in a if a[name] != b[name]]
    assert not differ, f"{what}: {len(differ)} files differ, e.g. {differ[:5]}"
    assert "gapcheck.json" in a


# --- the edits -------------------------------------------------------------------------------


def read_page(path: Path) -> tuple[dict[str, Any], str]:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        return {}, text
    end = text.index("\n---\n", 4)
    return yaml.safe_load(text[4:end]) or {}, text[end + 5 :]


def write_page(path: Path, data: dict[str, Any], body: str) -> None:
    front = yaml.safe_dump(data, sort_keys=False, allow_unicode=True) if data else ""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front}---\n{body}" if data else body, encoding="utf-8")


class Editor:
    """The edits an author makes between two saves, applied in turn."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.docs = root / "docs"
        self.config_file = root / "mkdocs.yml"
        self.gap_pages = sorted((self.docs / "analysis").glob("gaps-*.md"))
        self.plans = sorted((self.docs / "plans").rglob("*.md"))
        self.plans = [p for p in self.plans if p.name != "index.md"]
        self.deleted: dict[Path, bytes] = {}
        self.soak_gaps: list[str] = []
        self.steps: list[Callable[[int], str]] = [
            self.add_gap, self.address_gap, self.remove_gap, self.delete_page,
            self.rename_gap, self.change_severities, self.change_rule_levels,
            self.toggle_backlinks, self.add_marker_page, self.supersede_adr,
            self.restore_pages, self.break_and_fix_front_matter,
        ]

    def apply(self, step: int) -> str:
        return self.steps[step % len(self.steps)](step)

    def _options(self) -> tuple[dict[str, Any], dict[str, Any]]:
        conf = yaml.safe_load(self.config_file.read_text(encoding="utf-8"))
        plugins = conf["plugins"]
        for i, entry in enumerate(plugins):
            if entry == "gapcheck":
                plugins[i] = {"gapcheck": {}}
        options = next(e["gapcheck"] for e in plugins if isinstance(e, dict) and "gapcheck" in e)
        return conf, options

    def _save_options(self, conf: dict[str, Any]) -> None:
        self.config_file.write_text(yaml.safe_dump(conf, sort_keys=False), encoding="utf-8")

    def add_gap(self, step: int) -> str:
        page = self.gap_pages[0]
        data, body = read_page(page)
        gid = f"soak-{step}"
        data["gaps"].append({"id": gid, "title": f"Soak {step}", "severity": "high",
                             "effort": "low", "timing": "Month 2"})
        write_page(page, data, body + f"\n## Soak {step}\n\nAdded by the soak test.\n")
        self.soak_gaps.append(gid)
        return f"add gap {gid}"

    def address_gap(self, step: int) -> str:
        gid = self.soak_gaps[-1] if self.soak_gaps else "missing-gap"
        page = self.plans[step % len(self.plans)]
        data, body = read_page(page)
        data.setdefault("addresses", []).append(gid)
        write_page(page, data, body)
        return f"address {gid} from {page.name}"

    def remove_gap(self, step: int) -> str:
        page = self.gap_pages[0]  # the first of its gaps; rename_gap renames in the last page
        data, body = read_page(page)
        removed = data["gaps"].pop(0)["id"] if data["gaps"] else None
        write_page(page, data, body)
        return f"remove gap {removed} (its addresses become unknown-gap)"

    def delete_page(self, step: int) -> str:
        candidates = sorted((self.docs / "runbooks").glob("*-drill-*.md")) + sorted(
            (self.docs / "decisions").glob("0*.md"))
        victim = candidates[step % len(candidates)]
        self.deleted[victim] = victim.read_bytes()
        victim.unlink()
        return f"delete {victim.relative_to(self.docs)}"

    def restore_pages(self, step: int) -> str:
        for path, content in self.deleted.items():
            path.write_bytes(content)
        names = [p.name for p in self.deleted]
        self.deleted.clear()
        return f"restore {names}"

    def rename_gap(self, step: int) -> str:
        page = self.gap_pages[-1]
        data, body = read_page(page)
        old = data["gaps"][-1]["id"]
        new = f"{old.rsplit('-r', 1)[0]}-r{step}"
        data["gaps"][-1]["id"] = new
        write_page(page, data, body)
        for other in sorted(self.docs.rglob("*.md")):
            try:
                other_data, other_body = read_page(other)
            except yaml.YAMLError:  # the page broken on purpose
                continue
            if old in (other_data.get("addresses") or []):
                other_data["addresses"] = [new if a == old else a for a in
                                           other_data["addresses"]]
                write_page(other, other_data, other_body)
        return f"rename gap {old} -> {new}"

    def change_severities(self, step: int) -> str:
        conf, options = self._options()
        if "severities" in options:
            del options["severities"]
        else:
            options["severities"] = ["blocker", "critical", "high", "medium", "low"]
        self._save_options(conf)
        return f"severities {options.get('severities', 'default')}"

    def change_rule_levels(self, step: int) -> str:
        conf, options = self._options()
        rules = options.setdefault("rules", {})
        cycle = {None: "info", "info": "off", "off": "warn", "warn": None}
        level = cycle[rules.get("unknown-gap")]
        if level is None:
            rules.pop("unknown-gap", None)
        else:
            rules["unknown-gap"] = level
        rules["orphan-page"] = "info" if rules.get("orphan-page") != "info" else "warn"
        self._save_options(conf)
        return f"rules {rules}"

    def toggle_backlinks(self, step: int) -> str:
        conf, options = self._options()
        options["backlinks"] = not options.get("backlinks", True)
        self._save_options(conf)
        return f"backlinks {options['backlinks']}"

    def add_marker_page(self, step: int) -> str:
        path = self.docs / "soak" / f"page-{step}.md"
        write_page(path, {"title": f"Soak page {step}", "addresses": self.soak_gaps[-2:]},
                   f"\n# Soak page {step}\n\n<!-- gapcheck:matrix severity=high,critical -->\n\n"
                   "<!-- gapcheck:coverage -->\n\n[Home](../index.md)\n")
        return f"add {path.relative_to(self.docs)} with markers"

    def supersede_adr(self, step: int) -> str:
        adrs = sorted((self.docs / "decisions").glob("0*.md"))
        older, newer = adrs[step % (len(adrs) - 1)], adrs[step % (len(adrs) - 1) + 1]
        data, body = read_page(older)
        data["status"] = "superseded"
        data["superseded_by"] = newer.stem
        write_page(older, data, body)
        return f"supersede {older.stem} by {newer.stem}"

    def break_and_fix_front_matter(self, step: int) -> str:
        page = sorted((self.docs / "guides").rglob("*.md"))[0]
        bad = "---\n\ttitle: A tab before the key\n---\n"
        text = page.read_text(encoding="utf-8")
        if text.startswith(bad):
            page.write_text(text[len(bad):], encoding="utf-8")
            return f"fix {page.name}"
        page.write_text(bad + text, encoding="utf-8")
        return f"break {page.name} (a tab)"


# --- the tests -------------------------------------------------------------------------------


#: pathlib interns every part of every path (sys.intern), so new file names add entries to
#: the interpreter's table of interned strings, whose doubling is a step of 1-2 MB that is no
#: leak; the comparison of retained memory leaves out what is allocated on pathlib's lines.
_NOT_LEAKS = [tracemalloc.Filter(False, pathlib.__file__)]


def soak(
    tmp_path: Path, theme: str, compare: bool, trace: bool
) -> tuple[dict[int, int], dict[int, tracemalloc.Snapshot]]:
    """Build ``BUILDS`` times with an edit before each rebuild; memory retained after each."""
    generate = _generate_module()
    root = tmp_path / "project"
    config_file = generate.generate(root, 40, seed=3, theme=theme,
                                    today=dt.date.fromisoformat(TODAY))
    editor = Editor(root)
    serve_dir = tmp_path / "serve-site"
    fresh_dir = tmp_path / "fresh-site"
    process_dir = tmp_path / "process-site"

    if trace:
        tracemalloc.start()
    retained: dict[int, int] = {}
    snapshots: dict[int, tracemalloc.Snapshot] = {}
    log: list[str] = []
    config = load(config_file, serve_dir)
    config.plugins.on_startup(command="serve", dirty=False)
    startup_plugins = dict(config.plugins)
    try:
        for n in range(1, BUILDS + 1):
            change = "first build"
            if n > 1:
                change = editor.apply(n)
                log.append(change)
                # serve: a new config each rebuild; every third rebuild, if the options did not
                # change, reuses the config object as it is, as i18n plugins do
                if n % 3 or change.split(" ")[0] in ("severities", "rules", "backlinks"):
                    config = load(config_file, serve_dir)
            messages = build_with(config)
            if compare:
                fresh = fresh_build(config_file, fresh_dir)
                assert messages == fresh, f"build {n} ({change}): findings differ from fresh"
                assert_same_output(serve_dir, fresh_dir, f"build {n} ({change})")
                if n in SUBPROCESS_AT:
                    subprocess_build(config_file, process_dir)
                    assert_same_output(serve_dir, process_dir, f"build {n} vs a new process")
            gc.collect()
            retained[n] = tracemalloc.get_traced_memory()[0] if trace else sys.getallocatedblocks()
            if trace and n in (5, BUILDS):
                snapshots[n] = tracemalloc.take_snapshot().filter_traces(_NOT_LEAKS)
    finally:
        config.plugins.on_shutdown()
        if trace:
            tracemalloc.stop()

    # the instances serve keeps are the ones it made at startup (for plugins with on_startup)
    for name, plugin in startup_plugins.items():
        if hasattr(plugin, "on_startup"):
            assert config.plugins[name] is plugin, name
    steps = {change.split(" ")[0] for change in log}
    assert {"add", "address", "remove", "delete", "rename", "severities", "rules", "backlinks",
            "supersede", "restore", "break", "fix"} <= steps, steps
    return retained, snapshots


@pytest.mark.slow
def test_thirty_builds_in_one_process_match_fresh_builds(tmp_path: Path) -> None:
    """Material (whose plugins MkDocs keeps across rebuilds); outputs and findings compared."""
    blocks, _ = soak(tmp_path, "material", compare=True, trace=False)
    count_case("test_soak::builds compared with a fresh build", BUILDS)
    # a coarse leak signal without tracemalloc's cost: memory blocks held after a collection
    growth = blocks[BUILDS] - blocks[5]
    assert growth < blocks[5] * 0.05, f"allocated blocks grew by {growth} from build 5"


@pytest.mark.slow
def test_memory_does_not_grow_from_build_to_build(tmp_path: Path) -> None:
    """The same edits under tracemalloc (MkDocs theme: tracing makes builds five times slower)."""
    retained, snapshots = soak(tmp_path, "mkdocs", compare=False, trace=True)
    count_case("test_soak::builds under tracemalloc", BUILDS)
    diff = snapshots[BUILDS].compare_to(snapshots[5], "lineno")
    growth = sum(stat.size_diff for stat in diff)
    base = sum(stat.size for stat in snapshots[5].statistics("filename"))
    assert growth < max(1_000_000, base * 0.05), (
        f"retained memory grew by {growth / 1e6:.2f} MB from build 5 to build {BUILDS}; "
        "the most: " + "; ".join(str(stat) for stat in diff[:5]) + "; all traced, MB: "
        + ", ".join(f"{n}: {v / 1e6:.2f}" for n, v in sorted(retained.items()))
    )
