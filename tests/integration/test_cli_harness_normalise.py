"""`engineering-loop harness normalise`, in-process and as the installed command."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

from domain.harness.report import HarnessReport
from entrypoints.cli.main import main
from tests import pi_events as pi

FIXTURES = Path(__file__).parent.parent / "fixtures" / "harness"
SUCCESS = FIXTURES / "pi-handwritten" / "success-two-turns.jsonl"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    code = main(["harness", "normalise", *argv])
    out = capsys.readouterr().out
    payload: dict[str, object] = json.loads(out)
    return code, payload


def test_prints_the_report_of_a_file_and_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    code, payload = run_cli(capsys, "--harness", "pi", str(SUCCESS))
    assert code == 0
    report = msgspec.convert(payload, HarnessReport)
    assert (report.complete, report.is_error, report.total_cost_usd) == (True, False, 0.0065)


def test_failed_run_still_exits_zero_with_is_error(capsys: pytest.CaptureFixture[str]) -> None:
    path = FIXTURES / "pi-handwritten" / "http500-every-attempt.jsonl"
    code, payload = run_cli(capsys, "--harness", "pi", "--exit-code", "0", str(path))
    assert (code, payload["is_error"]) == (0, True)


def test_exit_code_option_reaches_the_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    code, payload = run_cli(capsys, "--harness", "pi", "--exit-code", "3", str(SUCCESS))
    assert (code, payload["is_error"], payload["error_message"]) == (
        0,
        True,
        "pi exited with code 3",
    )


def test_dash_reads_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(SUCCESS.read_bytes())))
    code, payload = run_cli(capsys, "--harness", "pi", "-")
    assert (code, payload["complete"]) == (0, True)


def test_missing_file_exits_two_with_input_missing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, payload = run_cli(capsys, "--harness", "codex", str(tmp_path / "nope.jsonl"))
    assert code == 2
    assert payload == {
        "ok": False,
        "error": {
            "code": "input-missing",
            "message": f"no file at {tmp_path / 'nope.jsonl'}; pass an existing transcript "
            "file, or - for stdin.",
        },
    }


def test_directory_exits_two_with_input_unreadable(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, payload = run_cli(capsys, "--harness", "claude", str(tmp_path))
    assert code == 2
    assert payload["error"] == {
        "code": "input-unreadable",
        "message": f"cannot read {tmp_path}: Is a directory; check the path and its permissions.",
    }


def test_unknown_harness_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["harness", "normalise", "--harness", "aider", str(SUCCESS)])
    assert exit_info.value.code == 2
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "usage-error"


def test_an_assistant_message_whose_cost_is_null_leaves_the_cost_unknown_and_the_run_failed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # JavaScript prints a NaN cost as null: the decoder rejects the message_end, and the run
    # used to read as the earlier message's success at its cost.
    failed = pi.assistant(None, stop="error", error="HTTP 500", cost=0.02)
    failed["usage"]["cost"]["total"] = None
    events = [
        pi.header(),
        pi.agent_start(),
        {"type": "message_end", "message": pi.assistant("Done.", cost=0.01)},
        {"type": "message_end", "message": failed},
        pi.agent_end([]),
    ]
    path = tmp_path / "nan-cost.jsonl"
    path.write_bytes(pi.jsonl(events))
    code, payload = run_cli(capsys, "--harness", "pi", "--exit-code", "0", str(path))
    assert code == 0
    assert (payload["is_error"], payload["total_cost_usd"], payload["cost_reported"]) == (
        True,
        None,
        False,
    )
    assert payload["malformed_lines"] == 1


# The command's own peak: VmHWM belongs to the process's memory since its exec, whereas
# ru_maxrss keeps the peak of the (large) pytest process it was forked from.
_MEASURED_MAIN = """
import sys
from entrypoints.cli.main import main
code = main(sys.argv[1:])
with open("/proc/self/status") as status:
    peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
sys.stderr.write(f"maxrss_kib={peak}")
raise SystemExit(code)
"""


def test_command_streams_a_large_transcript_in_bounded_memory(tmp_path: Path) -> None:
    # 128 MB of turns, more than the command may use: holding the file or its lines would show.
    turn = pi.jsonl(pi.turn(pi.assistant("x" * 2000, stop="toolUse", tool_call=True), tools=True))
    turns = 128 * 1024 * 1024 // len(turn)
    path = tmp_path / "big.jsonl"
    with path.open("wb") as handle:
        handle.write(pi.jsonl([pi.header(), pi.agent_start()]))
        for _ in range(turns):
            handle.write(turn)
        handle.write(pi.jsonl([pi.agent_end([])]))
    argv = ["harness", "normalise", "--harness", "pi", str(path)]
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED_MAIN, *argv], capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr
    report = msgspec.json.decode(done.stdout, type=HarnessReport)
    assert (report.complete, report.num_turns) == (True, turns)
    peak_kib = int(done.stderr.decode().rsplit("maxrss_kib=", 1)[1])
    assert peak_kib < 100 * 1024, f"peak RSS {peak_kib} KiB"


def _agent_end_repeating(replies: list[pi.Event], count: int) -> bytes:
    """Pi's final agent_end of a long run: it repeats every message, here `count` of them."""
    body = b",".join(json.dumps(reply, separators=(",", ":")).encode() for reply in replies)
    return b'{"type":"agent_end","messages":[' + b",".join([body] * count) + b"]}\n"


def test_a_final_agent_end_of_many_megabytes_ends_the_run_in_bounded_memory(
    tmp_path: Path,
) -> None:
    reply = pi.assistant("x" * 2000, stop="toolUse", tool_call=True, cost=0.001)
    turn = pi.jsonl(pi.turn(reply, tools=True))
    path = tmp_path / "long-run.jsonl"
    with path.open("wb") as handle:
        handle.write(pi.jsonl([pi.header(), pi.agent_start()]))
        for _ in range(500):
            handle.write(turn)
        handle.write(pi.jsonl(pi.turn(pi.assistant("Done.", cost=0.001))))
        # 150 MB on one line: far past the line limit and the 100 MB memory target.
        handle.write(_agent_end_repeating([reply, pi.tool_result()], 60_000))
    assert path.stat().st_size > 150 * 1024 * 1024
    argv = ["harness", "normalise", "--harness", "pi", "--exit-code", "0", str(path)]
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED_MAIN, *argv], capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr
    report = msgspec.json.decode(done.stdout, type=HarnessReport)
    assert (report.complete, report.is_error, report.result_text) == (True, False, "Done.")
    assert (report.total_cost_usd, report.long_lines, report.malformed_lines) == (0.501, 1, 0)
    peak_kib = int(done.stderr.decode().rsplit("maxrss_kib=", 1)[1])
    assert peak_kib < 100 * 1024, f"peak RSS {peak_kib} KiB"


def test_claude_result_too_long_to_show_its_cost_prints_an_unknown_cost(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    result = {
        "type": "result",
        "subtype": "success",
        "is_error": False,
        "result": "r" * (5 * 1024 * 1024),  # the final answer, past the line limit
        "total_cost_usd": 0.5,
        "permission_denials": [{"tool_name": "Bash", "tool_input": {"command": "x" * 100}}] * 500,
    }
    path = tmp_path / "claude.jsonl"
    path.write_bytes(b'{"type":"system","subtype":"init"}\n' + json.dumps(result).encode() + b"\n")
    code, payload = run_cli(capsys, "--harness", "claude", "--exit-code", "0", str(path))
    assert code == 0
    assert (payload["complete"], payload["is_error"], payload["long_lines"]) == (True, False, 1)
    # The cost lies in the part of the line that was not kept: unknown, never zero.
    assert (payload["total_cost_usd"], payload["cost_reported"]) == (None, False)


def test_a_member_printed_twice_on_an_overlong_line_takes_its_last_value(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # As msgspec reads a short line: the is_error in the tail (true) wins over the head's.
    big = json.dumps("r" * (5 * 1024 * 1024))
    line = (
        '{"type":"result","is_error":false,"subtype":"success","total_cost_usd":0.5,'
        f'"result":{big},"is_error":true}}'
    )
    path = tmp_path / "claude.jsonl"
    path.write_text('{"type":"system","subtype":"init"}\n' + line + "\n")
    code, payload = run_cli(capsys, "--harness", "claude", "--exit-code", "0", str(path))
    assert code == 0
    assert (payload["complete"], payload["is_error"], payload["long_lines"]) == (True, True, 1)


def test_will_retry_between_two_big_arrays_of_an_overlong_agent_end_is_not_taken_as_absent(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Both kept ends stop inside an array, as if the line held `messages` alone; the scan of
    # the bytes between them saw willRetry pass.
    reply = pi.assistant("x" * 2000, stop="toolUse", tool_call=True)
    messages = b",".join([json.dumps(reply, separators=(",", ":")).encode()] * 2500)
    agent_end = (
        b'{"type":"agent_end","messages":['
        + messages
        + b'],"willRetry":true,"extra":['
        + messages
        + b"]}\n"
    )
    path = tmp_path / "hidden-retry.jsonl"
    head = [pi.header(), pi.agent_start(), *pi.message(pi.assistant("Done.", cost=0.25))]
    path.write_bytes(pi.jsonl(head) + agent_end)
    code, payload = run_cli(capsys, "--harness", "pi", "--exit-code", "0", str(path))
    assert code == 0
    assert (payload["complete"], payload["is_error"], payload["long_lines"]) == (False, True, 1)


def _priced_events(count: int) -> list[pi.Event]:
    reply = pi.assistant("x" * 2000, stop="toolUse", tool_call=True, cost=0.001)
    return (
        [pi.header(), pi.agent_start()]
        + [event for _ in range(count) for event in pi.turn(reply)]
        + [*pi.turn(pi.assistant("Done.", cost=0.001)), pi.agent_end([])]
    )


def test_priced_messages_in_the_unkept_middle_of_an_overlong_array_make_the_cost_unknown(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # They used to vanish: the cost summed only the elements in the 32 KiB ends.
    path = tmp_path / "array.json"
    path.write_bytes(json.dumps(_priced_events(600), separators=(",", ":")).encode() + b"\n")
    assert path.stat().st_size > 4 * 1024 * 1024
    code, payload = run_cli(capsys, "--harness", "pi", "--exit-code", "0", str(path))
    assert code == 0
    assert (payload["total_cost_usd"], payload["cost_reported"], payload["is_error"]) == (
        None,
        False,
        True,
    )


def test_a_pretty_printed_array_past_the_line_limit_leaves_the_cost_of_its_middle_unknown(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "pretty.json"
    path.write_text(json.dumps(_priced_events(600), indent=2) + "\n")
    assert path.stat().st_size > 4 * 1024 * 1024
    code, payload = run_cli(capsys, "--harness", "pi", "--exit-code", "0", str(path))
    assert code == 0
    assert (payload["total_cost_usd"], payload["is_error"], payload["long_lines"]) == (
        None,
        True,
        1,
    )


# -- one JSON value over many lines (`json` output, pretty-printed), read as it streams

CLAUDE_FORMATS = FIXTURES / "claude-formats"


def _expected(name: str) -> HarnessReport:
    expected = json.loads((CLAUDE_FORMATS / f"{name}.expected.json").read_text())
    return msgspec.convert(expected["report"], HarnessReport)


def test_pretty_printed_result_object_is_read_as_one_event(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Each physical line used to be read as an event: nothing completed, all lines malformed.
    document = json.loads((CLAUDE_FORMATS / "json-success.json").read_bytes())
    path = tmp_path / "result.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    code, payload = run_cli(capsys, "--harness", "claude", "--exit-code", "0", str(path))
    assert code == 0
    assert msgspec.convert(payload, HarnessReport) == _expected("json-success")


def test_a_second_pretty_printed_result_is_read_and_decides(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Two `json` outputs pretty-printed into one file (a resumed run): the last result wins, as
    # it does in stream-json; its lines used to be malformed and the first result decided.
    first = json.loads((CLAUDE_FORMATS / "json-success.json").read_bytes())
    second = {**first, "is_error": True, "result": "API Error: 500", "total_cost_usd": 9.5}
    path = tmp_path / "two.json"
    path.write_text(json.dumps(first, indent=2) + "\n" + json.dumps(second, indent=2) + "\n")
    code, payload = run_cli(capsys, "--harness", "claude", "--exit-code", "0", str(path))
    assert code == 0
    assert (payload["is_error"], payload["total_cost_usd"], payload["malformed_lines"]) == (
        True,
        9.5,
        0,
    )


def test_pretty_printed_verbose_array_on_stdin_is_read_event_by_event(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    document = json.loads((CLAUDE_FORMATS / "json-verbose-success.json").read_bytes())
    pretty = json.dumps(document, indent=4).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(pretty)))
    code, payload = run_cli(capsys, "--harness", "claude", "--exit-code", "0", "-")
    assert code == 0
    assert msgspec.convert(payload, HarnessReport) == _expected("json-verbose-success")


def test_pretty_printed_document_past_the_line_limit_is_read_in_bounded_memory(
    tmp_path: Path,
) -> None:
    # A long --verbose run pretty-printed: 120 MB over many lines, the result at its end.
    document = json.loads((CLAUDE_FORMATS / "json-verbose-success.json").read_bytes())
    *events, result = document
    filler = {"type": "user", "message": {"role": "user", "content": "u" * 1000}}
    path = tmp_path / "long.json"
    with path.open("w") as handle:
        handle.write("[\n")
        for event in events:
            handle.write(json.dumps(event, indent=2) + ",\n")
        chunk = (json.dumps(filler, indent=2) + ",\n") * 1000
        for _ in range(120):
            handle.write(chunk)
        handle.write(json.dumps(result, indent=2) + "\n]\n")
    assert path.stat().st_size > 120 * 1024 * 1024
    argv = ["harness", "normalise", "--harness", "claude", "--exit-code", "0", str(path)]
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED_MAIN, *argv], capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr
    report = msgspec.json.decode(done.stdout, type=HarnessReport)
    assert (report.complete, report.is_error) == (True, False)
    assert report.total_cost_usd == _expected("json-verbose-success").total_cost_usd
    assert (report.long_lines, report.malformed_lines) == (1, 0)
    peak_kib = int(done.stderr.decode().rsplit("maxrss_kib=", 1)[1])
    assert peak_kib < 100 * 1024, f"peak RSS {peak_kib} KiB"
