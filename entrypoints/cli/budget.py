"""`budget plan` and `ledger reserve|settle|show`: the budget policy and the spend ledger.

Money is printed as USD floats rounded to the micro-dollar; inside it is integer micro-dollars.
Refusals exit 3, usage and configuration errors 2, a ledger busy past its wait (`--wait S`) 1.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from domain.budget.config import BudgetConfig
from domain.budget.inputs import (
    InputError,
    format_instant,
    parse_day,
    parse_instant,
    parse_labels,
    parse_wait,
    utc_day,
)
from domain.budget.ledger import Reservation
from domain.budget.money import format_usd, micros_to_usd, parse_usd
from domain.budget.plan import DayTotals, RunBudget, describe_budget, remaining_micros
from domain.config import ConfigError
from entrypoints.cli.output import EXIT_BLOCKED, EXIT_OK, EXIT_REFUSED, EXIT_USAGE, emit, fail
from ports.ledger import DEFAULT_LEDGER_WAIT_S, Ledger

if TYPE_CHECKING:
    from entrypoints.cli.output import GroupFactory

# Error codes that are decisions (exit 3) or transient (exit 1); every other code is usage (2).
_REFUSALS = frozenset(
    {
        "daily-cost-exhausted",
        "daily-runs-exhausted",
        "below-minimum-budget",
        "ledger-unreadable",
        "reservation-already-settled",
    }
)
_TRANSIENT = frozenset({"ledger-busy"})


def register(
    root: argparse._SubParsersAction[argparse.ArgumentParser], group: GroupFactory
) -> None:
    """Add `budget plan` and `ledger reserve|settle|show` to the command tree."""
    del root
    budget = group("budget", "Plan what a run may spend under the [budget] policy.")
    ledger = group("ledger", "The spend ledger: reserve, settle and show the books of a day.")

    plan = budget.add_parser("plan", help="Decide a run's budget (reserves nothing).")
    _config_option(plan)
    _labels_option(plan)
    plan.add_argument("--ledger", metavar="PATH", help="plan against this ledger's day")
    _wait_option(plan)
    _now_option(plan)
    _json_option(plan)
    plan.set_defaults(handler=_plan)

    reserve = ledger.add_parser("reserve", help="Plan a run and reserve its cost cap atomically.")
    _config_option(reserve)
    _labels_option(reserve)
    _ledger_option(reserve)
    reserve.add_argument("--run-id", required=True, metavar="ID", help="the caller's run id")
    _wait_option(reserve)
    _now_option(reserve)
    _json_option(reserve)
    reserve.set_defaults(handler=_reserve)

    settle = ledger.add_parser("settle", help="Record a reserved run's actual cost (once).")
    settle.add_argument("reservation_id", metavar="RESERVATION_ID")
    settle.add_argument("--cost", required=True, metavar="USD", help="the actual cost in USD")
    _ledger_option(settle)
    _wait_option(settle)
    _now_option(settle)
    _json_option(settle)
    settle.set_defaults(handler=_settle)

    show = ledger.add_parser("show", help="Show one UTC day of the books and stale reservations.")
    _config_option(show)
    _ledger_option(show)
    show.add_argument("--day", metavar="YYYY-MM-DD", help="the UTC day (default: today)")
    _wait_option(show)
    _now_option(show)
    _json_option(show)
    show.set_defaults(handler=_show)


def _config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="F",
        help="configuration file (default: ./engineering-loop.toml, or the defaults if absent)",
    )


def _labels_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--labels", default="", metavar="A,B", help="the issue's labels")


def _ledger_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ledger", required=True, metavar="PATH", help="the ledger file")


def _wait_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--wait",
        default=str(DEFAULT_LEDGER_WAIT_S),
        metavar="S",
        help=f"seconds to wait for a ledger other processes hold before ledger-busy, exit 1 "
        f"(default: {DEFAULT_LEDGER_WAIT_S:g})",
    )


def _now_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--now", metavar="ISO", help="the current instant (default: the clock)")


def _json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def _exit_code(code: str) -> int:
    if code in _REFUSALS:
        return EXIT_REFUSED
    if code in _TRANSIENT:
        return EXIT_BLOCKED
    return EXIT_USAGE


def _error(code: str, message: str, **extra: Any) -> int:
    return fail(code, message, exit_code=_exit_code(code), **extra)


def _open_ledger(args: argparse.Namespace) -> Result[Ledger, InputError]:
    """The `--ledger` file, waiting `--wait` seconds for other processes holding it."""
    from entrypoints.api.budget import open_ledger

    wait = parse_wait(args.wait)
    if not is_successful(wait):
        return Failure(wait.failure())
    return Success(open_ledger(args.ledger, wait_s=wait.unwrap()))


def _instant(args: argparse.Namespace) -> Result[datetime, InputError]:
    """The `--now` instant, or the clock's when not given."""
    if args.now is None:
        return Success(datetime.now(UTC))
    return parse_instant(args.now)


def _plan_inputs(
    args: argparse.Namespace,
) -> Result[tuple[tuple[str, ...], datetime, BudgetConfig], InputError | ConfigError]:
    """`--labels`, `--now` and the `[budget]` section, checked in that order."""
    from entrypoints.api.budget import load_budget_config

    labels = parse_labels(args.labels)
    if not is_successful(labels):
        return Failure(labels.failure())
    instant = _instant(args)
    if not is_successful(instant):
        return Failure(instant.failure())
    config = load_budget_config(args.config)
    if not is_successful(config):
        return Failure(config.failure())
    return Success((labels.unwrap(), instant.unwrap(), config.unwrap()))


def _plan(args: argparse.Namespace) -> int:
    from entrypoints.api.budget import plan_run

    inputs = _plan_inputs(args)
    if not is_successful(inputs):
        return _error(inputs.failure().code, inputs.failure().message)
    labels, now, policy = inputs.unwrap()
    ledger: Ledger | None = None
    if args.ledger is not None:
        opened = _open_ledger(args)
        if not is_successful(opened):
            return _error(opened.failure().code, opened.failure().message)
        ledger = opened.unwrap()
    planned = plan_run(labels, config=policy, ledger=ledger, now=now)
    if not is_successful(planned):
        error = planned.failure()
        today = _today_if_known(ledger, now)
        extra = {} if today is None else {"daily": daily_view(today, policy)}
        return _error(error.code, error.message, **extra)
    plan = planned.unwrap()
    if args.json:
        emit(
            {
                "ok": True,
                "budget": budget_view(plan.budget),
                "daily": daily_view(plan.today, policy),
            }
        )
    else:
        print(describe_budget(plan.budget))
        print(_describe_day(plan.today, policy))
    return EXIT_OK


def _today_if_known(ledger: Ledger | None, now: datetime) -> DayTotals | None:
    if ledger is None:
        return DayTotals(day=utc_day(now))
    totals = ledger.day_summary(utc_day(now))
    return totals.unwrap() if is_successful(totals) else None


def _reserve(args: argparse.Namespace) -> int:
    from entrypoints.api.budget import reserve_run

    inputs = _plan_inputs(args)
    if not is_successful(inputs):
        return _error(inputs.failure().code, inputs.failure().message)
    labels, now, policy = inputs.unwrap()
    opened = _open_ledger(args)
    if not is_successful(opened):
        return _error(opened.failure().code, opened.failure().message)
    granted = reserve_run(labels, args.run_id, config=policy, ledger=opened.unwrap(), now=now)
    if not is_successful(granted):
        error = granted.failure()
        return _error(error.code, error.message)
    grant = granted.unwrap()
    if args.json:
        emit(
            {
                "ok": True,
                "reservation_id": grant.reservation.reservation_id,
                "reserved_usd": micros_to_usd(grant.reservation.reserved_micros),
                "budget": budget_view(grant.budget),
            }
        )
    else:
        print(
            f"reserved {format_usd(grant.reservation.reserved_micros)} as "
            f"{grant.reservation.reservation_id}; {describe_budget(grant.budget)}"
        )
    return EXIT_OK


def _settle(args: argparse.Namespace) -> int:
    from entrypoints.api.budget import settle_run

    cost = parse_usd(args.cost)
    if not is_successful(cost):
        return _error(cost.failure().code, cost.failure().message)
    instant = _instant(args)
    if not is_successful(instant):
        return _error(instant.failure().code, instant.failure().message)
    now = instant.unwrap()
    opened = _open_ledger(args)
    if not is_successful(opened):
        return _error(opened.failure().code, opened.failure().message)
    settled = settle_run(args.reservation_id, cost.unwrap(), ledger=opened.unwrap(), now=now)
    if not is_successful(settled):
        error = settled.failure()
        return _error(error.code, error.message)
    settlement = settled.unwrap()
    reservation = settlement.reservation
    spent = reservation.settled_micros or 0
    if args.json:
        emit(
            {
                "ok": True,
                "reservation_id": reservation.reservation_id,
                "settled_usd": micros_to_usd(spent),
                "released_usd": micros_to_usd(max(reservation.reserved_micros - spent, 0)),
                "replayed": settlement.replayed,
                "reservation": reservation_view(reservation, stale=False),
            }
        )
    else:
        again = " (already recorded; nothing changed)" if settlement.replayed else ""
        print(
            f"settled {reservation.reservation_id} at {format_usd(spent)} of "
            f"{format_usd(reservation.reserved_micros)} reserved{again}"
        )
    return EXIT_OK


def _show(args: argparse.Namespace) -> int:
    from entrypoints.api.budget import load_budget_config, show_ledger

    day: str | None = None
    if args.day is not None:
        parsed_day = parse_day(args.day)
        if not is_successful(parsed_day):
            return _error(parsed_day.failure().code, parsed_day.failure().message)
        day = parsed_day.unwrap()
    instant = _instant(args)
    if not is_successful(instant):
        return _error(instant.failure().code, instant.failure().message)
    now = instant.unwrap()
    config = load_budget_config(args.config)
    if not is_successful(config):
        return _error(config.failure().code, config.failure().message)
    policy = config.unwrap()
    opened = _open_ledger(args)
    if not is_successful(opened):
        return _error(opened.failure().code, opened.failure().message)
    shown = show_ledger(config=policy, ledger=opened.unwrap(), day=day, now=now)
    if not is_successful(shown):
        error = shown.failure()
        return _error(error.code, error.message)
    books = shown.unwrap()
    stale_ids = {r.reservation_id for r in books.stale}
    if args.json:
        emit(
            {
                "ok": True,
                "day": books.totals.day,
                "spent_usd": micros_to_usd(books.totals.spent_micros),
                "reserved_usd": micros_to_usd(books.totals.reserved_micros),
                "runs": books.totals.runs,
                "reservations": [
                    reservation_view(r, stale=r.reservation_id in stale_ids)
                    for r in books.reservations
                ],
                "stale": [reservation_view(r, stale=True) for r in books.stale],
            }
        )
    else:
        print(_describe_day(books.totals, policy))
        for reservation in books.reservations:
            print(
                "  " + _describe_reservation(reservation, reservation.reservation_id in stale_ids)
            )
        for reservation in books.stale:
            print("stale: " + _describe_reservation(reservation, stale=True))
    return EXIT_OK


def budget_view(budget: RunBudget) -> dict[str, Any]:
    """The JSON shape of a budget decision: USD, seconds, turns and the clamps that bit."""
    return {
        "day": budget.day,
        "tier": budget.tier,
        "tiers": list(budget.tiers),
        "max_cost_usd": micros_to_usd(budget.max_cost_micros),
        "max_wall_clock_s": budget.max_wall_clock_s,
        "max_turns": budget.max_turns,
        "clamps": [
            {
                "limit": clamp.limit,
                "reason": clamp.reason,
                "requested": micros_to_usd(clamp.requested)
                if clamp.limit == "max_cost_usd"
                else clamp.requested,
                "granted": micros_to_usd(clamp.granted)
                if clamp.limit == "max_cost_usd"
                else clamp.granted,
            }
            for clamp in budget.clamps
        ],
    }


def daily_view(today: DayTotals, policy: BudgetConfig) -> dict[str, Any]:
    """The JSON shape of a day's totals against the daily limits."""
    return {
        "day": today.day,
        "spent_usd": micros_to_usd(today.spent_micros),
        "reserved_usd": micros_to_usd(today.reserved_micros),
        "remaining_usd": micros_to_usd(max(remaining_micros(policy, today), 0)),
        "runs": today.runs,
        "max_runs": policy.daily.max_runs,
    }


def reservation_view(reservation: Reservation, *, stale: bool) -> dict[str, Any]:
    """The JSON shape of one reservation in the books."""
    settled = reservation.settled_micros
    return {
        "reservation_id": reservation.reservation_id,
        "run_id": reservation.run_id,
        "day": reservation.day,
        "state": "reserved" if settled is None else "settled",
        "reserved_usd": micros_to_usd(reservation.reserved_micros),
        "reserved_at": format_instant(reservation.reserved_at),
        "settled_usd": None if settled is None else micros_to_usd(settled),
        "settled_at": None
        if reservation.settled_at is None
        else format_instant(reservation.settled_at),
        "stale": stale,
    }


def _describe_day(today: DayTotals, policy: BudgetConfig) -> str:
    left = max(remaining_micros(policy, today), 0)
    return (
        f"{today.day} (UTC): {format_usd(today.spent_micros)} spent, "
        f"{format_usd(today.reserved_micros)} reserved, {format_usd(left)} left; "
        f"{today.runs} of {policy.daily.max_runs} runs"
    )


def _describe_reservation(reservation: Reservation, stale: bool) -> str:
    state = (
        "reserved (unsettled, counted in full)"
        if reservation.settled_micros is None
        else f"settled at {format_usd(reservation.settled_micros)}"
    )
    flag = " STALE: settle it with `ledger settle ID --cost USD`" if stale else ""
    return (
        f"{reservation.reservation_id} run {reservation.run_id} on {reservation.day}: "
        f"{format_usd(reservation.reserved_micros)} {state}{flag}"
    )
