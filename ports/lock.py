"""The loop lock port: one `run` or daemon cycle at a time per state folder."""

from __future__ import annotations

from typing import Protocol

import msgspec
from returns.result import Result


class LockError(msgspec.Struct, frozen=True, kw_only=True, tag="lock-error"):
    """The lock file could not be opened or locked for a reason other than another holder."""

    code: str  # `state-unwritable`
    message: str


class HeldLock(Protocol):
    """A lock this process holds until `release` (or until it exits: the kernel frees it)."""

    def release(self) -> None:
        """Give the lock up; calling it twice is harmless."""
        ...


class LoopLock(Protocol):
    """Exclusive, non-blocking locks on a file; released by the kernel when the holder dies."""

    def try_acquire(self, path: str) -> Result[HeldLock | None, LockError]:
        """Take the lock at `path` (creating the file and its folder), or None when held."""
        ...

    def is_held(self, path: str) -> bool:
        """True when some process holds the lock at `path` now (it is not taken)."""
        ...
