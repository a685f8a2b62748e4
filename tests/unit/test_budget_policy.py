"""Examples of the budget policy: every default, every refusal, tiers, clamps, the UTC day."""

from __future__ import annotations

import msgspec
import pytest

from domain.budget.config import BudgetConfig, DailyLimits, RunLimits, TierLimits
from domain.budget.inputs import parse_instant, utc_day
from domain.budget.plan import Clamp, DayTotals, RunBudget, describe_budget, plan_budget
from domain.config import parse_config

DAY = "2026-11-25"
FRESH = DayTotals(day=DAY)
LARGE = "loop:budget-large"
XL = "loop:budget-xl"

ISSUE_EXAMPLE = """
[budget]
wall_clock_ceiling_s = 3600
min_run_cost_usd = 0.50
unknown_cost = "charge-reservation"

[budget.run]
max_cost_usd = 5.0
max_wall_clock_s = 2700
max_turns = 50

[budget.daily]
max_cost_usd = 10.0
max_runs = 2

[budget.tiers."loop:budget-large"]
max_cost_usd = 7.5
max_wall_clock_s = 5400
max_turns = 100

[budget.tiers."loop:budget-xl"]
max_cost_usd = 10.0
max_wall_clock_s = 7200
max_turns = 150
"""


def budget_config(toml: str) -> BudgetConfig:
    return parse_config(toml).unwrap().budget


def plan(
    labels: list[str], today: DayTotals = FRESH, policy: BudgetConfig | None = None
) -> RunBudget:
    return plan_budget(labels, policy or BudgetConfig(), today).unwrap()


def refusal_code(today: DayTotals, policy: BudgetConfig | None = None) -> str:
    return plan_budget([], policy or BudgetConfig(), today).failure().code


def test_empty_configuration_gives_the_documented_defaults() -> None:
    policy = budget_config("")
    assert policy.wall_clock_ceiling_s == 3600
    assert policy.min_run_cost_usd == 0.50
    assert policy.unknown_cost == "charge-reservation"
    assert policy.stale_after_s == 7200
    assert policy.run == RunLimits(max_cost_usd=5.0, max_wall_clock_s=2700, max_turns=50)
    assert policy.daily == DailyLimits(max_cost_usd=10.0, max_runs=2)
    assert policy.tiers == {
        LARGE: TierLimits(max_cost_usd=7.5, max_wall_clock_s=5400, max_turns=100),
        XL: TierLimits(max_cost_usd=10.0, max_wall_clock_s=7200, max_turns=150),
    }


def test_the_issue_example_spells_out_exactly_the_defaults() -> None:
    assert budget_config(ISSUE_EXAMPLE) == BudgetConfig()


def test_unlabelled_run_gets_the_base_limits() -> None:
    assert plan(["bug"]) == RunBudget(
        day=DAY, tier="base", max_cost_micros=5_000_000, max_wall_clock_s=2700, max_turns=50
    )


def test_large_tier_raises_limits_and_its_wall_clock_is_clamped_to_the_ceiling() -> None:
    budget = plan([LARGE])
    assert (budget.tier, budget.max_cost_micros, budget.max_turns) == (LARGE, 7_500_000, 100)
    assert budget.max_wall_clock_s == 3600
    assert budget.clamps == (
        Clamp(limit="max_wall_clock_s", reason="wall-clock-ceiling", requested=5400, granted=3600),
    )


def test_xl_tier_on_a_fresh_day_gets_its_full_cost_cap() -> None:
    budget = plan([XL])
    assert (budget.tier, budget.max_cost_micros, budget.max_turns) == (XL, 10_000_000, 150)
    assert [c.limit for c in budget.clamps] == ["max_wall_clock_s"]


def test_xl_run_on_a_day_with_4_dollars_left_is_capped_at_4_dollars() -> None:
    budget = plan([XL], DayTotals(day=DAY, spent_micros=6_000_000, runs=1))
    assert budget.max_cost_micros == 4_000_000
    assert budget.clamps[0] == Clamp(
        limit="max_cost_usd", reason="daily-remaining", requested=10_000_000, granted=4_000_000
    )
    assert "clamped from $10.00 to $4.00" in describe_budget(budget)


def test_open_reservations_count_as_spent_when_clamping() -> None:
    today = DayTotals(day=DAY, spent_micros=1_000_000, reserved_micros=5_000_000, runs=1)
    assert plan([XL], today).max_cost_micros == 4_000_000


def test_nothing_left_is_daily_cost_exhausted() -> None:
    assert refusal_code(DayTotals(day=DAY, spent_micros=10_000_000, runs=1)) == (
        "daily-cost-exhausted"
    )


def test_an_overspent_day_is_daily_cost_exhausted() -> None:
    assert refusal_code(DayTotals(day=DAY, spent_micros=12_000_000, runs=1)) == (
        "daily-cost-exhausted"
    )


def test_unsettled_reservations_alone_can_exhaust_the_day() -> None:
    assert refusal_code(DayTotals(day=DAY, reserved_micros=10_000_000, runs=1)) == (
        "daily-cost-exhausted"
    )


def test_two_runs_started_is_daily_runs_exhausted() -> None:
    refusal = plan_budget([], BudgetConfig(), DayTotals(day=DAY, spent_micros=1, runs=2)).failure()
    assert refusal.code == "daily-runs-exhausted"
    assert "max_runs" in refusal.message


def test_less_than_fifty_cents_left_is_below_minimum_budget() -> None:
    refusal = plan_budget([XL], BudgetConfig(), DayTotals(day=DAY, spent_micros=9_600_000))
    assert refusal.failure().code == "below-minimum-budget"
    assert "$0.40" in refusal.failure().message


def test_the_below_minimum_refusal_says_what_is_left_of_the_day_and_why() -> None:
    today = DayTotals(day=DAY, spent_micros=9_000_000, reserved_micros=600_000, runs=1)
    message = plan_budget([], BudgetConfig(), today).failure().message
    assert message.startswith(
        "only $0.40 of the daily budget of $10.00 is left on 2026-11-25 (UTC) "
        "($9.00 spent, $0.60 reserved by unsettled runs), under the minimum of $0.50"
    )
    assert "`ledger settle`" in message
    assert "[budget.daily] max_cost_usd" in message
    assert "[budget] min_run_cost_usd" in message


def test_the_below_minimum_refusal_offers_settling_only_when_runs_are_unsettled() -> None:
    today = DayTotals(day=DAY, spent_micros=9_600_000, runs=1)
    assert "ledger settle" not in plan_budget([], BudgetConfig(), today).failure().message


@pytest.mark.parametrize("labels", [[], [LARGE], [XL]])
def test_a_small_run_cap_at_the_minimum_is_planned_while_the_day_has_plenty_left(
    labels: list[str],
) -> None:
    # A cap of exactly the minimum is not "under the minimum": only what is left of the day can
    # be, and $5 is left here.
    policy = budget_config(
        "[budget]\nmin_run_cost_usd = 0.25\n[budget.run]\nmax_cost_usd = 0.25\n"
        '[budget.tiers."loop:budget-xl"]\nmax_cost_usd = 0.3\n'
    )
    budget = plan(labels, DayTotals(day=DAY, spent_micros=5_000_000, runs=1), policy)
    assert budget.max_cost_micros == (300_000 if labels == [XL] else 250_000)


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[budget.run]\nmax_cost_usd = 0.25\n", "budget.run.max_cost_usd"),
        (
            '[budget.tiers."loop:budget-xl"]\nmax_cost_usd = 0.25\n',
            'budget.tiers."loop:budget-xl".max_cost_usd',
        ),
        (
            "[budget]\nmin_run_cost_usd = 0.5\n[budget.tiers.cheap]\nmax_cost_usd = 0.49\n",
            "budget.tiers.cheap.max_cost_usd",
        ),
        (
            "[budget]\nmin_run_cost_usd = 8.0\n[budget.run]\nmax_cost_usd = 8.0\n",
            'budget.tiers."loop:budget-large".max_cost_usd',
        ),
    ],
)
def test_a_run_cap_under_the_minimum_is_config_invalid_naming_the_key(toml: str, key: str) -> None:
    error = parse_config(toml).failure()
    assert error.code == "config-invalid"
    assert f"{key} = " in error.message
    assert f"raise {key} to at least" in error.message
    assert "or lower budget.min_run_cost_usd" in error.message


@pytest.mark.parametrize(
    ("toml", "shown"),
    [
        ("[budget.daily]\nmax_cost_usd = 0.25\n", "0.25 is under budget.min_run_cost_usd = 0.5"),
        ("[budget.daily]\nmax_cost_usd = 0\n", "0.0 is under budget.min_run_cost_usd = 0.5"),
        (
            "[budget]\nmin_run_cost_usd = 2.0\n[budget.run]\nmax_cost_usd = 5.0\n"
            "[budget.tiers]\n[budget.daily]\nmax_cost_usd = 1.5\n",
            "1.5 is under budget.min_run_cost_usd = 2.0",
        ),
    ],
)
def test_a_daily_cap_under_the_minimum_is_config_invalid_naming_the_key(
    toml: str, shown: str
) -> None:
    # Every plan of every day would be refused with below-minimum-budget.
    error = parse_config(toml).failure()
    assert error.code == "config-invalid"
    assert f"budget.daily.max_cost_usd = {shown}" in error.message
    assert "raise budget.daily.max_cost_usd to at least" in error.message
    assert "below-minimum-budget" in error.message


@pytest.mark.parametrize(
    "toml",
    [
        "[budget.daily]\nmax_cost_usd = 0.5\n",
        "[budget]\nmin_run_cost_usd = 0\n[budget.daily]\nmax_cost_usd = 0\n",
        "[budget.daily]\nmax_cost_usd = 10.0\nmax_runs = 0\n",
    ],
)
def test_a_daily_cap_at_or_above_the_minimum_is_a_valid_configuration(toml: str) -> None:
    assert budget_config(toml).daily.max_cost_usd >= budget_config(toml).min_run_cost_usd


def test_a_default_tier_under_the_minimum_says_where_it_comes_from() -> None:
    error = parse_config("[budget]\nmin_run_cost_usd = 8.0\n[budget.run]\nmax_cost_usd = 8\n")
    assert "declaring [budget.tiers] replaces the defaults" in error.failure().message


def test_a_run_cap_of_exactly_the_minimum_is_a_valid_configuration() -> None:
    policy = budget_config("[budget]\nmin_run_cost_usd = 0.25\n[budget.run]\nmax_cost_usd = 0.25\n")
    assert policy.run.max_cost_usd == policy.min_run_cost_usd


def test_exactly_the_minimum_left_may_still_start() -> None:
    assert plan([], DayTotals(day=DAY, spent_micros=9_500_000)).max_cost_micros == 500_000


def test_renamed_tiers_replace_the_default_ones() -> None:
    policy = budget_config('[budget.tiers."size/huge"]\nmax_cost_usd = 9.0\nmax_turns = 400\n')
    assert plan([XL], policy=policy).tier == "base"
    huge = plan(["size/huge"], policy=policy)
    assert (huge.tier, huge.max_cost_micros, huge.max_turns) == ("size/huge", 9_000_000, 400)
    # An omitted field raises nothing: the base wall clock stays.
    assert huge.max_wall_clock_s == 2700


def test_tier_labels_match_regardless_of_case() -> None:
    assert plan(["Loop:Budget-XL"]).tier == XL


def test_each_limit_is_the_maximum_over_every_matching_tier() -> None:
    policy = msgspec.structs.replace(
        BudgetConfig(),
        tiers={
            "rich": TierLimits(max_cost_usd=8.0, max_turns=60),
            "chatty": TierLimits(max_cost_usd=6.0, max_turns=500, max_wall_clock_s=3000),
        },
    )
    budget = plan(["chatty", "rich"], policy=policy)
    assert (budget.max_cost_micros, budget.max_turns, budget.max_wall_clock_s) == (
        8_000_000,
        500,
        3000,
    )
    assert budget.tier == "rich"
    assert budget.tiers == ("rich", "chatty")


def test_a_tier_below_the_base_never_lowers_a_limit() -> None:
    policy = msgspec.structs.replace(
        BudgetConfig(), tiers={"cheap": TierLimits(max_cost_usd=1.0, max_turns=5)}
    )
    budget = plan(["cheap"], policy=policy)
    assert (budget.max_cost_micros, budget.max_turns) == (5_000_000, 50)


@pytest.mark.parametrize(
    ("instant", "day"),
    [
        ("2026-11-25T23:59:59.999999Z", "2026-11-25"),
        ("2026-11-26T00:00:00Z", "2026-11-26"),
        ("2026-11-25T23:30:00-01:00", "2026-11-26"),
        ("2026-11-26T00:30:00+01:00", "2026-11-25"),
    ],
)
def test_days_of_the_books_are_utc_days(instant: str, day: str) -> None:
    assert utc_day(parse_instant(instant).unwrap()) == day


def test_yesterdays_spend_does_not_limit_today() -> None:
    policy = BudgetConfig()
    yesterday = DayTotals(day="2026-11-25", spent_micros=10_000_000, runs=2)
    assert plan_budget([], policy, yesterday).failure().code == "daily-cost-exhausted"
    assert plan([], DayTotals(day="2026-11-26")).day == "2026-11-26"


def test_out_of_range_configuration_is_config_invalid_naming_the_key() -> None:
    error = parse_config("[budget.daily]\nmax_runs = -1\n").failure()
    assert error.code == "config-invalid"
    assert "budget.daily.max_runs" in error.message


def test_unknown_budget_key_is_config_invalid_naming_the_key() -> None:
    error = parse_config("[budget]\nmin_run_cost = 1\n").failure()
    assert "min_run_cost" in error.message


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[budget.run]\nmax_cost = 1.0\n", "budget.run.max_cost"),
        ("[budget.daily]\nmax_run = 3\n", "budget.daily.max_run"),
        (
            '[budget.tiers."loop:budget-xl"]\nmax_cost = 9.0\n',
            'budget.tiers."loop:budget-xl".max_cost',
        ),
        (
            '[budget.tiers.large]\nmax_turns = 60\n[budget.tiers."size/huge"]\nturns = 400\n',
            'budget.tiers."size/huge".turns',
        ),
        ("[budget.tiers.large]\nmax_wall_clock = 60\n", "budget.tiers.large.max_wall_clock"),
    ],
)
def test_an_unknown_key_in_a_budget_table_is_config_invalid_naming_its_full_path(
    toml: str, key: str
) -> None:
    error = parse_config(toml).failure()
    assert error.code == "config-invalid"
    assert f"unknown key {key};" in error.message
    assert "[...]" not in error.message


def test_an_unknown_tier_key_is_explained_with_the_keys_a_tier_allows() -> None:
    error = parse_config('[budget.tiers."loop:budget-xl"]\nmax_cost = 9.0\n').failure()
    assert "the keys allowed there are max_cost_usd, max_wall_clock_s, max_turns" in error.message


def test_a_bad_value_in_a_named_tier_names_the_tier() -> None:
    error = parse_config('[budget.tiers."loop:budget-xl"]\nmax_turns = 0\n').failure()
    assert error.message.startswith(
        'engineering-loop.toml: budget.tiers."loop:budget-xl".max_turns: Expected `int` >= 1'
    )


def test_an_empty_tiers_table_leaves_no_tiers_so_xl_gets_the_base_limits() -> None:
    policy = budget_config("[budget.tiers]\n")
    assert policy.tiers == {}
    budget = plan([XL, LARGE], policy=policy)
    assert budget == RunBudget(
        day=DAY, tier="base", max_cost_micros=5_000_000, max_wall_clock_s=2700, max_turns=50
    )
