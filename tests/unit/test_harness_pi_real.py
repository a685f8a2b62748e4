"""Pi's rules over the real Pi 0.73.1 captures (tests/fixtures/harness/pi, from harness-pi)."""

from __future__ import annotations

import json
import math
from pathlib import Path

from domain.harness.normalise import normalise_text
from domain.harness.report import HarnessReport

CAPTURES = Path(__file__).parent.parent / "fixtures" / "harness" / "pi"


def report_of(name: str, exit_code: int) -> HarnessReport:
    return normalise_text("pi", (CAPTURES / f"{name}.jsonl").read_bytes(), exit_code)


def assistant_costs(name: str) -> list[float]:
    """Costs of assistant message_end events, read with the standard json module."""
    costs = []
    for line in (CAPTURES / f"{name}.jsonl").read_text().splitlines():
        event = json.loads(line)
        if event["type"] == "message_end" and event["message"]["role"] == "assistant":
            costs.append(event["message"]["usage"]["cost"]["total"])
    return costs


def test_real_multi_turn_cost_is_the_sum_of_every_message_not_the_last() -> None:
    costs = assistant_costs("multi-turn")
    report = report_of("multi-turn", 0)
    assert len(costs) == 4
    assert report.total_cost_usd is not None
    assert math.isclose(report.total_cost_usd, math.fsum(costs), abs_tol=1e-12)
    assert report.total_cost_usd > costs[-1]
    assert report.num_turns == 4


def test_real_http_500_on_every_attempt_fails_although_pi_exits_zero() -> None:
    report = report_of("http-500-every-attempt", 0)
    assert (report.complete, report.is_error, report.retries) == (True, True, 3)
    assert report.error_message == "500 scripted internal server error"


def test_real_http_500_then_success_succeeds_with_one_retry() -> None:
    report = report_of("http-500-then-success", 0)
    assert (report.complete, report.is_error, report.retries) == (True, False, 1)


def test_real_startup_failure_prints_only_the_header_and_fails() -> None:
    report = report_of("startup-no-api-key", 1)
    assert (report.complete, report.is_error, report.num_turns) == (False, True, 0)


def test_real_success_cut_before_agent_end_is_incomplete() -> None:
    data = (CAPTURES / "success-write.jsonl").read_bytes()
    cut = data[: data.rindex(b'{"type":"agent_end"')]
    report = normalise_text("pi", cut, 0)
    assert (report.complete, report.is_error) == (False, True)
