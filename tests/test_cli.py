"""``gapcheck check``, ``export`` and ``new``: reading mkdocs.yml as MkDocs does, exit codes,
every output format, and the same findings as the plugin on the same site."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from conftest import build_config

from mkdocs_gapcheck import __version__
from mkdocs_gapcheck.cli import analyze_site, main
from mkdocs_gapcheck.config import (
    ConfigError,
    find_config,
    load_yaml,
    page_paths,
    read_config,
)
from mkdocs_gapcheck.model import RULES

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
SITES = sorted(p for p in (TESTS / "sites").iterdir() if p.is_dir())

GAPS = """\
---
gaps:
  - id: security
    title: Security & Compliance
    severity: high
    effort: medium
---
# Gaps
"""
ADDRESSED = {"gaps.md": GAPS, "adr/0001-audit.md": "---\naddresses: [security]\n---\n# Audit\n"}
UNADDRESSED_LINE = (
    "docs/gaps.md:3: uncovered-gap: high gap 'security' (Security & Compliance) is addressed by "
    "no page"
)


def project(root: Path, config: str = "site_name: T\nplugins:\n  - gapcheck\n",
            files: dict[str, str | bytes] | None = None, name: str = "mkdocs.yml") -> Path:
    """Write ``root/<name>`` (raw YAML, dedented) and docs/ files; return the config path."""
    root.mkdir(parents=True, exist_ok=True)
    config_file = root / name
    config_file.write_text(textwrap.dedent(config), encoding="utf-8")
    (root / "docs").mkdir(exist_ok=True)
    for rel, text in (files if files is not None else {"index.md": "# Home\n"}).items():
        path = root / "docs" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return config_file


def gapcheck(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# --- parity with the plugin -----------------------------------------------------------------

_LEVELS = {logging.ERROR: "error", logging.WARNING: "warn", logging.INFO: "info"}


def _parity_projects() -> list[Path]:
    found = list(SITES)
    if (REPO / "site-template" / "mkdocs.yml").is_file():
        found.append(REPO / "site-template")
    if (REPO / "mkdocs.yml").is_file():
        found.append(REPO)
    return found


@pytest.mark.parametrize(
    "folder", _parity_projects(), ids=lambda p: "repository" if p == REPO else p.name
)
def test_findings_are_the_plugins(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                  ) -> None:
    """Rule, level, file, line and message: the same from the CLI as from a real build."""
    config_file = Path(find_config(None, str(folder)))
    built = build_config(config_file, tmp_path / "site")
    from_plugin = [
        (_LEVELS[r.levelno], r.getMessage())
        for r in built.records
        if r.name.endswith("plugins.gapcheck") and r.levelno >= logging.INFO  # not debug lines
    ]
    run = analyze_site(str(config_file))
    from_cli = [(f.level, f.format(run.site.docs_prefix)) for f in run.model.findings]
    assert from_cli == from_plugin
    if any(level == "error" for level, _ in from_cli):
        assert built.error is not None  # an error-level finding stops the build
    else:
        assert built.error is None, f"build failed: {built.error!r}"

    # the text format prints the plugin's own lines (the level named unless it is warn)
    code, out, _ = gapcheck(capsys, "check", "-f", str(config_file))
    expected = []
    for level, msg in from_plugin:
        match = re.match(r"^(.+?:\d+): (.*)$", msg)
        assert match is not None
        expected.append(msg if level == "warn" else f"{match[1]}: {level}: {match[2]}")
    assert out.splitlines() == expected
    assert code == (1 if any(level in ("warn", "error") for level, _ in from_cli) else 0)


def test_fixture_sites_cover_the_rules() -> None:
    """Between them the parity fixtures give a finding of every rule, and one is clean."""
    seen = set()
    for folder in SITES:
        seen |= {f.rule for f in analyze_site(find_config(None, str(folder))).model.findings}
    missing = sorted(set(RULES) - seen)
    assert not missing, f"no fixture under tests/sites/ gives a finding of: {missing}"
    clean = analyze_site(find_config(None, str(TESTS / "sites" / "clean"))).model
    assert clean.findings == [] and len(clean.gaps) == 2


# --- reading the config -----------------------------------------------------------------------


def test_config_names_are_looked_for_in_order(tmp_path: Path) -> None:
    (tmp_path / "zensical.toml").write_text('[project]\nsite_name = "T"\n', encoding="utf-8")
    assert find_config(None, str(tmp_path)) == str(tmp_path / "zensical.toml")
    project(tmp_path, name="properdocs.yml")
    assert find_config(None, str(tmp_path)) == str(tmp_path / "properdocs.yml")
    project(tmp_path, name="mkdocs.yaml")
    assert find_config(None, str(tmp_path)) == str(tmp_path / "mkdocs.yaml")
    project(tmp_path, name="mkdocs.yml")
    assert find_config(None, str(tmp_path)) == str(tmp_path / "mkdocs.yml")
    # -f may name a folder too
    assert find_config(str(tmp_path)) == str(tmp_path / "mkdocs.yml")


def test_no_config_in_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = gapcheck(capsys, "check")
    assert code == 2 and out == ""
    assert err == (
        "gapcheck: error: no mkdocs.yml, mkdocs.yaml, properdocs.yml or zensical.toml in the "
        "current folder; "
        "pass the config file with -f\n"
    )


def test_config_in_the_current_folder_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    project(tmp_path, files={"gaps.md": GAPS})
    monkeypatch.chdir(tmp_path)
    code, out, _ = gapcheck(capsys, "check")
    assert code == 1 and out.startswith(UNADDRESSED_LINE)


@pytest.mark.parametrize(
    ("plugins", "options"),
    [
        ("plugins:\n  - search\n  - gapcheck\n", {}),
        ("plugins: [search, gapcheck]\n", {}),
        ("plugins:\n  - gapcheck:\n", {}),
        ("plugins:\n  - gapcheck:\n      backlinks: false\n", {"backlinks": False}),
        ("plugins:\n  search: {}\n  gapcheck:\n    export: false\n", {"export": False}),
        ("plugins:\n  gapcheck:\n", {}),
        ("plugins:\n  - /gapcheck:\n      backlinks: false\n", {"backlinks": False}),
    ],
)
def test_plugin_entry_in_list_and_mapping_form(tmp_path: Path, plugins: str,
                                               options: dict[str, object]) -> None:
    site = read_config(str(project(tmp_path, "site_name: T\n" + plugins)))
    assert site.plugin_found and site.options == options and site.notes == []


def test_no_gapcheck_entry_checks_with_defaults_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project(tmp_path, "site_name: T\nplugins: [search]\n", {"gaps.md": GAPS})
    code, out, err = gapcheck(capsys, "check", "-f", str(config))
    assert code == 1 and out.startswith(UNADDRESSED_LINE)
    assert "has no gapcheck entry under plugins: checking with the default options" in err
    # no plugins key at all: the same
    config.write_text("site_name: T\n", encoding="utf-8")
    code, _, err = gapcheck(capsys, "check", "-f", str(config))
    assert code == 1 and "no gapcheck entry" in err


def test_disabled_plugin_is_still_checked(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    config = project(tmp_path, "plugins:\n  - gapcheck:\n      enabled: false\n",
                     {"gaps.md": GAPS})
    code, _, err = gapcheck(capsys, "check", "-f", str(config))
    assert code == 1 and "disables the gapcheck plugin (enabled: false); checking anyway" in err


def test_env_tag_forms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GC_SET", "42")
    monkeypatch.setenv("GC_WORD", "hello")
    monkeypatch.delenv("GC_UNSET", raising=False)
    monkeypatch.delenv("GC_UNSET2", raising=False)
    config = project(tmp_path, """\
        a: !ENV GC_SET
        b: !ENV GC_UNSET
        c: !ENV [GC_UNSET, fallback]
        d: !ENV [GC_UNSET, GC_WORD, fallback]
        e: !ENV [GC_UNSET, GC_UNSET2, 7]
        f: !ENV [GC_UNSET, [x, y]]
    """)
    data = load_yaml(str(config))
    assert data == {"a": 42, "b": None, "c": "fallback", "d": "hello", "e": 7, "f": ["x", "y"]}


def test_env_tag_in_gapcheck_options_and_docs_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GC_LEVEL", "info")
    monkeypatch.setenv("GC_DOCS", "content")
    config = project(tmp_path, """\
        docs_dir: !ENV [GC_DOCS, docs]
        plugins:
          - gapcheck:
              rules:
                uncovered-gap: !ENV [GC_LEVEL, warn]
    """, files={})
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "gaps.md").write_text(GAPS, encoding="utf-8")
    code, out, _ = gapcheck(capsys, "check", "-f", str(config))
    assert code == 0
    assert out.startswith("content/gaps.md:3: info: uncovered-gap: ")


def test_relative_tag(tmp_path: Path) -> None:
    config = project(tmp_path, """\
        a: !relative $config_dir
        b: !relative $config_dir/snippets
        c: !relative $docs_dir/x
        d: !relative
    """)
    data = load_yaml(str(config))
    assert data["a"] == str(tmp_path)
    assert data["b"] == os.path.join(str(tmp_path), "snippets")
    assert data["c"] == "$docs_dir/x" and data["d"] == ""


def test_unknown_tags_do_not_break_loading(tmp_path: Path) -> None:
    config = project(tmp_path, """\
        markdown_extensions:
          - pymdownx.emoji:
              emoji_index: !!python/name:material.extensions.emoji.twemoji
              emoji_generator: !!python/name:material.extensions.emoji.to_svg
          - pymdownx.superfences:
              custom_fences:
                - name: mermaid
                  class: mermaid
                  format: !!python/name:pymdownx.superfences.fence_code_format ''
          - x: !!python/object/apply:os.getcwd []
          - y: !custom {a: 1}
        plugins: [gapcheck]
    """)
    data = load_yaml(str(config))
    emoji = data["markdown_extensions"][0]["pymdownx.emoji"]
    assert emoji == {"emoji_index": "", "emoji_generator": ""}
    assert data["markdown_extensions"][2] == {"x": []}
    assert data["markdown_extensions"][3] == {"y": {"a": 1}}
    assert read_config(str(config)).plugin_found


def test_inherit_deep_merges_child_wins_lists_replaced(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "grand.yml").write_text(
        "site_name: Grand\nextra: {a: 1, deep: {x: 1, y: 1}}\nnav: [index.md]\n", encoding="utf-8"
    )
    (tmp_path / "base" / "base.yml").write_text(
        "INHERIT: grand.yml\nsite_name: Base\nextra: {b: 2, deep: {y: 2}, list: [1, 2]}\n"
        "plugins:\n  - search\n  - gapcheck:\n      severities: [high, low]\n",
        encoding="utf-8",
    )
    config = project(tmp_path, "INHERIT: base/base.yml\nextra: {c: 3, list: [3]}\n")
    data = load_yaml(str(config))
    assert data == {
        "site_name": "Base",
        "extra": {"a": 1, "b": 2, "c": 3, "deep": {"x": 1, "y": 2}, "list": [3]},
        "nav": ["index.md"],
        "plugins": ["search", {"gapcheck": {"severities": ["high", "low"]}}],
    }
    site = read_config(str(config))
    assert site.options == {"severities": ["high", "low"]}
    assert site.docs_dir == str(tmp_path / "docs")  # relative to the inheriting config


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("INHERIT: missing.yml\n", "Inherited config file 'missing.yml' does not exist"),
        ("INHERIT: mkdocs.yml\n", "INHERIT goes round in a cycle"),
        ("INHERIT: [a]\n", "INHERIT must name a config file"),
        ("site_name: [unclosed\n", "mkdocs.yml:2: not valid YAML:"),
        ("a: b\n\tc: d\n", "not valid YAML"),
        ("- a\n- b\n", "is not a mapping of settings"),
        ("docs_dir: nowhere\n", "docs_dir 'nowhere' is not a folder"),
        ("docs_dir: .\n", "docs_dir must not be the config file's own folder"),
        ("docs_dir: [a]\n", "docs_dir must be a folder path"),
        ("plugins: gapcheck\n", "plugins must be a list or a mapping"),
        ("plugins:\n  - gapcheck: [a]\n", "the gapcheck plugin's options must be a mapping"),
        ("plugins:\n  - {gapcheck: {}, search: {}}\n", "names 2 plugins"),
        ("exclude_docs: [a, b]\n", "exclude_docs must be a multi-line string"),
        (
            "plugins:\n  - gapcheck:\n      severities: 3\n      rules: {nope: warn}\n",
            "invalid gapcheck options in mkdocs.yml: 'severities': must be a list of values",
        ),
        ("plugins:\n  - gapcheck:\n      colour: red\n",
         "'colour': unknown option (options: enabled, severities"),
    ],
)
def test_cannot_run_is_exit_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            config: str, message: str) -> None:
    config_file = project(tmp_path, config, {"gaps.md": GAPS})
    for command in ("check", "export"):
        code, out, err = gapcheck(capsys, command, "-f", str(config_file))
        assert code == 2 and out == ""
        assert err.startswith("gapcheck: error: ") and message in err
        assert err.count("\n") == 1 and "Traceback" not in err


def test_missing_config_file_and_unreadable_page(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = gapcheck(capsys, "check", "-f", str(tmp_path / "nope.yml"))
    assert code == 2 and "does not exist" in err
    config = project(tmp_path, files={"gaps.md": GAPS})
    broken = tmp_path / "docs" / "dangling.md"
    broken.symlink_to(tmp_path / "docs" / "gone.md")
    code, _, err = gapcheck(capsys, "check", "-f", str(config))
    assert code == 2 and err.startswith("gapcheck: error: cannot read docs/dangling.md: ")


def test_unreadable_docs_folder_is_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    config = project(tmp_path, files={"gaps.md": GAPS, "sub/page.md": "# Page\n"})
    real_scandir = os.scandir

    def scandir(path: str) -> object:  # root reads everything: refuse one folder by hand
        if os.path.basename(path) == "sub":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code, out, err = gapcheck(capsys, "check", "-f", str(config))
    assert (code, out) == (2, "")
    assert err == "gapcheck: error: cannot read docs/sub: Permission denied\n"


def test_config_errors_are_one_line_even_from_deep_yaml(tmp_path: Path) -> None:
    config = project(tmp_path, "a:\n  b:\n    - c: [1,\n")
    with pytest.raises(ConfigError) as info:
        read_config(str(config))
    assert "\n" not in str(info.value) and "not valid YAML" in str(info.value)


# --- which pages are read -------------------------------------------------------------------


def _pages(tmp_path: Path, config: str, names: list[str]) -> list[str]:
    files: dict[str, str | bytes] = {n: "# x\n" for n in names}
    return sorted(page_paths(read_config(str(project(tmp_path, config, files)))))


def test_pages_skip_dot_files_templates_and_other_files(tmp_path: Path) -> None:
    names = [
        "index.md", "a.md", ".hidden.md", ".git/x.md", "sub/.cache/y.md", "templates/t.md",
        "sub/templates/t.md", "notes.markdown", "b.mdown", "c.mkdn", "d.mkd", "e.txt",
        "img.png", "deep/er/page.md",
    ]
    assert _pages(tmp_path, "site_name: T\n", names) == [
        "a.md", "b.mdown", "c.mkdn", "d.mkd", "deep/er/page.md", "index.md", "notes.markdown",
        "sub/templates/t.md",
    ]


def test_exclude_docs_and_draft_docs_patterns(tmp_path: Path) -> None:
    config = """\
        exclude_docs: |
          # a comment
          drafts/
          *.tmp.md
          !keep.tmp.md
          /top.md
          sub/**/secret.md
        draft_docs: |
          wip/*.md
          !wip/ready.md
    """
    names = [
        "index.md", "drafts/a.md", "x/drafts/b.md", "a.tmp.md", "keep.tmp.md", "top.md",
        "sub/top.md", "sub/secret.md", "sub/a/b/secret.md", "wip/plan.md", "wip/ready.md",
        ".hidden.md",
    ]
    assert _pages(tmp_path, config, names) == [
        "index.md", "keep.tmp.md", "sub/top.md", "wip/ready.md",
    ]


def test_negated_pattern_can_bring_back_a_dot_file(tmp_path: Path) -> None:
    names = ["index.md", ".well-known/page.md", ".other/page.md"]
    config = "exclude_docs: |\n  !.well-known/page.md\n"
    assert _pages(tmp_path, config, names) == [".well-known/page.md", "index.md"]


@pytest.mark.parametrize(
    ("directory_urls", "expected"),
    [
        ("true", ["a/index.md", "b.md", "b/index.md", "index.md", "x.md"]),
        ("false", ["a/index.md", "b.md", "b/index.md", "index.md", "x.md"]),
    ],
)
def test_readme_beside_index_and_same_output_pages(tmp_path: Path, directory_urls: str,
                                                   expected: list[str]) -> None:
    names = [
        "index.md", "README.md", "a/README.md", "a/index.md", "x.markdown", "x.md", "b.md",
        "b/index.md",
    ]
    assert _pages(tmp_path, f"use_directory_urls: {directory_urls}\n", names) == expected


def test_readme_kept_when_index_is_excluded(tmp_path: Path) -> None:
    names = ["index.md", "README.md", "page.md"]
    assert _pages(tmp_path, "exclude_docs: |\n  /index.md\n", names) == ["README.md", "page.md"]


# --- exit codes and formats -----------------------------------------------------------------


def test_clean_site_exits_0_in_every_format(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    config = str(project(tmp_path, files=ADDRESSED))
    code, out, err = gapcheck(capsys, "check", "-f", config)
    assert (code, out) == (0, "")
    assert err == "gapcheck: no findings in 2 pages and 1 gap\n"
    code, out, _ = gapcheck(capsys, "check", "-f", config, "--format", "github")
    assert (code, out) == (0, "")
    code, out, _ = gapcheck(capsys, "check", "-f", config, "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["findings"] == []
    assert data["summary"] == {
        "docs_dir": "docs", "pages": 2, "gaps": 1,
        "findings": {"error": 0, "warn": 0, "info": 0}, "baselined": 0, "failed": False,
    }
    code, out, _ = gapcheck(capsys, "check", "-f", config, "--format", "sarif")
    sarif = json.loads(out)
    assert code == 0 and sarif["runs"][0]["results"] == []
    assert [r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]] == list(RULES)


def _levels_site(tmp_path: Path, rules: str) -> str:
    return str(project(
        tmp_path,
        f"plugins:\n  - gapcheck:\n      rules: {rules}\n",
        {"gaps.md": GAPS, "adr/0001-x.md": "---\nstatus: accepted\n---\n# X\n"},
    ))


def test_text_format_and_levels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _levels_site(tmp_path, "{uncovered-gap: error, orphan-page: info}")
    code, out, err = gapcheck(capsys, "check", "-f", config)
    assert code == 1
    assert out.splitlines() == [
        "docs/adr/0001-x.md:2: info: orphan-page: adr page addresses no gap; add addresses: "
        "[gap-id] to its front matter, or kind: none if it is not a plan document",
        "docs/gaps.md:3: error: uncovered-gap: high gap 'security' (Security & Compliance) is "
        "addressed by no page; add 'security' to the addresses of a page that remediates it, or "
        "set status: accepted with a rationale",
    ]
    assert err == "gapcheck: 2 findings (1 error, 1 info) in 2 pages and 1 gap\n"


def test_info_findings_alone_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _levels_site(tmp_path, "{uncovered-gap: info, orphan-page: info}")
    code, out, _ = gapcheck(capsys, "check", "-f", config)
    assert code == 0 and len(out.splitlines()) == 2
    config = _levels_site(tmp_path, "{uncovered-gap: off, orphan-page: off}")
    code, out, err = gapcheck(capsys, "check", "-f", config)
    assert (code, out) == (0, "") and "no findings" in err


def test_warnings_exit_1_and_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _levels_site(tmp_path, "{}")
    code, out, err = gapcheck(capsys, "check", "-f", config)
    assert code == 1 and len(out.splitlines()) == 2
    assert err == "gapcheck: 2 findings (2 warnings) in 2 pages and 1 gap\n"


def test_json_format_with_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _levels_site(tmp_path, "{orphan-page: error}")
    code, out, _ = gapcheck(capsys, "check", "-f", config, "--format", "json")
    data = json.loads(out)
    assert code == 1
    assert sorted(data) == ["findings", "gaps", "pages", "summary"]
    assert data["findings"][0] == {
        "rule": "orphan-page", "level": "error", "file": "adr/0001-x.md", "line": 2,
        "message": "adr page addresses no gap; add addresses: [gap-id] to its front matter, or "
        "kind: none if it is not a plan document",
        "subject": "adr/0001-x.md", "baselined": False,
    }
    assert data["gaps"][0]["id"] == "security" and data["gaps"][0]["addressed_by"] == []
    assert data["summary"]["findings"] == {"error": 1, "warn": 1, "info": 0}
    assert data["summary"]["failed"] is True


def test_github_format_annotations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _levels_site(tmp_path, "{uncovered-gap: error, orphan-page: info}")
    code, out, _ = gapcheck(capsys, "check", "-f", config, "--format", "github")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(
        "::notice file=docs/adr/0001-x.md,line=2,title=orphan-page::adr page addresses no gap"
    )
    assert lines[1].startswith(
        "::error file=docs/gaps.md,line=3,title=uncovered-gap::high gap 'security'"
    )
    config = _levels_site(tmp_path, "{}")
    _, out, _ = gapcheck(capsys, "check", "-f", config, "--format", "github")
    assert out.splitlines()[1].startswith(
        "::warning file=docs/gaps.md,line=3,title=uncovered-gap::"
    )


def test_github_format_escapes_messages_and_paths(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    gaps = GAPS.replace("Security & Compliance", '"100% safe:\\nreally, yes"')
    config = str(project(tmp_path, files={"a,b: c.md": gaps}))
    code, out, _ = gapcheck(capsys, "check", "-f", config, "--format", "github")
    assert code == 1
    # the title's line break is folded by the core (one finding, one line); % and the
    # path's , and : are escaped as GitHub's workflow commands need
    assert out.startswith(
        "::warning file=docs/a%2Cb%3A c.md,line=3,title=uncovered-gap::high gap 'security' "
        "(100%25 safe: really, yes) is addressed by no page"
    )
    assert out.count("\n") == 1


def test_github_and_sarif_paths_are_relative_to_the_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".git").mkdir()
    config = str(project(tmp_path / "site", files={"gaps.md": GAPS}))
    _, out, _ = gapcheck(capsys, "check", "-f", config)
    assert out.startswith("docs/gaps.md:3: ")  # text: as the plugin prints it
    _, out, _ = gapcheck(capsys, "check", "-f", config, "--format", "github")
    assert out.startswith("::warning file=site/docs/gaps.md,line=3,")
    _, out, _ = gapcheck(capsys, "check", "-f", config, "--format", "sarif")
    location = json.loads(out)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "site/docs/gaps.md"


def test_sarif_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _levels_site(tmp_path, "{uncovered-gap: error, orphan-page: info}")
    code, out, _ = gapcheck(capsys, "check", "-f", config, "--format", "sarif")
    sarif = json.loads(out)
    assert code == 1
    assert sarif["version"] == "2.1.0" and "sarif-2.1.0" in sarif["$schema"]
    run = sarif["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "gapcheck" and driver["version"] == __version__
    rules = driver["rules"]
    for rule in rules:
        info = RULES[rule["id"]]
        assert rule["shortDescription"]["text"] == info.summary
        assert rule["help"]["text"] == info.help
        assert info.help in rule["fullDescription"]["text"]
    results = run["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("orphan-page", "note"), ("uncovered-gap", "error"),
    ]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    location = results[1]["locations"][0]["physicalLocation"]
    assert location == {
        "artifactLocation": {"uri": "docs/gaps.md", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 3},
    }
    config = _levels_site(tmp_path, "{}")
    _, out, _ = gapcheck(capsys, "check", "-f", config, "--format", "sarif")
    assert {r["level"] for r in json.loads(out)["runs"][0]["results"]} == {"warning"}


def test_unknown_format_is_a_usage_error(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = gapcheck(capsys, "check", "--format", "xml")
    assert code == 2 and out == "" and "invalid choice: 'xml'" in err


def test_check_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _levels_site(tmp_path, "{}")
    before = sorted((p, p.stat().st_mtime_ns) for p in tmp_path.rglob("*"))
    for fmt in ("text", "json", "github", "sarif"):
        gapcheck(capsys, "check", "-f", config, "--format", fmt)
    for fmt in ("json", "csv"):
        gapcheck(capsys, "export", "-f", config, "--format", fmt)
    assert sorted((p, p.stat().st_mtime_ns) for p in tmp_path.rglob("*")) == before


# --- export -----------------------------------------------------------------------------------


def test_export_json_is_the_site_export(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """Byte for byte what the plugin writes to site_dir/gapcheck.json."""
    config = project(tmp_path, files={**ADDRESSED, "extra.md": "---\naddresses: nope\n---\n"})
    code, out, err = gapcheck(capsys, "export", "-f", str(config))
    assert (code, err) == (0, "")  # findings do not fail an export
    built = build_config(config, tmp_path / "site")
    built.checked = True
    assert out == (tmp_path / "site" / "gapcheck.json").read_text(encoding="utf-8")
    data = json.loads(out)
    assert sorted(data) == ["findings", "gaps", "pages"]
    assert data["pages"] == [
        {"path": "adr/0001-audit.md", "kind": "adr", "title": "Audit", "addresses": ["security"]},
        {"path": "extra.md", "kind": "plan", "title": None, "addresses": ["nope"]},
        {"path": "gaps.md", "kind": "gaps", "title": "Gaps", "addresses": []},
    ]
    assert gapcheck(capsys, "export", "-f", str(config))[1] == out  # byte-identical


def test_export_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gaps = """\
---
gaps:
  - id: low-one
    title: "=HYPERLINK(\\"http://x\\")"
    severity: low
  - id: dr
    title: 'Disaster recovery, "RTO/RPO"'
    severity: high
    effort: low
    timing: "-1 week\\nthen review"
    status: in-progress
  - id: security
    title: Security
    severity: high
    effort: medium
---
"""
    config = str(project(tmp_path, files={
        "gaps.md": gaps,
        "plan.md": "---\naddresses: [dr, security, low-one]\n---\n",
        "adr/0001.md": "---\naddresses: [dr]\n---\n",
    }))
    code, out, _ = gapcheck(capsys, "export", "-f", config, "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert out.count("\r\n") == 4
    assert rows == [
        ["id", "title", "severity", "effort", "timing", "status", "page", "line",
         "addressed_by"],
        ["dr", 'Disaster recovery, "RTO/RPO"', "high", "low", "'-1 week\nthen review",
         "in-progress", "gaps.md", "6", "plan.md; adr/0001.md"],
        ["security", "Security", "high", "medium", "", "open", "gaps.md", "12", "plan.md"],
        ["low-one", "'=HYPERLINK(\"http://x\")", "low", "", "", "open", "gaps.md", "3",
         "plan.md"],
    ]
    assert gapcheck(capsys, "export", "-f", config, "--format", "csv")[1] == out
    empty = str(project(tmp_path / "empty"))
    assert gapcheck(capsys, "export", "-f", empty, "--format", "csv")[1] == (
        "id,title,severity,effort,timing,status,page,line,addressed_by\r\n"
    )


# --- gapcheck new -----------------------------------------------------------------------------


def test_new_creates_a_site_that_builds_clean(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "a" / "b" / "kb"
    code, out, err = gapcheck(capsys, "new", str(target))
    assert code == 0 and err == ""
    assert f"  cd {target}\n" in out and "  mkdocs serve" in out
    assert "  mkdocs build --strict" in out
    assert (target / "mkdocs.yml").is_file() and (target / "docs" / "index.md").is_file()
    assert not (target / "site").exists()
    assert gapcheck(capsys, "check", "-f", str(target / "mkdocs.yml"))[0] == 0
    built = build_config(target / "mkdocs.yml", tmp_path / "out", strict=True)
    built.expect_clean()


def test_new_copies_the_whole_template_but_not_its_build(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    from mkdocs_gapcheck import scaffold

    template = tmp_path / "template"
    shutil.copytree(scaffold.template_dir(), template)
    (template / "site").mkdir()
    (template / "site" / "index.html").write_text("built", encoding="utf-8")
    (template / "docs" / "__pycache__").mkdir()
    (template / "docs" / ".pages").write_text("kept", encoding="utf-8")
    monkeypatch.setattr(scaffold, "template_dir", lambda: template)
    target = tmp_path / "new site"
    code, out, _ = gapcheck(capsys, "new", str(target))
    assert code == 0 and "  cd 'new site'" not in out and f"  cd '{target}'" in out
    copied = sorted(p.relative_to(target) for p in target.rglob("*") if p.is_file())
    expected = sorted([Path(".gitignore"), *(
        p.relative_to(template) for p in template.rglob("*")
        if p.is_file() and p.parts[len(template.parts)] != "site"
    )])
    assert copied == expected and Path("docs/.pages") in copied


def test_new_refuses_a_non_empty_folder(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "notes.txt").write_text("mine", encoding="utf-8")
    code, out, err = gapcheck(capsys, "new", str(tmp_path / "kb"))
    assert code == 2 and out == "" and "is not empty" in err and err.count("\n") == 1
    assert [p.name for p in (tmp_path / "kb").iterdir()] == ["notes.txt"]
    (tmp_path / "file").write_text("x", encoding="utf-8")
    code, _, err = gapcheck(capsys, "new", str(tmp_path / "file"))
    assert code == 2 and "is not a folder" in err
    (tmp_path / "empty").mkdir()
    assert gapcheck(capsys, "new", str(tmp_path / "empty"))[0] == 0


@pytest.mark.slow
def test_wheel_ships_the_template(tmp_path: Path) -> None:
    """The wheel holds mkdocs_gapcheck/site_template, so `gapcheck new` works when installed."""
    pytest.importorskip("hatchling", reason="building the wheel offline needs hatchling")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "-q", "-w", str(tmp_path), str(REPO)],
        check=True, capture_output=True,
    )
    (wheel,) = tmp_path.glob("mkdocs_gapcheck-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "mkdocs_gapcheck/site_template/mkdocs.yml" in names
    assert "mkdocs_gapcheck/site_template/docs/index.md" in names
    assert "mkdocs_gapcheck/cli.py" in names and "mkdocs_gapcheck/__main__.py" in names
    assert not [n for n in names if n.startswith("mkdocs_gapcheck/site_template/site/")]
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "gapcheck = mkdocs_gapcheck.cli:main" in zipfile.ZipFile(wheel).read(
        entry_points).decode()


# --- the command itself -----------------------------------------------------------------------


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = gapcheck(capsys, "--version")
    assert (code, out) == (0, f"gapcheck {__version__}\n")
    code, out, _ = gapcheck(capsys, "--help")
    assert code == 0 and all(word in out for word in ("check", "export", "new", "--version"))
    code, out, _ = gapcheck(capsys, "check", "--help")
    assert code == 0
    for word in ("-f", "--config-file", "--format", "text", "json", "github", "sarif",
                 "Exit status"):
        assert word in out
    code, out, _ = gapcheck(capsys, "export", "--help")
    for word in ("-f", "--config-file", "--format", "json", "csv", "addressed_by"):
        assert word in out
    code, out, _ = gapcheck(capsys, "new", "--help")
    assert code == 0 and "DIR" in out


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = gapcheck(capsys)
    assert code == 2 and out == "" and "usage: gapcheck" in err


def _python(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def test_check_imports_neither_the_theme_nor_other_plugins(tmp_path: Path) -> None:
    config = _levels_site(tmp_path, "{}")
    script = (
        "import sys\n"
        "from mkdocs_gapcheck.cli import main\n"
        f"code = main(['check', '-f', {config!r}])\n"
        "loaded = [m for m in sys.modules if m.startswith(('material', 'pymdownx', "
        "'mkdocs.themes', 'mkdocs.contrib', 'mkdocs.commands'))]\n"
        "print('LOADED', loaded, code)\n"
    )
    result = _python("-c", script)
    assert "LOADED [] 1" in result.stdout, result.stderr


def test_python_m_and_console_script(tmp_path: Path) -> None:
    config = _levels_site(tmp_path, "{}")
    result = _python("-m", "mkdocs_gapcheck", "check", "-f", config)
    assert result.returncode == 1 and result.stdout.startswith("docs/adr/0001-x.md:2: ")
    assert _python("-m", "mkdocs_gapcheck", "--version").stdout == f"gapcheck {__version__}\n"
    script = shutil.which("gapcheck")
    if script is None:
        pytest.skip("the gapcheck console script is not on PATH")
    result = subprocess.run([script, "check", "-f", config], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 1 and "2 findings (2 warnings)" in result.stderr


def test_non_utf8_output_stream_does_not_crash(tmp_path: Path) -> None:
    config = project(tmp_path, files={"gaps.md": GAPS.replace("Security", "Sécurité ✓")})
    env = dict(os.environ, PYTHONIOENCODING="ascii")
    result = subprocess.run([sys.executable, "-m", "mkdocs_gapcheck", "check", "-f", str(config)],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "(S\\xe9curit\\xe9 \\u2713 & Compliance)" in result.stdout


def test_broken_pipe_is_quiet(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        f"adr/{n:04d}-x.md": "---\nstatus: accepted\n---\n# X\n" for n in range(3000)
    }
    files["gaps.md"] = GAPS  # orphan-page needs a gap to address
    config = project(tmp_path, files=files)
    result = subprocess.run(
        f"{shlex.quote(sys.executable)} -m mkdocs_gapcheck check -f {shlex.quote(str(config))}"
        " | head -n 1",
        shell=True, capture_output=True, text=True, timeout=120,
    )
    assert result.stdout.startswith("docs/adr/0000-x.md:2: orphan-page")
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr

