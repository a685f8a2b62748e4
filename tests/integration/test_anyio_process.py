"""The anyio process adapter against real programs (python3, sh)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import anyio

from adapters.anyio_process import AnyioProcessRunner
from domain.text.bounded_lines import Line
from ports.process import LineVerdict, ProcessRequest, ProcessResult

ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}


def run(argv: list[str], cwd: Path, **kw: object) -> ProcessResult:
    request = ProcessRequest(argv=tuple(argv), cwd=str(cwd), env=ENV, timeout_s=10, **kw)  # type: ignore[arg-type]
    return anyio.run(AnyioProcessRunner().run, request)


def test_exit_code_and_output_are_reported(tmp_path: Path) -> None:
    result = run([sys.executable, "-c", "import sys; print('hi'); sys.exit(3)"], tmp_path)
    assert (result.status, result.exit_code, result.stdout) == ("exited", 3, "hi\n")


def test_missing_executable_is_not_found_127(tmp_path: Path) -> None:
    result = run(["definitely-not-a-program-xyz"], tmp_path)
    assert (result.status, result.exit_code) == ("not-found", 127)


def test_non_executable_file_is_126(tmp_path: Path) -> None:
    script = tmp_path / "script.sh"
    script.write_text("echo hi\n")
    result = run([str(script)], tmp_path)
    assert (result.status, result.exit_code) == ("not-executable", 126)


def test_missing_cwd_is_not_found(tmp_path: Path) -> None:
    result = run(["true"], tmp_path / "nope")
    assert result.status == "not-found"


def test_child_sees_only_the_explicit_environment(tmp_path: Path) -> None:
    os.environ["ENGINEERING_LOOP_TEST_SECRET"] = "leak"
    try:
        result = run([sys.executable, "-c", "import os; print(sorted(os.environ))"], tmp_path)
    finally:
        del os.environ["ENGINEERING_LOOP_TEST_SECRET"]
    assert "ENGINEERING_LOOP_TEST_SECRET" not in result.stdout
    assert "'PATH'" in result.stdout


def test_stdin_is_closed(tmp_path: Path) -> None:
    result = run([sys.executable, "-c", "import sys; print(repr(sys.stdin.read()))"], tmp_path)
    assert result.stdout == "''\n"


def test_stdin_can_come_from_a_file(tmp_path: Path) -> None:
    prompt = tmp_path / "prompt.txt"
    prompt.write_text("x" * 300_000)
    code = "import sys; print(len(sys.stdin.read()))"
    result = run([sys.executable, "-c", code], tmp_path, stdin_path=str(prompt))
    assert result.stdout == "300000\n"


def test_capture_keeps_head_and_tail(tmp_path: Path) -> None:
    code = "print('HEAD' + 'x' * 100000 + 'TAIL')"
    result = run([sys.executable, "-c", code], tmp_path, capture_limit_bytes=1000)
    assert result.stdout_truncated
    assert result.stdout.startswith("HEAD")
    assert result.stdout.rstrip().endswith("TAIL")
    assert "bytes omitted" in result.stdout
    assert len(result.stdout) < 1200


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    marker = tmp_path / "grandchild-alive"
    # The child starts a grandchild that would write the marker after 3 s, then sleeps.
    script = f"(sleep 3; touch {marker}) & sleep 30"
    started = time.monotonic()
    request = ProcessRequest(argv=("sh", "-c", script), cwd=str(tmp_path), env=ENV, timeout_s=0.5)
    result = anyio.run(AnyioProcessRunner().run, request)
    assert result.status == "timed-out"
    assert time.monotonic() - started < 10
    time.sleep(3.5)
    assert not marker.exists()


def test_stream_feeds_lines_and_keeps_the_transcript(tmp_path: Path) -> None:
    seen: list[Line] = []

    def on_line(line: Line) -> LineVerdict:
        seen.append(line)
        return "continue"

    transcript = tmp_path / "transcript.jsonl"
    code = "import sys; sys.stdout.write('a\\r\\nb\\u2028c\\nlast')"
    request = ProcessRequest(
        argv=(sys.executable, "-c", code), cwd=str(tmp_path), env=ENV, timeout_s=10
    )
    result = anyio.run(AnyioProcessRunner().stream, request, on_line, str(transcript))
    assert result.status == "exited"
    assert seen == [b"a\r", "b\u2028c".encode(), b"last"]
    assert transcript.read_bytes() == "a\r\nb\u2028c\nlast".encode()


def test_stream_stop_kills_the_process(tmp_path: Path) -> None:
    def on_line(line: Line) -> LineVerdict:
        return "stop" if line == b"2" else "continue"

    code = "import time\nfor i in range(100):\n    print(i, flush=True); time.sleep(0.05)"
    request = ProcessRequest(
        argv=(sys.executable, "-c", code), cwd=str(tmp_path), env=ENV, timeout_s=30
    )
    started = time.monotonic()
    result = anyio.run(AnyioProcessRunner().stream, request, on_line, None)
    assert result.status == "stopped"
    assert time.monotonic() - started < 4
    assert result.stdout.startswith("0\n1\n2\n")
