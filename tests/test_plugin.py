"""The plugin as users run it: levels, options, themes, URL styles, repeated builds, CLIs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import build_site, write_site

GAP = "---\ngap:\n  id: security\n  title: Security & Compliance\n  severity: high\n---\n# Gaps\n"
ADDRESSING = "---\naddresses: security\n---\n# ADR\n"


def test_levels_error_info_off(site):
    files = {
        "gaps.md": GAP,
        "adr/0001-x.md": "# No front matter\n",
        "plan.md": "---\naddresses: typo\n---\n",
    }
    levels = {"uncovered-gap": "error", "orphan-page": "info", "unknown-gap": "off"}
    config = {"plugins": [{"gapcheck": {"rules": levels}}]}
    built = site(files, config)
    built.expect_warnings(
        "docs/gaps.md:2: uncovered-gap: high gap 'security'",
        "gapcheck: 1 finding at level 'error' (listed above)",
    )
    assert built.error is not None and "BuildError" in str(built.error)
    info = [m for m in built.messages(level=20) if "orphan-page" in m]
    assert info == ["docs/adr/0001-x.md:1: orphan-page: adr page addresses no gap; add addresses: "
                    "[gap-id] to its front matter, or kind: none if it is not a plan document"]
    assert not any("unknown-gap" in m for m in built.messages(level=0))


def test_yaml_off_is_read_as_off(site):
    files = {"gaps.md": GAP}
    built = site(files, None)
    built.expect_warnings("docs/gaps.md:2: uncovered-gap")
    (built.root / "mkdocs.yml").write_text(
        "site_name: x\nplugins:\n  - gapcheck:\n      rules:\n        uncovered-gap: off\n"
    )
    again = build_site(built.root)
    again.expect_clean()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"severities": "high"}, "severities"),
        ({"severities": 12}, "severities"),
        ({"rules": {"no-such-rule": "warn"}}, "option 'rules': unknown rule 'no-such-rule'"),
        ({"rules": {"orphan-page": "loud"}},
         "option 'rules': 'orphan-page' must be one of error, warn, info, off"),
        ({"coverage": {"severe": ["any"]}}, "option 'coverage': names severity 'severe'"),
        ({"coverage": {"high": ["wiki"]}}, "option 'coverage': 'high' has unknown kind(s) wiki"),
        ({"kinds": {"wiki": ["wiki/"]}}, "option 'kinds': unknown kind 'wiki'"),
        ({"stale_runbook_days": -1}, "option 'stale_runbook_days': must be a whole number"),
        ({"export": "/abs/path.json"}, "option 'export': must be a path relative to site_dir"),
    ],
)
def test_bad_options_are_config_errors(tmp_path, options, message):
    files = {"gaps.md": GAP, "a.md": ADDRESSING}
    root = write_site(tmp_path, files, {"plugins": [{"gapcheck": options}]})
    built = build_site(root)
    built.checked = True
    assert built.error is not None
    text = str(built.error) + " ".join(built.messages())
    assert message in text


def test_unknown_option_warns_as_for_any_plugin(tmp_path):
    """MkDocs warns about an option a plugin does not know, which fails --strict."""
    root = write_site(tmp_path, {"gaps.md": GAP, "a.md": ADDRESSING},
                      {"plugins": [{"gapcheck": {"colour": "red"}}]})
    built = build_site(root)
    built.expect_warnings("Config value 'plugins': Plugin 'gapcheck' option 'colour': "
                          "Unrecognised configuration name: colour")


def test_second_build_in_one_process_sees_only_current_sources(tmp_path):
    """What i18n plugins and `mkdocs serve` do: build again after an edit."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    root = write_site(tmp_path, {"gaps.md": GAP, "adr/0001-x.md": ADDRESSING})
    config = load_config(str(root / "mkdocs.yml"), site_dir=str(tmp_path / "out"))
    build(config)
    first = json.loads((tmp_path / "out" / "gapcheck.json").read_text())
    assert [g["addressed_by"] for g in first["gaps"]] == [["adr/0001-x.md"]]
    (root / "docs" / "adr" / "0001-x.md").unlink()
    (root / "docs" / "gaps.md").write_text(GAP.replace("security", "privacy"))
    config = load_config(str(root / "mkdocs.yml"), site_dir=str(tmp_path / "out"))
    build(config)
    second = json.loads((tmp_path / "out" / "gapcheck.json").read_text())
    assert [(g["id"], g["addressed_by"]) for g in second["gaps"]] == [("privacy", [])]
    assert [f["rule"] for f in second["findings"]] == ["uncovered-gap"]


def test_same_config_built_twice_gives_same_export(tmp_path):
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    root = write_site(tmp_path, {"gaps.md": GAP, "adr/0001-x.md": ADDRESSING})
    config = load_config(str(root / "mkdocs.yml"), site_dir=str(tmp_path / "out"))
    build(config)
    first = (tmp_path / "out" / "gapcheck.json").read_bytes()
    build(config)
    assert (tmp_path / "out" / "gapcheck.json").read_bytes() == first


@pytest.mark.parametrize("theme", ["mkdocs", "material"])
@pytest.mark.parametrize("directory_urls", [True, False])
def test_themes_and_url_styles_build_clean(site, theme, directory_urls):
    files = {"index.md": "# Home\n", "plan/gaps.md": GAP, "plan/adr/0001-x.md": ADDRESSING}
    config = {"theme": {"name": theme, "font": False} if theme == "material" else theme,
              "use_directory_urls": directory_urls}
    built = site(files, config)
    built.expect_clean()
    data = json.loads((built.site_dir / "gapcheck.json").read_text())
    assert data["gaps"][0]["addressed_by"] == ["plan/adr/0001-x.md"]
    assert data["pages"][0]["kind"] == "adr"


def test_export_path_and_off(site):
    files = {"gaps.md": GAP, "a.md": ADDRESSING}
    built = site(files, {"plugins": [{"gapcheck": {"export": "data/plan.json"}}]})
    built.expect_clean()
    assert json.loads((built.site_dir / "data" / "plan.json").read_text())["gaps"]
    assert not (built.site_dir / "gapcheck.json").exists()
    off = site(files, {"plugins": [{"gapcheck": {"export": False}}]})
    off.expect_clean()
    assert not (off.site_dir / "gapcheck.json").exists()


def test_disabled_plugin_does_nothing(site):
    built = site({"gaps.md": GAP}, {"plugins": [{"gapcheck": {"enabled": False}}]})
    built.expect_clean()
    assert not (built.site_dir / "gapcheck.json").exists()


def test_nothing_is_written_into_docs_dir(site):
    files = {"gaps.md": GAP, "a.md": ADDRESSING}
    built = site(files)
    built.expect_clean()
    docs = built.root / "docs"
    assert sorted(p.name for p in docs.rglob("*")) == ["a.md", "gaps.md"]


def test_nav_order_decides_declaration_order(site):
    files = {
        "a.md": "---\ngap: {id: a, title: A, severity: low}\naddresses: [a, b]\n---\n",
        "b.md": "---\ngap: {id: b, title: B, severity: low}\n---\n",
    }
    built = site(files, {"nav": ["b.md", "a.md"]})
    built.expect_clean()
    data = json.loads((built.site_dir / "gapcheck.json").read_text())
    assert [g["id"] for g in data["gaps"]] == ["b", "a"]


# --- the command lines: mkdocs and properdocs --------------------------------------------------


#: ProperDocs warns when the theme is implicit; name it, as a real project would.
THEME = {"theme": {"name": "mkdocs"}}


def _run(tool: str, root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONWARNINGS="ignore")
    return subprocess.run(
        [sys.executable, "-m", tool, "build", *args, "-d", str(root / "site")],
        cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


@pytest.mark.parametrize("tool", ["mkdocs", "properdocs"])
def test_strict_build_fails_on_one_unaddressed_gap(tmp_path, tool):
    root = write_site(tmp_path, {"gaps.md": GAP}, THEME)
    result = _run(tool, root, "--strict")
    assert result.returncode == 1, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("WARNING")]
    assert warnings == [
        "WARNING -  docs/gaps.md:2: uncovered-gap: high gap 'security' (Security & Compliance) "
        "is addressed by no page; add 'security' to the addresses of a page that remediates it, "
        "or set status: accepted with a rationale"
    ]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("tool", ["mkdocs", "properdocs"])
def test_strict_build_passes_when_addressed(tmp_path, tool):
    root = write_site(tmp_path, {"gaps.md": GAP, "adr/0001-x.md": ADDRESSING}, THEME)
    result = _run(tool, root, "--strict")
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr and "ERROR" not in result.stderr
    assert json.loads((root / "site" / "gapcheck.json").read_text())["findings"] == []


@pytest.mark.parametrize("tool", ["mkdocs", "properdocs"])
def test_error_level_fails_without_strict_and_without_traceback(tmp_path, tool):
    config = {"plugins": [{"gapcheck": {"rules": {"uncovered-gap": "error"}}}], **THEME}
    root = write_site(tmp_path, {"gaps.md": GAP}, config)
    result = _run(tool, root)
    assert result.returncode == 1
    assert "ERROR   -  docs/gaps.md:2: uncovered-gap:" in result.stderr
    assert "gapcheck: 1 finding at level 'error'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("tool", ["mkdocs", "properdocs"])
def test_bad_option_is_a_clear_error(tmp_path, tool):
    config = {"plugins": [{"gapcheck": {"severities": 3}}], **THEME}
    root = write_site(tmp_path, {"gaps.md": GAP}, config)
    result = _run(tool, root)
    assert result.returncode == 1
    assert "severities" in result.stderr
    assert "Traceback" not in result.stderr




def test_plugins_that_provide_page_sources_still_work(site, tmp_path):
    """A hook that provides page sources (on_page_read_source) keeps working beside gapcheck,
    and pages with a BOM and CRLF line ends build as MkDocs reads them."""
    hook = tmp_path / "hook.py"
    hook.write_text(
        "def on_page_read_source(page, config):\n"
        "    if page.file.src_uri == 'hooked.md':\n"
        "        return '---\\ntitle: From the hook\\n---\\n# Hooked\\n'\n",
        encoding="utf-8",
    )
    files = {
        "windows.md": b"\xef\xbb\xbf---\r\ntitle: Windows page\r\n---\r\n"
        b"# Heading\r\n\r\nText.\r\n",
        "hooked.md": "# On disk\n",
        "gaps.md": GAP,
        "adr/0001-x.md": ADDRESSING,
    }
    built = site(files, {"plugins": ["gapcheck"], "hooks": [str(hook)]})
    windows = built.output_path("windows.md").read_text(encoding="utf-8")
    assert "<title>Windows page - Fixture</title>" in windows
    assert '<h1 id="heading">Heading</h1>' in windows
    hooked = built.output_path("hooked.md").read_text(encoding="utf-8")
    assert "<title>From the hook - Fixture</title>" in hooked and "On disk" not in hooked




















