"""Library functions for budgets and the spend ledger: plan, reserve, settle, show.

Each gathers facts through ports (the configuration file, the ledger, the clock), hands them to
the pure budget policy and returns its decision as a `Result`. Money in the returned values is
integer micro-dollars (`domain.budget.money.micros_to_usd` presents it).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import partial

import msgspec
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from domain.budget.config import BudgetConfig, BudgetConfigError, check_budget_config
from domain.budget.inputs import InputError, check_labels, parse_run_id, utc_day
from domain.budget.ledger import Reservation, stale_reservations
from domain.budget.money import MAX_USD, MICROS_PER_USD, MoneyError
from domain.budget.plan import BudgetRefusal, DayTotals, RunBudget, plan_budget
from domain.budget.spend import ObservedSpend, SpendJudgement, judge_spend
from domain.config import ConfigError, LoopConfig
from domain.harness.report import HarnessReport
from domain.harness.run_spend import judge_run_spend
from domain.kernel.quantities import is_positive_finite
from entrypoints import bootstrap
from entrypoints.config import load_config
from ports.config import ConfigSource
from ports.ledger import (
    DEFAULT_LEDGER_WAIT_S,
    Ledger,
    LedgerError,
    ReservationGrant,
    Settlement,
)

BudgetApiError = (
    ConfigError | BudgetConfigError | InputError | MoneyError | BudgetRefusal | LedgerError
)


class PlannedRun(msgspec.Struct, frozen=True, kw_only=True):
    """A budget decision and the day's totals it was taken on (nothing is reserved)."""

    budget: RunBudget
    today: DayTotals


class ClosedRun(msgspec.Struct, frozen=True, kw_only=True):
    """A finished run's spend verdict and the settlement it was charged with."""

    judgement: SpendJudgement
    settlement: Settlement


class LedgerDay(msgspec.Struct, frozen=True, kw_only=True):
    """One UTC day of the books, and every stale reservation of any day."""

    totals: DayTotals
    reservations: tuple[Reservation, ...]
    # Open reservations older than `[budget] stale_after_s`; still counted as spent.
    stale: tuple[Reservation, ...]


def load_budget_config(
    path: str | None, *, source: ConfigSource | None = None
) -> Result[BudgetConfig, ConfigError]:
    """The `[budget]` section of `path`, or of `engineering-loop.toml` in the cwd when present.

    Budgets have safe embedded defaults, so a missing default file means the defaults; a file
    named explicitly (`--config F`) that is missing is still `config-missing`.
    """
    return load_config(path, source=source, defaults_if_absent=True).map(_budget_section)


def _budget_section(config: LoopConfig) -> BudgetConfig:
    return config.budget


def open_ledger(path: str, *, wait_s: float = DEFAULT_LEDGER_WAIT_S) -> Ledger:
    """The production ledger kept at `path` (see `entrypoints.bootstrap.spend_ledger`).

    An operation waits up to `wait_s` seconds for other processes holding the ledger, then
    fails with `ledger-busy`.
    """
    if not is_positive_finite(wait_s):
        raise ValueError(f"wait_s must be positive and finite, not {wait_s!r}")  # a caller's bug
    ledger: Ledger = bootstrap.spend_ledger(path, wait_s=wait_s)
    return ledger


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("`now` must be timezone-aware")  # a caller's bug: UTC days need a zone
    return now.astimezone(UTC)


def plan_run(
    labels: Iterable[str],
    *,
    config: BudgetConfig,
    ledger: Ledger | None = None,
    now: datetime | None = None,
) -> Result[PlannedRun, BudgetApiError]:
    """Decide a run's budget against today's books (an empty day when `ledger` is None)."""
    valid = check_budget_config(config)
    if not is_successful(valid):
        return Failure(valid.failure())
    checked = check_labels(labels)
    if not is_successful(checked):
        return Failure(checked.failure())
    day = utc_day(_now(now))
    if ledger is None:
        today = DayTotals(day=day)
    else:
        totals = ledger.day_summary(day)
        if not is_successful(totals):
            return Failure(totals.failure())
        today = totals.unwrap()
    decided = plan_budget(checked.unwrap(), config, today)
    if not is_successful(decided):
        return Failure(decided.failure())
    return Success(PlannedRun(budget=decided.unwrap(), today=today))


def reserve_run(
    labels: Iterable[str],
    run_id: str,
    *,
    config: BudgetConfig,
    ledger: Ledger,
    now: datetime | None = None,
) -> Result[ReservationGrant, BudgetApiError]:
    """Plan a run and reserve its cost cap in one atomic step of the ledger."""
    valid = check_budget_config(config)
    if not is_successful(valid):
        return Failure(valid.failure())
    checked = check_labels(labels)
    if not is_successful(checked):
        return Failure(checked.failure())
    valid_id = parse_run_id(run_id)
    if not is_successful(valid_id):
        return Failure(valid_id.failure())
    at = _now(now)
    planner = partial(plan_budget, checked.unwrap(), config)
    granted = ledger.reserve(run_id=valid_id.unwrap(), day=utc_day(at), at=at, plan=planner)
    if not is_successful(granted):
        return Failure(granted.failure())
    return Success(granted.unwrap())


def settle_run(
    reservation_id: str,
    cost_micros: int,
    *,
    ledger: Ledger,
    now: datetime | None = None,
) -> Result[Settlement, BudgetApiError]:
    """Record what a reserved run really cost (e.g. `SpendJudgement.charge_micros`), once."""
    if not 0 <= cost_micros <= MAX_USD * MICROS_PER_USD:
        return Failure(
            MoneyError(
                code="cost-invalid",
                message=f"a cost of {cost_micros} micro-dollars is out of range; give 0 or more, "
                f"at most ${MAX_USD:,}.",
            )
        )
    settled = ledger.settle(reservation_id, cost_micros=cost_micros, at=_now(now))
    if not is_successful(settled):
        return Failure(settled.failure())
    return Success(settled.unwrap())


def close_run(
    grant: ReservationGrant,
    spend: ObservedSpend,
    *,
    config: BudgetConfig,
    ledger: Ledger,
    now: datetime | None = None,
) -> Result[ClosedRun, BudgetApiError]:
    """Judge a finished run's spend and settle its reservation with the charge the verdict names.

    `spend` is taken as given: a caller holding a harness report should use `close_harness_run`,
    which does not trust a cost from a stream that was cut off. The caller may publish only when
    `judgement.publish_allowed`.
    """
    judgement = judge_spend(spend, grant.budget, unknown_cost=config.unknown_cost)
    return _settle_judged(grant, judgement, ledger=ledger, now=now)


def close_harness_run(
    grant: ReservationGrant,
    report: HarnessReport,
    duration_s: float,
    *,
    config: BudgetConfig,
    ledger: Ledger,
    now: datetime | None = None,
) -> Result[ClosedRun, BudgetApiError]:
    """Judge a finished harness run from its report and settle its reservation with the charge.

    Pass `HarnessRun.report` and `HarnessRun.duration_s` (from `run_harness`). A cost printed on
    a stream that was cut off (timed out, killed, crashed) or that has unreadable lines may leave
    out what the run spent afterwards, so it is not trusted: the run is `cost-unknown` and charged
    its whole reservation, unless what it printed is already over the cap (`over-budget`). The
    caller may publish only when `judgement.publish_allowed`.
    """
    if not (math.isfinite(duration_s) and duration_s >= 0):
        raise ValueError(f"duration_s must be finite and >= 0, not {duration_s!r}")  # a bug
    judgement = judge_run_spend(report, duration_s, grant.budget, unknown_cost=config.unknown_cost)
    return _settle_judged(grant, judgement, ledger=ledger, now=now)


def _settle_judged(
    grant: ReservationGrant,
    judgement: SpendJudgement,
    *,
    ledger: Ledger,
    now: datetime | None,
) -> Result[ClosedRun, BudgetApiError]:
    settled = settle_run(
        grant.reservation.reservation_id, judgement.charge_micros, ledger=ledger, now=now
    )
    if not is_successful(settled):
        return Failure(settled.failure())
    return Success(ClosedRun(judgement=judgement, settlement=settled.unwrap()))


def show_ledger(
    *,
    config: BudgetConfig,
    ledger: Ledger,
    day: str | None = None,
    now: datetime | None = None,
) -> Result[LedgerDay, BudgetApiError]:
    """One UTC day of the books (today by default) and the stale reservations of every day."""
    at = _now(now)
    shown = day if day is not None else utc_day(at)
    totals = ledger.day_summary(shown)
    if not is_successful(totals):
        return Failure(totals.failure())
    everything = ledger.history()
    if not is_successful(everything):
        return Failure(everything.failure())
    reservations = everything.unwrap()
    return Success(
        LedgerDay(
            totals=totals.unwrap(),
            reservations=tuple(r for r in reservations if r.day == shown),
            stale=stale_reservations(reservations, at, config.stale_after_s),
        )
    )
