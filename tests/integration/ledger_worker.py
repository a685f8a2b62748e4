"""A separate process that uses the spend ledger through the library API, for the process tests.

    python -m tests.integration.ledger_worker MODE LEDGER CONFIG NOW SEED COUNT

Modes: `mixed` reserves and mostly settles, `reserve` only reserves, `hold` reserves once and
then waits on stdin (to be killed). Every event is one JSON line on stdout, flushed at once, so
the parent knows exactly what this process was told by the ledger before it died.
"""

from __future__ import annotations

import random
import sys

import msgspec
from returns.pipeline import is_successful

from domain.budget.inputs import parse_instant
from entrypoints.api.budget import load_budget_config, open_ledger, reserve_run, settle_run

LABEL_CHOICES = ((), ("loop:budget-large",), ("loop:budget-xl",))


def say(**event: object) -> None:
    sys.stdout.write(msgspec.json.encode(event).decode() + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    mode, ledger_path, config_path, now_text, seed, count = argv
    rng = random.Random(int(seed))
    config = load_budget_config(config_path).unwrap()
    now = parse_instant(now_text).unwrap()
    ledger = open_ledger(ledger_path)
    for attempt in range(int(count)):
        labels = ("loop:budget-xl",) if mode != "mixed" else rng.choice(LABEL_CHOICES)
        run_id = f"w{seed}-{attempt}"
        granted = reserve_run(labels, run_id, config=config, ledger=ledger, now=now)
        if not is_successful(granted):
            error = granted.failure()
            say(event="refused", code=error.code, message=error.message)
            continue
        reservation = granted.unwrap().reservation
        say(event="reserved", id=reservation.reservation_id, micros=reservation.reserved_micros)
        if mode == "hold":
            sys.stdin.read()  # wait here until the parent kills this process
            return 0
        if mode == "mixed" and rng.random() < 0.75:
            cost = rng.randint(0, reservation.reserved_micros)
            settled = settle_run(reservation.reservation_id, cost, ledger=ledger, now=now)
            if not is_successful(settled):
                error = settled.failure()
                say(event="settle-failed", code=error.code, message=error.message)
                continue
            say(event="settled", id=reservation.reservation_id, micros=cost)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
