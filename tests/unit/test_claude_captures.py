"""Claude Code's rules over the real Claude Code 2.1.332 captures.

`claude-formats/` (json, json --verbose, --max-turns) is checked here against the totals its
script served; `claude-real/` (stream-json runs, from harness-pi) is checked against its script
by `test_real_captures.py`, and here for the rules it shows.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from domain.harness.normalise import normalise_text

HARNESS = Path(__file__).parent.parent / "fixtures" / "harness"
FORMATS = HARNESS / "claude-formats"
REAL = HARNESS / "claude-real"
CAPTURES = sorted((FORMATS / "capture").glob("*.json"))
# claude-sonnet-4-5 in Claude Code's own price table, USD per token.
INPUT_PRICE, OUTPUT_PRICE = 3e-6, 15e-6


def _capture(path: Path) -> tuple[dict[str, Any], bytes]:
    record: dict[str, Any] = json.loads(path.read_text())
    transcript = next(FORMATS.glob(f"{path.stem}.json*"))
    return record, transcript.read_bytes()


def test_there_are_real_captures_of_the_other_forms() -> None:
    assert [path.stem for path in CAPTURES] == [
        "json-success",
        "json-verbose-success",
        "stream-json-max-turns",
    ]


@pytest.mark.parametrize("capture", CAPTURES, ids=lambda path: path.stem)
def test_report_agrees_with_what_the_scripted_server_served(capture: Path) -> None:
    record, data = _capture(capture)
    served = record["expected"]
    report = normalise_text("claude", data, record["exit_code"])
    assert report.complete
    assert report.usage.input_tokens == served["input_tokens"]
    assert report.usage.output_tokens == served["output_tokens"]
    assert report.total_cost_usd is not None
    priced = served["input_tokens"] * INPUT_PRICE + served["output_tokens"] * OUTPUT_PRICE
    assert math.isclose(report.total_cost_usd, priced, abs_tol=1e-12)


def test_json_and_its_verbose_array_form_read_the_same_as_stream_json() -> None:
    single = normalise_text("claude", (FORMATS / "json-success.json").read_bytes(), 0)
    verbose = normalise_text("claude", (FORMATS / "json-verbose-success.json").read_bytes(), 0)
    assert (single.is_error, verbose.is_error) == (False, False)
    assert single.usage == verbose.usage
    assert single.total_cost_usd == verbose.total_cost_usd
    assert (single.result_text, verbose.result_text) == ("Created hello.txt.", "Created hello.txt.")


def test_max_turns_is_an_error_naming_the_subtype_even_without_the_exit_code() -> None:
    _, data = _capture(FORMATS / "capture" / "stream-json-max-turns.json")
    report = normalise_text("claude", data, None)
    assert report.error_message == (
        "claude stopped with error_max_turns: Reached maximum number of turns (1)"
    )


def test_real_http_500_on_every_attempt_is_an_error_with_the_api_message() -> None:
    report = normalise_text("claude", (REAL / "http-500-every-attempt.jsonl").read_bytes(), None)
    assert report.is_error
    assert report.error_message is not None
    assert report.error_message.startswith("API Error: 500 scripted internal server error")


def test_real_stream_cut_before_its_result_is_incomplete_with_deduped_usage() -> None:
    data = (REAL / "success-write.jsonl").read_bytes()
    cut = data[: data.rindex(b"\n", 0, len(data) - 1) + 1]  # drop the result line
    report = normalise_text("claude", cut, None)
    assert (report.complete, report.is_error, report.total_cost_usd) == (False, True, None)
    # Two messages, the first printed on two lines: input counted once per message id.
    assert report.usage.input_tokens == 1200 + 1300
    assert report.num_turns == 2
