"""Codex's rules over the real Codex CLI 0.169.0 captures, against the scripts' totals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from domain.harness.normalise import normalise_text
from domain.harness.report import HarnessReport

FIXTURES = Path(__file__).parent.parent / "fixtures" / "harness" / "codex-real"
CAPTURES = sorted((FIXTURES / "capture").glob("*.json"))


def _capture(name: str) -> tuple[dict[str, Any], bytes]:
    record: dict[str, Any] = json.loads((FIXTURES / "capture" / f"{name}.json").read_text())
    return record, (FIXTURES / f"{name}.jsonl").read_bytes()


def _report(name: str, exit_code: int | None) -> HarnessReport:
    return normalise_text("codex", _capture(name)[1], exit_code)


def test_there_are_real_captures() -> None:
    assert len(CAPTURES) >= 5


@pytest.mark.parametrize("capture", CAPTURES, ids=lambda path: path.stem)
def test_usage_is_the_threads_total_with_cached_input_split_out(capture: Path) -> None:
    record, data = _capture(capture.stem)
    served = record["expected"]
    report = normalise_text("codex", data, record["exit_code"])
    assert report.complete
    cached = served["thread_cached_input_tokens"]
    assert report.usage.cache_read_tokens == cached
    assert report.usage.input_tokens == served["thread_input_tokens"] - cached
    assert report.usage.output_tokens == served["thread_output_tokens"]
    assert (report.total_cost_usd, report.cost_reported) == (None, False)


def test_resumed_run_reports_the_whole_thread_not_its_own_share() -> None:
    report = _report("exec-resume-second-turn", 0)
    # 1000 input tokens of the first run plus 3000 of this one; 600 + 2000 of them cached.
    assert (report.usage.input_tokens, report.usage.cache_read_tokens) == (4000 - 2600, 2600)


def test_http_500_every_attempt_fails_from_the_stream_alone() -> None:
    report = _report("exec-http-500-every-attempt", None)
    assert (report.complete, report.is_error, report.retries) == (True, True, 1)
    assert report.error_message is not None
    assert "high demand" in report.error_message


def test_http_500_then_success_is_a_success() -> None:
    report = _report("exec-http-500-then-success", 0)
    assert (report.is_error, report.result_text) == (False, "Hello.")


def test_model_metadata_error_item_is_not_fatal() -> None:
    report = _report("exec-success", 0)
    assert (report.is_error, report.malformed_lines, report.unknown_events) == (False, 0, 0)


def test_real_stream_cut_before_turn_completed_is_incomplete() -> None:
    data = _capture("exec-command-then-answer")[1]
    cut = data[: data.index(b'{"type":"turn.completed"')]
    report = normalise_text("codex", cut, None)
    assert (report.complete, report.is_error, report.usage.output_tokens) == (False, True, 0)
