"""Run every benchmark and print a table of figures and ratios with PASS/FAIL against targets.

    python benchmarks/run.py            # full run: 300, 1,000 and 3,000 pages (20-25 min, 2 cores)
    python benchmarks/run.py --quick    # smaller sites, fewer repeats (under 2 min)
    python benchmarks/run.py --only overhead|scaling|cli
    python benchmarks/run.py --json results.json

The plugin's benchmarks are in ``benchmarks/plugin.py``; the CLI's, if present, in
``benchmarks/cli.py`` (its ``run(quick=...)`` is called, see ``_cli_rows``). Sites are
generated into a temporary directory (``--workdir`` to keep them). Exit status 1 if a target
is missed. See benchmarks/README.md for what each figure means and why it is measured so.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

from benchmarks.plugin import (  # noqa: E402
    Row,
    ensure_bytecode,
    measure_instructions,
    measure_overhead,
    measure_scaling,
    measure_scaling_instructions,
)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _overhead_rows(workdir: Path, quick: bool) -> Iterable[Row]:
    if quick:
        sizes, themes = [300], ["mkdocs", "material"]

        def repeats(pages: int, theme: str) -> int:
            return 2
    else:
        sizes, themes = [300, 1000, 3000], ["mkdocs", "material"]

        def repeats(pages: int, theme: str) -> int:
            return {300: 8, 1000: 6}.get(pages, 4)

    return measure_overhead(workdir, sizes, themes, repeats, log=_log)


def _instruction_rows(workdir: Path, quick: bool) -> Iterable[Row]:
    sizes = [300] if quick else [300, 1000]
    yield from measure_instructions(workdir, sizes, ["mkdocs", "material"], log=_log)
    pairs = [(1000, 4000)] if quick else [(1000, 4000), (2500, 10000)]
    yield from measure_scaling_instructions(workdir, pairs, log=_log)


def _scaling_rows(workdir: Path, quick: bool) -> Iterable[Row]:
    if quick:
        return measure_scaling(workdir, [(1000, 4000)], 3, [(500, 2000)], 1, log=_log)
    return measure_scaling(
        workdir, [(1000, 4000), (2500, 10000)], 9, [(1000, 4000), (2500, 10000)], 3, log=_log
    )


def _cli_rows(workdir: Path, quick: bool) -> Iterable[Row]:
    """Rows from ``benchmarks/cli.py``: its ``run(workdir=..., quick=...)``, if it exists.

    Each item it returns (or yields) is a :class:`Row`, or a mapping with at least ``name``
    (or ``benchmark``), ``value`` and ``target``; anything else is printed as a note.
    """
    if not (HERE / "cli.py").exists():
        yield Row("cli vs read-and-parse floor", "-", "benchmarks/cli.py not present: skipped",
                  0.0, 0.0, note="SKIP")
        return
    module = importlib.import_module("benchmarks.cli")
    func = getattr(module, "run", None) or getattr(module, "main", None)
    if func is None:
        yield Row("cli vs read-and-parse floor", "-", "benchmarks/cli.py has no run(): skipped",
                  0.0, 0.0, note="SKIP")
        return
    try:
        result: Any = func(workdir=workdir, quick=quick)
    except TypeError:
        result = func(quick=quick)
    if isinstance(result, (Row, dict)):
        result = [result]
    for item in result or []:
        if isinstance(item, Row):
            yield item
        elif isinstance(item, dict):
            yield Row(
                str(item.get("benchmark") or item.get("name", "cli")),
                str(item.get("config", "")),
                str(item.get("figures", "")),
                float(item.get("value", item.get("ratio", 0.0))),
                float(item.get("target", float("inf"))),
                note=str(item.get("note", "")),
            )
        else:
            yield Row("cli", "", str(item), 0.0, float("inf"), note="INFO")


def _status(row: Row) -> str:
    if row.note in ("SKIP", "INFO"):
        return row.note
    return "PASS" if row.passed else "FAIL"


def _print_table(rows: list[Row]) -> None:
    print()
    print(f"{'benchmark':44} {'config':38} {'ratio':>7} {'target':>7}  result")
    print("-" * 108)
    for row in rows:
        ratio = f"{row.value:.3f}" if row.note not in ("SKIP", "INFO") else "-"
        target = f"{row.target:.2f}" if row.note not in ("SKIP", "INFO") else "-"
        print(f"{row.benchmark[:44]:44} {row.config[:38]:38} {ratio:>7} {target:>7}  "
              f"{_status(row)}")
        print(f"    {row.figures}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run gapcheck's benchmarks.")
    parser.add_argument("--quick", action="store_true", help="small sites, few repeats")
    parser.add_argument(
        "--only", choices=("overhead", "instructions", "scaling", "cli"), action="append"
    )
    parser.add_argument("--workdir", type=Path, help="where to generate sites (kept)")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args(argv)
    os.environ["NO_MKDOCS_2_WARNING"] = "1"
    os.environ["PROPERDOCS_NO_WARNING"] = "1"
    only = set(args.only or ("overhead", "instructions", "scaling", "cli"))

    started = time.perf_counter()
    ensure_bytecode()
    _log(f"python {platform.python_version()} on {platform.machine()}, "
         f"{os.cpu_count()} cpus; {'quick' if args.quick else 'full'} run")
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="gapcheck-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for name, produce in (("overhead", _overhead_rows),
                              ("instructions", _instruction_rows),
                              ("scaling", _scaling_rows), ("cli", _cli_rows)):
            if name not in only:
                continue
            _log(f"== {name}")
            for row in produce(workdir, args.quick):
                rows.append(row)
                _log(f"  -> {row.benchmark} [{row.config}]: {row.value:.3f} ({_status(row)})")
    _print_table(rows)
    elapsed = time.perf_counter() - started
    print(f"\n{sum(_status(r) == 'PASS' for r in rows)} passed, "
          f"{sum(_status(r) == 'FAIL' for r in rows)} failed, "
          f"{sum(_status(r) in ('SKIP', 'INFO') for r in rows)} skipped/info; "
          f"{elapsed / 60:.1f} min")
    if args.json:
        args.json.write_text(json.dumps(
            [{"benchmark": r.benchmark, "config": r.config, "figures": r.figures,
              "value": r.value, "target": r.target, "result": _status(r), **r.details}
             for r in rows], indent=2) + "\n", encoding="utf-8")
    return 1 if any(_status(r) == "FAIL" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
