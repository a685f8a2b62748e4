"""The loop lock with `flock(2)`: the kernel releases it when the holding process dies.

No pid files and no stale-lock guessing: a lock file left behind by a crashed run is free again
the moment that process is gone.
"""

from __future__ import annotations

import fcntl
import os

from returns.result import Failure, Result, Success

from ports.lock import HeldLock, LockError


class _Held:
    """An open, locked file descriptor."""

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


class FlockLoopLock:
    """Locks files under a state folder with `flock(LOCK_EX | LOCK_NB)`."""

    def try_acquire(self, path: str) -> Result[HeldLock | None, LockError]:
        try:
            os.makedirs(os.path.dirname(os.path.abspath(path)), mode=0o700, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
        except OSError as exc:
            return Failure(_unwritable(path, exc))
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return Success(None)
        except OSError as exc:
            os.close(fd)
            return Failure(_unwritable(path, exc))
        return Success(_Held(fd))

    def is_held(self, path: str) -> bool:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        finally:
            os.close(fd)


def _unwritable(path: str, exc: OSError) -> LockError:
    return LockError(
        code="state-unwritable",
        message=f"cannot lock {path} ({exc.strerror or exc}); make the state folder "
        "([loop] state_dir) writable by this user.",
    )
