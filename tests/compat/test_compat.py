"""gapcheck beside the plugins people use: one fixture, one variant per plugin, built for real.

Each variant copies ``fixture/`` (a gap page with three gaps and a matrix, an index page with
the coverage and index views, two ADRs, a runbook; gap ``capacity`` is left uncovered), adds
the variant's files and plugin, and builds it in-process with ``--strict``, with gapcheck
listed before and after the other plugin. It asserts the gapcheck warnings the build gives
(nothing else may warn), that the views render, that the other plugin still does its job, and
what ``gapcheck check`` says about the same sources. Needs the ``[compat]`` extra.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import BuiltSite, build_config, count_case

FIXTURE = Path(__file__).parent / "fixture"
UNCOVERED = "docs/gaps.md:12: uncovered-gap: low gap 'capacity'"
#: a marker as it would leak: an HTML comment that names gapcheck
RAW_MARKER = re.compile(r"<!--\s*gapcheck")
#: a 1x1 PNG, for the lightbox
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@dataclass
class Variant:
    name: str
    plugins: list[Any]  #: the other plugin(s); gapcheck goes before or after them
    check: Callable[[BuiltSite], None]  #: the other plugin did its job; views in its pages
    files: dict[str, str | bytes] = field(default_factory=dict)  #: under the project root
    config: dict[str, Any] = field(default_factory=dict)  #: more mkdocs.yml settings
    warnings: tuple[str, ...] = (UNCOVERED,)  #: the build's warnings (prefixes)
    cli: tuple[str, ...] = (UNCOVERED,)  #: what `gapcheck check` prints (prefixes)
    cli_note: str | None = None  #: a line `gapcheck check` prints on stderr
    orders: tuple[str, ...] = ("first", "last")  #: where gapcheck is listed
    git: bool = False  #: the project must be a git repository


def html(built: BuiltSite, rel: str) -> str:
    return (built.site_dir / rel).read_text(encoding="utf-8")


def views_render(built: BuiltSite, prefix: str = "") -> None:
    """The fixture's views: the matrix on the gap page, coverage and index on the home page."""
    gaps = built.html(prefix + "gaps.md")
    assert len(gaps.select(".gapcheck-matrix tbody tr")) == 3, gaps.select(".gapcheck-matrix")
    home = built.html(prefix + "index.md")
    assert home.select(".gapcheck-coverage") and home.select(".gapcheck-index"), home
    for page in (gaps, home):
        assert not RAW_MARKER.search(str(page)), "a marker was left in the page"


def nav_order(built: BuiltSite, *titles: str) -> None:
    """The titles appear in this order in the home page's navigation."""
    nav = built.html("index.md").select_one("nav.md-nav--primary").get_text(" ")
    positions = [nav.find(t) for t in titles]
    assert -1 not in positions and positions == sorted(positions), (titles, positions, nav)


# --- the variants ----------------------------------------------------------------------------


def _tags(built: BuiltSite) -> None:
    tags = built.html("tags.md")
    links = [a.get_text(" ", strip=True) for a in tags.select("article a")]
    assert any("Keep an audit log" in t for t in links), links


def _meta(built: BuiltSite) -> None:
    adr = built.html("decisions/0001-audit-log.md")
    assert "decision" in [t.get_text(strip=True) for t in adr.select(".md-tag")], adr


def _blog(built: BuiltSite) -> None:
    # the post is the only coverage of capacity: the build counted it, the matrix shows it
    matrix = built.html("gaps.md").select_one(".gapcheck-matrix")
    assert "Sizing for the peak" in matrix.get_text(), matrix
    from bs4 import BeautifulSoup

    post = BeautifulSoup(html(built, "blog/2026/10/20/sizing-for-the-peak/index.html"),
                         "html.parser")
    assert post.select(".gapcheck-backlinks") and post.select(".gapcheck-grid")
    # the excerpt's view is rendered on every blog view, and no marker leaks
    for view in ("blog/index.html", "blog/archive/2026/index.html",
                 "blog/category/ops/index.html"):
        text = html(built, view)
        assert "Sizing for the peak" in text, view
        assert 'gapcheck-grid"' in text, view
        assert not RAW_MARKER.search(text), view
    assert not (built.site_dir / "blog" / "2026" / "10" / "21").exists()  # the draft


def _macros(built: BuiltSite) -> None:
    assert "Owned by platform-team." in built.html("owners.md").get_text()


def _awesome(built: BuiltSite) -> None:
    nav_order(built, "Gaps", "Rolling back a release", "ADR 0001")


def _literate(built: BuiltSite) -> None:
    nav_order(built, "Gaps", "Rollback runbook", "Audit log")


def _i18n(built: BuiltSite) -> None:
    views_render(built, "fr/")  # the French gap page, built under site/fr/
    fr = built.html("fr/gaps.md").select_one(".gapcheck-matrix").get_text()
    assert "Sécurité" in fr, fr
    assert "Security" in built.html("gaps.md").select_one(".gapcheck-matrix").get_text()
    exports = {
        lang: json.loads((built.site_dir / lang / "gapcheck.json").read_text("utf-8"))
        for lang in ("", "fr")
    }
    assert {g["page"] for g in exports[""]["gaps"]} == {"gaps.md"}
    assert {g["page"] for g in exports["fr"]["gaps"]} == {"gaps.fr.md"}
    # the untranslated ADRs count in the French build too
    first = exports["fr"]["gaps"][0]
    assert first["addressed_by"] == ["decisions/0001-audit-log.md"], first


def _gen_files(built: BuiltSite) -> None:
    matrix = built.html("gaps.md").select_one(".gapcheck-matrix")
    assert "Capacity model (generated)" in matrix.get_text(), matrix
    assert built.html("generated/capacity.md").select(".gapcheck-backlinks")


def _included(built: BuiltSite) -> None:
    page = built.html("overview.md")
    assert "Included content here." in page.get_text()
    assert page.select(".gapcheck-grid"), page
    assert not RAW_MARKER.search(str(page))


def _redirects(built: BuiltSite) -> None:
    assert "../gaps/" in html(built, "old-gaps/index.html")


def _minify(built: BuiltSite) -> None:
    assert html(built, "gaps/index.html").count("\n") < 10  # minified


def _glightbox(built: BuiltSite) -> None:
    assert built.html("gallery.md").select("a.glightbox"), built.html("gallery.md")


def _git_dates(built: BuiltSite) -> None:
    assert built.html("gaps.md").select(".git-revision-date-localized-plugin")


def _excluded(built: BuiltSite) -> None:
    assert not (built.site_dir / "drafts").exists() and not (built.site_dir / "wip").exists()


def _mkdocstrings(built: BuiltSite) -> None:
    assert "Size the fleet for the peak load." in built.html("api.md").get_text()


DRAFTS = {
    "docs/drafts/idea.md": "---\naddresses: [capacity, no-such-gap]\n---\n# Idea\n",
    "docs/wip/later.md": "---\naddresses: [not-yet-a-gap]\n---\n# Later\n",
}
GRID_PART = "Included content here.\n\n<!-- gapcheck:grid -->\n"
I18N = {"languages": [{"locale": "en", "default": True, "name": "English"},
                      {"locale": "fr", "name": "Français"}]}
GAPS_FR = (FIXTURE / "docs" / "gaps.md").read_text("utf-8").replace(
    "Security & Compliance", "Sécurité et conformité")

VARIANTS = [
    Variant("material-tags", ["tags"], _tags,
            files={"docs/tags.md": "# Tags\n\n<!-- material/tags -->\n"}),
    Variant("material-meta", ["meta", "tags"], _meta,
            files={"docs/decisions/.meta.yml": "tags: [decision]\n"}),
    Variant(
        "material-blog", ["blog"], _blog,
        files={
            "docs/blog/index.md": "# Blog\n",
            "docs/blog/posts/capacity.md": "---\ndate: 2026-10-20\ncategories: [Ops]\n"
            "addresses: [capacity]\n---\n\n# Sizing for the peak\n\nWe sized it.\n\n"
            "<!-- gapcheck:grid -->\n\n<!-- more -->\n\nThe details.\n",
            "docs/blog/posts/draft.md": "---\ndate: 2026-10-21\ndraft: true\n"
            "addresses: [no-such-gap]\n---\n\n# Not yet\n\nA draft.\n",
        },
        warnings=(), cli=(), cli_note="plugin 'blog' (Material blog)",
    ),
    Variant("macros", ["macros"], _macros,
            files={"docs/owners.md": "---\nowner: platform-team\n---\n# Owners\n\n"
                   "Owned by {{ page.meta.owner }}.\n"}),
    Variant("awesome-nav", ["awesome-nav"], _awesome,
            files={"docs/.nav.yml": "nav:\n  - index.md\n  - gaps.md\n  - runbooks\n"
                   "  - decisions\n"}),
    Variant("awesome-pages", ["awesome-pages"], _awesome,
            files={"docs/.pages": "nav:\n  - index.md\n  - gaps.md\n  - runbooks\n"
                   "  - decisions\n"}),
    Variant("literate-nav", [{"literate-nav": {"nav_file": "SUMMARY.md"}}], _literate,
            files={"docs/SUMMARY.md": "- [Home](index.md)\n- [Gaps](gaps.md)\n"
                   "- [Rollback runbook](runbooks/rollback.md)\n- Decisions\n"
                   "    - [Audit log](decisions/0001-audit-log.md)\n"
                   "    - [Blue-green](decisions/0002-blue-green.md)\n"}),
    Variant(
        "static-i18n", [{"i18n": I18N}], _i18n,
        files={"docs/gaps.fr.md": GAPS_FR,
               "docs/index.fr.md": "# Plan\n\n<!-- gapcheck:coverage -->\n\n"
               "<!-- gapcheck:index -->\n"},
        warnings=(UNCOVERED, "docs/gaps.fr.md:12: uncovered-gap: low gap 'capacity'"),
        cli=(UNCOVERED, "docs/gaps.fr.md:12: uncovered-gap: low gap 'capacity'"),
        cli_note="mkdocs-static-i18n: checked each language as it is built (en, fr)",
    ),
    Variant(
        "gen-files", [{"gen-files": {"scripts": ["gen_pages.py"]}}], _gen_files,
        files={"gen_pages.py": "import mkdocs_gen_files\n\n"
               "with mkdocs_gen_files.open('generated/capacity.md', 'w') as f:\n"
               "    f.write('---\\naddresses: [capacity]\\n---\\n'\n"
               "            '# Capacity model (generated)\\n')\n"},
        warnings=(), cli=(UNCOVERED,), cli_note="plugin 'gen-files' (mkdocs-gen-files)",
    ),
    Variant("include-markdown", ["include-markdown"], _included,
            files={"snippets/part.md": GRID_PART,
                   "docs/overview.md": '# Overview\n\n{% include-markdown "../snippets/part.md" '
                   "%}\n"}),
    Variant("pymdownx-snippets", [], _included, orders=("first",),
            files={"snippets/part.md": GRID_PART,
                   "docs/overview.md": '# Overview\n\n--8<-- "part.md"\n'},
            config={"markdown_extensions": [{"pymdownx.snippets": {"base_path": ["snippets"]}}]}),
    Variant("redirects", [{"redirects": {"redirect_maps": {"old-gaps.md": "gaps.md"}}}],
            _redirects),
    Variant("minify", [{"minify": {"minify_html": True}}], _minify),
    Variant("glightbox", ["glightbox"], _glightbox,
            files={"docs/img.png": PNG, "docs/gallery.md": "# Gallery\n\n![Diagram](img.png)\n"}),
    Variant("git-revision-date-localized",
            [{"git-revision-date-localized": {"fallback_to_build_date": True}}], _git_dates,
            git=True),
    Variant("mkdocs-exclude", [{"exclude": {"glob": ["drafts/*"], "regex": ["^wip/"]}}],
            _excluded, files=DRAFTS),
    Variant("exclude_docs", [], _excluded, files=DRAFTS, orders=("first",),
            config={"exclude_docs": "drafts/\nwip/\n"}),
    Variant("draft_docs", [], _excluded, files=DRAFTS, orders=("first",),
            config={"draft_docs": "drafts/\nwip/\n"}),
    Variant(
        "mkdocstrings", [{"mkdocstrings": {"handlers": {"python": {"paths": ["src"]}}}}],
        _mkdocstrings,
        files={"src/fleet.py": '"""Fleet sizing."""\n\n\ndef size(peak: int) -> int:\n'
               '    """Size the fleet for the peak load."""\n    return peak * 2\n',
               "docs/api.md": "# API\n\n::: fleet\n"},
    ),
]
CASES = [pytest.param(v, order, id=f"{v.name}-gapcheck-{order}")
         for v in VARIANTS for order in v.orders]


def make_project(root: Path, variant: Variant, order: str) -> Path:
    shutil.copytree(FIXTURE, root)
    for rel, content in variant.files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    config = yaml.safe_load((root / "mkdocs.yml").read_text("utf-8"))
    others = list(variant.plugins)
    plugins = ["search", "gapcheck", *others] if order == "first" else ["search", *others,
                                                                        "gapcheck"]
    config["plugins"] = plugins
    config.update(variant.config)
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    if variant.git:
        env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org",
                   GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.org")
        for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "fixture"]):
            subprocess.run(["git", *args], cwd=root, env=env, check=True)
    return root


@pytest.fixture(autouse=True)
def _restore_clean_directory() -> Any:
    """mkdocs-static-i18n replaces mkdocs.utils.clean_directory while it builds the other
    languages and puts it back after; a --strict abort in between skips that, and every later
    build in this process would keep the files of the one before."""
    from mkdocs import utils

    original = utils.clean_directory
    yield
    utils.clean_directory = original


def gapcheck_check(config_file: Path) -> tuple[int, str, str]:
    from mkdocs_gapcheck.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", "-f", str(config_file)])
    return code, out.getvalue(), err.getvalue()


@pytest.mark.slow
# awesome-pages warns about any plugin listed before it that has an on_nav handler; gapcheck's
# runs at priority -110, after awesome-pages' whatever the order (docs/guide/works-with.md)
@pytest.mark.filterwarnings("ignore:The plugin \"gapcheck\" might not work correctly")
@pytest.mark.parametrize(("variant", "order"), CASES)
def test_gapcheck_beside(variant: Variant, order: str, tmp_path: Path,
                         monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path / "project", variant, order)
    monkeypatch.chdir(root)  # plugins resolve some paths from the current folder
    built = build_config(root / "mkdocs.yml", root / "site", strict=True)
    built.expect_warnings(*variant.warnings)
    if variant.warnings:
        assert "strict mode" in str(built.error), built.error  # --strict fails on them
    else:
        assert built.error is None, built.error
    assert not any(r.exc_info for r in built.records), "a traceback was logged"
    views_render(built)
    variant.check(built)

    code, out, err = gapcheck_check(root / "mkdocs.yml")
    lines = out.splitlines()
    assert len(lines) == len(variant.cli), out
    for line, expected in zip(sorted(lines), sorted(variant.cli), strict=True):
        assert line.startswith(expected), (line, expected)
    assert code == (1 if variant.cli else 0), (code, out, err)
    if variant.cli_note:
        assert f"gapcheck: note: {variant.cli_note}" in err, err
    else:
        assert "note:" not in err, err
    count_case("test_compat::variants built", 1)
