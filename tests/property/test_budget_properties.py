"""Invariants of the budget policy over arbitrary configurations, labels and days."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from returns.pipeline import is_successful

from domain.budget.config import (
    BudgetConfig,
    DailyLimits,
    RunLimits,
    TierLimits,
    check_budget_config,
)
from domain.budget.money import usd_to_micros
from domain.budget.plan import DayTotals, plan_budget, remaining_micros

TIER_NAMES = ("loop:budget-large", "loop:budget-xl", "size/huge", "Chatty")

usd = st.integers(min_value=0, max_value=50_000_000).map(lambda micros: micros / 1_000_000)
positive_usd = st.integers(min_value=1, max_value=50_000_000).map(lambda m: m / 1_000_000)
seconds = st.integers(min_value=1, max_value=20_000)
turns = st.integers(min_value=1, max_value=1_000)

tiers = st.dictionaries(
    st.sampled_from(TIER_NAMES),
    st.builds(
        TierLimits,
        max_cost_usd=st.none() | positive_usd,
        max_wall_clock_s=st.none() | seconds,
        max_turns=st.none() | turns,
    ),
    max_size=len(TIER_NAMES),
)

any_policies = st.builds(
    BudgetConfig,
    wall_clock_ceiling_s=seconds,
    min_run_cost_usd=usd,
    run=st.builds(RunLimits, max_cost_usd=positive_usd, max_wall_clock_s=seconds, max_turns=turns),
    daily=st.builds(DailyLimits, max_cost_usd=usd, max_runs=st.integers(0, 10)),
    tiers=tiers,
)

# What a configuration file can hold: `check_budget_config` rejects a run cap under the minimum.
policies = any_policies.filter(lambda policy: is_successful(check_budget_config(policy)))

days = st.builds(
    DayTotals,
    day=st.just("2026-11-25"),
    spent_micros=st.integers(0, 60_000_000),
    reserved_micros=st.integers(0, 60_000_000),
    runs=st.integers(0, 10),
)

label_sets = st.lists(st.sampled_from((*TIER_NAMES, "bug", "LOOP:BUDGET-XL")), max_size=5)


def requested_cost(policy: BudgetConfig, labels: list[str]) -> int:
    """The cost cap the labels ask for before clamping (what `plan_budget` clamps from)."""
    wanted = {label.casefold() for label in labels}
    costs = [
        usd_to_micros(tier.max_cost_usd)
        for name, tier in policy.tiers.items()
        if name.casefold() in wanted and tier.max_cost_usd is not None
    ]
    return max([usd_to_micros(policy.run.max_cost_usd), *costs])


@given(policies, label_sets, st.data())
def test_effective_cost_cap_never_exceeds_the_remaining_daily_budget(
    policy: BudgetConfig, labels: list[str], data: st.DataObject
) -> None:
    # Aim what is left of the day at the requested cap, where an off-by-one would hide.
    cost = requested_cost(policy, labels)
    remaining = data.draw(st.integers(cost - 2, cost + 2) | st.integers(-5_000_000, 60_000_000))
    reserved = data.draw(st.integers(0, 20_000_000))
    spent = usd_to_micros(policy.daily.max_cost_usd) - reserved - remaining
    today = DayTotals(
        day="2026-11-25",
        spent_micros=spent,
        reserved_micros=reserved,
        runs=data.draw(st.integers(0, 3)),
    )
    result = plan_budget(labels, policy, today)
    if not is_successful(result):
        return
    budget = result.unwrap()
    assert 0 < budget.max_cost_micros <= remaining_micros(policy, today)
    assert budget.max_cost_micros <= cost
    assert budget.max_cost_micros >= usd_to_micros(policy.min_run_cost_usd)
    assert budget.max_wall_clock_s <= policy.wall_clock_ceiling_s


@given(policies, days, label_sets, label_sets)
def test_adding_tier_labels_never_lowers_a_limit(
    policy: BudgetConfig, today: DayTotals, labels: list[str], more: list[str]
) -> None:
    before = plan_budget(labels, policy, today)
    after = plan_budget(labels + more, policy, today)
    if not is_successful(before):
        return
    assert is_successful(after), "an extra label turned a plan into a refusal"
    low, high = before.unwrap(), after.unwrap()
    assert high.max_cost_micros >= low.max_cost_micros
    assert high.max_wall_clock_s >= low.max_wall_clock_s
    assert high.max_turns >= low.max_turns


@given(any_policies, days, label_sets)
def test_refusals_do_not_depend_on_labels(
    policy: BudgetConfig, today: DayTotals, labels: list[str]
) -> None:
    # Every refusal is about the day: no tier label can cause one or lift one, even under a
    # policy whose run cap is under the minimum (which a configuration file cannot hold).
    with_labels = plan_budget(labels, policy, today)
    without_labels = plan_budget([], policy, today)
    assert is_successful(with_labels) == is_successful(without_labels)
    if not is_successful(with_labels):
        assert with_labels.failure() == without_labels.failure()


@given(any_policies, days, label_sets)
def test_below_minimum_budget_means_what_is_left_of_the_day_is_under_the_minimum(
    policy: BudgetConfig, today: DayTotals, labels: list[str]
) -> None:
    result = plan_budget(labels, policy, today)
    left = remaining_micros(policy, today)
    below = 0 < left < usd_to_micros(policy.min_run_cost_usd)
    runs_left = today.runs < policy.daily.max_runs
    refused_below = not is_successful(result) and result.failure().code == "below-minimum-budget"
    assert refused_below == (below and runs_left)
