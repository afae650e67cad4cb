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
from typing import TextIO

from . import __version__, export, siteplugins
from .config import CONFIG_NAMES, ConfigError, SiteConfig, find_config, page_paths, read_config
from .core import analyze_paths
from .frontmatter import decode
from .model import Finding, Model
from .schema import OptionsError, load_options

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
CHECK_FORMATS = ("text", "json", "github", "sarif")
EXPORT_FORMATS = ("json", "csv")


class UsageError(Exception):
    """The command cannot run; the message is one line for the user."""


@dataclass(slots=True)
class Run:
    """One analysed site: the config as read and the model of its pages."""

    site: SiteConfig
    model: Model


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


def analyze_site(config_file: str | None, *, views: bool = True) -> Run:
    """Find and read the config, read every page, analyse them. Raises :class:`UsageError`."""
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
    read = reader(site)
    paths = _built_pages(site, paths, read)
    i18n = site.plugins.i18n
    if i18n is None:
        # links between pages and titles from headings feed only views and exports
        return Run(site, analyze_paths(paths, read, options, nav=site.nav, views=views))
    # mkdocs-static-i18n builds one site per language: check each, and say a finding that
    # several languages share (a page of the default language shown untranslated) once
    models = [
        analyze_paths(siteplugins.language_pages(i18n, paths, language), read, options,
                      nav=site.nav, views=views)
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
    return Run(site, dataclasses.replace(models[0], findings=findings))


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


def _notes(site: SiteConfig, err: TextIO) -> None:
    for note in site.notes:
        print(f"gapcheck: note: {note}", file=err)


def run_check(config_file: str | None, fmt: str, out: TextIO, err: TextIO) -> int:
    """``gapcheck check``: print the findings in ``fmt``; the exit code says whether to fail."""
    run = analyze_site(config_file, views=fmt == "json")
    _notes(run.site, err)
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
    _notes(run.site, err)
    if fmt == "csv":
        _write_exact(export.to_csv(run.model), out)
    else:
        out.write(export.to_json(run.model))
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
    from importlib.util import find_spec

    from .scaffold import ScaffoldError, create_site

    try:
        written = create_site(Path(target))
    except ScaffoldError as exc:
        raise UsageError(str(exc)) from None
    shown = shlex.quote(target)
    lines = [
        f"Created a knowledge site in {target} ({len(written)} files). Next:",
        f"  cd {shown}",
        "  mkdocs serve            # preview it at http://127.0.0.1:8000 while you write",
        "  mkdocs build --strict   # what CI runs: fails on a gap no page addresses",
    ]
    if find_spec("material") is None:
        lines.append(
            "The site uses Material for MkDocs: pip install 'mkdocs-gapcheck[material]'"
        )
    out.write("\n".join(lines) + "\n")
    return EXIT_OK


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
        f"the MkDocs config file (default: the first of {', '.join(CONFIG_NAMES)} in the "
        "current folder)"
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
