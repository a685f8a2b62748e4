"""Housekeeping between runs (pure): which interrupted runs to close and which clones to remove.

A run whose record has no outcome, found while holding the lock, was interrupted (its process is
gone: the kernel released its lock). It is closed at its full reservation with `interrupted`, its
clone kept. Clones of published runs are removed; those of `needs-human` runs are kept for
inspection, at most `[loop] keep_failed_clones`, the oldest removed first.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import msgspec

from domain.loop.outcomes import Outcome, Reason


class RunRecordFacts(msgspec.Struct, frozen=True, kw_only=True):
    """What housekeeping needs from one run's record."""

    run_id: str
    repo: str
    issue: int
    started_at: datetime
    # None: the run never recorded how it ended.
    outcome: Outcome | None
    reserved_micros: int = 0
    clone_exists: bool = False


class Interrupted(msgspec.Struct, frozen=True, kw_only=True):
    """An interrupted run to close: settle at `charge_micros`, label and comment its issue."""

    run_id: str
    repo: str
    issue: int
    charge_micros: int
    reason: Reason


def interrupted_runs(records: Iterable[RunRecordFacts]) -> tuple[Interrupted, ...]:
    """The runs that started and never ended, oldest first, each charged its full reservation.

    >>> from datetime import UTC
    >>> r = RunRecordFacts(run_id="r1", repo="a/b", issue=3, outcome=None,
    ...                    started_at=datetime(2026, 1, 1, tzinfo=UTC), reserved_micros=5)
    >>> [(i.run_id, i.charge_micros, i.reason.code) for i in interrupted_runs([r])]
    [('r1', 5, 'interrupted')]
    """
    open_runs = sorted((r for r in records if r.outcome is None), key=lambda r: r.started_at)
    return tuple(
        Interrupted(
            run_id=r.run_id,
            repo=r.repo,
            issue=r.issue,
            charge_micros=r.reserved_micros,
            reason=Reason(
                code="interrupted",
                detail=f"run {r.run_id} stopped before it ended (its process is gone); it was "
                "charged its full reservation and its clone was kept",
            ),
        )
        for r in open_runs
    )


def clones_to_remove(records: Iterable[RunRecordFacts], keep_failed: int) -> tuple[str, ...]:
    """The run ids whose clones go: every finished run's but the newest `keep_failed` of those
    that need a human (or failed); an interrupted run's clone is always kept.

    >>> from datetime import UTC
    >>> def r(i, outcome): return RunRecordFacts(run_id=f"r{i}", repo="a/b", issue=1,
    ...     outcome=outcome, clone_exists=True, started_at=datetime(2026, 1, i, tzinfo=UTC))
    >>> clones_to_remove([r(1, "needs-human"), r(2, "published"), r(3, "needs-human")], 1)
    ('r1', 'r2')
    """
    with_clone = [r for r in records if r.clone_exists and r.outcome is not None]
    failed = sorted(
        (r for r in with_clone if r.outcome in {"needs-human", "error"}),
        key=lambda r: r.started_at,
        reverse=True,
    )
    kept = {r.run_id for r in failed[: max(0, keep_failed)]}
    gone = sorted((r for r in with_clone if r.run_id not in kept), key=lambda r: r.started_at)
    return tuple(r.run_id for r in gone)
