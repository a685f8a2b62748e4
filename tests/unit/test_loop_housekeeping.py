"""Interrupted runs are closed at their full reservation; failed clones are kept, bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.loop.housekeeping import RunRecordFacts, clones_to_remove, interrupted_runs
from domain.loop.outcomes import Outcome

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _record(n: int, outcome: Outcome | None, *, clone: bool = True) -> RunRecordFacts:
    return RunRecordFacts(
        run_id=f"r{n}", repo="a/b", issue=n, outcome=outcome, clone_exists=clone,
        started_at=T0 + timedelta(hours=n), reserved_micros=1000 * n,
    )  # fmt: skip


def test_only_runs_without_an_outcome_are_interrupted() -> None:
    found = interrupted_runs([_record(2, None), _record(1, "published"), _record(0, None)])
    assert [(i.run_id, i.charge_micros) for i in found] == [("r0", 0), ("r2", 2000)]
    assert {i.reason.code for i in found} == {"interrupted"}


def test_an_interrupted_runs_clone_is_kept() -> None:
    assert clones_to_remove([_record(1, None)], keep_failed=0) == ()


OUTCOMES: list[Outcome | None] = [None, "published", "needs-human", "error", "staged"]


@given(st.lists(st.sampled_from(OUTCOMES), max_size=12), st.integers(0, 6))
def test_the_newest_failed_clones_are_kept_and_no_more(
    outcomes: list[Outcome | None], keep: int
) -> None:
    records = [_record(n, outcome) for n, outcome in enumerate(outcomes)]
    removed = set(clones_to_remove(records, keep))
    failed = [r for r in records if r.outcome in {"needs-human", "error"}]
    kept_failed = [r for r in failed if r.run_id not in removed]
    assert len(kept_failed) == min(keep, len(failed))
    if kept_failed and len(kept_failed) < len(failed):
        newest_removed = max(r.started_at for r in failed if r.run_id in removed)
        assert all(r.started_at > newest_removed for r in kept_failed)
    for r in records:
        if r.outcome in {"published", "staged"}:
            assert r.run_id in removed
        if r.outcome is None:
            assert r.run_id not in removed
