"""`DulwichWorkspace` against real git: the mirror, the standalone clone, the verified commits."""

from __future__ import annotations

import os
from pathlib import Path

import anyio
import pytest

from adapters.git.workspace import DulwichWorkspace
from ports.workspace import CommitSpec
from tests.support.gitrepo import commit_all, git, init_repo

pytestmark = pytest.mark.integration


def mirror_with_base(tmp_path: Path) -> tuple[Path, str]:
    source = init_repo(tmp_path / "source", {"README.md": "hi\n", "src/a.py": "A = 1\n"})
    os.chmod(source / "src" / "a.py", 0o755)
    base = commit_all(source, "executable")
    mirror = tmp_path / "mirror.git"
    git(tmp_path, "clone", "-q", "--bare", str(source), str(mirror))
    return mirror, base.strip()


def test_a_clone_is_standalone_on_its_branch_at_the_base(tmp_path: Path) -> None:
    mirror, base = mirror_with_base(tmp_path)
    space = DulwichWorkspace()
    clone = tmp_path / "clone"
    made = anyio.run(space.clone, str(mirror), base, "engineering-loop/issue-3", str(clone))
    assert made.unwrap() == str(clone)
    assert (clone / ".git").is_dir()
    assert not (clone / ".git" / "objects" / "info" / "alternates").exists()
    assert git(clone, "symbolic-ref", "HEAD").strip() == "refs/heads/engineering-loop/issue-3"
    assert git(clone, "rev-parse", "HEAD").strip() == base
    assert git(clone, "status", "--porcelain") == ""
    assert git(clone, "remote") == ""
    assert os.access(clone / "src" / "a.py", os.X_OK)
    git(clone, "fsck", "--strict")


def test_a_clone_never_lands_on_an_existing_folder(tmp_path: Path) -> None:
    mirror, base = mirror_with_base(tmp_path)
    (tmp_path / "clone").mkdir()
    made = anyio.run(DulwichWorkspace().clone, str(mirror), base, "b", str(tmp_path / "clone"))
    assert made.failure().code == "git-clone-failed"


def test_a_commit_in_the_mirror_holds_exactly_the_clones_tree_and_its_message(
    tmp_path: Path,
) -> None:
    mirror, base = mirror_with_base(tmp_path)
    space = DulwichWorkspace()
    clone = tmp_path / "clone"
    anyio.run(space.clone, str(mirror), base, "b", str(clone)).unwrap()
    (clone / "src" / "b.py").write_text("B = 2\n")
    git(clone, "add", "-A")
    tree = git(clone, "write-tree").strip()
    spec = CommitSpec(
        tree=tree,
        parent=base,
        author="engineering-loop <engineering-loop@localhost>",
        message="Add b (#3)\n\nEngineering-Loop-Run: r1\n",
        timestamp=1_800_000_000,
    )
    commit = anyio.run(space.commit, str(mirror), str(clone), spec, "refs/engineering-loop/x")
    made = commit.unwrap()
    assert git(mirror, "rev-parse", "refs/engineering-loop/x").strip() == made
    assert git(mirror, "rev-parse", f"{made}^{{tree}}").strip() == tree
    assert git(mirror, "rev-parse", f"{made}^").strip() == base
    assert git(mirror, "show", f"{made}:src/b.py") == "B = 2\n"
    git(mirror, "fsck", "--strict")
    assert anyio.run(space.commit_message, str(mirror), made).unwrap() == spec.message
    assert anyio.run(space.commit_tree, str(mirror), made).unwrap() == tree
    assert anyio.run(space.commit_message, str(mirror), "0" * 40).unwrap() is None


def test_an_object_the_agent_forged_in_its_clone_is_refused(tmp_path: Path) -> None:
    mirror, base = mirror_with_base(tmp_path)
    space = DulwichWorkspace()
    clone = tmp_path / "clone"
    anyio.run(space.clone, str(mirror), base, "b", str(clone)).unwrap()
    (clone / "c.txt").write_text("honest\n")
    git(clone, "add", "-A")
    tree = git(clone, "write-tree").strip()
    honest = git(clone, "rev-parse", ":c.txt").strip()
    # Other content under c.txt's object name, as an agent writing into its own .git could.
    loose = clone / ".git" / "objects" / honest[:2] / honest[2:]
    os.chmod(loose, 0o644)
    loose.write_bytes(_loose_blob(b"forged\n"))
    spec = CommitSpec(tree=tree, parent=base, author="a <a@b>", message="m\n", timestamp=0)
    made = anyio.run(space.commit, str(mirror), str(clone), spec, None)
    assert made.failure().code == "git-object-forged"


def _loose_blob(content: bytes) -> bytes:
    import zlib

    return zlib.compress(b"blob %d\0" % len(content) + content)


def test_remove_deletes_a_clone_with_read_only_folders(tmp_path: Path) -> None:
    folder = tmp_path / "clone" / "locked"
    folder.mkdir(parents=True)
    (folder / "f").write_text("x")
    folder.chmod(0o500)
    anyio.run(DulwichWorkspace().remove, str(tmp_path / "clone"))
    assert not (tmp_path / "clone").exists()


def test_line_counts_agree_with_git_numstat(tmp_path: Path) -> None:
    repo = init_repo(
        tmp_path / "repo",
        {"a.txt": "1\n2\n3\n4\n", "gone.txt": "x\ny\n", "bin.dat": "a\0b"},
    )
    old = git(repo, "rev-parse", "HEAD^{tree}").strip()
    (repo / "a.txt").write_text("1\nTWO\n3\n4\n5\n")
    (repo / "gone.txt").unlink()
    (repo / "new.txt").write_text("n\n")
    (repo / "bin.dat").write_bytes(b"a\0c")
    git(repo, "add", "-A")
    new = git(repo, "write-tree").strip()
    counts = anyio.run(DulwichWorkspace().line_counts, str(repo), old, new).unwrap()
    numstat = {}
    for line in git(repo, "diff", "--numstat", "--no-renames", old, new).splitlines():
        added, removed, path = line.split("\t")
        if added != "-":
            numstat[path] = (int(added), int(removed))
    assert counts == numstat
    assert counts["a.txt"] == (2, 1)


def test_ref_commit_agrees_with_git_and_is_none_for_a_missing_ref(tmp_path: Path) -> None:
    mirror, base = mirror_with_base(tmp_path)
    git(mirror, "update-ref", "refs/engineering-loop/runs/r1/round-1", base)
    space = DulwichWorkspace()
    kept = anyio.run(space.ref_commit, str(mirror), "refs/engineering-loop/runs/r1/round-1")
    assert (
        kept.unwrap() == git(mirror, "rev-parse", "refs/engineering-loop/runs/r1/round-1").strip()
    )
    gone = anyio.run(space.ref_commit, str(mirror), "refs/engineering-loop/runs/r1/round-2")
    assert gone.unwrap() is None
    broken = anyio.run(space.ref_commit, str(tmp_path / "nowhere"), "refs/heads/main")
    assert broken.failure().code == "git-read-failed"
