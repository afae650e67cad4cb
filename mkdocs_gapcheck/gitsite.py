"""The site as git has it: its files at a revision, read without a checkout.

Plain ``git`` plumbing through :mod:`subprocess` (``rev-parse``, ``ls-tree``, ``cat-file
--batch``): nothing is written to the work tree or the repository, and a whole revision's pages
come out of one ``cat-file`` process. Used by ``gapcheck diff`` and the history behind the trend.
"""

from __future__ import annotations

import os
import posixpath
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .config import ConfigError, SiteConfig, config_from_data, parse_config_text, select_pages


class GitError(Exception):
    """Git cannot give what was asked; the message is one line for the user."""


def git(args: Sequence[str], cwd: str, stdin: bytes | None = None) -> bytes:
    """``git ARGS`` in ``cwd``: its standard output; :class:`GitError` with git's first line of
    complaint if it fails."""
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, input=stdin, capture_output=True, check=False,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"},
        )
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(lines[0] if lines else f"git {args[0]} failed")
    return done.stdout


@dataclass(frozen=True, slots=True)
class Repo:
    root: str  #: the work tree's top folder (real path)
    head: str | None  #: HEAD's commit, None in a repository without commits
    shallow: bool


def repo_of(folder: str) -> Repo:
    """The repository ``folder`` is in; :class:`GitError` if it is in none."""
    try:
        out = git(["rev-parse", "--show-toplevel", "--is-shallow-repository"], folder)
    except GitError as exc:
        if "not a git repository" in str(exc).lower():
            raise GitError(f"{folder} is not in a git repository") from None
        raise
    root, shallow = out.decode("utf-8", "replace").splitlines()[:2]
    try:
        head: str | None = git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"],
                               folder).decode().strip()
    except GitError:
        head = None
    return Repo(root, head, shallow.strip() == "true")


def resolve(repo: Repo, ref: str) -> str:
    """The commit ``ref`` names; :class:`GitError` "unknown revision" if none."""
    if ref.startswith("-"):
        raise GitError(f"unknown revision '{ref}'")
    try:
        return git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"],
                   repo.root).decode().strip()
    except GitError:
        raise GitError(f"unknown revision '{ref}': no commit, branch or tag of that name "
                       "(in a CI checkout, fetch it first: fetch-depth: 0)") from None


def list_tree(repo: Repo, commit: str, folder: str) -> list[str]:
    """Paths of the files under ``folder`` (relative to the repository) at ``commit``, relative
    to ``folder``."""
    spec = folder.rstrip("/") + "/" if folder else "."
    out = git(["ls-tree", "-r", "-z", "--name-only", commit, "--", spec], repo.root)
    prefix = folder.rstrip("/") + "/" if folder else ""
    return [p[len(prefix):] for p in out.decode("utf-8", "replace").split("\0")
            if p and p.startswith(prefix)]


def read_blobs(root: str, names: Iterable[str]) -> dict[str, bytes | None]:
    """Object names (``commit:path`` or a blob id) to their contents, None where missing:
    one ``git cat-file --batch`` for all of them."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return {}
    if any("\n" in n for n in wanted):
        raise GitError("a path with a line break cannot be read from git")
    out = git(["cat-file", "--batch"], root, ("\n".join(wanted) + "\n").encode("utf-8"))
    found: dict[str, bytes | None] = {}
    pos = 0
    for name in wanted:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) != 3 or header[1] == b"missing":
            found[name] = None
            continue
        size = int(header[2])
        found[name] = out[pos : pos + size] if header[1] == b"blob" else None
        pos += size + 1
    return found


@dataclass(slots=True)
class SiteAtRef:
    """A site as it was at a commit: its config, its pages and their bytes."""

    site: SiteConfig
    commit: str
    paths: list[str]  #: pages under docs_dir, as MkDocs would build them
    contents: dict[str, bytes]
    reviews: bytes | None  #: the reviews file's bytes, if it existed then

    def read(self, path: str) -> bytes:
        return self.contents[path]


def _rel(repo: Repo, path: str) -> str:
    rel = os.path.relpath(os.path.realpath(path), repo.root).replace(os.sep, "/")
    return "" if rel == "." else rel


def site_at(repo: Repo, commit: str, ref: str, current: SiteConfig,
            reviews_option: Callable[[SiteConfig], str | None]) -> SiteAtRef:
    """The site whose config is ``current.config_file``, as it was at ``commit``.

    ``reviews_option(site)`` gives the reviews file name that config sets (None: off).
    :class:`GitError` when the config file did not exist at that commit.
    """
    config_rel = _rel(repo, current.config_file)
    if config_rel.startswith("../"):
        raise GitError(f"{current.config_file} is outside the repository at {repo.root}")
    name = os.path.basename(current.config_file)

    def read_config_file(rel: str) -> bytes | None:
        return read_blobs(repo.root, [f"{commit}:{rel}"])[f"{commit}:{rel}"]

    raw = read_config_file(config_rel)
    if raw is None:
        raise GitError(f"{config_rel} did not exist at {ref}; nothing to compare with")
    try:
        data = parse_config_text(raw, f"{config_rel} at {ref}", current.config_dir,
                                 lambda rel: read_config_file(
                                     posixpath.normpath(posixpath.join(
                                         posixpath.dirname(config_rel), rel))))
        files_cache: dict[str, list[str]] = {}

        def listing(docs_rel: str) -> list[str]:
            if docs_rel not in files_cache:
                files_cache[docs_rel] = list_tree(repo, commit, docs_rel)
            return files_cache[docs_rel]

        config_dir_rel = posixpath.dirname(config_rel)

        def docs_rel_of(docs_dir: str) -> str:
            return _rel(repo, docs_dir)

        site = config_from_data(
            data, current.config_file, f"{name} at {ref}",
            is_dir=lambda d: bool(listing(docs_rel_of(d))),
        )
    except ConfigError as exc:
        raise GitError(str(exc)) from None
    docs_rel = docs_rel_of(site.docs_dir)
    paths = select_pages(site, listing(docs_rel))
    prefix = docs_rel + "/" if docs_rel else ""
    blobs = read_blobs(repo.root, [f"{commit}:{prefix}{p}" for p in paths])
    contents = {p: blobs[f"{commit}:{prefix}{p}"] or b"" for p in paths}
    reviews = None
    option = reviews_option(site)
    if option is not None:
        rel = posixpath.normpath(posixpath.join(config_dir_rel, option))
        reviews = read_blobs(repo.root, [f"{commit}:{rel}"])[f"{commit}:{rel}"]
    return SiteAtRef(site, commit, paths, contents, reviews)
