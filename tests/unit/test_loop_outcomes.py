"""The outcome table, the needs-human codes and a daemon cycle's worst-of-runs rule."""

from __future__ import annotations

from typing import get_args

from hypothesis import given
from hypothesis import strategies as st

from domain.loop.outcomes import (
    EXIT_CODES,
    NEEDS_HUMAN_CODES,
    RUN_SEVERITY,
    NeedsHumanCode,
    Outcome,
    cycle_outcome,
    exit_code,
    worst_of_runs,
)

OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)


def test_the_table_gives_every_outcome_its_exit_code() -> None:
    assert EXIT_CODES == {
        "published": 0,
        "staged": 0,
        "idle": 0,
        "locked": 0,
        "needs-human": 1,
        "error": 1,
        "over-budget": 3,
        "refused-ci": 3,
    }
    assert set(EXIT_CODES) == set(OUTCOMES)


def test_needs_human_codes_are_the_stable_list() -> None:
    assert get_args(NeedsHumanCode) == NEEDS_HUMAN_CODES
    assert "policy-blocked" in NEEDS_HUMAN_CODES
    assert len(NEEDS_HUMAN_CODES) == 9


def test_a_cycle_without_runs_is_idle() -> None:
    assert cycle_outcome([]) == "idle"
    assert exit_code(cycle_outcome([])) == 0


def test_a_budget_refusal_before_any_run_is_the_cycle_outcome() -> None:
    assert cycle_outcome(["over-budget"]) == "over-budget"
    assert cycle_outcome(["published", "over-budget"]) == "published"


@given(st.lists(st.sampled_from(OUTCOMES), min_size=1))
def test_the_cycle_reports_the_worst_run_that_started(outcomes: list[Outcome]) -> None:
    started = [o for o in outcomes if o in RUN_SEVERITY]
    worst = worst_of_runs(outcomes)
    if not started:
        assert worst is None
        return
    assert worst in started
    assert all(RUN_SEVERITY.index(worst) <= RUN_SEVERITY.index(o) for o in started)
    assert cycle_outcome(outcomes) == worst


@given(st.lists(st.sampled_from(RUN_SEVERITY), min_size=1), st.sampled_from(RUN_SEVERITY))
def test_adding_a_run_never_makes_the_cycle_better(outcomes: list[Outcome], extra: Outcome) -> None:
    before = RUN_SEVERITY.index(cycle_outcome(outcomes))
    assert RUN_SEVERITY.index(cycle_outcome([*outcomes, extra])) <= before
