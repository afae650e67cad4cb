"""What the trend marker adds to a build: a site with a long git history, built with and
without ``<!-- gapcheck:trend -->``.

    python benchmarks/history.py [--commits 500] [--pages 200] [--rounds 5] [--workdir DIR]

Generates a site (``generate.py``), commits it, then makes ``--commits - 1`` more commits that
each change a gap page (a status every third commit, a line of prose otherwise). Each build
runs in a fresh Python process (the history cache starts empty, as in a first ``mkdocs
build``), timed inside it from ``load_config`` to the end of ``build``, wall clock. The two
variants alternate, ``--rounds`` times each; the figure is the difference of the medians.
It also times ``history.site_history`` alone (cold) and a second call in the same process
(the cache that ``mkdocs serve`` rebuilds hit).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MARKER = "\n<!-- gapcheck:trend -->\n"
STATUSES = ("open", "in-progress", "resolved")


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def make_site(root: Path, pages: int, commits: int) -> Path:
    sys.path.insert(0, str(HERE))
    from generate import generate

    config = generate(root, pages, theme="mkdocs", nav="short")
    env = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.org",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.org"}
    os.environ.update(env)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "site")
    gap_pages = sorted((root / "docs").rglob("*.md"))
    gap_pages = [p for p in gap_pages if "\ngaps:" in p.read_text(encoding="utf-8")]
    for n in range(1, commits):
        page = gap_pages[n % len(gap_pages)]
        text = page.read_text(encoding="utf-8")
        if n % 3 == 0:
            matches = list(re.finditer(r"status: (open|in-progress|resolved)\n", text))
            if matches:
                m = matches[n % len(matches)]
                new = STATUSES[(STATUSES.index(m[1]) + 1) % len(STATUSES)]
                text = text[: m.start()] + f"status: {new}\n" + text[m.end():]
        else:
            text += f"\nRevision {n} of this analysis.\n"
        page.write_text(text, encoding="utf-8")
        _git(root, "commit", "-q", "-a", "-m", f"edit {n}")
    return config


def _worker(config: str) -> None:
    """One timed build in this process; prints the seconds."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    with tempfile.TemporaryDirectory() as site_dir:
        start = time.perf_counter()
        build(load_config(config, site_dir=site_dir))
        print(time.perf_counter() - start)


def timed_build(config: Path) -> float:
    out = subprocess.run([sys.executable, __file__, "--worker", str(config)], check=True,
                         capture_output=True, text=True, env={**os.environ,
                                                              "NO_MKDOCS_2_WARNING": "1"})
    return float(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commits", type=int, default=500)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workdir")
    parser.add_argument("--worker")
    args = parser.parse_args()
    if args.worker:
        _worker(args.worker)
        return 0
    work = Path(args.workdir or tempfile.mkdtemp(prefix="gapcheck-history-"))
    root = work / "site"
    start = time.perf_counter()
    config = make_site(root, args.pages, args.commits)
    print(f"site: {args.pages} pages, {args.commits} commits in {root} "
          f"({time.perf_counter() - start:.1f} s to make)")

    from mkdocs_gapcheck import history
    from mkdocs_gapcheck.options import Options

    t0 = time.perf_counter()
    result = history.site_history(str(root), str(root / "docs"), Options())
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    history.site_history(str(root), str(root / "docs"), Options())
    warm = time.perf_counter() - t0
    print(f"site_history: {len(result.points)} points; cold {cold * 1000:.0f} ms, "
          f"cached {warm * 1000:.1f} ms")

    index = root / "docs" / "index.md"
    plain = index.read_text(encoding="utf-8")
    times: dict[str, list[float]] = {"without": [], "with": []}
    try:
        for _ in range(args.rounds):
            for variant in ("without", "with"):
                index.write_text(plain + (MARKER if variant == "with" else ""), encoding="utf-8")
                times[variant].append(timed_build(config))
    finally:
        index.write_text(plain, encoding="utf-8")
    without, with_ = (statistics.median(times[k]) for k in ("without", "with"))
    print(f"{'build':<28}{'median s':>10}   all rounds")
    for name, key in (("without the trend marker", "without"), ("with the trend marker", "with")):
        print(f"{name:<28}{statistics.median(times[key]):>10.3f}   "
              + " ".join(f"{t:.3f}" for t in times[key]))
    added = with_ - without
    print(f"added by the trend marker: {added:.3f} s (target: under 1 s) "
          f"{'PASS' if added < 1 else 'FAIL'}")
    return 0 if added < 1 else 1


if __name__ == "__main__":
    sys.exit(main())
