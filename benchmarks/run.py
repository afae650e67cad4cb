"""What gapcheck costs: in an MkDocs build, and as ``gapcheck check``.

    python benchmarks/run.py                  # full run: 300, 1,000 and 3,000 pages
    python benchmarks/run.py --quick          # 300 and 1,000 pages, few rounds: indicative only
    python benchmarks/run.py --instructions   # instructions counted by valgrind: no noise
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

``--instructions`` counts the instructions each command executes instead (valgrind's
callgrind tool, one run of each after a warm-up, 300 and 1,000 pages and the check): a count
does not move with the machine's load, so it tells a pass from a miss where wall-clock rounds
on a shared machine cannot, at the price of ~15 minutes. An instruction is not a second (memory
stalls cost time and no instructions), so it complements the timed run rather than replacing
it.

Exit status 1 if a target is missed, 2 if a command fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import shutil
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
MODES = ("full", "quick", "instructions")
SIZES = {"full": (300, 1000, 3000), "quick": (300, 1000), "instructions": (300, 1000)}
# rounds after the warm-up, even so that A and B go first equally often; more rounds where
# builds are short, since a short build is moved most by a busy spell. A count of
# instructions is the same every run: one round.
ROUNDS = {"full": {300: 20, 1000: 16, 3000: 6}, "quick": {300: 4, 1000: 2},
          "instructions": {300: 1, 1000: 1}}
CHECK_PAGES = {"full": 5000, "quick": 1000, "instructions": 5000}
CHECK_ROUNDS = {"full": 16, "quick": 6, "instructions": 1}

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
    time_with: float | None  # median seconds (or instructions): with gapcheck, or the check
    time_base: float | None  # median seconds (or instructions): without gapcheck, or the floor
    ratio: float  # for a growth row: the difference of two overheads
    target: float | None = None
    rounds: list[float] | None = None  # each round's ratio
    #: a 95% bootstrap interval of the median ratio: how far it may move between runs
    interval: tuple[float, float] | None = None
    unit: str = "s"  #: of the two times: "s" for seconds, "instructions"

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


def counted(cmds: list[list[str]], cwd: Path, env: dict[str, str]) -> list[float]:
    """Instructions each command executes, counted by valgrind (callgrind); the commands run
    at the same time, which changes no count."""
    procs = [
        subprocess.Popen(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
                         cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True)
        for cmd in cmds
    ]
    counts = []
    for proc, cmd in zip(procs, cmds, strict=True):
        _, err = proc.communicate()
        found = re.search(r"Collected : (\d+)", err)
        if proc.returncode != 0 or found is None:
            raise CommandFailed(f"valgrind {' '.join(cmd)} exited {proc.returncode}:\n"
                                f"{err[-3000:]}")
        counts.append(float(found[1]))
    return counts


def side_by_side(label: str, cmd_a: list[str], cmd_b: list[str], rounds: int, cwd: Path,
                 env: dict[str, str], instructions: bool = False
                 ) -> tuple[list[float], list[float]]:
    """Times of A and B: one warm-up of each, then ``rounds`` rounds, alternating A/B and B/A;
    with ``instructions``, the instructions of one run of each after the warm-up.

    Run in the site's folder, as a user does (and so that ``python -m`` does not put another
    folder, such as a checkout of gapcheck, first on ``sys.path``).
    """
    timed(cmd_a, cwd, env)  # warm-up: bytecode, the page cache, caches filled on first use
    timed(cmd_b, cwd, env)
    if instructions:
        count_a, count_b = counted([cmd_a, cmd_b], cwd, env)
        log(f"  {label}: {count_a / 1e9:.3f}G / {count_b / 1e9:.3f}G instructions "
            f"= {count_a / count_b:.3f}")
        return [count_a], [count_b]
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


def compare(measure: str, pages: int, times_a: list[float], times_b: list[float],
            instructions: bool = False) -> Row:
    ratios = [a / b for a, b in zip(times_a, times_b, strict=True)]
    return Row(measure, pages, statistics.median(times_a), statistics.median(times_b),
               statistics.median(ratios), rounds=[round(r, 4) for r in ratios],
               interval=interval(ratios) if len(ratios) > 1 else None,
               unit="instructions" if instructions else "s")


def build_overhead(workdir: Path, theme: str, pages: int, rounds: int,
                   env: dict[str, str], instructions: bool = False) -> Row:
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
        rounds, root, env, instructions)
    # the plugin did run: it replaced the home page's marker, which stays a comment without it
    if "gapcheck:coverage" in (root / "site-with" / "index.html").read_text(encoding="utf-8"):
        raise CommandFailed(f"{with_cfg}: the build left gapcheck's markers in place")
    return compare(f"build overhead, {theme} theme", pages, times_with, times_without,
                   instructions)


def check_vs_floor(workdir: Path, pages: int, rounds: int, env: dict[str, str],
                   instructions: bool = False) -> Row:
    """gapcheck check over the read-and-parse floor, on one site."""
    config = generate(workdir / f"check-{pages}", pages)
    check = [sys.executable, "-m", "mkdocs_gapcheck", "check", "-f", str(config)]
    floor = [sys.executable, "-c", FLOOR, str(config.parent / "docs")]
    times_check, times_floor = side_by_side(f"check {pages}", check, floor, rounds,
                                            config.parent, env, instructions)
    row = compare("gapcheck check / read-and-parse floor", pages, times_check, times_floor,
                  instructions)
    row.target = CHECK_TARGET
    return row


def measure(workdir: Path, mode: str) -> list[Row]:
    env = environment(workdir)
    counting = mode == "instructions"
    rows: list[Row] = []
    for theme in THEMES:
        by_size = {}
        for pages in SIZES[mode]:
            log(f"build overhead, {theme} theme, {pages} pages")
            by_size[pages] = build_overhead(workdir, theme, pages, ROUNDS[mode][pages], env,
                                            counting)
        by_size[1000].target = OVERHEAD_TARGET
        rows += by_size.values()
        # the plugin's share does not grow with the site: largest minus smallest
        small, large = by_size[min(by_size)], by_size[max(by_size)]
        rows.append(Row(f"overhead growth, {theme}, {large.pages} - {small.pages} pages",
                        large.pages, None, None, large.ratio - small.ratio, GROWTH_TARGET))
    log(f"gapcheck check against the floor, {CHECK_PAGES[mode]} pages")
    rows.append(check_vs_floor(workdir, CHECK_PAGES[mode], CHECK_ROUNDS[mode], env, counting))
    return rows


def print_table(rows: list[Row]) -> None:
    print(f"{'measure':42} {'pages':>6} {'gapcheck':>9} {'baseline':>9} {'ratio':>7} "
          f"{'95% range':>11} {'target':>8}  result")
    print("-" * 104)
    for row in rows:
        if row.time_with is None or row.time_base is None:  # growth: a difference of ratios
            times, figure = f"{'':>9} {'':>9}", f"{row.ratio:+.3f}"
        elif row.unit == "instructions":  # in billions
            times = f"{row.time_with / 1e9:#8.4g}G {row.time_base / 1e9:#8.4g}G"
            figure = f"{row.ratio:.3f}"
        else:
            times, figure = f"{row.time_with:#8.3g}s {row.time_base:#8.3g}s", f"{row.ratio:.3f}"
        spread = f"{row.interval[0]:.3f}-{row.interval[1]:.3f}" if row.interval else ""
        target = f"<= {row.target:.2f}" if row.target is not None else ""
        print(f"{row.measure:42} {row.pages:>6} {times} {figure:>7} {spread:>11} {target:>8}  "
              f"{row.result}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument("--quick", action="store_true",
                       help="300 and 1,000 pages, few rounds: indicative figures only")
    modes.add_argument("--instructions", action="store_true",
                       help="count instructions with valgrind instead of timing (300 and 1,000 "
                       "pages, the check): figures that do not move with the machine's load")
    parser.add_argument("--workdir", type=Path, help="where to generate the sites (kept)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "instructions" if args.instructions else "full"
    if mode == "instructions" and shutil.which("valgrind") is None:
        print("error: --instructions needs valgrind (Debian: apt install valgrind)",
              file=sys.stderr)
        return 2

    about = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "python": platform.python_version(),
        "mkdocs": version("mkdocs"),
        "material": version("mkdocs-material"),
        "mode": mode,
        "load_at_start": round(os.getloadavg()[0], 2),  # other processes' share
    }
    print(", ".join(f"{key} {value}" for key, value in about.items()), flush=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="gapcheck-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        try:
            rows = measure(workdir.resolve(), mode)
        except CommandFailed as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    minutes = (time.perf_counter() - started) / 60
    about["load_at_end"] = round(os.getloadavg()[0], 2)

    print()
    print_table(rows)
    failed = [row for row in rows if row.result == "FAIL"]
    measured = (
        "Instructions counted by valgrind, in billions (G), one run of each; a ratio is theirs."
        if mode == "instructions" else
        "Times are medians in wall-clock seconds; a ratio is the median of the rounds' ratios; "
        "95% range: a bootstrap interval of that median."
    )
    print(f"\ngapcheck: the build with gapcheck, or gapcheck check; baseline: the build without "
          f"it, or the floor.\n{measured}\n"
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
