"""An in-memory loop lock: held paths in a set, as one process sees them."""

from __future__ import annotations

from returns.result import Result, Success

from ports.lock import HeldLock, LockError


class _FakeHeld:
    def __init__(self, owner: FakeLoopLock, path: str) -> None:
        self._owner: FakeLoopLock | None = owner
        self._path = path

    def release(self) -> None:
        if self._owner is not None:
            self._owner.held.discard(self._path)
            self._owner = None


class FakeLoopLock:
    """Locks that other holders (`held`) may already have; tests add paths to simulate them."""

    def __init__(self) -> None:
        self.held: set[str] = set()

    def try_acquire(self, path: str) -> Result[HeldLock | None, LockError]:
        if path in self.held:
            return Success(None)
        self.held.add(path)
        return Success(_FakeHeld(self, path))

    def is_held(self, path: str) -> bool:
        return path in self.held
