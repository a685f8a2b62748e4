"""The `[budget]` section of `engineering-loop.toml`: per-run limits, tiers, daily limits.

Every key is optional; the defaults below are the documented ones (README, "Budgets and the spend
ledger"). Declaring `[budget.tiers]` replaces the default tiers entirely.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal

import msgspec

from domain.money import MAX_USD

# Money in configuration is USD (TOML has no decimal type); it becomes micro-dollars in the policy.
Usd = Annotated[float, msgspec.Meta(ge=0, le=MAX_USD)]
PositiveUsd = Annotated[float, msgspec.Meta(gt=0, le=MAX_USD)]
# A week is far beyond any host's service timeout; a larger value is a typo.
Seconds = Annotated[int, msgspec.Meta(gt=0, le=7 * 24 * 3600)]
Turns = Annotated[int, msgspec.Meta(gt=0, le=100_000)]
RunCount = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]

UnknownCostRule = Literal["charge-reservation", "refuse-publish"]


def tier_key(label: str) -> str:
    """How tier labels compare everywhere: ignoring case and surrounding space (as GitHub labels).

    >>> tier_key(" Loop:Budget-XL ") == tier_key("loop:budget-xl")
    True
    """
    return label.strip().casefold()


def find_tier(label: str, names: Iterable[str]) -> str | None:
    """The name among `names` that `label` means (see `tier_key`), or None.

    >>> find_tier("LOOP:budget-xl", ["loop:budget-large", "loop:budget-xl"])
    'loop:budget-xl'
    >>> find_tier("loop:budget-xxl", ["loop:budget-xl"]) is None
    True
    """
    key = tier_key(label)
    return next((name for name in names if tier_key(name) == key), None)


class RunLimits(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The base limits of one run, before tiers and clamps (`[budget.run]`)."""

    max_cost_usd: PositiveUsd = 5.0
    max_wall_clock_s: Seconds = 2700
    max_turns: Turns = 50


class TierLimits(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What one tier label raises (`[budget.tiers."LABEL"]`); an omitted field raises nothing."""

    max_cost_usd: PositiveUsd | None = None
    max_wall_clock_s: Seconds | None = None
    max_turns: Turns | None = None


class DailyLimits(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Limits per UTC day across every run and every process sharing a ledger (`[budget.daily]`)."""

    max_cost_usd: Usd = 10.0
    max_runs: RunCount = 2


def default_tiers() -> dict[str, TierLimits]:
    """The tiers used when the configuration declares none: large and xl.

    >>> sorted(default_tiers())
    ['loop:budget-large', 'loop:budget-xl']
    """
    return {
        "loop:budget-large": TierLimits(max_cost_usd=7.5, max_wall_clock_s=5400, max_turns=100),
        "loop:budget-xl": TierLimits(max_cost_usd=10.0, max_wall_clock_s=7200, max_turns=150),
    }


class BudgetConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The whole budget policy: what `plan_budget` and `judge_spend` decide with."""

    # The host's own service timeout: no tier may promise a run more time than this.
    wall_clock_ceiling_s: Seconds = 3600
    # Below this, what is left of the day is not worth starting a run for.
    min_run_cost_usd: Usd = 0.50
    # When the harness reports no cost: charge the whole reservation and publish only if the
    # wall clock and turn limits held ("charge-reservation"), or never publish ("refuse-publish").
    unknown_cost: UnknownCostRule = "charge-reservation"
    # An unsettled reservation older than this is reported as stale (and still counted as spent).
    stale_after_s: Seconds = 7200
    run: RunLimits = msgspec.field(default_factory=RunLimits)
    daily: DailyLimits = msgspec.field(default_factory=DailyLimits)
    tiers: dict[str, TierLimits] = msgspec.field(default_factory=default_tiers)
