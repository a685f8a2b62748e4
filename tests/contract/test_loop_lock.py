"""The loop lock: the flock adapter and the fake keep one holder at a time, alike."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from adapters.flock_lock import FlockLoopLock
from ports.lock import LoopLock
from tests.fakes.lock import FakeLoopLock

LOCKS: dict[str, Callable[[], LoopLock]] = {"flock": FlockLoopLock, "fake": FakeLoopLock}


@pytest.fixture(params=sorted(LOCKS))
def lock(request: pytest.FixtureRequest) -> LoopLock:
    return LOCKS[request.param]()


def test_a_free_lock_is_taken_and_then_held(lock: LoopLock, tmp_path: Path) -> None:
    path = str(tmp_path / "state" / "daemon.lock")
    assert not lock.is_held(path)
    held = lock.try_acquire(path).unwrap()
    assert held is not None
    assert lock.is_held(path)
    held.release()
    assert not lock.is_held(path)


def test_a_second_holder_is_refused_until_the_first_releases(
    lock: LoopLock, tmp_path: Path
) -> None:
    path = str(tmp_path / "daemon.lock")
    first = lock.try_acquire(path).unwrap()
    assert first is not None
    assert lock.try_acquire(path).unwrap() is None
    first.release()
    first.release()  # twice is harmless
    again = lock.try_acquire(path).unwrap()
    assert again is not None
    again.release()


HOLDER = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(60)
"""


def test_a_lock_held_by_another_process_is_refused_and_freed_when_it_dies(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "daemon.lock")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, path], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        lock = FlockLoopLock()
        assert lock.is_held(path)
        assert lock.try_acquire(path).unwrap() is None
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
        # The kernel released it with the process: no stale lock to guess about.
        taken = lock.try_acquire(path).unwrap()
        assert taken is not None
        taken.release()
    finally:
        holder.kill()
        holder.wait(timeout=10)


def test_an_unwritable_state_folder_is_state_unwritable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    failure = FlockLoopLock().try_acquire(str(blocker / "daemon.lock")).failure()
    assert failure.code == "state-unwritable"
    assert "state_dir" in failure.message
