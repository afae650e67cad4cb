"""The ``gapcheck`` command: the plugin's rules from mkdocs.yml and the Markdown sources alone.

A second adapter over the core, next to the plugin. It reads the config and the pages the way
MkDocs would (see :mod:`.config`), never imports the site's theme or plugins, and reports the
same findings as a build. Exit codes: 0 nothing at warn or error level, 1 findings at warn or
error level, 2 it could not run (the reason is one line on stderr).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import shlex
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from . import __version__, export, siteplugins
from . import baseline as baselines
from .config import CONFIG_NAMES, ConfigError, SiteConfig, find_config, page_paths, read_config
from .core import analyze_paths
from .frontmatter import decode
from .model import Finding, Model
from .options import Options, OptionsError, load_options
from .reviews import ReviewsError, load_reviews, reviews_path

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
CHECK_FORMATS = ("text", "json", "github", "sarif")
EXPORT_FORMATS = ("json", "csv")
DIFF_FORMATS = ("markdown", "json")
HISTORY_FORMATS = ("csv", "json")


class UsageError(Exception):
    """The command cannot run; the message is one line for the user."""


@dataclass(slots=True)
class Run:
    """One analysed site: the config as read and the model of its pages."""

    site: SiteConfig
    model: Model
    options: Options


def reader(site: SiteConfig) -> Callable[[str], bytes]:
    """``read(path)``: a page's bytes, for :func:`.core.analyze_paths`; raises UsageError."""
    root = site.docs_dir.rstrip(os.sep) + "/"  # open() takes "/" on every platform

    def read(path: str) -> bytes:
        try:
            with open(root + path, "rb") as handle:
                return handle.read()
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise UsageError(f"cannot read {site.docs_prefix}{path}: {reason}") from None

    return read


def analyze_site(config_file: str | None, *, views: bool = True, reviews: bool = True,
                 baseline: bool = True, sections: bool = False) -> Run:
    """Find and read the config, read every page, analyse them, hold back what the baseline
    names. Raises :class:`UsageError`. ``reviews=False`` leaves the reviews file unread
    (``gapcheck review`` rewrites it); ``baseline=False`` the baseline (``gapcheck baseline``
    rewrites it); ``sections=True`` reads every gap's section (see :func:`.core.analyze`)."""
    try:
        site = read_config(find_config(config_file))
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    try:
        options = load_options(site.options, site.config_file)
    except OptionsError as exc:
        name = os.path.basename(site.config_file)
        raise UsageError(f"invalid gapcheck options in {name}: {'; '.join(exc.problems)}") from None
    try:
        paths = page_paths(site)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    try:
        stamps = load_reviews(reviews_path(site.config_dir, options.reviews),
                              options.reviews) if reviews else None
    except ReviewsError as exc:
        raise UsageError(str(exc)) from None
    held = None
    path = baselines.path_of(site.config_dir, options.baseline)
    if baseline and path is not None and options.baseline is not None:
        try:
            held = baselines.load(path, options.baseline)
        except baselines.BaselineError as exc:
            raise UsageError(str(exc)) from None
    read = reader(site)
    paths = _built_pages(site, paths, read)
    i18n = site.plugins.i18n
    if i18n is None:
        # links between pages and titles from headings feed only views and exports
        model = analyze_paths(paths, read, options, nav=site.nav, views=views, reviews=stamps,
                              baseline=held, sections=sections)
        return Run(site, model, options)
    # mkdocs-static-i18n builds one site per language: check each, and say a finding that
    # several languages share (a page of the default language shown untranslated) once
    models = [
        analyze_paths(siteplugins.language_pages(i18n, paths, language), read, options,
                      nav=site.nav, views=views, reviews=stamps, baseline=held,
                      sections=sections)
        for language in i18n.build
    ]
    said: set[tuple[str, int, str, str]] = set()
    findings: list[Finding] = []
    for model in models:
        for finding in model.findings:
            key = (finding.file, finding.line, finding.rule, finding.message)
            if key not in said:
                said.add(key)
                findings.append(finding)
    findings.sort(key=Finding.sort_key)
    site.notes.append(
        f"mkdocs-static-i18n: checked each language as it is built ({', '.join(i18n.build)}); "
        f"gaps, pages and exports are the default language's ('{i18n.default}')"
    )
    return Run(site, dataclasses.replace(models[0], findings=findings), options)


def _built_pages(site: SiteConfig, paths: list[str], read: Callable[[str], bytes]) -> list[str]:
    """Of the pages in docs_dir, the ones the build has once the other plugins of mkdocs.yml
    ran: mkdocs-exclude's patterns and the Material blog's drafts leave pages out."""
    plugins = site.plugins
    paths = [p for p in paths if not plugins.excluded(p)]
    if plugins.blogs:
        now = dt.datetime.now(dt.timezone.utc)

        def draft(path: str) -> bool:
            posts = [b for b in plugins.blogs if siteplugins.is_post(b, path)]
            text = decode(read(path)).text if posts else ""
            return any(siteplugins.is_draft(blog, text, now) for blog in posts)

        paths = [p for p in paths if not draft(p)]
    site.notes.extend(plugins.blind)
    return paths


def repository_prefix(site: SiteConfig) -> str:
    """docs_dir relative to the repository root (the nearest folder with ``.git``), for the
    formats GitHub reads; relative to the config folder when there is no repository."""
    folder = site.config_dir
    while True:
        if os.path.exists(os.path.join(folder, ".git")):
            rel = os.path.relpath(site.docs_dir, folder).replace(os.sep, "/")
            if rel.startswith(".."):
                break
            return "" if rel == "." else rel + "/"
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return site.docs_prefix


def _notes(run: Run, err: TextIO) -> None:
    for note in [*run.site.notes, *run.model.notes]:
        print(f"gapcheck: note: {note}", file=err)


def run_check(config_file: str | None, fmt: str, out: TextIO, err: TextIO) -> int:
    """``gapcheck check``: print the findings in ``fmt``; the exit code says whether to fail."""
    run = analyze_site(config_file, views=fmt == "json")
    _notes(run, err)
    model = run.model
    if fmt == "json":
        out.write(export.to_check_json(model, run.site.docs_prefix))
    elif fmt == "github":
        out.write(export.to_github(model.findings, repository_prefix(run.site)))
    elif fmt == "sarif":
        out.write(export.to_sarif(model, repository_prefix(run.site)))
    else:
        out.write(export.to_text(model.findings, run.site.docs_prefix))
    out.flush()
    print(export.summary_line(model), file=err)
    return EXIT_FINDINGS if model.failed else EXIT_OK


def run_export(config_file: str | None, fmt: str, out: TextIO, err: TextIO) -> int:
    """``gapcheck export``: the model as the site export has it (JSON) or its gaps as CSV."""
    run = analyze_site(config_file)
    _notes(run, err)
    if fmt == "csv":
        _write_exact(export.to_csv(run.model), out)
    else:
        out.write(export.to_json(run.model))
    return EXIT_OK


def run_baseline(config_file: str | None, out: TextIO, err: TextIO) -> int:
    """``gapcheck baseline``: write every current warn and error finding to the baseline file,
    so that the build and ``gapcheck check`` fail only on new ones."""
    run = analyze_site(config_file, views=False, baseline=False)
    name = run.options.baseline
    path = baselines.path_of(run.site.config_dir, name)
    if path is None or name is None:
        raise UsageError(
            f"{os.path.basename(run.site.config_file)} sets the gapcheck option baseline: false; "
            "set it to a file name (default gapcheck-baseline.json) to use a baseline"
        )
    try:
        before = baselines.load(path, name)
    except baselines.BaselineError:
        before = None  # a broken file is simply written again
    keys = baselines.keys_to_hold(run.model.findings)
    try:
        baselines.write(path, keys)
    except OSError as exc:
        raise UsageError(f"cannot write the baseline {name}: {exc.strerror or exc}") from None
    old = before.keys if before is not None else frozenset()
    added, dropped = len(set(keys) - old), len(old - set(keys))
    out.write(
        f"gapcheck: wrote {name}: {len(keys)} finding{'s' if len(keys) != 1 else ''} held back "
        f"({added} new, {dropped} dropped). Commit it; `gapcheck check` and "
        "`mkdocs build --strict` now fail only on new findings.\n"
    )
    return EXIT_OK


def _write_exact(text: str, out: TextIO) -> None:
    """Write ``text`` as UTF-8 bytes when the stream allows it, so that CSV's CRLF line ends do
    not become CR CR LF on a platform whose text streams translate LF."""
    buffer = getattr(out, "buffer", None)
    if buffer is None:
        out.write(text)
        return
    out.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def run_new(target: str, out: TextIO, err: TextIO) -> int:
    """``gapcheck new DIR``: copy the site template and say what to run next."""
    from .scaffold import ScaffoldError, create_site

    try:
        written = create_site(Path(target))
    except ScaffoldError as exc:
        raise UsageError(str(exc)) from None
    shown = shlex.quote(target)
    lines = [
        f"Created a knowledge site in {target} ({len(written)} files). Next:",
        f"  cd {shown}",
        "  pip install 'mkdocs-gapcheck[material]'   # once: the site uses Material for MkDocs",
        "  mkdocs serve            # preview it at http://127.0.0.1:8000 while you write",
        "  mkdocs build --strict   # what CI runs: fails on a gap no page addresses",
    ]
    out.write("\n".join(lines) + "\n")
    return EXIT_OK


# --- plans over time: review, diff, history ------------------------------------------------


def _page_arg(run: Run, name: str) -> str:
    """A PAGE argument as a docs path: a file (relative to the current folder) inside
    docs_dir, or a path under docs_dir as findings print it."""
    candidates = []
    real = os.path.realpath(name)
    docs = os.path.realpath(run.site.docs_dir)
    if real.startswith(docs + os.sep):
        candidates.append(os.path.relpath(real, docs).replace(os.sep, "/"))
    plain = name.replace(os.sep, "/").lstrip("./")
    candidates += [plain, plain.removeprefix(run.site.docs_prefix)]
    for candidate in candidates:
        if candidate in run.model.pages:
            return candidate
    raise UsageError(
        f"'{name}' is not a page of the site; give its file (e.g. {run.site.docs_prefix}"
        "adr/0001-x.md) or its path under docs_dir"
    )


def run_review(config_file: str | None, pages: Sequence[str], out: TextIO, err: TextIO) -> int:
    """``gapcheck review [PAGE ...]``: stamp the pages (default all) with the fingerprints of
    the gaps they address, in the reviews file."""
    from .reviews import ReviewsError, dump_reviews, load_reviews, stamp

    run = analyze_site(config_file, reviews=False, sections=True)  # stamps are fingerprints
    _notes(run, err)
    if run.options.reviews is None:
        raise UsageError("reviews: false in the config turns reviews off; remove it to review")
    path = reviews_path(run.site.config_dir, run.options.reviews)
    assert path is not None
    shown = os.path.relpath(path)
    named = [_page_arg(run, name) for name in pages]
    if named:
        try:
            reviews = load_reviews(path, shown) or {}
        except ReviewsError as exc:
            raise UsageError(str(exc)) from None
        targets = [run.model.pages[p] for p in dict.fromkeys(named)]
    else:  # every page, afresh: also drops stamps of pages and gaps that are gone
        reviews = {}
        targets = list(run.model.pages.values())
    count = stamp(reviews, targets, run.model.by_id)
    text = dump_reviews(reviews)
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except OSError as exc:
        raise UsageError(f"cannot write {shown}: {exc.strerror or exc}") from None
    reviewed = sum(1 for p in targets if any(g in run.model.by_id for g in p.addresses))
    print(f"gapcheck: recorded {count} review stamp{'s' if count != 1 else ''} for "
          f"{reviewed} page{'s' if reviewed != 1 else ''} in {shown}", file=err)
    return EXIT_OK


def run_diff(config_file: str | None, base: str, fmt: str, out: TextIO, err: TextIO) -> int:
    """``gapcheck diff``: the plan at git revision ``base`` against the work tree."""
    from . import diff
    from .gitsite import GitError, repo_of, resolve, site_at
    from .reviews import parse_reviews

    run = analyze_site(config_file, sections=True)  # the comment links to gaps' headings
    _notes(run, err)
    try:
        repo = repo_of(run.site.config_dir)
        commit = resolve(repo, base)

        def reviews_option(site: SiteConfig) -> str | None:
            return load_options(site.options, site.config_file).reviews

        old = site_at(repo, commit, base, run.site, reviews_option)
        options = load_options(old.site.options, old.site.config_file)
        reviews = None if old.reviews is None else parse_reviews(
            old.reviews.decode("utf-8", "replace"), f"{options.reviews} at {base}")
    except GitError as exc:
        raise UsageError(str(exc)) from None
    except OptionsError as exc:
        raise UsageError(f"invalid gapcheck options at {base}: {'; '.join(exc.problems)}"
                         ) from None
    except ReviewsError as exc:
        raise UsageError(str(exc)) from None
    before = analyze_paths(old.paths, old.read, options, nav=old.site.nav, reviews=reviews,
                           on=run.model.today)
    changes = diff.compare(before, run.model)
    if fmt == "json":
        out.write(diff.to_json(changes, base, commit))
    else:
        out.write(diff.to_markdown(
            changes, run.model, base, site_url=run.site.site_url,
            use_directory_urls=run.site.use_directory_urls, docs_prefix=run.site.docs_prefix,
        ))
    return EXIT_OK


def run_history(config_file: str | None, fmt: str, out: TextIO, err: TextIO) -> int:
    """``gapcheck history``: gaps by severity and status per commit that changed a gap page."""
    from .history import site_history

    try:
        site = read_config(find_config(config_file))
        options = load_options(site.options, site.config_file)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    except OptionsError as exc:
        raise UsageError(f"invalid gapcheck options: {'; '.join(exc.problems)}") from None
    history = site_history(site.config_dir, site.docs_dir, options, site.exclude)
    if history.note:
        raise UsageError(history.note)
    if fmt == "json":
        out.write(export.dump({"points": [p.as_dict() for p in history.points]}))
        return EXIT_OK
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    severities = list(options.severities)
    from .model import GAP_STATUSES

    writer.writerow(["commit", "date", "total", *severities, *GAP_STATUSES])
    for p in history.points:
        writer.writerow([p.commit, p.date.isoformat(), p.total,
                         *(p.by_severity.get(s, 0) for s in severities),
                         *(p.by_status.get(s, 0) for s in GAP_STATUSES)])
    _write_exact(buffer.getvalue(), out)
    return EXIT_OK


def _add_plans_over_time(commands: Any, config_help: str) -> None:
    """The verbs of issue 21: review, diff, history."""
    review = commands.add_parser(
        "review",
        help="record that pages were reread against the gaps they address",
        description=(
            "Record, in the reviews file (option reviews, default gapcheck-reviews.json beside "
            "mkdocs.yml), the current fingerprint of every gap each PAGE addresses. Without "
            "PAGE, every page is recorded afresh. A page whose gap changed after its review "
            "gets suspect-coverage until it is reviewed again."
        ),
    )
    review.add_argument("-f", "--config-file", metavar="FILE", help=config_help)
    review.add_argument("pages", nargs="*", metavar="PAGE",
                        help="a page's file (docs/adr/0001-x.md) or its path under docs_dir")
    diff = commands.add_parser(
        "diff",
        help="what the work tree changed in the plan since a git revision, as Markdown or JSON",
        description=(
            "Compare the site at git revision REF (read from git: no checkout, nothing "
            "written) with the work tree: gaps added and removed, severity and status changes, "
            "coverage gained and lost, findings new and fixed. The Markdown is made for a "
            "pull-request comment or $GITHUB_STEP_SUMMARY; gap titles link to the site when "
            "site_url is set."
        ),
        epilog="Exit status: 0 the comparison was printed, 2 it could not run.",
    )
    diff.add_argument("--base", default="HEAD", metavar="REF",
                      help="the git revision to compare with (default: HEAD)")
    diff.add_argument("-f", "--config-file", metavar="FILE", help=config_help)
    diff.add_argument("--format", choices=DIFF_FORMATS, default="markdown",
                      help="markdown (default) or json")
    history = commands.add_parser(
        "history",
        help="gaps by severity and status at each commit that changed a gap page",
        description=(
            "Print, for each commit on the first-parent line that changed a page defining "
            "gaps, the number of gaps by severity and by status: the data behind the "
            "gapcheck:trend marker."
        ),
    )
    history.add_argument("-f", "--config-file", metavar="FILE", help=config_help)
    history.add_argument("--format", choices=HISTORY_FORMATS, default="csv",
                         help="csv (default): a row per commit; json: a list of points")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gapcheck",
        description=(
            "Check a plan site's gaps, ADRs, runbooks and roadmap from mkdocs.yml and the "
            "Markdown sources, without building the site."
        ),
        epilog=(
            "Exit status: 0 no finding at warn or error level, 1 findings at warn or error "
            "level, 2 could not run. Run 'gapcheck COMMAND --help' for a command's options."
        ),
    )
    parser.add_argument("--version", action="version", version=f"gapcheck {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    config_help = (
        "the MkDocs or Zensical config file (default: the first of "
        f"{', '.join(CONFIG_NAMES)} in the current folder)"
    )
    check = commands.add_parser(
        "check",
        help="run every rule and print the findings",
        description=(
            "Run every gapcheck rule on the site of the config file and print one finding per "
            "line: path:line: rule: message (error and info findings name their level after "
            "the line number). A summary goes to stderr."
        ),
        epilog=(
            "Exit status: 0 no finding at warn or error level, 1 findings at warn or error "
            "level, 2 could not run (no config, broken YAML, missing docs_dir, invalid "
            "options)."
        ),
    )
    check.add_argument("-f", "--config-file", metavar="FILE", help=config_help)
    check.add_argument(
        "--format",
        choices=CHECK_FORMATS,
        default="text",
        help=(
            "text: one line per finding (default); json: the findings, the model and a "
            "summary; github: GitHub Actions annotations (::warning file=...,line=...::...); "
            "sarif: SARIF 2.1.0 for code scanning"
        ),
    )

    exp = commands.add_parser(
        "export",
        help="print the gap model as JSON or CSV",
        description=(
            "Print the model the site export (gapcheck.json) holds: gaps in matrix order, "
            "pages, findings. CSV has one row per gap: "
            + ", ".join(export.CSV_COLUMNS)
            + f" (pages joined by '{export.CSV_LIST_SEPARATOR}')."
        ),
    )
    exp.add_argument("-f", "--config-file", metavar="FILE", help=config_help)
    exp.add_argument(
        "--format",
        choices=EXPORT_FORMATS,
        default="json",
        help="json: the export shape of gapcheck.json (default); csv: one row per gap",
    )

    new = commands.add_parser(
        "new",
        help="create a new knowledge site from the template",
        description=(
            "Create a knowledge site (a 90-day plan, its gap review, roadmap, ADRs, runbooks "
            "and a proposal) in DIR from the template that ships with gapcheck. DIR must be "
            "new or empty; missing parent folders are created."
        ),
    )
    new.add_argument("dir", metavar="DIR", help="the folder to create the site in")
    _add_plans_over_time(commands, config_help)

    base = commands.add_parser(
        "baseline",
        help="hold back the current findings, so that only new ones fail",
        description=(
            "Write every current finding at warn or error level to the baseline file (option "
            "baseline, default gapcheck-baseline.json beside the config file), each by its "
            "rule, file and subject (the gap id or page it is about, not its line). The build "
            "and gapcheck check then report those findings at info, marked [baselined], and "
            "fail only on new ones. Entries no finding matches any more are dropped."
        ),
    )
    base.add_argument("-f", "--config-file", metavar="FILE", help=config_help)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The console script; returns the exit status instead of raising SystemExit."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors (argparse exits 2)
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    out, err = sys.stdout, sys.stderr
    for stream in (out, err):  # a title in any script must not end the run on an ASCII pipe
        encoding = (getattr(stream, "encoding", None) or "utf-8").lower().replace("-", "")
        if encoding != "utf8" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        if args.command == "check":
            return run_check(args.config_file, args.format, out, err)
        if args.command == "export":
            return run_export(args.config_file, args.format, out, err)
        if args.command == "new":
            return run_new(args.dir, out, err)
        if args.command == "review":
            return run_review(args.config_file, args.pages, out, err)
        if args.command == "diff":
            return run_diff(args.config_file, args.base, args.format, out, err)
        if args.command == "history":
            return run_history(args.config_file, args.format, out, err)
        if args.command == "baseline":
            return run_baseline(args.config_file, out, err)
        parser.print_help(err)
        return EXIT_ERROR
    except UsageError as exc:
        print(f"gapcheck: error: {exc}", file=err)
        return EXIT_ERROR
    except BrokenPipeError:  # `gapcheck check | head`: the reader has all it wanted
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
