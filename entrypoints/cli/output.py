"""Shared CLI plumbing: JSON output, error objects and the documented exit codes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

import msgspec

# What `main` hands each command module to open (or reuse) a command group: (name, help).
GroupFactory = Callable[[str, str], "argparse._SubParsersAction[argparse.ArgumentParser]"]

EXIT_OK = 0
EXIT_BLOCKED = 1  # a verdict of "blocked" (check) or a run that failed
EXIT_USAGE = 2  # usage, configuration or unreadable input
EXIT_REFUSED = 3  # a refusal decided by the domain (gate rejected, budget refused)
EXIT_INTERNAL = 70  # a bug in engineering-loop itself

_encoder = msgspec.json.Encoder(order="deterministic")


def emit(payload: Any) -> None:
    """Write one JSON document (structs, dicts, lists) and a newline to stdout."""
    try:
        data = _encoder.encode(payload)
    except UnicodeEncodeError:
        # An argument or path from the command line may hold bytes that are no UTF-8 (Python
        # keeps them as lone surrogates), which JSON text cannot: they are shown as U+FFFD.
        data = _encoder.encode(_valid_text(msgspec.to_builtins(payload)))
    sys.stdout.buffer.write(data + b"\n")
    sys.stdout.flush()


def _valid_text(value: Any) -> Any:
    """`value` (built-in types only) with every string made encodable as UTF-8."""
    if isinstance(value, str):
        try:
            raw = value.encode("utf-8", "surrogateescape")  # bytes Python decoded from the OS
        except UnicodeEncodeError:
            raw = value.encode("utf-8", "surrogatepass")  # any other lone surrogate
        return raw.decode("utf-8", "replace")
    if isinstance(value, dict):
        return {_valid_text(key): _valid_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_valid_text(item) for item in value]
    return value


def error_object(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """The stable error shape: `{"ok": false, "error": {"code", "message"}}` plus extras."""
    return {"ok": False, **extra, "error": {"code": code, "message": message}}


def fail(code: str, message: str, exit_code: int = EXIT_USAGE, **extra: Any) -> int:
    """Print the error object and return the exit code to use."""
    emit(error_object(code, message, **extra))
    return exit_code
