"""Build real git repositories with the git CLI for tests (and read what git itself says)."""

from __future__ import annotations

import os
import subprocess
import zlib
from pathlib import Path

import pytest

from domain.changes.change_set import ChangeSet

GIT_ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "HOME": "/nonexistent",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "LC_ALL": "C",
}


def git(repo: Path, *args: str) -> str:
    """Run git in `repo` and return its stdout (raises on failure: a broken test fixture)."""
    done = subprocess.run(["git", *args], cwd=repo, env=GIT_ENV, capture_output=True, check=True)
    return done.stdout.decode("utf-8", "surrogateescape")


def git_bytes(repo: Path, *args: str) -> bytes:
    """Run git in `repo` and return its raw stdout."""
    return subprocess.run(
        ["git", *args], cwd=repo, env=GIT_ENV, capture_output=True, check=True
    ).stdout


def init_repo(path: Path, files: dict[str, str] | None = None) -> Path:
    """A new repository at `path` with `files` committed as the first commit (when given)."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "core.autocrlf", "false")
    if files:
        write(path, files)
        commit_all(path, "base")
    return path


def write(repo: Path, files: dict[str, str]) -> None:
    """Write text files (parents created) into the worktree."""
    for name, text in files.items():
        target = repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def commit_all(repo: Path, message: str) -> str:
    """Stage everything and commit; returns the new commit id."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def damage_object(repo: Path, sha: str, how: str) -> None:
    """Damage the loose object `sha` of `repo`: `missing` deletes it, `rewritten` stores other
    content under its id (a checksum mismatch), `empty` truncates its file to nothing."""
    path = repo / ".git" / "objects" / sha[:2] / sha[2:]
    if how == "missing":
        path.unlink()
        return
    path.chmod(0o644)
    if how == "empty":
        path.write_bytes(b"")
    elif how == "rewritten":
        path.write_bytes(zlib.compress(b"blob 5\0other"))
    else:
        raise ValueError(how)


def refuse_listing(monkeypatch: pytest.MonkeyPatch, folder_name: str) -> None:
    """Make `os.listdir` of any folder named `folder_name` fail as a permission refusal would
    (tests run as root, where chmod 000 does not stop a listing)."""
    real_listdir = os.listdir
    ending = b"/" + os.fsencode(folder_name)

    def listdir(path: bytes | str) -> object:
        if os.fsencode(path).endswith(ending):
            raise PermissionError(13, "Permission denied", path)
        return real_listdir(path)

    monkeypatch.setattr(os, "listdir", listdir)


def touched_paths(changes: ChangeSet) -> set[str]:
    """Every path a change set touches: new paths and the old paths of renames."""
    return {p for c in changes.changes for p in (c.path, c.old_path) if p is not None}
