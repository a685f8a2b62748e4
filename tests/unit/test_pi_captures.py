"""The real-Pi golden transcripts agree with the scripts that produced them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent.parent / "fixtures" / "harness" / "pi"
CAPTURES = sorted((FIXTURES / "capture").glob("*.json"))


def _load(path: Path) -> dict[str, object]:
    data = json.loads(path.read_text())
    assert isinstance(data, dict)
    return data


def test_every_capture_has_a_transcript_and_a_reviewed_report() -> None:
    assert len(CAPTURES) >= 4
    for capture in CAPTURES:
        assert (FIXTURES / f"{capture.stem}.jsonl").is_file()
        assert (FIXTURES / f"{capture.stem}.expected.json").is_file()


@pytest.mark.parametrize("capture", CAPTURES, ids=lambda p: p.stem)
def test_reviewed_report_matches_the_scripted_totals(capture: Path) -> None:
    meta = _load(capture)
    script = meta["expected"]
    assert isinstance(script, dict)
    expected = _load(FIXTURES / f"{capture.stem}.expected.json")
    report = expected["report"]
    assert isinstance(report, dict)
    assert expected["exit_code"] == meta["exit_code"]
    assert report["usage"]["input_tokens"] == script["input_tokens"]
    assert report["usage"]["output_tokens"] == script["output_tokens"]
    # Pi's default: 3 retries after the first failure.
    assert report["retries"] == min(script["http_errors"], 3)
    assert report["is_error"] == (script["assistant_replies"] == 0)
    if meta["exit_code"] == 0:
        assert report["total_cost_usd"] == pytest.approx(script["total_cost_usd"])


@pytest.mark.parametrize("capture", CAPTURES, ids=lambda p: p.stem)
def test_transcript_holds_nothing_machine_specific(capture: Path) -> None:
    text = (FIXTURES / f"{capture.stem}.jsonl").read_text()
    repo_root = str(Path(__file__).resolve().parents[2])
    assert repo_root not in text
    assert "/tmp/pi-fixture-" not in text
    assert text.startswith('{"type":"session","version":3,"id":"00000000-')
