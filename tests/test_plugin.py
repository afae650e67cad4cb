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
        ({"rules": {"no-such-rule": "warn"}}, "'rules' names unknown rule 'no-such-rule'"),
        ({"rules": {"orphan-page": "loud"}}, "'rules.orphan-page' must be one of error, warn"),
        ({"coverage": {"severe": ["any"]}}, "'coverage' names severity 'severe'"),
        ({"coverage": {"high": ["wiki"]}}, "'coverage.high' has unknown kind(s) wiki"),
        ({"kinds": {"wiki": ["wiki/"]}}, "'kinds' has unknown kind 'wiki'"),
        ({"stale_runbook_days": -1}, "'stale_runbook_days' must be a whole number"),
        ({"export": "/abs/path.json"}, "'export' must be a path relative to site_dir"),
        ({"unknown_option": 1}, "unknown_option"),
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


def test_view_links_are_mkdocs_relative_urls():
    """The views' own relative-URL code gives what mkdocs.utils.get_relative_url gives."""
    from types import SimpleNamespace

    from mkdocs.utils import get_relative_url

    from mkdocs_gapcheck.plugin import GapcheckPlugin

    urls = [
        "", "./", "index.html", "a/", "a/index.html", "a/b/", "a/b.html", "a/b/c/",
        "a/b/c/index.html", "ab/", "a/bc/d.html", "x/y/z.html", "a%20b/", "a/../c/",
        "v1.2/", "v1.2/x/", "a.b/c.html", "a/b/c/d/", "a/bb/", "a/b/cc.html", "./x/", "/abs/",
        ".well-known/x.html", "a//b/",
    ]
    plugin = GapcheckPlugin()
    plugin.urls = {f"p{i}.md": url for i, url in enumerate(urls)}
    checked = 0
    for here in urls:
        url_for = plugin._url_for(SimpleNamespace(url=here))
        for i, there in enumerate(urls):
            assert url_for(f"p{i}.md") == get_relative_url(there, here), (there, here)
            checked += 1
        assert url_for("missing.md") is None
    assert checked == len(urls) ** 2


def test_plugins_that_provide_page_sources_still_work(site, tmp_path):
    """gapcheck hands MkDocs the sources it read only when no other plugin or hook handles
    on_page_read_source: MkDocs allows one handler per build and warns (failing --strict)
    when there are two, so gapcheck steps aside and the other plugin's sources are used."""
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
    assert any("another plugin provides page sources" in m for m in built.messages(0))
    assert not any("page sources from gapcheck's read" in m for m in built.messages(0))


#: Pages MkDocs reads in every way it can: front matter gapcheck's fast reader reads, YAML it
#: leaves to PyYAML, none, MultiMarkdown metadata, a body that looks like metadata, "..." as
#: the closing line, a closing line without a line end, CRLF with a BOM, broken YAML, bytes
#: that are not UTF-8, typed values.
READ_EVERY_WAY: dict[str, str | bytes] = {
    "gaps.md": GAP,
    "adr/0001-x.md": ADDRESSING,
    "complex.md": "---\ntags: [a, b]\nbase: &x {k: 1}\nmore: *x\n---\n# Complex\n",
    "none.md": "# No front matter\n\nText.\n",
    "mmd.md": "Title: MultiMarkdown title\nAuthor: Me\n\n# Body\n",
    "body-meta.md": "---\ntitle: Body meta\n---\nkey: looks like metadata\n\nText.\n",
    "dots.md": "---\ntitle: Dots\n...\n\n\n# Dots\n",
    "noeol.md": "---\ntitle: No line end\n---",
    "crlf.md": b"\xef\xbb\xbf---\r\ntitle: Windows\r\ntags:\r\n  - a\r\n---\r\n# Win\r\n",
    "broken.md": "---\ntitle: [unclosed\n---\n# Broken\n",
    "latin1.md": b"---\ntitle: caf\xe9\n---\n# Caf\xe9\n",
    "typed.md": "---\ndate: 2026-01-15\ncount: 12\nflag: yes\nnothing: ~\nratio: 1.5e3\n"
                "when: 2026-01-15 10:00:00\n---\n# Typed\n",
    "wrapped.md": "---\ntitle: A title as yaml.dump wraps\n  a long one\nsummary: one\n    two\n"
                  "  three\n---\n# Wrapped\n",
}

#: A hook that records, for every page, what MkDocs made of it, as a plugin's
#: on_page_markdown (at the default priority) sees it.
RECORD_HOOK = (
    "import json\n"
    "def on_page_markdown(markdown, page, config, files):\n"
    "    with open({out!r}, 'a', encoding='utf-8') as f:\n"
    "        f.write(json.dumps([page.file.src_uri, repr(page.meta), markdown,\n"
    "                            page.title]) + '\\n')\n"
)


def _recording_hooks(tmp_path: Path, name: str) -> tuple[list[str], Path]:
    """The hooks of one of the two builds compared: RECORD_HOOK writing to ``name.jsonl``,
    and for the build named "read" a handler of on_page_read_source that makes gapcheck step
    aside. Returns the hooks and where the records go."""
    out = tmp_path / f"{name}.jsonl"
    record = tmp_path / f"record_{name}.py"
    record.write_text(RECORD_HOOK.format(out=str(out)), encoding="utf-8")
    hooks = [str(record)]
    if name == "read":
        step_aside = tmp_path / "step_aside.py"
        step_aside.write_text("def on_page_read_source(page, config):\n    return None\n")
        hooks.append(str(step_aside))
    return hooks, out


def _recorded(out: Path) -> list[list[str]]:
    return sorted(json.loads(line) for line in out.read_text("utf-8").splitlines())


def _site_files(site_dir: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(site_dir)): p.read_bytes()
        for p in sorted(site_dir.rglob("*")) if p.is_file() and p.suffix != ".gz"
    }


def test_mkdocs_reads_each_page_as_it_would_from_the_file(site, tmp_path):
    """gapcheck hands MkDocs each page it read in on_files (and, where its fast reader read
    the front matter, that front matter as page.meta) so that MkDocs does not read and parse
    every page again. What MkDocs makes of each page (meta, Markdown, title) and the whole
    built site must be what MkDocs makes of the files itself, which it does when another
    handler of on_page_read_source makes gapcheck step aside."""
    results = {}
    for name in ("handed", "read"):
        hooks, out = _recording_hooks(tmp_path, name)
        built = site(READ_EVERY_WAY, {"plugins": ["gapcheck"], "hooks": hooks})
        built.expect_warnings(
            "docs/broken.md:3: bad-front-matter:", "docs/latin1.md:2: bad-encoding:"
        )
        results[name] = (_recorded(out), _site_files(built.site_dir), built.messages(0))
    handed, read = results["handed"], results["read"]
    assert sorted(page[0] for page in handed[0]) == sorted(READ_EVERY_WAY)
    assert handed[0] == read[0]
    assert handed[1] == read[1]  # every file of the site, byte for byte
    meta = {uri: m for uri, m, _, _ in handed[0]}
    assert meta["typed.md"].startswith("{'date': datetime.date(2026, 1, 15), 'count': 12")
    assert meta["mmd.md"] == "{'title': 'MultiMarkdown title', 'author': 'Me'}"
    assert meta["body-meta.md"] == "{'title': 'Body meta'}"
    assert meta["noeol.md"] == "{}" and meta["broken.md"] == "{}"
    assert meta["wrapped.md"] == (
        "{'title': 'A title as yaml.dump wraps a long one', 'summary': 'one two three'}"
    )
    took = [m for m in handed[2] if "page sources from gapcheck's read" in m]
    # every page but latin1.md (its bytes replaced, MkDocs reads that file from memory); the
    # front matter of gaps, adr, body-meta, dots, crlf, typed, wrapped
    assert took == [
        "gapcheck: MkDocs took 12 page sources from gapcheck's read, 7 of them with their "
        "front matter parsed; 0 not taken"
    ]
    assert not any("page sources from gapcheck's read" in m for m in read[2])


def test_a_page_read_before_its_turn_gets_its_front_matter(site, tmp_path):
    """Only the read MkDocs makes right after on_pre_page is answered: a plugin that reads
    pages early (in on_nav, to sort them by their metadata, say) reads them from the files."""
    hook = tmp_path / "early.py"
    out = tmp_path / "early.jsonl"
    hook.write_text(
        "import json\n"
        "def on_nav(nav, config, files):\n"
        "    with open(" + repr(str(out)) + ", 'w', encoding='utf-8') as f:\n"
        "        for page in nav.pages:\n"
        "            page.read_source(config)\n"
        "            f.write(json.dumps([page.file.src_uri, repr(page.meta)]) + '\\n')\n",
        encoding="utf-8",
    )
    files = {"gaps.md": GAP, "adr/0001-x.md": ADDRESSING, "typed.md": READ_EVERY_WAY["typed.md"]}
    built = site(files, {"plugins": ["gapcheck"], "hooks": [str(hook)]})
    built.expect_clean()
    early = dict(json.loads(line) for line in out.read_text("utf-8").splitlines())
    assert early["gaps.md"].startswith("{'gap': {'id': 'security'")
    assert early["adr/0001-x.md"] == "{'addresses': 'security'}"
    assert early["typed.md"].startswith("{'date': datetime.date(2026, 1, 15)")
    assert built.html("typed.md").find("title").get_text() == "Typed - Fixture"


def test_backlinks_survive_a_plugin_that_changes_the_content_during_search(site, tmp_path):
    """The backlinks go to the search plugins as bare text and are swapped for their blocks
    afterwards, by position while page.content is what gapcheck gave them. A plugin between
    the two that changes the content sends the swap to finding each text: a text found once is
    replaced, one found twice (it may be the page's own words) stays as text."""
    hook = tmp_path / "hook.py"
    hook.write_text(
        "from mkdocs.plugins import event_priority\n"
        "@event_priority(-50)\n"
        "def on_page_context(context, page, config, nav):\n"
        "    if page.file.src_uri == 'adr/0001-x.md':\n"
        "        page.content = '<p>Banner</p>' + page.content\n"
        "    if page.file.src_uri == 'adr/0002-y.md':\n"
        "        page.content = page.content + '<hr>' + page.content\n",
        encoding="utf-8",
    )
    files = {
        "gaps.md": GAP,
        "adr/0001-x.md": ADDRESSING,
        "adr/0002-y.md": ADDRESSING.replace("# ADR", "# ADR two"),
        "adr/0003-z.md": ADDRESSING.replace("# ADR", "# ADR three"),
    }
    built = site(files, {"plugins": ["search", "gapcheck"], "hooks": [str(hook)]})
    built.expect_clean()
    changed = built.html("adr/0001-x.md")
    assert changed.find("p", string="Banner") is not None
    block = changed.select_one("div.gapcheck-addresses")
    assert block is not None and block.find_previous("h1") is not None
    raw = built.output_path("adr/0001-x.md").read_text(encoding="utf-8")
    assert "Addresses high Security &amp; Compliance" not in raw  # the text is gone
    untouched = built.html("adr/0003-z.md").select_one("div.gapcheck-addresses")
    assert untouched is not None and untouched.find_previous("h1") is not None
    twice = built.html("adr/0002-y.md")
    assert not twice.select("div.gapcheck-addresses")
    body = twice.get_text(" ")
    assert body.count("Addresses high Security & Compliance") == 2  # the words stay
    index = json.loads((built.site_dir / "search" / "search_index.json").read_text("utf-8"))
    for page in ("adr/0001-x", "adr/0002-y", "adr/0003-z"):
        texts = [d["text"] for d in index["docs"] if d["location"].startswith(page)]
        assert any("Addresses high Security & Compliance" in t for t in texts), (page, texts)


def test_url_parts_normalise_as_posixpath_does():
    """_url_parts skips posixpath.normpath for clean URLs; on every URL of up to four segments
    from a set with empty, dot and dot-dot segments it must give normpath's segments."""
    import itertools
    import posixpath

    from mkdocs_gapcheck.plugin import _url_parts

    segments = ["", "a", "b", ".", "..", "c.html", "x y"]
    checked = 0
    for k in range(5):
        for parts in itertools.product(segments, repeat=k):
            for url in (f"{lead}{'/'.join(parts)}{trail}" for lead in ("", "/")
                        for trail in ("", "/")):
                path = posixpath.normpath("/" + url.lstrip("/"))[1:]
                assert _url_parts(url) == (path.split("/") if path else []), url
                checked += 1
    assert checked == 11204


@pytest.mark.parametrize("tool", ["mkdocs", "properdocs"])
def test_each_command_line_reads_pages_as_it_would_from_the_file(tmp_path, tool):
    """The same through each command line: ``build -v`` with gapcheck handing the sources
    over, and with gapcheck stepping aside, give the same pages and the same site."""
    results = {}
    for name in ("handed", "read"):
        hooks, out = _recording_hooks(tmp_path, name)
        root = write_site(tmp_path / name, READ_EVERY_WAY, {**THEME, "hooks": hooks})
        result = _run(tool, root, "-v")
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        results[name] = (_recorded(out), _site_files(root / "site"), result.stderr)
    assert len(results["handed"][0]) == len(READ_EVERY_WAY)
    assert results["handed"][0] == results["read"][0]
    assert results["handed"][1] == results["read"][1]
    assert "MkDocs took 12 page sources from gapcheck's read, 7 of them" in results["handed"][2]
    assert "another plugin provides page sources" in results["read"][2]


def test_pages_are_read_as_file_content_bytes_reads_them(tmp_path):
    """The plugin reads files on disk itself (_read_bytes, without Python's io stack): the
    bytes must be those File.content_bytes gives, for an empty file, a small one and one
    larger than a read."""
    from mkdocs.structure.files import File

    from mkdocs_gapcheck.plugin import _read_bytes

    docs = tmp_path / "docs"
    docs.mkdir()
    contents = {"empty.md": b"", "small.md": "# Café\r\n".encode(),
                "big.md": bytes(range(256)) * 9000}
    for name, data in contents.items():
        (docs / name).write_bytes(data)
        file = File(name, str(docs), str(tmp_path / "site"), True)
        assert file.abs_src_path is not None
        assert _read_bytes(file.abs_src_path) == file.content_bytes == data
