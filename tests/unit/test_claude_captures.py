"""Claude Code's rules over the real Claude Code 2.1.332 captures, against the scripts' totals."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from domain.harness_normalise import normalise_text

FIXTURES = Path(__file__).parent.parent / "fixtures" / "harness" / "claude-real"
CAPTURES = sorted((FIXTURES / "capture").glob("*.json"))
# claude-sonnet-4-5 in Claude Code's own price table, USD per token.
INPUT_PRICE, OUTPUT_PRICE = 3e-6, 15e-6


def _capture(path: Path) -> tuple[dict[str, Any], bytes]:
    record: dict[str, Any] = json.loads(path.read_text())
    transcript = next(FIXTURES.glob(f"{path.stem}.json*"))
    return record, transcript.read_bytes()


def test_there_are_real_captures() -> None:
    assert len(CAPTURES) >= 6


@pytest.mark.parametrize("capture", CAPTURES, ids=lambda path: path.stem)
def test_report_agrees_with_what_the_scripted_server_served(capture: Path) -> None:
    record, data = _capture(capture)
    served = record["expected"]
    report = normalise_text("claude", data, record["exit_code"])
    assert report.complete
    assert report.usage.input_tokens == served["input_tokens"]
    assert report.usage.output_tokens == served["output_tokens"]
    # Every failed request but the last is retried; a final failure is the last request.
    retried = served["http_errors"] - (1 if served["assistant_replies"] == 0 else 0)
    assert report.retries == retried
    assert report.total_cost_usd is not None
    priced = served["input_tokens"] * INPUT_PRICE + served["output_tokens"] * OUTPUT_PRICE
    assert math.isclose(report.total_cost_usd, priced, abs_tol=1e-12)


def test_http_500_on_every_attempt_is_an_error_with_the_api_message() -> None:
    record, data = _capture(FIXTURES / "capture" / "stream-json-http-500-every-attempt.json")
    report = normalise_text("claude", data, None)  # the verdict without the exit code
    assert report.is_error
    assert report.error_message is not None
    assert report.error_message.startswith("API Error: 500 scripted internal server error")
    assert record["exit_code"] == 1


def test_max_turns_is_an_error_naming_the_subtype() -> None:
    _, data = _capture(FIXTURES / "capture" / "stream-json-max-turns.json")
    report = normalise_text("claude", data, None)
    assert report.error_message == (
        "claude stopped with error_max_turns: Reached maximum number of turns (1)"
    )


def test_real_stream_cut_before_its_result_is_incomplete_with_deduped_usage() -> None:
    data = (FIXTURES / "stream-json-success.jsonl").read_bytes()
    cut = data[: data.rindex(b"\n", 0, len(data) - 1) + 1]  # drop the result line
    report = normalise_text("claude", cut, None)
    assert (report.complete, report.is_error, report.total_cost_usd) == (False, True, None)
    # Two messages (the first printed on two lines): input counted once per message id.
    assert report.usage.input_tokens == 1000 + 1200
    assert report.num_turns == 2
