"""Budget policy: what one run may spend, decided from its labels and what is left of the day.

Pure: the caller passes the day's totals (read from the ledger) and the current instant as values.
All money is integer micro-dollars (see `domain.budget.money`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import msgspec
from returns.result import Failure, Result, Success

from domain.budget.config import BudgetConfig, TierLimits, tier_key
from domain.budget.money import format_usd, usd_to_micros

BASE_TIER = "base"

RefusalCode = Literal["daily-cost-exhausted", "daily-runs-exhausted", "below-minimum-budget"]
ClampedLimit = Literal["max_cost_usd", "max_wall_clock_s"]
ClampReason = Literal["daily-remaining", "wall-clock-ceiling"]


class DayTotals(msgspec.Struct, frozen=True, kw_only=True):
    """What the books say about one UTC day: settled spend, open reservations and runs started."""

    day: str
    spent_micros: int = 0
    # Reservations not settled yet count in full: money is never assumed saved.
    reserved_micros: int = 0
    runs: int = 0


class Clamp(msgspec.Struct, frozen=True, kw_only=True):
    """One limit that was lowered below what the tier asked for, and why.

    `requested` and `granted` are micro-dollars for `max_cost_usd` and seconds for the wall clock.
    """

    limit: ClampedLimit
    reason: ClampReason
    requested: int
    granted: int


class RunBudget(msgspec.Struct, frozen=True, kw_only=True):
    """The limits one run gets, with the tier that applied and every clamp that bit."""

    day: str
    # "base", or the matching tier label that set the cost cap (see `plan_budget`).
    tier: str
    # Every tier label that matched, in configuration order.
    tiers: tuple[str, ...] = ()
    max_cost_micros: int
    max_wall_clock_s: int
    max_turns: int
    clamps: tuple[Clamp, ...] = ()


class BudgetRefusal(msgspec.Struct, frozen=True, kw_only=True, tag="budget-refusal"):
    """No run may start now; `code` says which daily limit stopped it."""

    code: RefusalCode
    message: str


def remaining_micros(policy: BudgetConfig, today: DayTotals) -> int:
    """What is left of the day's cost budget; negative when a run overspent its cap.

    >>> remaining_micros(BudgetConfig(), DayTotals(day="2026-01-01", spent_micros=6_000_000))
    4000000
    """
    cap = usd_to_micros(policy.daily.max_cost_usd)
    return cap - today.spent_micros - today.reserved_micros


def matching_tiers(labels: Iterable[str], tiers: dict[str, TierLimits]) -> tuple[str, ...]:
    """The configured tier names among `labels`, in configuration order, ignoring case (as GitHub).

    >>> from domain.budget.config import default_tiers
    >>> matching_tiers(["bug", "Loop:Budget-XL"], default_tiers())
    ('loop:budget-xl',)
    """
    wanted = {tier_key(label) for label in labels}
    return tuple(name for name in tiers if tier_key(name) in wanted)


def _highest(base: int, raised: Iterable[int | None]) -> int:
    return max([base, *(value for value in raised if value is not None)])


def plan_budget(
    labels: Iterable[str], policy: BudgetConfig, today: DayTotals
) -> Result[RunBudget, BudgetRefusal]:
    """Decide the limits of a run with these issue labels, given what the day has already used.

    >>> from domain.budget.config import BudgetConfig
    >>> today = DayTotals(day="2026-01-01", spent_micros=6_000_000)
    >>> budget = plan_budget(["loop:budget-xl"], BudgetConfig(), today).unwrap()
    >>> (budget.tier, budget.max_cost_micros, budget.max_wall_clock_s, budget.max_turns)
    ('loop:budget-xl', 4000000, 3600, 150)
    >>> plan_budget([], BudgetConfig(), DayTotals(day="2026-01-01", runs=2)).failure().code
    'daily-runs-exhausted'
    """
    # Refusals first, in a fixed order (cost, runs, then what is left under the minimum); they
    # depend on the day alone, never on the labels.
    # Each limit is then the maximum of the base and every matching tier, so no label lowers a
    # limit; the cost cap is clamped to what is left of the day, the wall clock to the ceiling.
    # `check_budget_config` keeps every cap at or above the minimum, so a plan's cap is under the
    # minimum only when the policy skipped that check.
    remaining = remaining_micros(policy, today)
    daily_cap = usd_to_micros(policy.daily.max_cost_usd)
    if remaining <= 0:
        return Failure(
            BudgetRefusal(
                code="daily-cost-exhausted",
                message=(
                    f"the daily budget of {format_usd(daily_cap)} for {today.day} (UTC) is used up "
                    f"({format_usd(today.spent_micros)} spent, {format_usd(today.reserved_micros)} "
                    "reserved by unsettled runs); wait for the next UTC day, settle finished runs "
                    "with `ledger settle`, or raise [budget.daily] max_cost_usd."
                ),
            )
        )
    if today.runs >= policy.daily.max_runs:
        return Failure(
            BudgetRefusal(
                code="daily-runs-exhausted",
                message=(
                    f"{today.runs} of {policy.daily.max_runs} runs allowed on {today.day} (UTC) "
                    "have started; wait for the next UTC day or raise [budget.daily] max_runs."
                ),
            )
        )
    minimum = usd_to_micros(policy.min_run_cost_usd)
    if remaining < minimum:
        settle = ", settle finished runs with `ledger settle`" if today.reserved_micros > 0 else ""
        return Failure(
            BudgetRefusal(
                code="below-minimum-budget",
                message=(
                    f"only {format_usd(remaining)} of the daily budget of "
                    f"{format_usd(daily_cap)} is left on {today.day} (UTC) "
                    f"({format_usd(today.spent_micros)} spent, "
                    f"{format_usd(today.reserved_micros)} reserved by unsettled runs), under the "
                    f"minimum of {format_usd(minimum)} worth starting a run with; wait for the "
                    f"next UTC day{settle}, raise [budget.daily] max_cost_usd, or lower [budget] "
                    "min_run_cost_usd."
                ),
            )
        )
    matched = matching_tiers(labels, policy.tiers)
    chosen = [policy.tiers[name] for name in matched]
    base = policy.run
    cost = _highest(usd_to_micros(base.max_cost_usd), (_micros(t.max_cost_usd) for t in chosen))
    wall = _highest(base.max_wall_clock_s, (t.max_wall_clock_s for t in chosen))
    turns = _highest(base.max_turns, (t.max_turns for t in chosen))
    clamps: list[Clamp] = []
    granted_cost = cost
    if remaining < cost:
        granted_cost = remaining
        clamps.append(
            Clamp(limit="max_cost_usd", reason="daily-remaining", requested=cost, granted=remaining)
        )
    if wall > policy.wall_clock_ceiling_s:
        clamps.append(
            Clamp(
                limit="max_wall_clock_s",
                reason="wall-clock-ceiling",
                requested=wall,
                granted=policy.wall_clock_ceiling_s,
            )
        )
        wall = policy.wall_clock_ceiling_s
    return Success(
        RunBudget(
            day=today.day,
            tier=_cost_setting_tier(matched, policy.tiers),
            tiers=matched,
            max_cost_micros=granted_cost,
            max_wall_clock_s=wall,
            max_turns=turns,
            clamps=tuple(clamps),
        )
    )


def _micros(usd: float | None) -> int | None:
    return None if usd is None else usd_to_micros(usd)


def _cost_setting_tier(matched: tuple[str, ...], tiers: dict[str, TierLimits]) -> str:
    # With several tier labels, name the one with the highest cost cap (first in configuration
    # order on a tie): that is the one a person reading the decision wants to see.
    best = BASE_TIER
    best_cost = -1.0
    for name in matched:
        cost = tiers[name].max_cost_usd
        if cost is not None and cost > best_cost:
            best, best_cost = name, cost
    if best == BASE_TIER and matched:
        return matched[0]
    return best


def describe_budget(budget: RunBudget) -> str:
    """One line a person can read: the limits, the tier and every clamp that bit.

    >>> b = RunBudget(day="2026-01-01", tier="base", max_cost_micros=5_000_000,
    ...               max_wall_clock_s=2700, max_turns=50)
    >>> describe_budget(b)
    'tier base: $5.00, 2700 s, 50 turns'
    """
    text = (
        f"tier {budget.tier}: {format_usd(budget.max_cost_micros)}, "
        f"{budget.max_wall_clock_s} s, {budget.max_turns} turns"
    )
    for clamp in budget.clamps:
        if clamp.limit == "max_cost_usd":
            text += (
                f"; cost clamped from {format_usd(clamp.requested)} to "
                f"{format_usd(clamp.granted)} (what is left of {budget.day} UTC)"
            )
        else:
            text += (
                f"; wall clock clamped from {clamp.requested} s to {clamp.granted} s "
                "(the service's own ceiling)"
            )
    return text
