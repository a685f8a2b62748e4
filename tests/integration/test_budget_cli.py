"""The `budget` and `ledger` commands end to end (in-process), with real ledger files."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from entrypoints.cli.main import main
from tests.integration.conftest import no_permissions

NOW = "2026-11-25T12:00:00Z"


@pytest.fixture(autouse=True)
def in_empty_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    try:
        code = main([*argv, "--json"])
    except SystemExit as exit_:  # argparse's usage errors leave through SystemExit
        code = int(exit_.code or 0)
    out = capsys.readouterr().out
    return code, json.loads(out)


def reserve(capsys: pytest.CaptureFixture[str], *extra: str, now: str = NOW) -> dict[str, Any]:
    code, out = run(
        capsys, "ledger", "reserve", "--ledger", "l.db", "--run-id", "r", "--now", now, *extra
    )
    assert code == 0, out
    return out


def test_plan_prints_the_decision_in_the_documented_shape(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = run(capsys, "budget", "plan", "--labels", "bug", "--now", NOW)
    assert code == 0
    assert out == {
        "ok": True,
        "budget": {
            "day": "2026-11-25",
            "tier": "base",
            "tiers": [],
            "max_cost_usd": 5.0,
            "max_wall_clock_s": 2700,
            "max_turns": 50,
            "clamps": [],
        },
        "daily": {
            "day": "2026-11-25",
            "spent_usd": 0.0,
            "reserved_usd": 0.0,
            "remaining_usd": 10.0,
            "runs": 0,
            "max_runs": 2,
        },
    }


def test_plan_reads_the_configuration_file_in_the_working_directory(
    capsys: pytest.CaptureFixture[str],
) -> None:
    Path("engineering-loop.toml").write_text("[budget.daily]\nmax_cost_usd = 4.0\n")
    code, out = run(capsys, "budget", "plan", "--labels", "loop:budget-xl", "--now", NOW)
    assert code == 0
    assert out["budget"]["max_cost_usd"] == 4.0
    assert out["budget"]["clamps"][0] == {
        "limit": "max_cost_usd",
        "reason": "daily-remaining",
        "requested": 10.0,
        "granted": 4.0,
    }


def test_plan_without_json_explains_the_decision(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["budget", "plan", "--labels", "loop:budget-large", "--now", NOW]) == 0
    out = capsys.readouterr().out
    assert "tier loop:budget-large: $7.50, 3600 s, 100 turns" in out
    assert "wall clock clamped from 5400 s to 3600 s" in out


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["budget", "plan", "--config", "absent.toml"], "config-missing"),
        (["budget", "plan", "--labels", "a,,b"], "labels-invalid"),
        (["budget", "plan", "--now", "noon"], "now-invalid"),
        (["budget", "plan", "--ledger", "absent.db"], "ledger-missing"),
        (["ledger", "reserve", "--ledger", "no/dir/l.db", "--run-id", "r"], "ledger-dir-missing"),
        (["ledger", "reserve", "--ledger", "l.db", "--run-id", "two words"], "run-id-invalid"),
        (["ledger", "settle", "rsv-1", "--cost", "1,50", "--ledger", "l.db"], "cost-invalid"),
        (["ledger", "settle", "rsv-1", "--cost", "1", "--ledger", "absent.db"], "ledger-missing"),
        (["ledger", "show", "--ledger", "l.db", "--day", "25/11/2026"], "day-invalid"),
        (["ledger", "show"], "usage-error"),
        (["ledger", "show", "--ledger", "l.db", "--wait", "0"], "wait-invalid"),
        (["budget", "plan", "--ledger", "l.db", "--wait", "soon"], "wait-invalid"),
    ],
)
def test_bad_input_is_an_error_object_with_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], code: str
) -> None:
    exit_code, out = run(capsys, *argv)
    assert (exit_code, out["ok"], out["error"]["code"]) == (2, False, code)
    assert out["error"]["message"]


def test_an_invalid_configuration_is_config_invalid_with_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    Path("engineering-loop.toml").write_text("[budget]\nunknown_cost = 'shrug'\n")
    code, out = run(capsys, "budget", "plan")
    assert (code, out["error"]["code"]) == (2, "config-invalid")


def test_a_run_cap_under_the_minimum_is_config_invalid_naming_the_key_with_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Not a refusal on every day (a plan on a fresh day has $10 left): a mistake in the file.
    Path("engineering-loop.toml").write_text("[budget.run]\nmax_cost_usd = 0.25\n")
    code, out = run(capsys, "budget", "plan", "--now", NOW)
    assert (code, out["error"]["code"]) == (2, "config-invalid")
    message = out["error"]["message"]
    assert "budget.run.max_cost_usd = 0.25 is under budget.min_run_cost_usd" in message


def test_reserve_prints_the_reservation_and_its_budget(capsys: pytest.CaptureFixture[str]) -> None:
    out = reserve(capsys, "--labels", "loop:budget-xl")
    assert set(out) == {"ok", "reservation_id", "reserved_usd", "budget"}
    assert out["reservation_id"].startswith("rsv-")
    assert (out["reserved_usd"], out["budget"]["tier"]) == (10.0, "loop:budget-xl")


def test_reserving_past_the_daily_cost_is_refused_with_exit_3(
    capsys: pytest.CaptureFixture[str],
) -> None:
    reserve(capsys, "--labels", "loop:budget-xl")
    code, out = run(capsys, "ledger", "reserve", "--ledger", "l.db", "--run-id", "s", "--now", NOW)
    assert (code, out["error"]["code"]) == (3, "daily-cost-exhausted")


def test_reserving_past_the_daily_runs_is_refused_with_exit_3(
    capsys: pytest.CaptureFixture[str],
) -> None:
    reserve(capsys)
    first = reserve(capsys)
    code, _ = run(
        capsys, "ledger", "settle", first["reservation_id"], "--cost", "0", "--ledger", "l.db"
    )
    assert code == 0
    code, out = run(capsys, "ledger", "reserve", "--ledger", "l.db", "--run-id", "s", "--now", NOW)
    assert (code, out["error"]["code"]) == (3, "daily-runs-exhausted")


def test_planning_below_the_minimum_is_refused_with_exit_3(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # What is left of the day, not the daily cap itself, is under the minimum ($0.75 - $0.50).
    Path("engineering-loop.toml").write_text("[budget.daily]\nmax_cost_usd = 0.75\n")
    first = reserve(capsys)
    settle = ["ledger", "settle", first["reservation_id"], "--ledger", "l.db", "--now", NOW]
    assert run(capsys, *settle, "--cost", "0.5")[0] == 0
    code, out = run(capsys, "budget", "plan", "--ledger", "l.db", "--now", NOW)
    assert (code, out["error"]["code"]) == (3, "below-minimum-budget")
    assert out["daily"]["remaining_usd"] == 0.25


def test_a_daily_cap_under_the_minimum_is_config_invalid_naming_the_key_with_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Every day would otherwise refuse with below-minimum-budget: a mistake in the file.
    Path("engineering-loop.toml").write_text("[budget.daily]\nmax_cost_usd = 0.25\n")
    code, out = run(capsys, "budget", "plan", "--now", NOW)
    assert (code, out["error"]["code"]) == (2, "config-invalid")
    message = out["error"]["message"]
    assert "budget.daily.max_cost_usd = 0.25 is under budget.min_run_cost_usd = 0.5" in message
    assert "raise budget.daily.max_cost_usd to at least 0.5" in message


def test_settle_records_the_cost_once_and_replays_quietly(
    capsys: pytest.CaptureFixture[str],
) -> None:
    reservation_id = reserve(capsys)["reservation_id"]
    settle = ["ledger", "settle", reservation_id, "--ledger", "l.db", "--now", NOW]
    code, out = run(capsys, *settle, "--cost", "1.1")
    assert code == 0
    assert (out["settled_usd"], out["released_usd"], out["replayed"]) == (1.1, 3.9, False)
    code, out = run(capsys, *settle, "--cost", "1.10")
    assert (code, out["replayed"]) == (0, True)
    code, out = run(capsys, *settle, "--cost", "2")
    assert (code, out["error"]["code"]) == (3, "reservation-already-settled")


def test_settling_an_unknown_reservation_is_reservation_unknown(
    capsys: pytest.CaptureFixture[str],
) -> None:
    reserve(capsys)
    code, out = run(capsys, "ledger", "settle", "rsv-nope", "--cost", "1", "--ledger", "l.db")
    assert (code, out["error"]["code"]) == (2, "reservation-unknown")


def test_show_prints_the_day_in_the_documented_shape(capsys: pytest.CaptureFixture[str]) -> None:
    reservation_id = reserve(capsys)["reservation_id"]
    code, out = run(capsys, "ledger", "show", "--ledger", "l.db", "--now", NOW)
    assert code == 0
    assert {k: out[k] for k in ("ok", "day", "spent_usd", "reserved_usd", "runs", "stale")} == {
        "ok": True,
        "day": "2026-11-25",
        "spent_usd": 0.0,
        "reserved_usd": 5.0,
        "runs": 1,
        "stale": [],
    }
    assert out["reservations"] == [
        {
            "reservation_id": reservation_id,
            "run_id": "r",
            "day": "2026-11-25",
            "state": "reserved",
            "reserved_usd": 5.0,
            "reserved_at": "2026-11-25T12:00:00Z",
            "settled_usd": None,
            "settled_at": None,
            "stale": False,
        }
    ]


def test_a_reservation_just_before_midnight_utc_does_not_limit_the_next_day(
    capsys: pytest.CaptureFixture[str],
) -> None:
    reserve(capsys, "--labels", "loop:budget-xl", now="2026-11-25T23:59:59Z")
    code, out = run(capsys, "budget", "plan", "--ledger", "l.db", "--now", "2026-11-26T00:00:00Z")
    assert (code, out["daily"]["day"], out["daily"]["remaining_usd"]) == (0, "2026-11-26", 10.0)
    # An offset that is still the 25th in UTC counts against the 25th.
    code, out = run(
        capsys, "budget", "plan", "--ledger", "l.db", "--now", "2026-11-26T00:30:00+01:00"
    )
    assert (code, out["error"]["code"]) == (3, "daily-cost-exhausted")


EVERY_LEDGER_COMMAND = pytest.mark.parametrize(
    "argv",
    [
        ["budget", "plan", "--ledger", "l.db"],
        ["ledger", "reserve", "--ledger", "l.db", "--run-id", "r"],
        ["ledger", "settle", "rsv-1", "--cost", "1", "--ledger", "l.db"],
        ["ledger", "show", "--ledger", "l.db"],
    ],
)


@EVERY_LEDGER_COMMAND
def test_a_corrupt_ledger_is_refused_by_every_command_with_exit_3(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    Path("l.db").write_bytes(b"\x00garbage" * 512)
    code, out = run(capsys, *argv)
    assert (code, out["error"]["code"]) == (3, "ledger-unreadable")


@EVERY_LEDGER_COMMAND
def test_a_directory_at_the_ledger_path_is_refused_by_every_command_with_exit_3(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    Path("l.db").mkdir()
    code, out = run(capsys, *argv)
    assert (code, out["error"]["code"]) == (3, "ledger-unreadable")
    assert "is a directory" in out["error"]["message"]


@EVERY_LEDGER_COMMAND
def test_a_ledger_this_user_may_not_open_is_refused_by_every_command_with_exit_3(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    reserve(capsys)
    with no_permissions(Path("l.db")):
        code, out = run(capsys, *argv)
    assert (code, out["error"]["code"]) == (3, "ledger-unreadable")
    assert "may not read and write it" in out["error"]["message"]


@pytest.mark.parametrize(
    "argv",
    [
        ["ledger", "reserve", "--ledger", "l.db", "--run-id", "s", "--now", NOW],
        ["ledger", "settle", "rsv-1", "--cost", "1", "--ledger", "l.db"],
    ],
)
def test_a_ledger_held_by_another_writer_past_the_wait_is_ledger_busy_with_exit_1(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    # Neither a refusal (the books did not say no) nor a usage error: try again later.
    reserve(capsys)
    holder = sqlite3.connect("l.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        code, out = run(capsys, *argv, "--wait", "0.2")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert (code, out["ok"], out["error"]["code"]) == (1, False, "ledger-busy")
    assert "more than 0.2 s" in out["error"]["message"]
    assert run(capsys, "ledger", "show", "--ledger", "l.db", "--now", NOW)[1]["runs"] == 1
