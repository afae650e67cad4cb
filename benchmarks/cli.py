"""How fast ``gapcheck check`` is next to the least any checker must do.

The floor is a bare script that walks docs_dir, reads every Markdown file and YAML-parses its
front matter with ``yaml.load(..., Loader=yaml.CSafeLoader)``: no checker of front matter can
do less. ``gapcheck check`` does that and also records line numbers, scans every body for
markers and links, runs the rules and prints the findings. The target: at most 1.5 times the
floor on a generated 10,000-page site (``benchmarks/generate.py``: gap pages with several gaps,
ADRs, runbooks, roadmap weeks, plans and plain pages with links; seed 0).

Two measurements, each alternating floor and gapcheck (ABAB...) so drift hits both alike:

in-process
    ``cli.main(["check", "-f", mkdocs.yml])`` (the function the console script calls, output
    to /dev/null) against the floor function, in this process, after one warm-up run of each
    (the page cache holds the files for both). The ratio of the minimums is the figure.
subprocess
    ``python -m mkdocs_gapcheck check -f mkdocs.yml`` against ``python -c <floor>``: what a
    user or CI waits for, interpreter start-up and imports included.

    python benchmarks/cli.py [--pages 10000] [--repeats 7] [--workdir DIR] [--profile]

``--profile`` prints where gapcheck's in-process time goes (cProfile, by cumulative time).
``benchmarks/run.py`` calls :func:`run`.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import gc
import io
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

from benchmarks.generate import generate  # noqa: E402
from benchmarks.plugin import ensure_bytecode  # noqa: E402
from mkdocs_gapcheck.cli import main as gapcheck_main  # noqa: E402

TARGET = 1.5
PAGES = 10_000
TODAY = dt.date(2026, 11, 21)  #: the generated site's dates, so that it is the same every day

FLOOR_SOURCE = '''
import os, sys, yaml
def floor(docs_dir):
    pages = 0
    for folder, dirnames, filenames in os.walk(docs_dir):
        for name in filenames:
            if not name.endswith(".md"):
                continue
            with open(os.path.join(folder, name), "rb") as handle:
                text = handle.read().decode("utf-8")
            if text.startswith("---\\n"):
                end = text.find("\\n---", 3)
                if end != -1:
                    yaml.load(text[4:end + 1], Loader=yaml.CSafeLoader)
            pages += 1
    return pages
if __name__ == "__main__":
    print(floor(sys.argv[1]))
'''
_namespace: dict[str, Any] = {"__name__": "floor"}
exec(compile(FLOOR_SOURCE, "<floor>", "exec"), _namespace)
floor: Callable[[str], int] = _namespace["floor"]


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def gapcheck_check(config_file: str) -> int:
    """What the console script does, its output thrown away; returns the exit status."""
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        return gapcheck_main(["check", "-f", config_file])


def _timed(func: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def _alternate(a: Callable[[], object], b: Callable[[], object], repeats: int
               ) -> tuple[list[float], list[float]]:
    a(), b()  # warm-up: page cache, imports, regex caches
    times_a: list[float] = []
    times_b: list[float] = []
    for _ in range(repeats):
        times_a.append(_timed(a))
        times_b.append(_timed(b))
    return times_a, times_b


def _figures(floor_times: list[float], check_times: list[float]) -> str:
    return (
        f"floor min {min(floor_times) * 1000:.0f} ms (median "
        f"{statistics.median(floor_times) * 1000:.0f}); gapcheck check min "
        f"{min(check_times) * 1000:.0f} ms (median {statistics.median(check_times) * 1000:.0f})"
    )


def measure(config_file: Path, repeats: int, subprocess_repeats: int) -> list[dict[str, Any]]:
    docs = str(config_file.parent / "docs")
    pages = sum(1 for _ in Path(docs).rglob("*.md"))
    code = gapcheck_check(str(config_file))
    if code != 0:
        _log(f"warning: gapcheck check exits {code} on the generated site (expected 0)")
    rows = []
    floor_t, check_t = _alternate(lambda: floor(docs), lambda: gapcheck_check(str(config_file)),
                                  repeats)
    ratio = min(check_t) / min(floor_t)
    rows.append({
        "benchmark": "cli check vs floor, in-process",
        "config": f"{pages} pages, {repeats} repeats",
        "figures": _figures(floor_t, check_t) + f"; median ratio "
                   f"{statistics.median(check_t) / statistics.median(floor_t):.2f}",
        "value": ratio,
        "target": TARGET,
    })
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")  # reads the bytecode ensure_bytecode made
    floor_cmd = [sys.executable, "-c", FLOOR_SOURCE, docs]
    check_cmd = [sys.executable, "-m", "mkdocs_gapcheck", "check", "-f", str(config_file)]

    def run_floor() -> None:
        subprocess.run(floor_cmd, check=True, capture_output=True, env=env)

    def run_check() -> None:
        subprocess.run(check_cmd, capture_output=True, env=env)

    floor_t, check_t = _alternate(run_floor, run_check, subprocess_repeats)
    rows.append({
        "benchmark": "cli check vs floor, subprocess",
        "config": f"{pages} pages, {subprocess_repeats} repeats",
        "figures": _figures(floor_t, check_t) + " (interpreter start-up included)",
        "value": min(check_t) / min(floor_t),
        "target": TARGET,
    })
    return rows


def profile(config_file: Path, lines: int = 30) -> None:
    """Where gapcheck's time goes, by cumulative time, on the warm site."""
    gapcheck_check(str(config_file))
    profiler = cProfile.Profile()
    profiler.enable()
    gapcheck_check(str(config_file))
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(lines)
    print(out.getvalue())


def site(workdir: Path, pages: int) -> Path:
    """The generated site of ``pages`` pages under ``workdir`` (reused when already there)."""
    root = workdir / f"cli-{pages}"
    config = root / "mkdocs.yml"
    if not config.exists() or sum(1 for _ in (root / "docs").rglob("*.md")) != pages:
        _log(f"generating {pages} pages in {root}")
        generate(root, pages=pages, seed=0, today=TODAY)
    return config


def run(workdir: Path, quick: bool = False) -> list[dict[str, Any]]:
    """The rows for ``benchmarks/run.py``: 10,000 pages (2,000 with ``quick``)."""
    os.environ.setdefault("SOURCE_DATE_EPOCH", str(int(dt.datetime(
        TODAY.year, TODAY.month, TODAY.day, tzinfo=dt.timezone.utc).timestamp())))
    ensure_bytecode()
    config = site(workdir, 2_000 if quick else PAGES)
    return measure(config, 3 if quick else 7, 2 if quick else 5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=PAGES)
    parser.add_argument("--repeats", type=int, default=7, help="in-process runs of each")
    parser.add_argument("--subprocess-repeats", type=int, default=5)
    parser.add_argument("--workdir", type=Path, help="where to generate the site (kept)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one run")
    args = parser.parse_args(argv)
    os.environ.setdefault("SOURCE_DATE_EPOCH", str(int(dt.datetime(
        TODAY.year, TODAY.month, TODAY.day, tzinfo=dt.timezone.utc).timestamp())))
    with tempfile.TemporaryDirectory(prefix="gapcheck-cli-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        config = site(workdir, args.pages)
        ensure_bytecode()
        if args.profile:
            profile(config)
            return 0
        rows = measure(config, args.repeats, args.subprocess_repeats)
    failed = False
    for row in rows:
        passed = row["value"] <= row["target"]
        failed |= not passed
        print(f"{row['benchmark']} [{row['config']}]: ratio {row['value']:.2f} "
              f"(target <= {row['target']}) {'PASS' if passed else 'FAIL'}")
        print(f"    {row['figures']}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
