"""A FIFO (or device) the agent plants in the repository's git data must not hang the loop.

Opening a FIFO for reading blocks until a writer comes. Every reader of a worktree (the change
collector, the gate snapshotter, the upstream reader) refuses such a repository up front as
unreadable. A regression must fail, not hang the suite: each call runs in a thread, and if it
has not returned in time the test opens the FIFOs for writing, which lets a blocked reader go.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import anyio
import pytest

from adapters.git.changes import (
    DulwichSnapshotter,
    collect_changes,
    default_base,
    read_upstream,
)
from tests.support.gitrepo import git, init_repo

pytestmark = pytest.mark.integration

T = TypeVar("T")


def _within(seconds: float, fifos: list[Path], call: Callable[[], T]) -> T:
    """`call()`'s result; fails (after releasing any reader blocked on `fifos`) if it hangs."""
    box: list[T] = []
    worker = threading.Thread(target=lambda: box.append(call()), daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        for fifo in fifos:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            os.close(fd)
        worker.join(10)
        pytest.fail(f"blocked on a FIFO: {fifos}")
    return box[0]


def _replace_by_fifo(path: Path) -> Path:
    path.unlink()
    os.mkfifo(path)
    return path


def _repo(tmp_path: Path) -> Path:
    repo = init_repo(tmp_path / "r", {"a.txt": "a\n"})
    git(repo, "update-ref", "refs/heads/topic", "HEAD")
    return repo


def _loose_object(repo: Path) -> Path:
    sha = git(repo, "rev-parse", "HEAD").strip()
    return repo / ".git" / "objects" / sha[:2] / sha[2:]


def _symlinked_fifo(path: Path, tmp_path: Path) -> Path:
    fifo = tmp_path / "elsewhere.fifo"
    os.mkfifo(fifo)
    path.unlink()
    path.symlink_to(fifo)
    return fifo


def _fifo_in_alternate(repo: Path, tmp_path: Path) -> Path:
    # Move the objects elsewhere and name that folder as an alternate: dulwich reads there.
    alternate = tmp_path / "shared-objects"
    shutil.move(repo / ".git" / "objects", alternate)
    (repo / ".git" / "objects" / "info").mkdir(parents=True)
    (repo / ".git" / "objects" / "info" / "alternates").write_text(f"{alternate}\n")
    sha = git(repo, "rev-parse", "HEAD").strip()
    return _replace_by_fifo(alternate / sha[:2] / sha[2:])


PLANTS: dict[str, Callable[[Path, Path], Path]] = {
    "HEAD": lambda repo, _: _replace_by_fifo(repo / ".git" / "HEAD"),
    "config": lambda repo, _: _replace_by_fifo(repo / ".git" / "config"),
    "branch-ref": lambda repo, _: _replace_by_fifo(repo / ".git" / "refs" / "heads" / "main"),
    "loose-object": lambda repo, _: _replace_by_fifo(_loose_object(repo)),
    "index": lambda repo, _: _replace_by_fifo(repo / ".git" / "index"),
    "symlink-to-fifo": lambda repo, tmp: _symlinked_fifo(repo / ".git" / "HEAD", tmp),
    "in-an-alternate": _fifo_in_alternate,
}


@pytest.mark.parametrize("plant", PLANTS, ids=list(PLANTS))
def test_a_fifo_in_the_git_data_is_refused_by_every_reader(tmp_path: Path, plant: str) -> None:
    repo = _repo(tmp_path)
    fifo = PLANTS[plant](repo, tmp_path)
    fifos = [fifo]
    error = _within(20, fifos, lambda: collect_changes(str(repo), "HEAD")).failure()
    assert error.code == "repo-unreadable"
    assert "FIFO or device file" in error.message
    assert str(fifo.name) in error.message or plant == "symlink-to-fifo"
    based = _within(20, fifos, lambda: default_base(str(repo)))
    assert based.failure().code == "repo-unreadable"
    upstream = _within(20, fifos, lambda: read_upstream(str(repo)))
    assert upstream.failure().code == "repo-unreadable"
    snapshot = _within(20, fifos, lambda: anyio.run(DulwichSnapshotter().snapshot, str(repo)))
    assert snapshot.failure().code == "snapshot-unreadable"


def test_a_fifo_in_a_linked_worktrees_common_git_directory_is_refused(tmp_path: Path) -> None:
    main = _repo(tmp_path)
    linked = tmp_path / "linked"
    git(main, "worktree", "add", "-q", str(linked), "topic")
    fifo = _replace_by_fifo(main / ".git" / "refs" / "heads" / "main")
    error = _within(20, [fifo], lambda: collect_changes(str(linked), "HEAD")).failure()
    assert error.code == "repo-unreadable"
    assert "refs/heads/main" in error.message


def test_a_socket_in_the_git_data_is_left_alone(tmp_path: Path) -> None:
    # git's own fsmonitor daemon keeps a socket in .git; it cannot block anyone.
    import socket

    repo = _repo(tmp_path)
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(repo / ".git" / "fsmonitor--daemon.ipc"))
        assert collect_changes(str(repo), "HEAD").unwrap().changes == ()
    finally:
        server.close()
