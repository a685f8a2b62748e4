"""Reading a large worktree with the cyclic garbage collector paused."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic collector while a worktree is read, then restore it as it was.

    Reading 50,000 files builds several 50,000-entry dicts of tuples, and the allocations
    trigger collections that traverse all of them again and again (about a sixth of the
    time), while nothing built there holds a cycle for the collector to free. Only the
    collector's on/off switch is touched (reference counting frees memory as always); a
    thread that finds it already paused leaves it to the one that paused it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
