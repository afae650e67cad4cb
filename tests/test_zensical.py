"""The Markdown extension ``gapcheck`` in its three hosts, and ``gapcheck check`` on zensical.toml.

Zensical runs no MkDocs plugins, only Python-Markdown extensions: real ``zensical build`` runs
(a subprocess, as users run it) must show the matrix, grid, index, coverage and backlinks, with
links that lead to built pages. The same extension works in a plain ``markdown.Markdown`` call
and in MkDocs without the plugin. ``gapcheck check`` reads zensical.toml and prints the same
findings as a MkDocs build of the same pages.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import markdown
import pytest
from bs4 import BeautifulSoup
from conftest import build_site, write_site

from mkdocs_gapcheck import mdext, render
from mkdocs_gapcheck.cli import main
from mkdocs_gapcheck.config import ConfigError, read_config

REPO = Path(__file__).resolve().parent.parent
TEMPLATE_DAY_EPOCH = "1795219200"  # 2026-11-21, the day the template's dates are written for

GAPS = """\
---
gaps:
  - id: security
    title: Security & Compliance
    severity: high
    effort: medium
    timing: Month 1 checkpoint
  - id: rollback
    title: Rollback testing
    severity: medium
    effort: low
---
# Gaps

<!-- gapcheck:matrix -->

<!-- gapcheck:grid -->

## Security & Compliance

Audit logging is missing.

## Rollback testing

No drill yet.

```
<!-- gapcheck:index -->
```
"""
ADR = """\
---
status: accepted
date: 2025-10-08
addresses: [security]
---
# Central audit log

We send every access event to one log.
"""
HOME = """\
# Home

<!-- gapcheck:coverage -->

<!-- gapcheck:index -->
"""
SITE = {"gaps.md": GAPS, "decisions/0001-audit-log.md": ADR, "index.md": HOME}
#: the one finding of SITE, as `gapcheck check` and the MkDocs plugin print it
UNCOVERED = "docs/gaps.md:8: uncovered-gap: medium gap 'rollback' (Rollback testing) is addressed"


def write_docs(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / "docs" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root / "docs"


def body(text: str) -> str:
    """A page's Markdown as a host converts it: the front matter taken off."""
    return text.split("---\n", 2)[2] if text.startswith("---\n") else text


def convert(docs: Path, page: str | None, text: str, **options: Any) -> BeautifulSoup:
    config: dict[str, Any] = {"docs_dir": str(docs), **options}
    if page is not None:
        config["page"] = page
    md = markdown.Markdown(extensions=["toc", "fenced_code", "gapcheck"],
                          extension_configs={"gapcheck": config})
    return BeautifulSoup(md.convert(body(text)), "html.parser")


# --- a plain markdown.Markdown call -----------------------------------------------------------


def test_plain_markdown_renders_the_views_and_backlinks(tmp_path: Path) -> None:
    docs = write_docs(tmp_path, SITE)
    soup = convert(docs, "gaps.md", GAPS)
    rows = soup.select(".gapcheck-matrix tbody tr")
    assert [r["id"] for r in rows] == ["gapcheck-gap-security", "gapcheck-gap-rollback"]
    first = rows[0].select("a")
    assert first[0]["href"] == "#security-compliance"  # the heading, from this page's toc
    assert first[1]["href"] == "../decisions/0001-audit-log/"  # MkDocs' directory URLs
    assert soup.select_one(".gapcheck-grid a")["href"] == "#gapcheck-gap-security"
    # backlinks right under each gap's heading
    heading = soup.find("h2", id="security-compliance")
    block = heading.find_next_sibling()
    assert "gapcheck-backlinks" in block["class"] and "Central audit log" in block.get_text()
    assert "not addressed" in soup.find("h2", id="rollback-testing").find_next_sibling().get_text()
    # a marker inside code stays text; the stylesheet comes along once
    assert "<!-- gapcheck:index -->" in soup.find("code").get_text()
    assert len(soup.select(".gapcheck-stylesheet link[rel=stylesheet]")) == 1


def test_plain_markdown_finds_the_page_by_its_text(tmp_path: Path) -> None:
    """No page option: the text matches the body of decisions/0001-audit-log.md."""
    docs = write_docs(tmp_path, SITE)
    soup = convert(docs, None, ADR, use_directory_urls=False, css=False)
    top = soup.find("h1").find_next_sibling()
    assert "gapcheck-addresses" in top["class"]
    # anchors of another page come from its source, slugified as this host's toc does
    assert top.find("a")["href"] == "../gaps.html#security-compliance"
    assert not soup.select(".gapcheck-stylesheet")


def test_the_site_is_read_once_and_again_after_a_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = write_docs(tmp_path, SITE)
    loads: list[str] = []
    real_load = mdext._load

    def counting(*args: Any) -> Any:
        loads.append("load")
        return real_load(*args)

    monkeypatch.setattr(mdext, "_load", counting)
    for page, text in (("gaps.md", GAPS), ("index.md", HOME), ("gaps.md", GAPS)):
        convert(docs, page, text)
    assert len(loads) == 1
    adr = docs / "decisions" / "0001-audit-log.md"
    adr.write_text(ADR.replace("[security]", "[security, rollback]"), encoding="utf-8")
    soup = convert(docs, "gaps.md", GAPS)
    assert len(loads) == 2
    assert not soup.select(".gapcheck-matrix .gapcheck-flagged")  # rollback is addressed now
    convert(docs, "index.md", HOME)
    assert len(loads) == 2


def _note(soup: BeautifulSoup) -> str:
    notes = soup.select(".gapcheck-notice")
    assert notes, soup
    return " ".join(notes[0].get_text().split())


def test_problems_show_on_the_page_and_never_raise(tmp_path: Path) -> None:
    docs = write_docs(tmp_path, SITE)
    md = markdown.Markdown(extensions=["gapcheck"])
    assert "set the gapcheck extension's docs_dir option" in _note(
        BeautifulSoup(md.convert(HOME), "html.parser"))
    assert "docs_dir is not a folder" in _note(convert(tmp_path / "nowhere", "index.md", HOME))
    bad = _note(convert(docs, "index.md", HOME, rules={"no-such-rule": "warn"}))
    assert bad.startswith("gapcheck: invalid gapcheck options: 'rules': unknown rule 'no-such")
    assert "cannot tell which page" in _note(convert(docs, None, "# Elsewhere\n\n" + HOME))
    # bad front matter elsewhere: the views show it, and still show the rest
    (docs / "broken.md").write_text("---\naddresses: [security\n---\n# Broken\n", "utf-8")
    soup = convert(docs, "index.md", HOME)
    assert _note(soup).startswith("gapcheck: broken.md:2: bad-front-matter:")
    assert soup.select(".gapcheck-coverage") and soup.select(".gapcheck-index")


def test_a_failing_view_is_a_note_not_an_exception(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = write_docs(tmp_path, SITE)

    def broken(*args: Any) -> Any:
        raise ValueError("boom")

    monkeypatch.setattr(render, "render_markers", broken)
    assert "the views failed on this page: ValueError('boom')" in _note(
        convert(docs, "index.md", HOME))


def test_enabled_false_leaves_the_markers(tmp_path: Path) -> None:
    docs = write_docs(tmp_path, SITE)
    soup = convert(docs, "index.md", HOME, enabled=False)
    assert not soup.select(".gapcheck") and "gapcheck:coverage" in str(soup)


# --- MkDocs with the extension and without the plugin -----------------------------------------


@pytest.mark.parametrize("directory_urls", [True, False])
def test_mkdocs_without_the_plugin(tmp_path: Path, directory_urls: bool) -> None:
    root = tmp_path / "site"
    config = {
        "plugins": [],
        "theme": {"name": "mkdocs"},
        "use_directory_urls": directory_urls,
        "markdown_extensions": [
            "toc",
            {"gapcheck": {"docs_dir": str(root / "docs"), "use_directory_urls": directory_urls}},
        ],
    }
    built = build_site(write_site(root, SITE, config), strict=True)
    built.expect_clean()
    gaps = built.html("gaps.md")
    assert len(gaps.select(".gapcheck-matrix tbody tr")) == 2
    assert gaps.find("h2", id="security-compliance").find_next_sibling().select(".gapcheck-line")
    adr = built.html("decisions/0001-audit-log.md")
    assert adr.select_one(".gapcheck-addresses a").get_text() == "Security & Compliance"
    for page in SITE:
        assert_links_resolve(built.site_dir, built.output_path(page), built.html(page))


def assert_links_resolve(site_dir: Path, output: Path, soup: BeautifulSoup) -> None:
    """Every link of gapcheck's blocks leads to a built page and, if it has one, an anchor."""
    links = [a["href"] for a in soup.select(".gapcheck a[href]")]
    assert links, output
    for href in links:
        path, _, anchor = href.partition("#")
        target = output if not path else (output.parent / path).resolve()
        if target.is_dir():
            target = target / "index.html"
        assert target.is_file(), f"{href} on {output} leads nowhere"
        if anchor:
            page = BeautifulSoup(target.read_text(encoding="utf-8"), "html.parser")
            assert page.find(id=anchor) is not None, f"{href} on {output}: no #{anchor}"


# --- Zensical -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def zensical_version() -> str:
    zensical = pytest.importorskip(
        "zensical", reason="zensical cannot be imported (pip install 'mkdocs-gapcheck[test]')"
    )
    from importlib.metadata import version

    del zensical
    return version("zensical")


def zensical_build(root: Path, *args: str, epoch: str | None = None
                   ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    if epoch:
        env["SOURCE_DATE_EPOCH"] = epoch
    # from another folder: the extension must take docs_dir from Zensical, not the cwd
    return subprocess.run(
        [sys.executable, "-m", "zensical", "build", "-f", str(root / "zensical.toml"), *args],
        cwd=root.parent, env=env, capture_output=True, text=True, timeout=300, check=False,
    )


def output_of(site_dir: Path, page: str, directory_urls: bool = True) -> Path:
    stem = page.removesuffix(".md")
    if posixpath.basename(stem) == "index":
        return site_dir / posixpath.dirname(stem) / "index.html"
    return site_dir / (f"{stem}/index.html" if directory_urls else f"{stem}.html")


ZENSICAL_TOML = """\
[project]
site_name = "Z"
use_directory_urls = {urls}
watch = ["docs"]

[project.theme]
custom_dir = "overrides"

[project.markdown_extensions.toc]
permalink = true
[project.markdown_extensions.gapcheck]
stale_runbook_days = 90
"""
#: a theme override of one view, as under MkDocs
COVERAGE_OVERRIDE = '<p class="team-coverage">{{ total.addressed.count }} of {{ total.gaps }}</p>'



@pytest.mark.parametrize("directory_urls", [True, False])
def test_zensical_build_shows_the_views_and_backlinks(
    zensical_version: str, tmp_path: Path, directory_urls: bool
) -> None:
    root = tmp_path / "zsite"
    write_docs(root, SITE)
    (root / "overrides" / "gapcheck").mkdir(parents=True)
    (root / "overrides" / "gapcheck" / "coverage.html").write_text(COVERAGE_OVERRIDE, "utf-8")
    urls = "true" if directory_urls else "false"
    (root / "zensical.toml").write_text(ZENSICAL_TOML.format(urls=urls), encoding="utf-8")
    result = zensical_build(root, "--clean", "--strict")
    assert result.returncode == 0, result.stderr
    assert "gapcheck" not in result.stderr  # nothing went wrong in the extension
    site = root / "site"

    def html(page: str) -> BeautifulSoup:
        path = output_of(site, page, directory_urls)
        return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")

    gaps = html("gaps.md")
    rows = gaps.select(".gapcheck-matrix tbody tr")
    assert [r["id"] for r in rows] == ["gapcheck-gap-security", "gapcheck-gap-rollback"]
    assert [a.get_text() for a in rows[0].select(".gapcheck-addressed a")] == ["Central audit log"]
    assert "gapcheck-flagged" in rows[1]["class"]
    counts = [c.get_text() for c in gaps.select(".gapcheck-grid .gapcheck-count")]
    assert counts == ["1", "1"]
    backlinks = gaps.find("h2", id="security-compliance").find_next_sibling()
    assert "Central audit log" in backlinks.get_text()
    assert "<!-- gapcheck:index -->" in gaps.find("code").get_text()
    home = html("index.md")
    assert home.select_one(".team-coverage").get_text() == "1 of 2"
    assert [a.get_text() for a in home.select(".gapcheck-index td a")][:1] == ["Central audit log"]
    adr = html("decisions/0001-audit-log.md")
    assert adr.select_one(".gapcheck-addresses a").get_text() == "Security & Compliance"
    for page in SITE:
        assert_links_resolve(site, output_of(site, page, directory_urls), html(page))

    # the gate: the same finding, in the same words, as a MkDocs build with the plugin
    code = subprocess.run(
        [sys.executable, "-m", "mkdocs_gapcheck", "check", "-f", str(root / "zensical.toml")],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    assert code.returncode == 1, code.stderr
    assert code.stdout.startswith(UNCOVERED) and len(code.stdout.splitlines()) == 1
    mkdocs = build_site(write_site(tmp_path / "mk", SITE, {"theme": {"name": "mkdocs"}}))
    mkdocs.expect_warnings(UNCOVERED)
    assert code.stdout.strip() == mkdocs.findings()[0]


def test_zensical_rebuild_with_watch_updates_every_view(
    zensical_version: str, tmp_path: Path
) -> None:
    """Zensical renders again only changed pages; ``watch = ["docs"]`` makes any change in
    docs/ render them all, so a view on gaps.md follows an edit of the ADR."""
    root = tmp_path / "zsite"
    docs = write_docs(root, SITE)
    (root / "overrides").mkdir()
    (root / "zensical.toml").write_text(ZENSICAL_TOML.format(urls="true"), encoding="utf-8")
    assert zensical_build(root).returncode == 0
    gaps = root / "site" / "gaps" / "index.html"
    assert "gapcheck-gap-rollback" in gaps.read_text(encoding="utf-8")
    adr = docs / "decisions" / "0001-audit-log.md"
    adr.write_text(ADR.replace("[security]", "[security, rollback]"), encoding="utf-8")
    stat = adr.stat()
    os.utime(adr, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))  # whole seconds
    result = zensical_build(root)
    assert result.returncode == 0, result.stderr
    soup = BeautifulSoup(gaps.read_text(encoding="utf-8"), "html.parser")
    assert not soup.select(".gapcheck-matrix .gapcheck-flagged")


def test_zensical_builds_the_site_template(zensical_version: str, tmp_path: Path) -> None:
    root = tmp_path / "template"
    shutil.copytree(REPO / "site-template", root, ignore=shutil.ignore_patterns("site", ".cache"))
    result = zensical_build(root, "--clean", "--strict", epoch=TEMPLATE_DAY_EPOCH)
    assert result.returncode == 0, result.stderr
    site = root / "site"

    def html(page: str) -> BeautifulSoup:
        return BeautifulSoup(output_of(site, page).read_text(encoding="utf-8"), "html.parser")

    plan = html("plan/gaps.md")
    assert len(plan.select(".gapcheck-matrix tbody tr")) == 12
    assert len(plan.select(".gapcheck-backlinks")) == 12
    home = html("index.md")
    assert home.select(".gapcheck-coverage") and home.select(".gapcheck-grid")
    assert len(html("decisions/index.md").select(".gapcheck-index tbody tr")) == 4
    assert html("runbooks/rollback-drill.md").select(".gapcheck-addresses a")
    for page in ("plan/gaps.md", "index.md", "decisions/index.md", "roadmap/index.md"):
        assert_links_resolve(site, output_of(site, page), html(page))
    # its gapcheck options are those of mkdocs.yml, and it passes its own check
    toml, yml = read_config(str(root / "zensical.toml")), read_config(str(root / "mkdocs.yml"))
    assert toml.options == {k: v for k, v in yml.options.items() if k != "export"}
    assert toml.nav == yml.nav
    env = {**os.environ, "SOURCE_DATE_EPOCH": TEMPLATE_DAY_EPOCH}
    check = subprocess.run(
        [sys.executable, "-m", "mkdocs_gapcheck", "check", "-f", str(root / "zensical.toml")],
        capture_output=True, text=True, env=env, check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr


# --- gapcheck check on zensical.toml ----------------------------------------------------------


def test_check_reads_the_list_form_and_the_project_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_docs(tmp_path, {
        "pages/gaps.md": GAPS.replace("severity: medium", "severity: blocker"),
        "pages/drafts/x.md": "---\naddresses: [nothing]\n---\n# Draft\n",
    })
    (tmp_path / "zensical.toml").write_text(textwrap.dedent("""\
        [project]
        site_name = "Z"
        docs_dir = "docs/pages"
        exclude_docs = "drafts/"
        markdown_extensions = [
          "toc",
          { gapcheck = { docs_dir = "x", severities = ["blocker", "high"], rules = {RULES} } },
        ]
        """).replace("{RULES}", '{ uncovered-gap = "info" }'), encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # found without -f, after the MkDocs names
    assert main(["check"]) == 0
    out, err = capsys.readouterr()
    assert "docs/pages/gaps.md:8: info: uncovered-gap: blocker gap 'rollback'" in out
    assert "drafts" not in out and "note" not in err


def test_check_without_the_extension_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_docs(tmp_path, SITE)
    (tmp_path / "zensical.toml").write_text('[project]\nsite_name = "Z"\n', encoding="utf-8")
    assert main(["check", "-f", str(tmp_path / "zensical.toml")]) == 1
    out, err = capsys.readouterr()
    assert out.startswith(UNCOVERED)
    assert "has no gapcheck under markdown_extensions: checking with the default options" in err


def test_check_reads_the_extension_from_mkdocs_yml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The lighter MkDocs setup (and Zensical reading mkdocs.yml): no plugin, the extension."""
    write_docs(tmp_path, SITE)
    (tmp_path / "mkdocs.yml").write_text(textwrap.dedent("""\
        site_name: Z
        markdown_extensions:
          - toc
          - gapcheck:
              docs_dir: docs
              css: false
              rules: {uncovered-gap: off}
        """), encoding="utf-8")
    assert main(["check", "-f", str(tmp_path / "mkdocs.yml")]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "note" not in err


@pytest.mark.parametrize(("text", "message"), [
    ('[project\nsite_name = "Z"\n', "zensical.toml: not valid TOML: "),
    ('project = "Z"\n', "zensical.toml: [project] must be a table of settings"),
    ('[project]\nsite_name = "Z"\ndocs_dir = "nope"\n', "zensical.toml: docs_dir 'nope' is not"),
    ('[project]\nmarkdown_extensions = [{gapcheck = "x"}]\n',
     "zensical.toml: the gapcheck extension's options must be a mapping, got str"),
])
def test_a_broken_zensical_toml_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "docs").mkdir()
    config = tmp_path / "zensical.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_config(str(config))
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_one_zensical_build_walks_docs_dir_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Zensical parses its config once per build: pages of one build are not checked against
    the sources again; the next build (a new config) is."""
    docs = write_docs(tmp_path, SITE)
    walks: list[str] = []
    real_signature = mdext._signature
    monkeypatch.setattr(mdext, "_signature", lambda d: walks.append(d) or real_signature(d))
    build: dict[str, Any] = {"root_dir": str(tmp_path), "docs_dir": "docs"}
    page = {"path": "index.md"}
    monkeypatch.setattr(mdext, "_zensical", lambda md: (page["path"], build))
    for path, text in (("gaps.md", GAPS), ("index.md", HOME), ("decisions/0001-audit-log.md", ADR)):
        page["path"] = path
        soup = convert(tmp_path / "elsewhere", None, text)  # docs_dir from the host, not here
        assert soup.select(".gapcheck"), path
    assert walks == [str(docs)]
    build = dict(build)  # the next build
    convert(tmp_path / "elsewhere", None, HOME)
    assert len(walks) == 2
