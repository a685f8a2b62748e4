"""The library API: `Result` values, the report on success, stable error codes otherwise."""

from __future__ import annotations

import json
from pathlib import Path

from entrypoints.api import normalise_harness_bytes, normalise_harness_output
from tests import pi_events as pi
from tests.fake_line_source import FakeLineSource

SUCCESS = pi.jsonl([pi.header(), *pi.attempt(pi.assistant("Hi.", cost=0.5))])


def test_output_is_streamed_from_the_source_into_a_report() -> None:
    source = FakeLineSource({"run.jsonl": SUCCESS})
    report = normalise_harness_output("pi", "run.jsonl", exit_code=0, source=source).unwrap()
    assert (report.is_error, report.total_cost_usd, report.result_text) == (False, 0.5, "Hi.")


def test_stdin_is_read_when_the_path_is_none() -> None:
    source = FakeLineSource(stdin=SUCCESS)
    assert normalise_harness_output("pi", None, source=source).unwrap().complete


def test_failed_run_is_still_a_success_value_whose_report_says_error() -> None:
    source = FakeLineSource({"run.jsonl": SUCCESS})
    report = normalise_harness_output("pi", "run.jsonl", exit_code=1, source=source).unwrap()
    assert report.is_error


def test_missing_input_is_input_missing() -> None:
    result = normalise_harness_output("pi", "gone.jsonl", source=FakeLineSource())
    assert result.failure().code == "input-missing"


def test_unknown_harness_is_unknown_harness_and_reads_nothing() -> None:
    result = normalise_harness_output("aider", "gone.jsonl", source=FakeLineSource())
    error = result.failure()
    assert error.code == "unknown-harness"
    assert "pi, claude, codex" in error.message


def test_default_source_reads_real_files(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    path.write_bytes(SUCCESS)
    assert normalise_harness_output("pi", str(path)).unwrap().complete


def test_bytes_in_memory_are_normalised_too() -> None:
    assert normalise_harness_bytes("pi", SUCCESS, exit_code=0).unwrap().complete
    assert normalise_harness_bytes("nope", SUCCESS).failure().code == "unknown-harness"


def test_a_pretty_printed_document_is_streamed_as_one_value() -> None:
    document = [pi.header(), *pi.attempt(pi.assistant("Hi.", cost=0.5))]
    source = FakeLineSource({"run.json": json.dumps(document, indent=2).encode()})
    report = normalise_harness_output("pi", "run.json", exit_code=0, source=source).unwrap()
    assert (report.complete, report.is_error, report.result_text) == (True, False, "Hi.")
    assert report.malformed_lines == 0
