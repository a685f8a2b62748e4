"""Property: however a worktree was changed, the fast paths collect exactly what the slow one
does, and both agree with `git add -A` as git itself stages it.

The fast paths are a warm stat cache (files whose stat data did not change are not re-read),
the cached parsed index, and the stat helper process (forced on for these small repositories).
Each example builds a real repository with the git CLI, warms the cache, applies random edits,
deletions, renames, mode changes, untracked and ignored files, folders replaced by symlinks and
files replaced by folders, untracked self-ignoring folders (a `.gitignore` of `*`), then
collects with and without the fast paths. The candidate tree is then what git commits.
"""

from __future__ import annotations

import os
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.git.changes import _stat_cache as stat_cache_module
from adapters.git.changes import _stat_helper as stat_helper_module
from adapters.git.changes import collect_changes
from tests.support.gitrepo import commit_all, git, init_repo, touched_paths, write

pytestmark = pytest.mark.integration

RACY_S = 0.05
_NAMES = ["a.py", "b.txt", "pkg/m.py", "pkg/n.py", "pkg/sub/x.py", "docs/d.md", "debug.log"]
_base = st.dictionaries(st.sampled_from(_NAMES), st.sampled_from(["1\n", "22\n", "three\n"]))
_MUTATIONS = [
    "edit",
    "edit-same-size-keep-mtime",
    "delete",
    "chmod",
    "rename",
    "untracked",
    "ignored",
    "stage",
    "folder-to-symlink",
    "file-to-folder",
    "self-ignoring",
]
_edits = st.lists(st.tuples(st.sampled_from(_MUTATIONS), st.sampled_from(_NAMES)), max_size=6)


def _mutate(repo: Path, kind: str, name: str) -> None:
    path = repo / name
    if kind == "self-ignoring":
        # The marker pytest and uv write: git adds nothing of the folder, nor does the collector.
        folder = repo / "new" / (os.path.dirname(name) or "top")
        write(folder, {".gitignore": "*\n", os.path.basename(name): "hidden\n"})
        return
    if kind in ("untracked", "ignored"):
        target = repo / ("new/" + name if kind == "untracked" else "build/" + name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("new\n")
        return
    if not path.is_file() or os.path.realpath(path) != os.path.join(os.path.realpath(repo), name):
        return  # gone, or reached through a symlink: what is left to change is elsewhere
    if kind == "edit":
        path.write_text(path.read_text() + "more\n")
    elif kind == "edit-same-size-keep-mtime":
        before = path.stat()
        path.write_text("x" * before.st_size)
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    elif kind == "delete":
        path.unlink()
    elif kind == "chmod":
        path.chmod(0o755)
    elif kind == "rename":
        path.rename(path.with_name("renamed-" + path.name))
    elif kind == "stage":
        path.write_text("staged\n")
        git(repo, "add", "-f", "--", name)
    elif kind == "folder-to-symlink" and "/" in name:
        folder = path.parent
        os.rename(folder, folder.with_name(folder.name + "-moved"))
        folder.symlink_to(folder.name + "-moved")
    elif kind == "file-to-folder":
        path.unlink()
        write(repo, {name + "/inside.py": "inside\n"})


@settings(max_examples=25)
@given(_base, _edits)
def test_the_fast_paths_collect_what_reading_everything_collects_and_git_commits_that_tree(
    base: dict[str, str], edits: list[tuple[str, str]]
) -> None:
    with tempfile.TemporaryDirectory() as scratch, ExitStack() as patches:
        patches.enter_context(mock.patch.object(stat_cache_module, "RACY_NS", int(RACY_S * 1e9)))
        patches.enter_context(mock.patch.object(stat_helper_module, "MIN_PATHS", 0))
        patches.enter_context(mock.patch.object(stat_helper_module, "_cpus", return_value=2))
        repo = init_repo(Path(scratch) / "repo", {".gitignore": "*.log\nbuild/\n", **base})
        cache = str(Path(scratch) / "cache")
        time.sleep(RACY_S * 2)
        assert collect_changes(str(repo), "HEAD", stat_cache_dir=cache).unwrap().changes == ()
        for kind, name in edits:
            _mutate(repo, kind, name)
        reference = collect_changes(str(repo), "HEAD").unwrap()
        assert collect_changes(str(repo), "HEAD", stat_cache_dir=cache).unwrap() == reference
        time.sleep(RACY_S * 2)  # now the cache holds the changed files too
        assert collect_changes(str(repo), "HEAD", stat_cache_dir=cache).unwrap() == reference
        assert collect_changes(str(repo), "HEAD", trust_index_stat=True).unwrap() == reference
        commit_all(repo, "what git stages")
        staged = git(repo, "diff", "--no-renames", "--name-only", "HEAD~1", "HEAD").split("\n")
        assert touched_paths(reference) == {path for path in staged if path}
        assert reference.tree == git(repo, "rev-parse", "HEAD^{tree}").strip()
