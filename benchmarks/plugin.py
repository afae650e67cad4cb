"""How much the gapcheck plugin adds to a build, and how its own work grows with the site.

Two measurements, on sites from ``benchmarks/generate.py``:

overhead
    Build time with the plugin over build time without it, same sources, same theme. Every
    build runs in a fresh Python process (so no build profits from caches a previous build
    warmed: imported extensions, compiled templates, the allocator's pools), timed inside that
    process from ``load_config`` to the end of ``build`` (the plugin's import included), with
    an empty ``site_dir``. The figure is CPU time (``time.process_time``): on a shared
    machine wall time also counts the other processes' turns. In each round the two builds
    run at the same time, one per core, so that a slow spell hits both; the figure is the
    median of the rounds' ratios. ``measure_instructions`` counts the same builds'
    instructions under valgrind, which a busy machine does not change.

scaling
    The plugin's own work at 4N pages over N pages: ``core.analyze`` on the sources in memory,
    every view and backlinks block rendered outside MkDocs (``time_render``, beside a control:
    MkDocs' own ``get_relative_url`` on the same links in the same rounds), and the time
    spent inside the plugin's event methods during a real build (each ``on_*`` method of
    ``GapcheckPlugin`` wrapped by a timer before the config loads), shown beside how much the
    rest of the same builds grew.

Run through ``benchmarks/run.py``; ``python benchmarks/plugin.py --worker CONFIG SITE_DIR``
is the per-build subprocess.
"""

from __future__ import annotations

import functools
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

from benchmarks.generate import generate, set_plugin  # noqa: E402

OVERHEAD_TARGET = 1.03
SCALING_TARGET = 4.4


@dataclass
class Row:
    """One line of the results table."""

    benchmark: str
    config: str
    figures: str
    value: float
    target: float
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.value <= self.target


def ensure_bytecode() -> None:
    """Compile gapcheck's modules to ``__pycache__`` once, as ``pip install`` does.

    A checkout run with ``PYTHONDONTWRITEBYTECODE=1`` (as on this machine) would otherwise
    compile every module from source in every build process, about 30 ms that no installed
    copy pays, and count it as the plugin's overhead.
    """
    import compileall

    import mkdocs_gapcheck

    compileall.compile_dir(Path(mkdocs_gapcheck.__file__).parent, quiet=1)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["NO_MKDOCS_2_WARNING"] = "1"
    env["PROPERDOCS_NO_WARNING"] = "1"
    env.setdefault("PYTHONHASHSEED", "0")
    return env


# --- the per-build subprocess ---------------------------------------------------------------


def _wrap_events(totals: dict[str, float]) -> None:
    """Time every ``on_*`` method of the plugin class; the priorities stay on the wrappers."""
    from mkdocs.plugins import CombinedEvent

    from mkdocs_gapcheck.plugin import GapcheckPlugin

    def timed(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                totals[name] = totals.get(name, 0.0) + time.perf_counter() - start

        return wrapper

    for name in [n for n in vars(GapcheckPlugin) if n.startswith("on_")]:
        method = vars(GapcheckPlugin)[name]
        if isinstance(method, CombinedEvent):  # several handlers, each with its priority
            setattr(GapcheckPlugin, name, CombinedEvent(*(timed(name, m) for m in method.methods)))
        elif callable(method):
            setattr(GapcheckPlugin, name, timed(name, method))


def worker(config_file: str, site_dir: str, events: bool) -> dict[str, Any]:
    """Build one site in this process; the build's time and, if asked, the plugin's events'."""
    import logging

    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    totals: dict[str, float] = {}
    if events:
        _wrap_events(totals)
    gc.collect()
    start, cpu_start = time.perf_counter(), time.process_time()
    config = load_config(config_file, site_dir=site_dir)
    build(config)
    cpu = time.process_time() - cpu_start
    elapsed = time.perf_counter() - start
    return {"build": cpu, "wall": elapsed, "events": totals}


def _worker_cmd(config_file: Path, site_dir: Path, events: bool) -> list[str]:
    if site_dir.exists():
        shutil.rmtree(site_dir)
    cmd = [sys.executable, str(HERE / "plugin.py"), "--worker", str(config_file), str(site_dir)]
    if events:
        cmd.append("--events")
    return cmd


def _result(config_file: Path, returncode: int, stdout: str, stderr: str) -> dict[str, Any]:
    if returncode != 0:
        raise RuntimeError(f"build of {config_file} failed:\n{stderr[-3000:]}")
    result: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    return result


def build_in_subprocess(config_file: Path, site_dir: Path, events: bool = False) -> dict[str, Any]:
    """One build in a fresh interpreter, into an emptied ``site_dir``."""
    cmd = _worker_cmd(config_file, site_dir, events)
    done = subprocess.run(cmd, capture_output=True, text=True, env=_env(), check=False)
    return _result(config_file, done.returncode, done.stdout, done.stderr)


def build_pair_concurrently(
    first: Path, second: Path, site_dirs: tuple[Path, Path]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two builds at once, each in a fresh interpreter on its own core: whatever else the
    machine does during the round slows both alike. Both site_dirs are emptied before either
    build starts: emptying the second one while the first ran gave the first a head start
    alone on the machine."""
    cmds = [_worker_cmd(cfg, site, False) for cfg, site in zip((first, second), site_dirs,
                                                               strict=True)]
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=_env())
        for cmd in cmds
    ]
    outs = [proc.communicate() for proc in procs]
    return (
        _result(first, procs[0].returncode, *outs[0]),
        _result(second, procs[1].returncode, *outs[1]),
    )


# --- overhead -------------------------------------------------------------------------------


def _site_pair(workdir: Path, pages: int, theme: str) -> tuple[Path, Path]:
    """One generated docs/ with two configs: with the plugin and without it."""
    root = workdir / f"site-{pages}-{theme}"
    with_plugin = generate(root, pages, seed=0, theme=theme, plugin=True, nav="short")
    without = root / "mkdocs-noplugin.yml"
    shutil.copyfile(with_plugin, without)
    set_plugin(without, False)
    return with_plugin, without


def _fmt(seconds: list[float]) -> str:
    return f"min {min(seconds):.2f}s med {statistics.median(seconds):.2f}s"


def measure_overhead(
    workdir: Path, sizes: list[int], themes: list[str], repeats: Callable[[int, str], int],
    log: Callable[[str], None] = print,
) -> Iterator[Row]:
    for theme in themes:
        for pages in sizes:
            with_cfg, without_cfg = _site_pair(workdir, pages, theme)
            # An even number of rounds: each build starts first in half of them, so that the
            # order can weigh on the median neither way.
            runs = repeats(pages, theme)
            runs += runs % 2
            cpu: dict[bool, list[float]] = {True: [], False: []}
            wall: dict[bool, list[float]] = {True: [], False: []}
            sites = (with_cfg.parent / "site-bench-a", with_cfg.parent / "site-bench-b")
            for i in range(runs):
                # Both builds of a round run at once, one per core; which starts first (and
                # which site_dir it gets) flips every round.
                if i % 2:
                    without_run, with_run = build_pair_concurrently(without_cfg, with_cfg, sites)
                else:
                    with_run, without_run = build_pair_concurrently(with_cfg, without_cfg, sites)
                for plugged, result in ((True, with_run), (False, without_run)):
                    cpu[plugged].append(result["build"])
                    wall[plugged].append(result["wall"])
                log(f"  overhead {theme} {pages}: round {i + 1}/{runs} "
                    f"({'without' if i % 2 else 'with'} gapcheck started first): cpu with "
                    f"{cpu[True][-1]:.2f}s without {cpu[False][-1]:.2f}s "
                    f"({cpu[True][-1] / cpu[False][-1]:.3f}); wall with "
                    f"{wall[True][-1]:.2f}s without {wall[False][-1]:.2f}s")
            paired = statistics.median(a / b for a, b in zip(cpu[True], cpu[False], strict=True))
            yield Row(
                "overhead (build with / without plugin)",
                f"{theme}, {pages} pages, {runs} rounds",
                f"CPU with {_fmt(cpu[True])}; without {_fmt(cpu[False])}; ratio of mins "
                f"{min(cpu[True]) / min(cpu[False]):.3f}; ratio of medians "
                f"{statistics.median(cpu[True]) / statistics.median(cpu[False]):.3f}; "
                f"the figure: median of the rounds' ratios; rounds "
                + " ".join(f"{a / b:.3f}" for a, b in zip(cpu[True], cpu[False], strict=True)),
                paired,
                OVERHEAD_TARGET,
                details={"cpu_with": cpu[True], "cpu_without": cpu[False],
                         "wall_with": wall[True], "wall_without": wall[False]},
            )
            for site in sites:
                shutil.rmtree(site, ignore_errors=True)


# --- scaling --------------------------------------------------------------------------------


def _read_sources(config_file: Path) -> list[Any]:
    from mkdocs_gapcheck.core import SourceFile

    docs = config_file.parent / "docs"
    return [
        SourceFile(p.relative_to(docs).as_posix(), p.read_bytes())
        for p in sorted(docs.rglob("*.md"))
    ]


def time_analyze(configs: list[Path], repeats: int) -> list[list[float]]:
    """``core.analyze`` on each site's sources, already in memory, the sites in turn."""
    from mkdocs_gapcheck.core import analyze
    from mkdocs_gapcheck.options import Options

    sources = [_read_sources(config_file) for config_file in configs]
    for site_sources in sources:  # untimed: first-use costs (patterns compiled on first use)
        analyze(site_sources, Options())
    times: list[list[float]] = [[] for _ in configs]
    for _ in range(repeats):
        for i, site_sources in enumerate(sources):
            gc.collect()
            start = time.perf_counter()
            model = analyze(site_sources, Options())
            times[i].append(time.perf_counter() - start)
            assert not model.findings, model.findings[:3]
    return times


def _render_site(
    model: Any, urls: dict[str, str], links: list[tuple[str, str]] | None = None
) -> None:
    """Every marker's view and every backlinks block of a site, for every page, with the
    plugin's own relative URLs. Pages get a minimal HTML body: an H1 and a heading for each
    gap, where the backlinks go. With ``links``, each URL the views ask for is added to it as
    (target URL, page URL)."""
    from types import SimpleNamespace

    from mkdocs_gapcheck import render
    from mkdocs_gapcheck.options import Options
    from mkdocs_gapcheck.plugin import GapcheckPlugin

    options = Options()
    plugin = GapcheckPlugin()
    plugin.urls = urls
    memo = render.Memo(model, options, lambda path: None)
    for page in model.pages.values():
        here = SimpleNamespace(url=urls[page.path])
        url_for = plugin._url_for(here)  # type: ignore[arg-type]
        if links is not None:
            url_for = _recording(url_for, here.url, urls, links)
        view = render.View(
            model=model, options=options, page=page.path, memo=memo, url_for=url_for,
            headings=lambda path: None,
        )
        if page.markers:
            render.render_markers(view, [(m.name, m.filters) for m in page.markers])
        if page.gaps or page.addresses:
            anchors = (memo.anchor(g) for g in map(model.gap, page.gaps) if g)
            content = "<h1>Title</h1>" + "".join(
                f'<h2 id="{a}">Gap</h2><p>Text.</p>' for a in anchors if a
            )
            render.insert_backlinks(view, content)


def _recording(
    url_for: Callable[[str], str | None], here: str, urls: dict[str, str],
    links: list[tuple[str, str]],
) -> Callable[[str], str | None]:
    def recorded(target: str) -> str | None:
        if target in urls:
            links.append((urls[target], here))
        return url_for(target)

    return recorded


def _relative_urls(links: list[tuple[str, str]]) -> None:
    """The control of the render timer: MkDocs' own ``get_relative_url`` on the same links."""
    from mkdocs.utils import get_relative_url

    for url, here in links:
        get_relative_url(url, here)


def _site_model(config_file: Path) -> tuple[Any, dict[str, str]]:
    """A generated site's model and its pages' URLs (``use_directory_urls``)."""
    from mkdocs_gapcheck.core import analyze
    from mkdocs_gapcheck.options import Options

    model = analyze(_read_sources(config_file), Options())
    urls = {
        path: ("" if path == "index.md" else path.removesuffix("index.md").removesuffix(".md")
               + ("" if path.endswith("index.md") else "/"))
        for path in model.pages
    }
    return model, urls


def time_render(
    configs: list[Path], repeats: int, control: list[list[float]] | None = None,
    again: list[float] | None = None,
) -> list[list[float]]:
    """What the plugin renders in a build, outside MkDocs (``_render_site``).

    Inside a build the same work is timed in a process that holds MkDocs' whole site (pages,
    HTML, search index), whose growth slows every step per page, MkDocs' own included; this
    measures gapcheck's rendering apart from that.

    With ``control``, each round also times MkDocs' ``get_relative_url`` on every link the
    views made (``_relative_urls``), right after the render of the same site: work of a
    fixed cost per link, by MkDocs, on the same links in the same process, to tell how much
    the machine alone slows such work on the larger site.

    With ``again``, each round also times the first (smallest) site's render four times in a
    row: four times the work on the same model. Against that site's single render in the same
    round it tells the timer and the length of a run (a longer run meets more of the
    machine's other work) from the size of the model.
    """
    sites = [_site_model(config_file) for config_file in configs]
    links: list[list[tuple[str, str]]] = [[] for _ in configs]
    for (model, urls), site_links in zip(sites, links, strict=True):
        _render_site(model, urls, site_links)  # untimed: it imports the plugin (and MkDocs)
    times: list[list[float]] = [[] for _ in configs]
    for _ in range(repeats):
        for i, (model, urls) in enumerate(sites):
            gc.collect()
            start = time.perf_counter()
            _render_site(model, urls)
            times[i].append(time.perf_counter() - start)
            if control is not None:
                gc.collect()
                start = time.perf_counter()
                _relative_urls(links[i])
                control[i].append(time.perf_counter() - start)
        if again is not None:
            model, urls = sites[0]
            gc.collect()
            start = time.perf_counter()
            for _ in range(4):
                _render_site(model, urls)
            again.append(time.perf_counter() - start)
    return times


def in_memory_worker(config_file: str, part: str, repeats: int) -> None:
    """Read a site, then run ``part`` (analyze or render) ``repeats`` times: counted under
    valgrind with 1 and 2 repeats, the difference is one run's instructions."""
    from mkdocs_gapcheck.core import analyze
    from mkdocs_gapcheck.options import Options

    if part == "analyze":
        sources = _read_sources(Path(config_file))
        for _ in range(repeats):
            analyze(sources, Options())
    else:
        model, urls = _site_model(Path(config_file))
        for _ in range(repeats):
            _render_site(model, urls)


def _paired(small: list[float], big: list[float]) -> float:
    """The median of the ratios of runs made one after the other: slow spells cancel out."""
    return statistics.median(b / a for a, b in zip(small, big, strict=True))


def _scale_site(workdir: Path, pages: int, configs: dict[int, Path]) -> Path:
    """The scaling benchmarks' site of ``pages`` pages, generated once per run (``configs``)."""
    if pages not in configs:
        configs[pages] = generate(workdir / f"scale-{pages}", pages, seed=0, nav="short")
    return configs[pages]


def measure_scaling(
    workdir: Path, pairs: list[tuple[int, int]], repeats: int, event_pairs: list[tuple[int, int]],
    event_repeats: int, log: Callable[[str], None] = print,
) -> Iterator[Row]:
    configs: dict[int, Path] = {}

    def site(pages: int) -> Path:
        return _scale_site(workdir, pages, configs)

    for label, name in (("analyze", "core.analyze"), ("render", "views and backlinks")):
        for small, big in pairs:
            what, details = "", {}
            if label == "analyze":
                t_small, t_big = time_analyze([site(small), site(big)], repeats)
            else:
                control: list[list[float]] = [[], []]
                again: list[float] = []
                t_small, t_big = time_render([site(small), site(big)], repeats, control, again)
                grew = _paired(*control)
                four = _paired(t_small, again)
                what = (
                    "every view and backlinks block of the site, outside MkDocs; controls, in "
                    f"the same rounds: MkDocs' get_relative_url on the same links grew "
                    f"{grew:.2f} times, the {small}-page render done four times in a row took "
                    f"{four:.2f} times one; "
                )
                details = {"control": control, "control_ratio": grew, "four_times": again,
                           "four_times_ratio": four}
                log(f"  control {small}: {_fmt(control[0])}; {big}: {_fmt(control[1])}: "
                    f"{grew:.3f}; {small} four times: {_fmt(again)}: {four:.3f}")
            log(f"  {label} {small}: {_fmt(t_small)}; {big}: {_fmt(t_big)}")
            yield Row(
                f"scaling: {name}, 4N / N",
                f"{small} -> {big} pages, {repeats} runs each",
                f"{small}: {_fmt(t_small)} ({min(t_small) / small * 1e6:.0f} us/page); "
                f"{big}: {_fmt(t_big)} ({min(t_big) / big * 1e6:.0f} us/page); ratio of mins "
                f"{min(t_big) / min(t_small):.2f}; {what}the figure: median of the rounds' ratios",
                _paired(t_small, t_big),
                SCALING_TARGET,
                details=details,
            )
    for small, big in event_pairs:
        totals: dict[int, list[float]] = {small: [], big: []}
        rests: dict[int, list[float]] = {small: [], big: []}
        shares: dict[int, list[float]] = {small: [], big: []}
        # on_pre_page stores one string per page: work with nothing to grow, timed the same way
        trivial: dict[int, list[float]] = {small: [], big: []}
        parts: dict[int, dict[str, float]] = {}
        for _ in range(event_repeats):
            for pages in (small, big):
                cfg = site(pages)
                result = build_in_subprocess(cfg, cfg.parent / "site-bench", events=True)
                events = sum(result["events"].values())  # wall time, as "wall" is
                totals[pages].append(events)
                # measured within one run, so a slow or busy machine slows both alike
                shares[pages].append(events / (result["wall"] - events))
                rests[pages].append(result["wall"] - events)
                trivial[pages].append(result["events"].get("on_pre_page", 0.0))
                if pages not in parts or totals[pages][-1] <= min(totals[pages]):
                    parts[pages] = result["events"]
        for pages in (small, big):
            shutil.rmtree(site(pages).parent / "site-bench", ignore_errors=True)
            top = sorted(parts[pages].items(), key=lambda kv: -kv[1])[:4]
            log(f"  plugin events {pages}: {_fmt(totals[pages])}: "
                + ", ".join(f"{k} {v * 1000:.0f}ms" for k, v in top))
        yield Row(
            "scaling: plugin events in a build, 4N / N",
            f"{small} -> {big} pages, {event_repeats} runs each",
            f"ratio of mins {min(totals[big]) / min(totals[small]):.2f}; "
            f"{small}: {_fmt(totals[small])}, {100 * min(shares[small]):.1f}% of the rest of "
            f"the build; {big}: {_fmt(totals[big])}, {100 * min(shares[big]):.1f}%; the rest "
            f"of the build (MkDocs, other plugins) grew {min(rests[big]) / min(rests[small]):.2f}"
            f" times in the same runs, on_pre_page (one string stored per page) "
            f"{_paired(trivial[small], trivial[big]) if all(trivial[small]) else 0.0:.2f} "
            f"times; at {big}: "
            + ", ".join(f"{k} {v:.2f}s" for k, v in
                        sorted(parts[big].items(), key=lambda kv: -kv[1])[:3]),
            _paired(totals[small], totals[big]),
            SCALING_TARGET,
            details={"events": parts, "on_pre_page": trivial},
        )


# --- instructions ---------------------------------------------------------------------------


def _instructions(cmd: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start ``cmd`` under valgrind's cachegrind, counting instructions only."""
    return subprocess.Popen(
        ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
         *cmd],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env or _env(),
    )


def _count(proc: subprocess.Popen[str]) -> int:
    _, err = proc.communicate()
    for line in err.splitlines():
        if "I   refs:" in line or "I refs:" in line:
            return int(line.rsplit(":", 1)[1].replace(",", "").strip())
    raise RuntimeError(f"no instruction count from valgrind:\n{err[-2000:]}")


def _instructions_rounds(pages: int) -> int:
    """Rounds of the instruction count per site. Incidental differences (the hash seed, the
    site_dir's name, where the garbage collector's full collections fall) move a build's
    count by up to about 1%: the 300-page MkDocs-theme ratio ran 1.024-1.032 over the rounds
    of earlier runs, and the same build counted 7.186-7.267 G over hash seeds 0-4 when run
    by hand. On a small site that is a third of gapcheck's share, so sites of up to 300 pages
    are counted in five rounds, a seed each, and the figure is the median of the ratios."""
    return 5 if pages <= 300 else 1


def measure_instructions(
    workdir: Path, sizes: list[int], themes: list[str], log: Callable[[str], None] = print,
    rounds: Callable[[int], int] = _instructions_rounds,
) -> Iterator[Row]:
    """The overhead as executed instructions (valgrind): the same on every run of the same
    processes, whatever else the machine does. Each figure subtracts the instructions of a
    process that starts Python and imports MkDocs and stops there, so the ratio is of the
    builds themselves (load_config and build, the plugin's import included). Each round runs
    both builds with its own hash seed and site_dir names, and the figure is the median of
    the rounds' ratios. A proxy, not a timing: code that allocates much or misses caches
    costs more time per instruction (PyYAML's parser did), so read it beside the timed
    rounds."""
    if shutil.which("valgrind") is None:
        yield Row("overhead in instructions", "valgrind not installed", "skipped", 0.0,
                  OVERHEAD_TARGET, note="SKIP")
        return
    startup_cmd = [sys.executable, str(HERE / "plugin.py"), "--startup"]
    startup = _count(_instructions(startup_cmd))
    for theme in themes:
        for pages in sizes:
            with_cfg, without_cfg = _site_pair(workdir, pages, theme)
            counts: list[tuple[int, int]] = []
            for r in range(rounds(pages)):
                sites = (with_cfg.parent / f"site-ir-{r}a", with_cfg.parent / f"site-ir-{r}b")
                env = {**_env(), "PYTHONHASHSEED": str(r)}
                procs = [
                    _instructions(_worker_cmd(cfg, site, False), env)
                    for cfg, site in zip((with_cfg, without_cfg), sites, strict=True)
                ]
                with_ir, without_ir = (_count(p) for p in procs)
                counts.append((with_ir, without_ir))
                log(f"  instructions {theme} {pages} round {r + 1}: with {with_ir / 1e9:.3f} G, "
                    f"without {without_ir / 1e9:.3f} G, start-up {startup / 1e9:.3f} G: "
                    f"{(with_ir - startup) / (without_ir - startup):.4f}")
                for site in sites:
                    shutil.rmtree(site, ignore_errors=True)
            ratios = sorted((w - startup) / (wo - startup) for w, wo in counts)
            ratio = statistics.median(ratios)
            with_ir, without_ir = (statistics.median(c) for c in zip(*counts, strict=True))
            spread = f"; rounds {ratios[0]:.4f}-{ratios[-1]:.4f}" if len(ratios) > 1 else ""
            yield Row(
                "overhead in instructions (valgrind)",
                f"{theme}, {pages} pages, {len(ratios)} round{'s' if len(ratios) > 1 else ''}",
                f"median with {with_ir / 1e9:.3f} G, without {without_ir / 1e9:.3f} G, Python "
                f"and MkDocs start-up {startup / 1e9:.3f} G subtracted from both{spread}",
                ratio,
                OVERHEAD_TARGET,
                details={"with": [c[0] for c in counts], "without": [c[1] for c in counts],
                         "startup": startup, "ratios": ratios},
            )


def measure_scaling_instructions(
    workdir: Path, pairs: list[tuple[int, int]], log: Callable[[str], None] = print,
) -> Iterator[Row]:
    """Scaling of the in-memory work as executed instructions (valgrind): the work itself,
    without the processor's caches, which miss more often as the model grows. Each figure is
    the count of a process that runs the work twice minus one that runs it once."""
    if shutil.which("valgrind") is None:
        yield Row("scaling in instructions", "valgrind not installed", "skipped", 0.0,
                  SCALING_TARGET, note="SKIP")
        return
    configs: dict[int, Path] = {}
    for part, name in (("analyze", "core.analyze"), ("render", "views and backlinks")):
        for small, big in pairs:
            counts: dict[int, int] = {}
            for pages in (small, big):
                cfg = _scale_site(workdir, pages, configs)
                cmd = [sys.executable, str(HERE / "plugin.py"), "--in-memory", str(cfg), part]
                once, twice = (_instructions([*cmd, n]) for n in ("1", "2"))
                counts[pages] = _count(twice) - _count(once)
            ratio = counts[big] / counts[small]
            log(f"  instructions {part} {small}: {counts[small] / 1e6:.0f} M; "
                f"{big}: {counts[big] / 1e6:.0f} M: {ratio:.3f}")
            yield Row(
                f"scaling in instructions: {name}",
                f"{small} -> {big} pages, 4N / N",
                f"{small}: {counts[small] / 1e6:.0f} M ({counts[small] / small / 1e3:.0f} k per "
                f"page); {big}: {counts[big] / 1e6:.0f} M ({counts[big] / big / 1e3:.0f} k per "
                "page); the work without the caches' misses: the target is on the timed rows",
                ratio,
                SCALING_TARGET,
                details={"counts": counts},
            )


def startup() -> None:
    """What every build process does before load_config: start Python and import MkDocs'
    build and config modules (subtracted from instruction counts; themes load later, inside
    the measured build)."""
    import mkdocs.commands.build
    import mkdocs.config
    import mkdocs.config.defaults  # noqa: F401


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--startup":
        startup()
        return 0
    if argv and argv[0] == "--in-memory":
        in_memory_worker(argv[1], argv[2], int(argv[3]))
        return 0
    if argv and argv[0] == "--worker":
        result = worker(argv[1], argv[2], events="--events" in argv[3:])
        print(json.dumps(result))
        return 0
    print("run the benchmarks with: python benchmarks/run.py [--quick]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
