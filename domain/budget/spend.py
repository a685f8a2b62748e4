"""Judging a finished run's spend against its budget: what to charge and whether it may publish.

`ObservedSpend` is this module's own small view of a harness run (the harness report's
`total_cost_usd` and `num_turns`, and the run's duration), so the budget policy does not depend on
the harness types; the caller maps one onto the other.
"""

from __future__ import annotations

import math
from typing import Literal

import msgspec

from domain.budget.config import UnknownCostRule
from domain.budget.money import MAX_USD, format_usd, usd_to_micros
from domain.budget.plan import RunBudget

SpendVerdict = Literal["within-budget", "over-budget", "cost-unknown"]
RunStatus = Literal["ok", "budget-exhausted"]


class ObservedSpend(msgspec.Struct, frozen=True, kw_only=True):
    """What a finished run used: reported cost (None when none was reported), turns, time."""

    total_cost_usd: float | None
    num_turns: int
    wall_clock_s: float


class SpendJudgement(msgspec.Struct, frozen=True, kw_only=True):
    """The verdict on a run's spend, the amount to settle its reservation with, and publication."""

    verdict: SpendVerdict
    status: RunStatus
    # Settle the reservation with exactly this: the reported cost, or the whole cap when unknown.
    charge_micros: int
    publish_allowed: bool
    # True when the run stayed within its wall clock and turn limits.
    limits_held: bool
    reason: str


def judge_spend(
    report: ObservedSpend,
    budget: RunBudget,
    *,
    unknown_cost: UnknownCostRule = "charge-reservation",
) -> SpendJudgement:
    """Judge a finished run: within budget, over budget (never published) or of unknown cost.

    >>> from domain.budget.plan import RunBudget
    >>> b = RunBudget(day="2026-01-01", tier="base", max_cost_micros=5_000_000,
    ...               max_wall_clock_s=2700, max_turns=50)
    >>> judge_spend(ObservedSpend(total_cost_usd=5.01, num_turns=9, wall_clock_s=60), b).status
    'budget-exhausted'
    >>> j = judge_spend(ObservedSpend(total_cost_usd=None, num_turns=9, wall_clock_s=60), b)
    >>> (j.verdict, j.charge_micros, j.publish_allowed)
    ('cost-unknown', 5000000, True)
    """
    # Only spend is judged here: a run within its cost cap may publish even when it broke its
    # turn or time limit (`limits_held` says so for the caller). An unknown cost charges the
    # whole reservation and may publish only under "charge-reservation" with the limits held.
    # A negative or non-finite reported cost is not believed, so it counts as unknown.
    limits_held = (
        report.num_turns <= budget.max_turns and report.wall_clock_s <= budget.max_wall_clock_s
    )
    cost = report.total_cost_usd
    cap = budget.max_cost_micros
    if cost is None or not math.isfinite(cost) or cost < 0 or cost > MAX_USD:
        why = "reported no cost" if cost is None else f"reported an unbelievable cost ({cost!r})"
        if unknown_cost == "refuse-publish":
            allowed = False
            rule = 'the "refuse-publish" rule never publishes a run of unknown cost'
        elif limits_held:
            allowed = True
            rule = "its wall clock and turn limits held, so it may publish"
        else:
            allowed = False
            rule = "it broke its wall clock or turn limit, so it may not publish"
        return SpendJudgement(
            verdict="cost-unknown",
            status="ok",
            charge_micros=cap,
            publish_allowed=allowed,
            limits_held=limits_held,
            reason=f"the harness {why}: the whole reservation of {format_usd(cap)} is charged; "
            f"{rule}.",
        )
    spent = usd_to_micros(cost)
    if spent > cap:
        return SpendJudgement(
            verdict="over-budget",
            status="budget-exhausted",
            charge_micros=spent,
            publish_allowed=False,
            limits_held=limits_held,
            reason=f"the run reported {format_usd(spent)}, above its cap of {format_usd(cap)}; "
            "it is charged in full and may not be published.",
        )
    return SpendJudgement(
        verdict="within-budget",
        status="ok",
        charge_micros=spent,
        publish_allowed=True,
        limits_held=limits_held,
        reason=f"the run reported {format_usd(spent)} of its {format_usd(cap)} cap.",
    )
