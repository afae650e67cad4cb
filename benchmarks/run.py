"""What gapcheck costs: in an MkDocs build, and as ``gapcheck check``.

    python benchmarks/run.py                  # full run: 300, 1,000 and 3,000 pages
    python benchmarks/run.py --quick          # 300 and 1,000 pages, few rounds: indicative only
    python benchmarks/run.py --workdir DIR --json results.json

Every measurement times whole processes, as a user runs them (``mkdocs build``, ``gapcheck
check``), in wall-clock time. Two commands are compared side by side in one run: a warm-up of
each, then rounds of one of each, the order flipped every round so that neither always runs
on a cache the other warmed. The figure is the median of the rounds' ratios: a slow spell on a
shared machine stretches both runs of a round alike and moves one ratio, not the median.

- Build overhead: ``mkdocs build`` of a generated site (``benchmarks/generate.py``) with
  gapcheck over the same build without it, per theme and size.
- ``gapcheck check`` over the read-and-parse floor: a bare script that reads every Markdown
  file of docs_dir and parses its front matter with PyYAML's C loader, the least any checker
  of front matter must do.

Exit status 1 if a target is missed, 2 if a command fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate, set_plugin

THEMES = ("mkdocs", "material")
SIZES = {False: (300, 1000, 3000), True: (300, 1000)}  # by --quick
# rounds after the warm-up, even so that A and B go first equally often; more rounds where
# builds are short, since a short build is moved most by a busy spell
ROUNDS = {False: {300: 20, 1000: 16, 3000: 6}, True: {300: 4, 1000: 2}}
CHECK_PAGES = {False: 5000, True: 1000}
CHECK_ROUNDS = {False: 16, True: 6}

OVERHEAD_TARGET = 1.05  # at 1,000 pages, each theme
GROWTH_TARGET = 0.02  # overhead at the largest size minus overhead at the smallest
CHECK_TARGET = 1.5

# The floor: read every .md file, parse the YAML between the first two "---" lines (the
# generated sites write block-style front matter, as people do).
FLOOR = """
import os, sys, yaml
for folder, _, names in os.walk(sys.argv[1]):
    for name in names:
        if name.endswith(".md"):
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                text = f.read()
            if text.startswith("---\\n"):
                end = text.find("\\n---", 3)
                if end != -1:
                    yaml.load(text[4:end + 1], Loader=yaml.CSafeLoader)
"""


@dataclass
class Row:
    measure: str
    pages: int
    time_with: float | None  # median seconds: with gapcheck, or gapcheck check
    time_base: float | None  # median seconds: without gapcheck, or the floor
    ratio: float  # for a growth row: the difference of two overheads
    target: float | None = None
    rounds: list[float] | None = None  # each round's ratio
    #: a 95% bootstrap interval of the median ratio: how far it may move between runs
    interval: tuple[float, float] | None = None

    @property
    def result(self) -> str:
        if self.target is None:
            return ""
        return "PASS" if self.ratio <= self.target else "FAIL"


class CommandFailed(Exception):
    pass


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def environment(workdir: Path) -> dict[str, str]:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PROPERDOCS_NO_WARNING="1")
    # A user's installed gapcheck runs from bytecode that pip compiled. A checkout run with
    # PYTHONDONTWRITEBYTECODE would compile it from source in every build and charge that to
    # the plugin; so bytecode is written, into the workdir, and the warm-up fills it.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
    return env


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Wall-clock seconds of one run of ``cmd``; CommandFailed if it exits non-zero."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise CommandFailed(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return elapsed


def side_by_side(label: str, cmd_a: list[str], cmd_b: list[str], rounds: int, cwd: Path,
                 env: dict[str, str]) -> tuple[list[float], list[float]]:
    """Times of A and B: one warm-up of each, then ``rounds`` rounds, alternating A/B and B/A.

    Run in the site's folder, as a user does (and so that ``python -m`` does not put another
    folder, such as a checkout of gapcheck, first on ``sys.path``).
    """
    timed(cmd_a, cwd, env)  # warm-up: bytecode, the page cache, caches filled on first use
    timed(cmd_b, cwd, env)
    times_a: list[float] = []
    times_b: list[float] = []
    for i in range(rounds):
        if i % 2 == 0:
            times_a.append(timed(cmd_a, cwd, env))
            times_b.append(timed(cmd_b, cwd, env))
        else:
            times_b.append(timed(cmd_b, cwd, env))
            times_a.append(timed(cmd_a, cwd, env))
        log(f"  {label}: round {i + 1}/{rounds}: {times_a[-1]:.2f}s / {times_b[-1]:.2f}s "
            f"= {times_a[-1] / times_b[-1]:.3f}")
    return times_a, times_b


def interval(ratios: list[float], draws: int = 2000) -> tuple[float, float]:
    """A 95% bootstrap interval of the median of ``ratios`` (rounds drawn again with
    replacement, a fixed seed): on a noisy machine, how far the median may move."""
    rng = random.Random(0)
    medians = sorted(statistics.median(rng.choices(ratios, k=len(ratios)))
                     for _ in range(draws))
    return medians[int(0.025 * draws)], medians[int(0.975 * draws) - 1]


def compare(measure: str, pages: int, times_a: list[float], times_b: list[float]) -> Row:
    ratios = [a / b for a, b in zip(times_a, times_b, strict=True)]
    return Row(measure, pages, statistics.median(times_a), statistics.median(times_b),
               statistics.median(ratios), rounds=[round(r, 4) for r in ratios],
               interval=interval(ratios))


def build_overhead(workdir: Path, theme: str, pages: int, rounds: int,
                   env: dict[str, str]) -> Row:
    """mkdocs build with gapcheck over the same site and theme without it."""
    root = workdir / f"{theme}-{pages}"
    # A nav of the home page, the folder indexes and the gap pages. With no nav the themes
    # render every page into every page's nav: the build grows with pages squared, and
    # gapcheck's share would shrink with size for that reason alone.
    with_cfg = generate(root, pages, theme=theme, nav="short")
    without_cfg = root / "mkdocs-without-gapcheck.yml"
    without_cfg.write_bytes(with_cfg.read_bytes())
    set_plugin(without_cfg, False)

    def build(config: Path, out: str) -> list[str]:
        return [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config),
                "-d", str(root / out)]

    times_with, times_without = side_by_side(
        f"{theme} {pages}", build(with_cfg, "site-with"), build(without_cfg, "site-without"),
        rounds, root, env)
    # the plugin did run: it replaced the home page's marker, which stays a comment without it
    if "gapcheck:coverage" in (root / "site-with" / "index.html").read_text(encoding="utf-8"):
        raise CommandFailed(f"{with_cfg}: the build left gapcheck's markers in place")
    return compare(f"build overhead, {theme} theme", pages, times_with, times_without)


def check_vs_floor(workdir: Path, pages: int, rounds: int, env: dict[str, str]) -> Row:
    """gapcheck check over the read-and-parse floor, on one site."""
    config = generate(workdir / f"check-{pages}", pages)
    check = [sys.executable, "-m", "mkdocs_gapcheck", "check", "-f", str(config)]
    floor = [sys.executable, "-c", FLOOR, str(config.parent / "docs")]
    times_check, times_floor = side_by_side(f"check {pages}", check, floor, rounds,
                                            config.parent, env)
    row = compare("gapcheck check / read-and-parse floor", pages, times_check, times_floor)
    row.target = CHECK_TARGET
    return row


def measure(workdir: Path, quick: bool) -> list[Row]:
    env = environment(workdir)
    rows: list[Row] = []
    for theme in THEMES:
        by_size = {}
        for pages in SIZES[quick]:
            log(f"build overhead, {theme} theme, {pages} pages")
            by_size[pages] = build_overhead(workdir, theme, pages, ROUNDS[quick][pages], env)
        by_size[1000].target = OVERHEAD_TARGET
        rows += by_size.values()
        # the plugin's share does not grow with the site: largest minus smallest
        small, large = by_size[min(by_size)], by_size[max(by_size)]
        rows.append(Row(f"overhead growth, {theme}, {large.pages} - {small.pages} pages",
                        large.pages, None, None, large.ratio - small.ratio, GROWTH_TARGET))
    log(f"gapcheck check against the floor, {CHECK_PAGES[quick]} pages")
    rows.append(check_vs_floor(workdir, CHECK_PAGES[quick], CHECK_ROUNDS[quick], env))
    return rows


def print_table(rows: list[Row]) -> None:
    print(f"{'measure':42} {'pages':>6} {'gapcheck':>9} {'baseline':>9} {'ratio':>7} "
          f"{'95% range':>11} {'target':>8}  result")
    print("-" * 104)
    for row in rows:
        if row.time_with is None or row.time_base is None:  # growth: a difference of ratios
            times, figure = f"{'':>9} {'':>9}", f"{row.ratio:+.3f}"
        else:
            times, figure = f"{row.time_with:#8.3g}s {row.time_base:#8.3g}s", f"{row.ratio:.3f}"
        spread = f"{row.interval[0]:.3f}-{row.interval[1]:.3f}" if row.interval else ""
        target = f"<= {row.target:.2f}" if row.target is not None else ""
        print(f"{row.measure:42} {row.pages:>6} {times} {figure:>7} {spread:>11} {target:>8}  "
              f"{row.result}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="300 and 1,000 pages, few rounds: indicative figures only")
    parser.add_argument("--workdir", type=Path, help="where to generate the sites (kept)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)

    about = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "python": platform.python_version(),
        "mkdocs": version("mkdocs"),
        "material": version("mkdocs-material"),
        "mode": "quick" if args.quick else "full",
        "load_at_start": round(os.getloadavg()[0], 2),  # other processes' share
    }
    print(", ".join(f"{key} {value}" for key, value in about.items()), flush=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="gapcheck-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        try:
            rows = measure(workdir.resolve(), args.quick)
        except CommandFailed as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    minutes = (time.perf_counter() - started) / 60
    about["load_at_end"] = round(os.getloadavg()[0], 2)

    print()
    print_table(rows)
    failed = [row for row in rows if row.result == "FAIL"]
    print(f"\ngapcheck: the build with gapcheck, or gapcheck check; baseline: the build without "
          f"it, or the floor.\nTimes are medians in wall-clock seconds; a ratio is the median "
          f"of the rounds' ratios; 95% range: a bootstrap interval of that median.\n"
          f"{len(failed)} target(s) missed; {minutes:.1f} min; load average "
          f"{about['load_at_start']} at the start, {about['load_at_end']} at the end")
    if args.quick:
        print("quick run: few rounds on small sites, the figures are indicative only")
    if args.json:
        data = {**about, "minutes": round(minutes, 1),
                "rows": [{**asdict(row), "result": row.result} for row in rows]}
        args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
