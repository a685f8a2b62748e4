"""The same contract for `AnyioProcessRunner` (real programs) and `FakeProcessRunner`."""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest

from adapters.anyio_process import AnyioProcessRunner
from domain.text.bounded_lines import LONG_LINE_KEEP_BYTES, MAX_LINE_BYTES, Line, LongLine
from domain.text.json_middle import Middle
from ports.process import LineVerdict, ProcessRequest, ProcessResult, ProcessRunner
from tests.fakes.process import FakeProcessRunner, exits, hangs

ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
_names = itertools.count()

# Given stdout, stderr, an exit code and whether the program then hangs, returns its argv.
Program = Callable[[bytes, bytes, int, bool], tuple[str, ...]]
# Given stdout: a program that prints it, then ignores SIGTERM and never ends.
Stubborn = Callable[[bytes], tuple[str, ...]]


class Rig:
    """A runner and a way to make programs it can run."""

    def __init__(
        self, runner: ProcessRunner, program: Program, stubborn: Stubborn, cwd: Path
    ) -> None:
        self.runner = runner
        self.program = program
        self.stubborn = stubborn
        self.cwd = cwd

    def request(
        self, argv: tuple[str, ...], timeout_s: float, stop_grace_s: float = 0.0
    ) -> ProcessRequest:
        return ProcessRequest(
            argv=argv, cwd=str(self.cwd), env=ENV, timeout_s=timeout_s, stop_grace_s=stop_grace_s
        )

    def run(self, argv: tuple[str, ...], timeout_s: float = 20.0) -> ProcessResult:
        return anyio.run(self.runner.run, self.request(argv, timeout_s))

    def stream(
        self,
        argv: tuple[str, ...],
        stop_at: int | None = None,
        transcript: str | None = None,
        timeout_s: float = 20.0,
        stop_grace_s: float = 0.0,
    ) -> tuple[ProcessResult, list[Line]]:
        seen: list[Line] = []

        def on_line(line: Line) -> LineVerdict:
            seen.append(line)
            return "stop" if stop_at is not None and len(seen) >= stop_at else "continue"

        request = self.request(argv, timeout_s, stop_grace_s)
        result = anyio.run(self.runner.stream, request, on_line, transcript)
        return result, seen


def _real(tmp_path: Path) -> Rig:
    def program(stdout: bytes, stderr: bytes, exit_code: int, hang: bool) -> tuple[str, ...]:
        # The output goes through a file: a long one would not fit in an argv string.
        out = tmp_path / f"stdout-{next(_names)}"
        out.write_bytes(stdout)
        code = (
            "import sys, time\n"
            f"sys.stdout.buffer.write(open({str(out)!r}, 'rb').read()); sys.stdout.flush()\n"
            f"sys.stderr.buffer.write({stderr!r}); sys.stderr.flush()\n"
            f"{'time.sleep(600)' if hang else ''}\n"
            f"sys.exit({exit_code})\n"
        )
        return (sys.executable, "-c", code)

    def stubborn(stdout: bytes) -> tuple[str, ...]:
        code = (
            "import signal, sys, time\n"
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            f"sys.stdout.buffer.write({stdout!r}); sys.stdout.flush()\n"
            "time.sleep(600)\n"
        )
        return (sys.executable, "-c", code)

    return Rig(AnyioProcessRunner(), program, stubborn, tmp_path)


def _fake(tmp_path: Path) -> Rig:
    runner = FakeProcessRunner()

    def program(stdout: bytes, stderr: bytes, exit_code: int, hang: bool) -> tuple[str, ...]:
        name = f"program-{next(_names)}"
        result = (
            hangs(stdout.decode(), stderr.decode())
            if hang
            else exits(exit_code, stdout.decode(), stderr.decode())
        )
        runner.behaviours[name] = lambda request: result
        return (name,)

    def stubborn(stdout: bytes) -> tuple[str, ...]:
        return program(stdout, b"", 0, True)  # the fake has no signals to ignore

    return Rig(runner, program, stubborn, tmp_path)


@pytest.fixture(params=[_real, _fake], ids=["anyio", "fake"])
def rig(request: pytest.FixtureRequest, tmp_path: Path) -> Rig:
    factory: Callable[[Path], Rig] = request.param
    return factory(tmp_path)


def test_run_reports_exit_code_and_both_streams(rig: Rig) -> None:
    result = rig.run(rig.program(b"out\n", b"err\n", 3, False))
    assert (result.status, result.exit_code, result.stdout, result.stderr) == (
        "exited",
        3,
        "out\n",
        "err\n",
    )


def test_a_missing_program_is_not_found_127(rig: Rig) -> None:
    result = rig.run(("definitely-not-a-program-xyz",))
    assert (result.status, result.exit_code) == ("not-found", 127)
    streamed, seen = rig.stream(("definitely-not-a-program-xyz",))
    assert (streamed.status, streamed.exit_code, seen) == ("not-found", 127, [])


def test_stream_splits_on_newline_only_and_feeds_the_last_partial_line(rig: Rig) -> None:
    stdout = b'{"a":1}\r\n{"b":"x\xe2\x80\xa8y"}\n\nlast'
    result, seen = rig.stream(rig.program(stdout, b"", 0, False))
    assert (result.status, result.exit_code) == ("exited", 0)
    assert seen == [b'{"a":1}\r', b'{"b":"x\xe2\x80\xa8y"}', b"", b"last"]


def test_stream_without_a_transcript_returns_stdout(rig: Rig) -> None:
    result, _ = rig.stream(rig.program(b"one\ntwo\n", b"", 0, False))
    assert result.stdout == "one\ntwo\n"


def test_stream_appends_stdout_verbatim_to_the_transcript(rig: Rig, tmp_path: Path) -> None:
    transcript = tmp_path / "t.jsonl"
    transcript.write_bytes(b"earlier\n")
    result, _ = rig.stream(rig.program(b"one\ntwo\n", b"", 1, False), transcript=str(transcript))
    assert (result.status, result.exit_code, result.stdout) == ("exited", 1, "")
    assert transcript.read_bytes() == b"earlier\none\ntwo\n"


@pytest.mark.parametrize(("grace_s", "exit_code"), [(0.0, -9), (2.0, -15)])
def test_stop_kills_the_program_and_no_line_is_fed_after_it(
    rig: Rig, tmp_path: Path, grace_s: float, exit_code: int
) -> None:
    transcript = tmp_path / "t.jsonl"
    argv = rig.program(b"1\n2\n3\n", b"", 0, True)
    result, seen = rig.stream(argv, stop_at=2, transcript=str(transcript), stop_grace_s=grace_s)
    assert (result.status, result.exit_code) == ("stopped", exit_code)
    assert seen == [b"1", b"2"]
    # Everything read up to the stop is evidence (the real runner may have read a bit more).
    assert transcript.read_bytes().startswith(b"1\n2\n")


def test_a_stop_overtaken_by_the_wall_clock_during_its_grace_wait_is_still_stopped(
    rig: Rig,
) -> None:
    # The stop came first (a cost cap, say): the timeout that fires while the program ignores
    # SIGTERM must not take its place.
    argv = rig.stubborn(b"1\n")
    result, seen = rig.stream(argv, stop_at=1, timeout_s=1.0, stop_grace_s=3.0)
    assert (result.status, seen) == ("stopped", [b"1"])


def test_a_program_past_its_timeout_is_killed_and_its_output_kept(rig: Rig) -> None:
    argv = rig.program(b"started\n", b"", 0, True)
    result = rig.run(argv, timeout_s=0.5)
    assert (result.status, result.exit_code, result.stdout) == ("timed-out", -9, "started\n")
    streamed, seen = rig.stream(argv, timeout_s=0.5)
    assert (streamed.status, streamed.exit_code, seen) == ("timed-out", -9, [b"started"])


def _long_line(size: int) -> bytes:
    """A Pi agent_end of exactly `size` bytes: it repeats every message of the run."""
    message = b'{"role":"assistant","content":[{"type":"text","text":"' + b"x" * 900 + b'"}]},'
    body = message * (size // len(message) - 1)
    line = b'{"type":"agent_end","messages":[' + body + b'{}],"willRetry":false}'
    return line[:1] + b" " * (size - len(line)) + line[1:]  # JSON whitespace pads it


def test_stream_feeds_an_overlong_line_as_its_ends_and_the_transcript_keeps_it_whole(
    rig: Rig, tmp_path: Path
) -> None:
    line = _long_line(MAX_LINE_BYTES + 1024 * 1024)
    stdout = b'{"type":"agent_start"}\n' + line + b'\n{"type":"agent_settled"}\n'
    transcript = tmp_path / "t.jsonl"
    result, seen = rig.stream(rig.program(stdout, b"", 0, False), transcript=str(transcript))
    assert (result.status, result.exit_code) == ("exited", 0)
    assert seen == [
        b'{"type":"agent_start"}',
        LongLine(
            head=line[:LONG_LINE_KEEP_BYTES],
            tail=line[-LONG_LINE_KEEP_BYTES:],
            size=len(line),
            middle=Middle(depth=2, separated=True),  # between the messages, never outside them
        ),
        b'{"type":"agent_settled"}',
    ]
    assert transcript.read_bytes() == stdout


def test_a_line_at_the_limit_is_fed_whole_and_an_overlong_last_line_as_its_ends(
    rig: Rig,
) -> None:
    at_limit = _long_line(MAX_LINE_BYTES)
    last = _long_line(MAX_LINE_BYTES + 1)
    _, seen = rig.stream(rig.program(at_limit + b"\n" + last, b"", 0, False))
    assert (len(at_limit), len(last)) == (MAX_LINE_BYTES, MAX_LINE_BYTES + 1)
    assert seen == [
        at_limit,
        LongLine(
            head=last[:LONG_LINE_KEEP_BYTES],
            tail=last[-LONG_LINE_KEEP_BYTES:],
            size=len(last),
            middle=Middle(depth=2, separated=True),
        ),
    ]
