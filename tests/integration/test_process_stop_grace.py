"""`stop_grace_s`: a stopped or timed-out program gets SIGTERM first, then SIGKILL."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import anyio

from adapters.anyio_process import AnyioProcessRunner
from domain.text.bounded_lines import Line
from ports.process import LineVerdict, ProcessRequest

ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}

# Prints "ready", then on SIGTERM writes a marker and exits (as Pi stops its tool processes).
CLEANS_UP = """
import signal, sys, time
def on_term(*_):
    open(sys.argv[1], "w").write("cleaned")
    sys.exit(143)
signal.signal(signal.SIGTERM, on_term)
print("ready", flush=True)
time.sleep(60)
"""

IGNORES_TERM = """
import signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("ready", flush=True)
time.sleep(60)
"""


def _request(code: str, tmp_path: Path, *, grace: float, timeout: float = 30) -> ProcessRequest:
    marker = str(tmp_path / "marker")
    return ProcessRequest(
        argv=(sys.executable, "-c", code, marker),
        cwd=str(tmp_path),
        env=ENV,
        timeout_s=timeout,
        stop_grace_s=grace,
    )


def _stop_at_ready(line: Line) -> LineVerdict:
    return "stop" if line == b"ready" else "continue"


def test_stop_sends_sigterm_first_when_there_is_a_grace(tmp_path: Path) -> None:
    request = _request(CLEANS_UP, tmp_path, grace=5)
    result = anyio.run(AnyioProcessRunner().stream, request, _stop_at_ready, None)
    assert result.status == "stopped"
    assert (tmp_path / "marker").read_text() == "cleaned"


def test_timeout_sends_sigterm_first_when_there_is_a_grace(tmp_path: Path) -> None:
    request = _request(CLEANS_UP, tmp_path, grace=5, timeout=1.5)
    result = anyio.run(AnyioProcessRunner().run, request)
    assert result.status == "timed-out"
    assert (tmp_path / "marker").read_text() == "cleaned"


def test_without_a_grace_the_group_is_killed_at_once(tmp_path: Path) -> None:
    request = _request(CLEANS_UP, tmp_path, grace=0)
    result = anyio.run(AnyioProcessRunner().stream, request, _stop_at_ready, None)
    assert result.status == "stopped"
    assert not (tmp_path / "marker").exists()


def test_a_program_ignoring_sigterm_is_killed_after_the_grace(tmp_path: Path) -> None:
    started = time.monotonic()
    request = _request(IGNORES_TERM, tmp_path, grace=1)
    result = anyio.run(AnyioProcessRunner().stream, request, _stop_at_ready, None)
    assert result.status == "stopped"
    assert 1 <= time.monotonic() - started < 10
