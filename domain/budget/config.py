"""The `[budget]` section of `engineering-loop.toml`: per-run limits, tiers, daily limits.

Every key is optional; the defaults below are the documented ones (`docs/budget.md`). Declaring
`[budget.tiers]` replaces the default tiers entirely.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal

import msgspec
from returns.result import Failure, Result, Success

from domain.budget.money import MAX_USD, usd_to_micros
from domain.kernel.config_keys import dotted_key

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


class BudgetConfigError(msgspec.Struct, frozen=True, kw_only=True, tag="budget-config-error"):
    """The `[budget]` section decodes but its values contradict each other (`config-invalid`)."""

    code: Literal["config-invalid"] = "config-invalid"
    message: str


def check_budget_config(config: BudgetConfig) -> Result[BudgetConfig, BudgetConfigError]:
    """Check what decoding cannot: no cost cap (daily, base or tier) is under the minimum.

    A per-run cap under `min_run_cost_usd` would grant runs less than is worth starting one
    with, and a daily cap under it would leave less than that on every day (each plan refused
    with `below-minimum-budget`): mistakes in the file, found when the file is read rather than
    as a refusal every day.

    >>> check_budget_config(BudgetConfig()).unwrap() == BudgetConfig()
    True
    >>> cheap = BudgetConfig(run=RunLimits(max_cost_usd=0.25))
    >>> check_budget_config(cheap).failure().message.split(" is ")[0]
    'budget.run.max_cost_usd = 0.25'
    >>> stingy = BudgetConfig(daily=DailyLimits(max_cost_usd=0.25))
    >>> check_budget_config(stingy).failure().message.split(" is ")[0]
    'budget.daily.max_cost_usd = 0.25'
    """
    minimum = config.min_run_cost_usd
    if usd_to_micros(config.daily.max_cost_usd) < usd_to_micros(minimum):
        key = dotted_key(("budget", "daily", "max_cost_usd"))
        return Failure(
            BudgetConfigError(
                message=f"{key} = {config.daily.max_cost_usd!r} is under "
                f"budget.min_run_cost_usd = {minimum!r}, the least worth starting a run with, so "
                f"every day would refuse to plan (below-minimum-budget); raise {key} to at least "
                f"{minimum!r} or lower budget.min_run_cost_usd (to stop all runs, set "
                "budget.daily.max_runs = 0)."
            )
        )
    caps: list[tuple[tuple[str, ...], float]] = [
        (("budget", "run", "max_cost_usd"), config.run.max_cost_usd)
    ]
    caps += [
        (("budget", "tiers", name, "max_cost_usd"), tier.max_cost_usd)
        for name, tier in config.tiers.items()
        if tier.max_cost_usd is not None
    ]
    for parts, cap in caps:
        if usd_to_micros(cap) < usd_to_micros(minimum):
            key = dotted_key(parts)
            defaults = parts[1] == "tiers" and config.tiers == default_tiers()
            note = (
                " (a default tier, in force because the file declares no [budget.tiers]; "
                "declaring [budget.tiers] replaces the defaults)"
                if defaults
                else ""
            )
            return Failure(
                BudgetConfigError(
                    message=f"{key} = {cap!r}{note} is under budget.min_run_cost_usd = "
                    f"{minimum!r}, the least worth starting a run with; raise {key} to at least "
                    f"{minimum!r} or lower budget.min_run_cost_usd."
                )
            )
    return Success(config)
