"""After a run: what it is charged and whether its spend allows publication."""

from __future__ import annotations

import math

import pytest

from domain.budget.plan import RunBudget
from domain.budget.spend import ObservedSpend, judge_spend

BUDGET = RunBudget(
    day="2026-11-25", tier="base", max_cost_micros=5_000_000, max_wall_clock_s=2700, max_turns=50
)


def spend(cost: float | None, turns: int = 10, wall: float = 600.0) -> ObservedSpend:
    return ObservedSpend(total_cost_usd=cost, num_turns=turns, wall_clock_s=wall)


def test_reported_cost_under_the_cap_is_within_budget_and_charged_as_reported() -> None:
    judgement = judge_spend(spend(1.2345), BUDGET)
    assert (judgement.verdict, judgement.status, judgement.publish_allowed) == (
        "within-budget",
        "ok",
        True,
    )
    assert judgement.charge_micros == 1_234_500


def test_reported_cost_exactly_at_the_cap_is_within_budget() -> None:
    assert judge_spend(spend(5.0), BUDGET).verdict == "within-budget"


def test_reported_cost_above_the_cap_is_over_budget_exhausted_and_never_published() -> None:
    judgement = judge_spend(spend(5.000001), BUDGET)
    assert (judgement.verdict, judgement.status, judgement.publish_allowed) == (
        "over-budget",
        "budget-exhausted",
        False,
    )
    assert judgement.charge_micros == 5_000_001


def test_unknown_cost_charges_the_whole_reservation() -> None:
    judgement = judge_spend(spend(None), BUDGET)
    assert (judgement.verdict, judgement.charge_micros) == ("cost-unknown", 5_000_000)


def test_unknown_cost_publishes_by_default_when_the_limits_held() -> None:
    assert judge_spend(spend(None, turns=50, wall=2700.0), BUDGET).publish_allowed


@pytest.mark.parametrize(("turns", "wall"), [(51, 10.0), (5, 2700.5)])
def test_unknown_cost_with_a_broken_limit_may_not_publish(turns: int, wall: float) -> None:
    judgement = judge_spend(spend(None, turns=turns, wall=wall), BUDGET)
    assert not judgement.publish_allowed
    assert not judgement.limits_held


def test_refuse_publish_rule_never_publishes_an_unknown_cost() -> None:
    judgement = judge_spend(spend(None), BUDGET, unknown_cost="refuse-publish")
    assert not judgement.publish_allowed
    assert judgement.charge_micros == 5_000_000


@pytest.mark.parametrize("cost", [math.nan, math.inf, -0.5])
def test_an_unbelievable_reported_cost_counts_as_unknown(cost: float) -> None:
    judgement = judge_spend(spend(cost), BUDGET)
    assert (judgement.verdict, judgement.charge_micros) == ("cost-unknown", 5_000_000)
