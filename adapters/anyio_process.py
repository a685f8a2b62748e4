"""`ProcessRunner` on anyio: argv only, new process group, closed stdin, bounded capture."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from typing import IO, Any

import anyio
from anyio.abc import ByteReceiveStream, Process

from domain.text.bounded_lines import Line, LineSplitter
from ports.process import LineVerdict, ProcessRequest, ProcessResult, ProcessStatus

_CHUNK = 64 * 1024


class _BoundedCapture:
    """Keeps the first and the last `limit // 2` bytes of a stream, and counts the rest."""

    def __init__(self, limit: int) -> None:
        self._half = max(limit // 2, 1)
        self._head = bytearray()
        self._tail = bytearray()
        self.total = 0

    def add(self, data: bytes) -> None:
        self.total += len(data)
        room = self._half - len(self._head)
        if room > 0:
            self._head += data[:room]
            data = data[room:]
        if data:
            self._tail += data
            if len(self._tail) > 2 * self._half:
                del self._tail[: len(self._tail) - self._half]

    @property
    def truncated(self) -> bool:
        return self.total > len(self._head) + min(len(self._tail), self._half)

    def text(self) -> str:
        tail = bytes(self._tail[-self._half :])
        if not self.truncated:
            return (bytes(self._head) + tail).decode("utf-8", errors="replace")
        skipped = self.total - len(self._head) - len(tail)
        marker = f"\n[... {skipped} bytes omitted ...]\n".encode()
        return (bytes(self._head) + marker + tail).decode("utf-8", errors="replace")


def _signal_group(process: Process, signum: int) -> None:
    # ProcessLookupError: the group is already gone; nothing left to stop.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


async def _stop_group(process: Process, grace_s: float) -> None:
    """SIGTERM the group and give it `grace_s` to exit (so a program can stop the children it
    started in other groups), then SIGKILL whatever is left of the group."""
    if grace_s > 0 and process.returncode is None:
        _signal_group(process, signal.SIGTERM)
        with anyio.move_on_after(grace_s):
            await process.wait()
    _signal_group(process, signal.SIGKILL)


def _failed_start(status: ProcessStatus, code: int, message: str) -> ProcessResult:
    return ProcessResult(status=status, exit_code=code, stdout="", stderr=message)


async def _drain(stream: ByteReceiveStream | None, capture: _BoundedCapture) -> None:
    if stream is None:
        return
    async for chunk in stream:
        capture.add(chunk)


class AnyioProcessRunner:
    """Runs programs with anyio; a timeout or a "stop" kills the whole process group."""

    async def run(self, request: ProcessRequest) -> ProcessResult:
        """Run to completion or timeout with bounded capture of stdout and stderr."""
        return await self._execute(request, on_line=None, transcript_path=None)

    async def stream(
        self,
        request: ProcessRequest,
        on_line: Callable[[Line], LineVerdict],
        transcript_path: str | None = None,
    ) -> ProcessResult:
        """Run and feed stdout lines to `on_line` as they arrive (an overlong one as its ends)."""
        return await self._execute(request, on_line=on_line, transcript_path=transcript_path)

    async def _execute(
        self,
        request: ProcessRequest,
        on_line: Callable[[Line], LineVerdict] | None,
        transcript_path: str | None,
    ) -> ProcessResult:
        if not request.argv:
            return _failed_start("not-found", 127, "empty argv: nothing to run")
        if not os.path.isdir(request.cwd):
            return _failed_start("not-found", 127, f"working directory not found: {request.cwd}")
        started = time.monotonic()
        with contextlib.ExitStack() as files:
            stdin: int | IO[Any] = subprocess.DEVNULL
            if request.stdin_path is not None:
                stdin = files.enter_context(open(request.stdin_path, "rb"))
            transcript = (
                files.enter_context(open(transcript_path, "ab"))
                if transcript_path is not None
                else None
            )
            started_or_failed = await _start(request, stdin)
            if isinstance(started_or_failed, ProcessResult):
                return started_or_failed
            supervisor = _Supervisor(started_or_failed, request, on_line, transcript)
            status = await supervisor.supervise()
        return ProcessResult(
            status=status,
            exit_code=started_or_failed.returncode,
            stdout=supervisor.out.text(),
            stderr=supervisor.err.text(),
            stdout_truncated=supervisor.out.truncated,
            stderr_truncated=supervisor.err.truncated,
            duration_s=round(time.monotonic() - started, 3),
        )


async def _start(request: ProcessRequest, stdin: int | IO[Any]) -> Process | ProcessResult:
    try:
        return await anyio.open_process(
            list(request.argv),
            cwd=request.cwd,
            env=dict(request.env),
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except FileNotFoundError:
        return _failed_start("not-found", 127, f"executable not found: {request.argv[0]}")
    except PermissionError:
        return _failed_start("not-executable", 126, f"not executable: {request.argv[0]}")
    except OSError as exc:
        return _failed_start("not-executable", 126, f"cannot start {request.argv[0]}: {exc}")


class _Supervisor:
    """Reads both streams of a started process until it ends, times out or is stopped."""

    def __init__(
        self,
        process: Process,
        request: ProcessRequest,
        on_line: Callable[[Line], LineVerdict] | None,
        transcript: IO[bytes] | None,
    ) -> None:
        self.process = process
        self.request = request
        self.on_line = on_line
        self.transcript = transcript
        self.out = _BoundedCapture(request.capture_limit_bytes)
        self.err = _BoundedCapture(request.capture_limit_bytes)
        self.stopped = False

    async def supervise(self) -> ProcessStatus:
        timed_out = True
        try:
            with anyio.move_on_after(self.request.timeout_s):
                async with anyio.create_task_group() as tg:
                    tg.start_soon(self._read_stdout)
                    tg.start_soon(_drain, self.process.stderr, self.err)
                await self.process.wait()
                timed_out = False
        finally:
            with anyio.CancelScope(shield=True):
                if timed_out or self.stopped:
                    await _stop_group(self.process, self.request.stop_grace_s)
                await self.process.wait()
                await self.process.aclose()
        if self.transcript is not None:
            self.transcript.flush()
        # A "stop" that the wall clock overtook during its grace wait was still the first to
        # end the run: it must not read as a timeout (a cost stop would lose its verdict).
        if self.stopped:
            return "stopped"
        return "timed-out" if timed_out else "exited"

    async def _read_stdout(self) -> None:
        if self.on_line is None or self.process.stdout is None:
            await _drain(self.process.stdout, self.out)
            return
        # Each chunk is searched once and a line is held up to the domain's limit (then only
        # its ends): one long line costs linear time and bounded memory. The transcript still
        # gets every byte.
        splitter = LineSplitter()
        async for chunk in self.process.stdout:
            if self.transcript is not None:
                self.transcript.write(chunk)
            else:
                self.out.add(chunk)
            for line in splitter.feed(chunk):
                if self.on_line(line) == "stop":
                    self.stopped = True
                    await _stop_group(self.process, self.request.stop_grace_s)
                    return
        last = splitter.finish()
        if last is not None and self.on_line(last) == "stop":
            self.stopped = True
