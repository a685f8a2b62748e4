"""Shared CLI plumbing: JSON output, error objects and the documented exit codes."""

from __future__ import annotations

import sys
from typing import Any

import msgspec

EXIT_OK = 0
EXIT_BLOCKED = 1  # a verdict of "blocked" (check) or a run that failed
EXIT_USAGE = 2  # usage, configuration or unreadable input
EXIT_REFUSED = 3  # a refusal decided by the domain (gate rejected, budget refused)
EXIT_INTERNAL = 70  # a bug in engineering-loop itself

_encoder = msgspec.json.Encoder(order="deterministic")


def emit(payload: Any) -> None:
    """Write one JSON document (structs, dicts, lists) and a newline to stdout."""
    sys.stdout.buffer.write(_encoder.encode(payload) + b"\n")
    sys.stdout.flush()


def error_object(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """The stable error shape: `{"ok": false, "error": {"code", "message"}}` plus extras."""
    return {"ok": False, **extra, "error": {"code": code, "message": message}}


def fail(code: str, message: str, exit_code: int = EXIT_USAGE, **extra: Any) -> int:
    """Print the error object and return the exit code to use."""
    emit(error_object(code, message, **extra))
    return exit_code
