"""Folders that changed shape: a folder replaced by a symlink, a file replaced by a folder.

Each case is compared with what `git add -A` would stage (`git add -A --dry-run` and `git
status`), since that is what a publication of the worktree would contain.
"""

from __future__ import annotations

import os
from pathlib import Path

import anyio
import pytest

from adapters.git.changes import DulwichSnapshotter, collect_changes
from domain.changes.change_set import ChangeSet
from domain.changes.snapshot import side_effects
from tests.support.gitrepo import git, init_repo, write

pytestmark = pytest.mark.integration


def _kinds(changes: ChangeSet) -> dict[str, str]:
    return {change.path: change.kind for change in changes.changes}


def _git_would_stage(repo: Path) -> set[str]:
    """The paths `git add -A` would add or remove (read back without staging anything)."""
    out = git(repo, "add", "-A", "--dry-run")
    return {line.split(" ", 1)[1].strip("'") for line in out.splitlines()}


def test_a_folder_replaced_by_a_symlink_deletes_everything_that_was_below_it(
    tmp_path: Path,
) -> None:
    repo = init_repo(
        tmp_path / "repo",
        {"src/pkg/mod.py": "x = 1\n", "src/pkg/conftest.py": "#\n", ".gitignore": "build/\n"},
    )
    os.makedirs(repo / "build")
    os.replace(repo / "src" / "pkg", repo / "build" / "pkg")
    os.symlink("../build/pkg", repo / "src" / "pkg")
    write(repo, {"build/pkg/test_fake.py": "def test_ok() -> None: ...\n"})
    kinds = _kinds(collect_changes(str(repo), "HEAD").unwrap())
    assert kinds == {
        "src/pkg": "added",
        "src/pkg/conftest.py": "deleted",
        "src/pkg/mod.py": "deleted",
    }
    assert set(kinds) == _git_would_stage(repo)


def test_a_tracked_file_replaced_by_a_folder_lists_what_the_folder_holds(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", {"docs/x": "hi\n"})
    (repo / "docs" / "x").unlink()
    token = "ghp_" + "abcdefghijklmnopqrstuvwxyz0123456789"
    write(repo, {"docs/x/leak.md": f'k="{token}"\n', "docs/x/conftest.py": "1\n"})
    changes = collect_changes(str(repo), "HEAD").unwrap()
    assert _kinds(changes) == {
        "docs/x": "deleted",
        "docs/x/conftest.py": "added",
        "docs/x/leak.md": "added",
    }
    assert set(_kinds(changes)) == _git_would_stage(repo)
    leak = next(c for c in changes.changes if c.path == "docs/x/leak.md")
    assert token in leak.added[0].text  # the secret scan gets to read it


def test_a_gate_writing_through_a_folder_symlink_is_a_side_effect(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", {"src/pkg/mod.py": "x = 1\n", ".gitignore": "build/\n"})
    os.makedirs(repo / "build")
    os.replace(repo / "src" / "pkg", repo / "build" / "pkg")
    os.symlink("../build/pkg", repo / "src" / "pkg")
    snapshotter = DulwichSnapshotter()
    before = anyio.run(snapshotter.snapshot, str(repo)).unwrap()
    write(repo, {"build/pkg/mod.py": "x = 2\n"})  # what a gate might write, through the link
    after = anyio.run(snapshotter.snapshot, str(repo)).unwrap()
    assert "src/pkg/mod.py" in side_effects(before, after)
