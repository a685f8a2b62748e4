"""The golden transcripts of the real harnesses agree with the scripts that produced them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent.parent / "fixtures" / "harness"
# Each captured folder and the retries its harness was allowed (Pi's default 3; Claude Code
# ran with CLAUDE_CODE_MAX_RETRIES=1).
CAPTURED = {"pi": 3, "claude-real": 1}
CAPTURES = sorted(
    capture for folder in CAPTURED for capture in (FIXTURES / folder / "capture").glob("*.json")
)


def _load(path: Path) -> dict[str, object]:
    data = json.loads(path.read_text())
    assert isinstance(data, dict)
    return data


def _id(capture: Path) -> str:
    return f"{capture.parent.parent.name}/{capture.stem}"


def test_every_capture_has_a_transcript_and_a_reviewed_report() -> None:
    for folder in CAPTURED:
        captures = list((FIXTURES / folder / "capture").glob("*.json"))
        assert len(captures) >= 4, folder
        for capture in captures:
            assert (FIXTURES / folder / f"{capture.stem}.jsonl").is_file()
            assert (FIXTURES / folder / f"{capture.stem}.expected.json").is_file()


@pytest.mark.parametrize("capture", CAPTURES, ids=_id)
def test_reviewed_report_matches_the_scripted_totals(capture: Path) -> None:
    folder = capture.parent.parent
    meta = _load(capture)
    script = meta["expected"]
    assert isinstance(script, dict)
    expected = _load(folder / f"{capture.stem}.expected.json")
    report = expected["report"]
    assert isinstance(report, dict)
    assert expected["exit_code"] == meta["exit_code"]
    assert report["usage"]["input_tokens"] == script["input_tokens"]
    assert report["usage"]["output_tokens"] == script["output_tokens"]
    assert report["retries"] == min(script["http_errors"], CAPTURED[folder.name])
    # A run the loop stopped (cost cap, wall clock) never finished, whatever it had done so far.
    run = meta.get("run_harness")
    stopped = isinstance(run, dict) and run["stopped_by"] is not None
    assert report["is_error"] == (script["assistant_replies"] == 0 or stopped)
    if not report["is_error"] or (stopped and script["assistant_replies"]):
        assert report["total_cost_usd"] == pytest.approx(script["total_cost_usd"])


@pytest.mark.parametrize("capture", CAPTURES, ids=_id)
def test_transcript_holds_nothing_machine_specific(capture: Path) -> None:
    text = (capture.parent.parent / f"{capture.stem}.jsonl").read_text()
    assert str(Path(__file__).resolve().parents[2]) not in text
    # tempfile's random part: eight characters of [a-z0-9_] after the prefix.
    assert not re.search(r"fixture-[a-z0-9_]{8}", text)
    assert "127.0.0.1:8080" in text or "127.0.0.1:" not in text
