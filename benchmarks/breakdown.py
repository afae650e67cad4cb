"""Where gapcheck's share of a build goes, part by part.

    python benchmarks/breakdown.py                      # 1,000 pages, mkdocs theme
    python benchmarks/breakdown.py --pages 300 --theme material --rounds 7

``run.py`` says how much longer a build takes with gapcheck; this script says what the
difference is made of. It generates a site (``generate.py``, short nav), builds it in this
process with and without gapcheck, alternating, and times:

- each of gapcheck's events (reading and analysing the pages in ``on_nav``, the backlinks
  and the views in ``on_page_context``, the export in ``on_post_build``, ...);
- the search plugin's ``on_page_context``: it indexes the backlinks too, which are part of
  the page text it reads;
- the garbage collector's passes (``gc.callbacks``);
- and, in fresh processes, the import of the plugin once MkDocs' own modules are loaded.

Every figure is the median of the rounds, after one warm-up build of each. In-process times
leave out process start-up; the import row gives gapcheck's part of it. The machine's noise
applies: read the parts as "about".
"""

from __future__ import annotations

import argparse
import functools
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate, set_plugin

#: gapcheck's events (the methods MkDocs calls), by the name shown
EVENTS = {
    "on_config": "on_config",
    "on_files": "on_files",
    "on_nav: read and analyse pages": "on_nav",
    "on_page_content": "on_page_content",
    "on_env": "on_env",
    "on_page_context: backlinks": "_on_page_context_backlinks",
    "on_page_context: views": "_on_page_context_views",
    "on_post_build: export": "on_post_build",
}
IMPORT = """
import time
import mkdocs.commands.build, mkdocs.config.defaults, mkdocs.contrib.search, mkdocs.plugins
import mkdocs.structure.nav, mkdocs.structure.pages, mkdocs.utils.templates
start = time.perf_counter()
import mkdocs_gapcheck.plugin
print(time.perf_counter() - start)
"""

spent: dict[str, float] = defaultdict(float)


def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - start

    return wrapper


def instrument() -> None:
    """Wrap the events before MkDocs loads the plugins, which binds them."""
    from mkdocs.contrib.search import SearchPlugin
    from mkdocs.plugins import CombinedEvent

    from mkdocs_gapcheck.plugin import GapcheckPlugin

    for name, method in EVENTS.items():
        setattr(GapcheckPlugin, method, timed(name, getattr(GapcheckPlugin, method)))
    GapcheckPlugin.on_page_context = CombinedEvent(  # type: ignore[assignment]
        GapcheckPlugin._on_page_context_backlinks, GapcheckPlugin._on_page_context_views
    )
    SearchPlugin.on_page_context = timed(  # type: ignore[method-assign]
        "search: on_page_context", SearchPlugin.on_page_context
    )
    started = [0.0]

    def collector(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            spent["garbage collection"] += time.perf_counter() - started[0]

    gc.callbacks.append(collector)


def build_once(config_file: Path, site_dir: Path) -> dict[str, float]:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    spent.clear()
    config = load_config(str(config_file), site_dir=str(site_dir))
    start = time.perf_counter()
    build(config)
    return {"build": time.perf_counter() - start, **spent}


def import_time(rounds: int, pycache: Path) -> float:
    # bytecode is written (as for an installed copy) by the first run, which is not counted
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONPYCACHEPREFIX=str(pycache))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    times = [
        float(subprocess.run([sys.executable, "-c", IMPORT], env=env, check=True,
                             capture_output=True, text=True).stdout)
        for _ in range(rounds + 1)
    ]
    return statistics.median(times[1:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--theme", choices=("mkdocs", "material"), default="mkdocs")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workdir", type=Path, help="where to generate the site (kept)")
    args = parser.parse_args(argv)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

    with tempfile.TemporaryDirectory(prefix="gapcheck-breakdown-") as tmp:
        root = (args.workdir or Path(tmp)) / f"{args.theme}-{args.pages}"
        with_cfg = generate(root, args.pages, theme=args.theme, nav="short")
        without_cfg = root / "mkdocs-without-gapcheck.yml"
        without_cfg.write_bytes(with_cfg.read_bytes())
        set_plugin(without_cfg, False)
        instrument()
        sides: dict[str, list[dict[str, float]]] = {"with": [], "without": []}
        for i in range(args.rounds + 1):  # the first round warms up
            order = [("with", with_cfg), ("without", without_cfg)]
            for side, config in order if i % 2 == 0 else order[::-1]:
                figures = build_once(config, root / f"site-{side}")
                if i:
                    sides[side].append(figures)
            print(f"round {i}/{args.rounds}", file=sys.stderr, flush=True)
        imported = import_time(args.rounds, root / "pycache")

    def median(side: str, name: str) -> float:
        return statistics.median(r.get(name, 0.0) for r in sides[side])

    base = median("without", "build")
    rows = [("build without gapcheck (in process)", base, None)]
    rows += [(name, median("with", name), None) for name in EVENTS]
    rows.append(("import of the plugin (fresh process)", imported, None))
    for name in ("search: on_page_context", "garbage collection"):
        rows.append((name, median("with", name), median("without", name)))
    rows.append(("build with gapcheck (in process)", median("with", "build"), base))

    print(f"{args.pages} pages, {args.theme} theme, median of {args.rounds} rounds (ms)")
    print(f"{'part':44} {'with':>9} {'without':>9} {'share':>7}")
    for name, value, other in rows:
        extra = value - (other or 0.0) if name != rows[0][0] else value
        share = f"{100 * extra / base:6.1f}%" if name != rows[0][0] else ""
        without = f"{1000 * other:9.1f}" if other is not None else ""
        print(f"{name:44} {1000 * value:9.1f} {without:>9} {share:>7}")
    print("share: what the part adds (with minus without where both are timed), as a "
          "percentage of the build without gapcheck")
    return 0


if __name__ == "__main__":
    sys.exit(main())
