"""The model and its findings as data: the site export, ``gapcheck export`` and ``gapcheck check``.

Every output here is a pure function of the model, sorted the way the model is sorted, so two
runs on the same sources give byte-identical output. Paths in findings are under docs_dir; the
``prefix`` arguments put docs_dir in front of them as the reader's tools expect (``docs/``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from . import __version__
from .model import RULES, Finding, Model

# --- the contract's export shape -----------------------------------------------------------


def as_data(model: Model) -> dict[str, Any]:
    """Gaps in matrix order, pages by path, findings by file then line: deterministic."""
    return {
        "gaps": [
            {
                "id": g.id,
                "title": g.title,
                "severity": g.severity,
                "effort": g.effort,
                "timing": g.timing,
                "status": g.status,
                "page": g.page,
                "line": g.line,
                "addressed_by": list(g.addressed_by),
            }
            for g in model.gaps
        ],
        "pages": [
            {
                "path": p.path,
                "kind": p.kind,
                "title": p.title,
                "addresses": list(p.addresses),
            }
            for p in sorted(model.pages.values(), key=lambda p: p.path)
            if p.kind is not None
        ],
        "findings": [f.as_dict() for f in model.findings],
    }


def dump(data: dict[str, Any]) -> str:
    """JSON with sorted keys and a fixed indent: byte-identical for the same data."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def to_json(model: Model) -> str:
    """The site export (``gapcheck.json``) and ``gapcheck export``."""
    return dump(as_data(model))


# --- CSV -----------------------------------------------------------------------------------

#: The columns of ``gapcheck export --format csv``: one row per gap, in matrix order.
CSV_COLUMNS: tuple[str, ...] = (
    "id", "title", "severity", "effort", "timing", "status", "page", "line", "addressed_by",
)
#: How the pages in the ``addressed_by`` cell are joined (split on ";" and strip to read it).
CSV_LIST_SEPARATOR = "; "
#: A cell starting with one of these is a formula to a spreadsheet (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str | int:
    """A CSV cell: text that a spreadsheet shows as text, never evaluates."""
    if value is None:
        return ""
    if isinstance(value, int):
        return value
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(rows: Iterable[Iterable[str | int]]) -> str:
    """RFC 4180 CSV: ``\r\n`` line ends, so that a cell holding ``\r`` or ``\n`` is quoted."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(rows)
    return out.getvalue()


def to_csv(model: Model) -> str:
    """The gaps as CSV: a header, then one row per gap in matrix order."""
    return write_csv(
        [
            CSV_COLUMNS,
            *(
                [
                    _cell(gap.id),
                    _cell(gap.title),
                    _cell(gap.severity),
                    _cell(gap.effort),
                    _cell(gap.timing),
                    _cell(gap.status),
                    _cell(gap.page),
                    gap.line,
                    _cell(CSV_LIST_SEPARATOR.join(gap.addressed_by)),
                ]
                for gap in model.gaps
            ),
        ]
    )


# --- findings for people and for CI --------------------------------------------------------


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    """Findings per level, every level named (``off`` never occurs in findings)."""
    result = {"error": 0, "warn": 0, "info": 0}
    for finding in findings:
        result[finding.level] = result.get(finding.level, 0) + 1
    return result


def summary_line(model: Model) -> str:
    """``gapcheck: 3 findings (1 error, 2 warnings) in 42 pages and 12 gaps``."""
    n = counts(model.findings)
    where = (
        f"{len(model.pages)} page{'s' if len(model.pages) != 1 else ''} and "
        f"{len(model.gaps)} gap{'s' if len(model.gaps) != 1 else ''}"
    )
    total = sum(n.values())
    if not total:
        return f"gapcheck: no findings in {where}"
    parts = [
        f"{n['error']} error{'s' if n['error'] != 1 else ''}" if n["error"] else "",
        f"{n['warn']} warning{'s' if n['warn'] != 1 else ''}" if n["warn"] else "",
        f"{n['info']} info" if n["info"] else "",
    ]
    held = sum(f.baselined for f in model.findings)
    if held:
        parts[2] += f", {held} of them baselined"
    return (
        f"gapcheck: {total} finding{'s' if total != 1 else ''} "
        f"({', '.join(p for p in parts if p)}) in {where}"
    )


def to_text(findings: Iterable[Finding], prefix: str = "") -> str:
    """One line per finding, the path first so that editors can jump to it.

    A finding at the default level (warn) is the line the plugin logs and the contract shows,
    ``docs/gaps.md:14: uncovered-gap: ...``; the other levels name themselves after the line
    number, the way compilers do: ``docs/gaps.md:14: error: uncovered-gap: ...``.
    """
    lines = []
    for f in findings:
        level = "" if f.level == "warn" else f"{f.level}: "
        lines.append(f"{prefix}{f.file}:{f.line}: {level}{f.rule}: {f.text}")
    return "".join(line + "\n" for line in lines)


_GITHUB_COMMANDS = {"error": "error", "warn": "warning", "info": "notice"}


def _github_data(text: str) -> str:
    """Escape a workflow command's message as GitHub's toolkit does (``escapeData``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    """Escape a workflow command's property value (``escapeProperty``)."""
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


def to_github(findings: Iterable[Finding], prefix: str = "") -> str:
    """GitHub Actions workflow commands: an annotation on the exact line of each finding.

    ``::warning file=docs/gaps.md,line=14,title=uncovered-gap::message``; error findings are
    ``::error``, info findings ``::notice``. ``prefix`` makes the file relative to the
    repository root, where GitHub looks for it.
    """
    lines = []
    for f in findings:
        command = _GITHUB_COMMANDS.get(f.level, "warning")
        props = ",".join(
            (
                f"file={_github_property(prefix + f.file)}",
                f"line={f.line}",
                f"title={_github_property(f.rule)}",
            )
        )
        lines.append(f"::{command} {props}::{_github_data(f.text)}")
    return "".join(line + "\n" for line in lines)


_SARIF_LEVELS = {"error": "error", "warn": "warning", "info": "note"}
#: The name of gapcheck's partial fingerprint in SARIF results.
FINGERPRINT = "gapcheck/v1"


def fingerprint(finding: Finding) -> str:
    """``rule:file:subject``: the finding's baseline key, which line moves do not change."""
    return ":".join(finding.key)
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _rule_name(rule_id: str) -> str:
    return "".join(part.capitalize() for part in rule_id.split("-"))


def sarif_data(model: Model, prefix: str = "") -> dict[str, Any]:
    """SARIF 2.1.0 for code scanning: every rule's metadata, one result per finding.

    Locations are URIs relative to the repository root (``prefix`` + the path under docs_dir),
    percent-encoded as SARIF requires, with the finding's line as ``region.startLine``.
    """
    index = {rule_id: i for i, rule_id in enumerate(RULES)}
    rules = [
        {
            "id": info.id,
            "name": _rule_name(info.id),
            "shortDescription": {"text": info.summary},
            "fullDescription": {"text": f"{info.summary} {info.help}"},
            "help": {"text": info.help, "markdown": info.help},
            "defaultConfiguration": {"level": _SARIF_LEVELS.get(info.default, "none")},
            "properties": {"tags": ["documentation", "planning"]},
        }
        for info in RULES.values()
    ]
    results = []
    for f in model.findings:
        result: dict[str, Any] = {"ruleId": f.rule}
        if f.rule in index:
            result["ruleIndex"] = index[f.rule]
        result.update(
            {
                "level": _SARIF_LEVELS.get(f.level, "warning"),
                "message": {"text": f.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {
                                "uri": quote(prefix + f.file, safe="/"),
                                "uriBaseId": "%SRCROOT%",
                            },
                            "region": {"startLine": f.line},
                        }
                    }
                ],
                # the baseline's key: code scanning follows a finding across edits by it
                "partialFingerprints": {FINGERPRINT: fingerprint(f)},
            }
        )
        if f.baselined:  # held back by the baseline file, outside the source
            result["suppressions"] = [{"kind": "external"}]
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "gapcheck",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }


def to_sarif(model: Model, prefix: str = "") -> str:
    return dump(sarif_data(model, prefix))


def check_data(model: Model, prefix: str = "") -> dict[str, Any]:
    """``gapcheck check --format json``: the export shape plus a summary of the run."""
    data = as_data(model)
    data["summary"] = {
        "docs_dir": prefix.rstrip("/") or ".",
        "pages": len(model.pages),
        "gaps": len(model.gaps),
        "findings": counts(model.findings),
        "baselined": sum(f.baselined for f in model.findings),
        "failed": model.failed,
    }
    return data


def to_check_json(model: Model, prefix: str = "") -> str:
    return dump(check_data(model, prefix))
