"""The process port: run a program (argv only) with an explicit environment and a time limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, Protocol

import msgspec

from domain.text.bounded_lines import Line

ProcessStatus = Literal["exited", "not-found", "not-executable", "timed-out", "stopped"]

# Returned by a line callback: "continue" reads on, "stop" kills the process group.
LineVerdict = Literal["continue", "stop"]


class ProcessRequest(msgspec.Struct, frozen=True, kw_only=True):
    """One program to run: argv, working directory and the COMPLETE environment it gets."""

    argv: tuple[str, ...]
    cwd: str
    env: dict[str, str]
    timeout_s: float
    # Bytes kept per captured stream: the first and the last half of this many.
    capture_limit_bytes: int = 256 * 1024
    # A file fed to stdin; None means stdin is closed (reads see EOF at once).
    stdin_path: str | None = None
    # On timeout or "stop": SIGTERM the process group and wait this long before SIGKILL, so a
    # program that puts children in groups of their own (Pi's bash tool) can stop them. 0: SIGKILL.
    stop_grace_s: float = 0.0


class ProcessResult(msgspec.Struct, frozen=True, kw_only=True):
    """How a program ended; `exit_code` is 127 for not-found and 126 for not-executable."""

    status: ProcessStatus
    exit_code: int | None
    stdout: str
    stderr: str
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    duration_s: float = 0.0


class ProcessRunner(Protocol):
    """Runs programs; never raises for a program's own failure."""

    async def run(self, request: ProcessRequest) -> ProcessResult:
        """Run to completion (or timeout) and return the bounded capture of both streams."""
        ...

    async def stream(
        self,
        request: ProcessRequest,
        on_line: Callable[[Line], LineVerdict],
        transcript_path: str | None = None,
    ) -> ProcessResult:
        """Run, feed each stdout line (split on b"\\n" only) to `on_line` as it arrives.

        A line longer than `domain.text.bounded_lines.MAX_LINE_BYTES` is fed as a `LongLine` (its
        first and last bytes, its length and a scan of what lay between): no line is ever held
        whole past that limit, and reading one long line takes time linear in its length.

        When `on_line` answers "stop" the process group is killed and the status is "stopped".
        Every stdout byte is appended to `transcript_path` when given; the result's stdout is
        then empty (the transcript is the record).
        """
        ...
