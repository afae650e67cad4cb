"""The baseline: findings a site already had when it adopted gapcheck, held back at ``info``.

A finding is known by its key, (rule, file, subject), where the subject is the gap id or page
path it is about and never its line: edits that move lines keep the key. ``gapcheck baseline``
writes the keys of every warn and error finding to the baseline file (option ``baseline``,
beside mkdocs.yml); a build or ``gapcheck check`` then reports those findings at ``info``,
marked as baselined, and each entry that no finding matches any more as ``stale-baseline``.
The file is sorted JSON with one entry per line, so that it merges cleanly in git.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .model import Finding, Level

#: (rule, file, subject): what a finding is about, see ``Finding.key``
Key = tuple[str, str, str]
#: Bumped if the file's shape ever changes; files of another version are refused.
VERSION = 1


class BaselineError(Exception):
    """The baseline file cannot be read; the message is one line for the user."""


@dataclass(frozen=True, slots=True)
class Baseline:
    """The keys of a baseline file, and the file's name as the user wrote it in mkdocs.yml."""

    name: str
    keys: frozenset[Key]


def path_of(config_dir: str, option: str | None) -> str | None:
    """The baseline file's path: the option, relative to the config file's folder."""
    return None if option is None else os.path.join(config_dir, option)


def load(path: str, name: str) -> Baseline | None:
    """The baseline at ``path``, or None if there is no such file (nothing is held back).
    Raises :class:`BaselineError` if the file is there but is no baseline."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"cannot read the baseline {name}: {exc}") from None
    again = "; run `gapcheck baseline` to write it again"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(
            f"{name}:{exc.lineno}: not valid JSON: {exc.msg}{again}"
        ) from None
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(
        data.get("entries"), list
    ):
        raise BaselineError(
            f"{name} is not a gapcheck baseline (version {VERSION} with a list of entries){again}"
        )
    keys: set[Key] = set()
    for number, entry in enumerate(data["entries"], start=1):
        fields = [entry.get(k) if isinstance(entry, dict) else None
                  for k in ("rule", "file", "subject")]
        rule, file, subject = fields
        if not (isinstance(rule, str) and isinstance(file, str) and isinstance(subject, str)):
            raise BaselineError(
                f"{name}: entry #{number} needs the strings rule, file and subject{again}"
            )
        keys.add((rule, file, subject))
    return Baseline(name, frozenset(keys))


def keys_to_hold(findings: Iterable[Finding]) -> list[Key]:
    """The keys of every finding at warn or error level, sorted by file, rule, subject:
    what ``gapcheck baseline`` writes. ``stale-baseline`` never holds itself back."""
    return sorted(
        {f.key for f in findings if f.level in ("warn", "error") and f.rule != "stale-baseline"},
        key=lambda k: (k[1], k[0], k[2]),
    )


def dumps(keys: Iterable[Key]) -> str:
    """The baseline file: sorted keys, one entry per line (merges cleanly), LF line ends."""
    lines = [
        "    " + json.dumps({"file": f, "rule": r, "subject": s}, ensure_ascii=False,
                            sort_keys=True)
        for r, f, s in sorted(set(keys), key=lambda k: (k[1], k[0], k[2]))
    ]
    entries = "".join(line + (",\n" if i < len(lines) - 1 else "\n")
                      for i, line in enumerate(lines))
    return '{\n  "entries": [\n' + entries + f'  ],\n  "version": {VERSION}\n}}\n'


def write(path: str, keys: Iterable[Key]) -> None:
    """Write the baseline file in one step (a reader never sees half of it)."""
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(dumps(keys))
    os.replace(temporary, path)


def apply(
    findings: list[Finding],
    baseline: Baseline,
    level: Level,
    line_of: Callable[[str, str], int],
) -> list[Finding]:
    """Hold back the findings the baseline names (warn and error become info, marked
    baselined) and add a ``stale-baseline`` finding at ``level`` for each entry that no
    finding matches. ``line_of(file, subject)`` is the line to report a stale entry on."""
    matched: set[Key] = set()
    for finding in findings:
        matched.add(finding.key)
        if finding.key in baseline.keys and finding.level in ("warn", "error"):
            finding.level = "info"
            finding.baselined = True
    if level == "off":
        return findings
    for rule, file, subject in sorted(baseline.keys - matched, key=lambda k: (k[1], k[0], k[2])):
        findings.append(Finding(
            rule="stale-baseline",
            level=level,
            file=file,
            line=line_of(file, subject),
            message=(
                f"the baseline {baseline.name} holds back {rule} for '{subject}', but no such "
                "finding is left (fixed, or renamed); run `gapcheck baseline` to drop the entry"
            ),
            subject=f"{rule}:{subject}",
        ))
    return findings
