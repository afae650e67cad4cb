"""What `gapcheck check` takes from other plugins' settings: the pages each build has.

The builds themselves are compared in tests/compat/; these pin the rules read from the
plugins' sources (mkdocs-static-i18n's file naming, mkdocs-exclude's matching, the blog's
drafts) on the cases the fixture does not build.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from conftest import write_site

from mkdocs_gapcheck import siteplugins
from mkdocs_gapcheck.cli import main

NOW = dt.datetime(2026, 11, 21, tzinfo=dt.timezone.utc)


def i18n(structure: str, fallback: bool = True) -> siteplugins.I18n:
    options = {"docs_structure": structure, "fallback_to_default": fallback,
               "languages": [{"locale": "en", "default": True}, {"locale": "fr"},
                             {"locale": "de", "build": False}]}
    found = siteplugins.read({"plugins": [{"i18n": options}]}).i18n
    assert found is not None
    return found


def test_i18n_languages_built_default_first() -> None:
    assert i18n("suffix").build == ["en", "fr"]
    only = siteplugins.read({"plugins": [{"i18n": {
        "build_only_locale": "fr", "languages": [{"locale": "en", "default": True},
                                                 {"locale": "fr"}]}}]}).i18n
    assert only is not None and only.build == ["fr"]


def test_i18n_suffix_pages_per_language() -> None:
    paths = ["index.md", "index.fr.md", "gaps.en.md", "gaps.fr.md", "adr/0001.md",
             "only.fr.md"]
    site = i18n("suffix")
    assert siteplugins.language_pages(site, paths, "en") == ["index.md", "gaps.en.md",
                                                             "adr/0001.md"]
    assert siteplugins.language_pages(site, paths, "fr") == ["index.fr.md", "gaps.fr.md",
                                                             "adr/0001.md", "only.fr.md"]
    assert siteplugins.language_pages(i18n("suffix", fallback=False), paths, "fr") == [
        "index.fr.md", "gaps.fr.md", "only.fr.md"]


def test_i18n_folder_pages_per_language() -> None:
    paths = ["en/index.md", "en/gaps.md", "fr/index.md", "shared.md"]
    site = i18n("folder")
    assert siteplugins.language_pages(site, paths, "en") == ["en/index.md", "en/gaps.md",
                                                             "shared.md"]
    assert siteplugins.language_pages(site, paths, "fr") == ["fr/index.md", "en/gaps.md",
                                                             "shared.md"]


def test_mkdocs_exclude_glob_star_crosses_folders_and_regex_is_anchored() -> None:
    excluded = siteplugins.read(
        {"plugins": [{"exclude": {"glob": "drafts/*", "regex": ["wip/"]}}]}).excluded
    assert excluded("drafts/a/b.md") and excluded("wip/x.md")
    assert not excluded("notes/wip/x.md") and not excluded("gaps.md")


def test_blog_drafts() -> None:
    blog = siteplugins.Blog(post_dir="blog/posts", draft=False, draft_if_future_date=True)
    assert siteplugins.is_post(blog, "blog/posts/a.md")
    assert not siteplugins.is_post(blog, "blog/index.md")
    assert siteplugins.is_draft(blog, "---\ndraft: true\n---\n", NOW)
    assert siteplugins.is_draft(blog, "---\ndate: 2027-01-01\n---\n", NOW)
    assert not siteplugins.is_draft(blog, "---\ndate: {created: 2026-01-01}\n---\n", NOW)
    assert not siteplugins.is_draft(blog, "---\ndate: 2027-01-01\ndraft: false\n---\n", NOW)
    built_too = siteplugins.Blog(post_dir="blog/posts", draft=True, draft_if_future_date=False)
    assert not siteplugins.is_draft(built_too, "---\ndraft: true\n---\n", NOW)


def test_check_names_plugins_and_hooks_it_cannot_see(tmp_path: Path, capsys) -> None:
    gap = "---\ngap: {id: a, title: A, severity: high}\n---\n# A\n"
    root = write_site(tmp_path, {"gaps.md": gap}, {
        "plugins": ["search", {"gen-files": {"scripts": ["gen.py"]}}, "gapcheck"],
        "hooks": ["hooks.py"],
    })
    assert main(["check", "-f", str(root / "mkdocs.yml")]) == 1
    err = capsys.readouterr().err.splitlines()
    notes = [line for line in err if line.startswith("gapcheck: note:")]
    assert len(notes) == 2, err
    assert "plugin 'gen-files'" in notes[0] and "mkdocs build --strict" in notes[0]
    assert notes[1].startswith("gapcheck: note: hooks in mkdocs.yml")


def test_check_i18n_folder_site_each_language(tmp_path: Path, capsys) -> None:
    gaps = "---\ngaps:\n  - {id: a, title: A, severity: high}\n---\n# A\n"
    root = write_site(tmp_path, {
        "en/gaps.md": gaps, "fr/gaps.md": gaps.replace("# A", "# A (fr)"),
        "en/adr/0001-x.md": "---\nstatus: accepted\naddresses: [a]\n---\n# X\n",
    }, {"plugins": [{"i18n": {"docs_structure": "folder", "languages": [
        {"locale": "en", "default": True}, {"locale": "fr"}]}}, "gapcheck"]})
    # one site per language: no duplicate-gap, and the English ADR covers both
    assert main(["check", "-f", str(root / "mkdocs.yml")]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "checked each language as it is built (en, fr)" in captured.err
