"""The one in-memory `ProcessRunner`: programs are Python callbacks, picked by argv[0].

A behaviour answers a request with the `ProcessResult` the program would give if left alone:
`exits(...)` for a program that ends, `hangs(...)` for one that prints and then never ends (only
a timeout or a "stop" ends it). `stream` feeds that stdout to `on_line` line by line, as
`AnyioProcessRunner` does, and the contract suite in `tests/contract/test_process_runner.py`
holds both to the same behaviour.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Sequence

from domain.text.bounded_lines import Line, bound_line
from ports.process import LineVerdict, ProcessRequest, ProcessResult

Behaviour = Callable[[ProcessRequest], ProcessResult]


def exits(code: int, stdout: str = "", stderr: str = "") -> ProcessResult:
    """A result of a program that exited with `code`."""
    return ProcessResult(status="exited", exit_code=code, stdout=stdout, stderr=stderr)


def hangs(stdout: str = "", stderr: str = "") -> ProcessResult:
    """A program that prints this and then runs until it is killed (the exit code is the kill's)."""
    return ProcessResult(status="timed-out", exit_code=None, stdout=stdout, stderr=stderr)


def replay(lines: Sequence[bytes], exit_code: int = 0) -> Behaviour:
    """A program that prints these lines (recorded stdout: a harness transcript), then exits."""
    stdout = b"".join(line + b"\n" for line in lines).decode()
    return lambda request: exits(exit_code, stdout=stdout)


def _killed(request: ProcessRequest) -> int:
    # The real runner sends SIGTERM first when there is a grace period; a program that does not
    # handle it dies of it, else of the SIGKILL.
    return -(signal.SIGTERM if request.stop_grace_s > 0 else signal.SIGKILL)


class FakeProcessRunner:
    """Answers each request by the behaviour registered for its program name (argv[0])."""

    def __init__(self, behaviours: dict[str, Behaviour] | None = None) -> None:
        self.behaviours = behaviours if behaviours is not None else {}
        self.requests: list[ProcessRequest] = []
        # Lines given to `on_line` so far, over every `stream` call.
        self.fed = 0

    def _behave(self, request: ProcessRequest) -> ProcessResult:
        self.requests.append(request)
        behaviour = self.behaviours.get(request.argv[0]) if request.argv else None
        if behaviour is None:
            return ProcessResult(status="not-found", exit_code=127, stdout="", stderr="not found")
        result = behaviour(request)
        if result.status == "timed-out":
            return ProcessResult(
                status="timed-out",
                exit_code=_killed(request),
                stdout=result.stdout,
                stderr=result.stderr,
                duration_s=request.timeout_s,
            )
        return result

    async def run(self, request: ProcessRequest) -> ProcessResult:
        """Record the request and answer with the registered behaviour (127 when none)."""
        return self._behave(request)

    async def stream(
        self,
        request: ProcessRequest,
        on_line: Callable[[Line], LineVerdict],
        transcript_path: str | None = None,
    ) -> ProcessResult:
        """Feed the behaviour's stdout to `on_line` line by line; a "stop" kills the program.

        A line longer than the limit is fed as its ends (`bound_line`), as the real runner does.

        The transcript gets every line read (up to the one that said "stop"), and the result's
        stdout is then empty, as the port says.
        """
        result = self._behave(request)
        if result.status in ("not-found", "not-executable"):
            return result
        *lines, pending = result.stdout.encode().split(b"\n")
        pieces = [line + b"\n" for line in lines] + ([pending] if pending else [])
        read: list[bytes] = []
        status = result.status
        exit_code = result.exit_code
        for piece in pieces:
            read.append(piece)
            self.fed += 1
            if on_line(bound_line(piece.removesuffix(b"\n"))) == "stop":
                status, exit_code = "stopped", _killed(request)
                break
        if transcript_path is not None:
            with open(transcript_path, "ab") as transcript:
                transcript.write(b"".join(read))
        return ProcessResult(
            status=status,
            exit_code=exit_code,
            stdout="" if transcript_path is not None else b"".join(read).decode(),
            stderr=result.stderr,
            duration_s=result.duration_s,
        )
