"""The built-in `check-files` gate: decide from a file's bytes whether it is well-formed (pure).

This replaces `python -m compileall`, which writes `__pycache__` into the worktree: Python
sources are compiled in memory with `compile()` and nothing is written anywhere.
"""

from __future__ import annotations

import warnings
from typing import Literal

import msgspec
import tomli

from domain.changes.content import MAX_CHECKED_FILE_BYTES

FileCheckStatus = Literal["ok", "failed", "skipped"]


class FileCheck(msgspec.Struct, frozen=True, kw_only=True):
    """The verdict on one file; `code` and `message` are set when it failed or was skipped."""

    path: str
    status: FileCheckStatus
    kind: str
    code: str | None = None
    message: str | None = None


def _failed(path: str, kind: str, code: str, message: str) -> FileCheck:
    return FileCheck(path=path, status="failed", kind=kind, code=code, message=message)


def file_kind(path: str) -> str:
    """How a path is checked: `python`, `toml`, `json` or `text`, by its suffix.

    >>> file_kind("pkg/a.pyi"), file_kind("pyproject.toml"), file_kind("README.md")
    ('python', 'toml', 'text')
    """
    lower = path.lower()
    if lower.endswith((".py", ".pyi")):
        return "python"
    if lower.endswith(".toml"):
        return "toml"
    if lower.endswith(".json"):
        return "json"
    return "text"


def _check_python(path: str, data: bytes) -> FileCheck:
    try:
        # Warnings (invalid escapes and the like) are the linter's business, not a syntax failure.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(data, path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        where = f"line {exc.lineno}" if exc.lineno else "somewhere"
        return _failed(
            path, "python", "python-syntax-error", f"{path}: {exc.msg} at {where}; fix the syntax."
        )
    except (ValueError, RecursionError, MemoryError) as exc:
        # Python 3.11 raises ValueError for NUL bytes; deep nesting exhausts the parser.
        return _failed(
            path, "python", "python-syntax-error", f"{path}: cannot be compiled ({exc}); fix it."
        )
    return FileCheck(path=path, status="ok", kind="python")


def _decode_text(path: str, kind: str, data: bytes) -> str | FileCheck:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _failed(
            path,
            kind,
            "text-not-utf8",
            f"{path}: not UTF-8 at byte {exc.start}; save it as UTF-8 or mark it binary.",
        )
    if "\x00" in text:
        return _failed(
            path, kind, "text-has-nul", f"{path}: contains a NUL byte; text files must not."
        )
    return text


def check_file_bytes(path: str, data: bytes) -> FileCheck:
    """Check one file's content by its kind: compile Python, parse TOML/JSON, else UTF-8 text.

    >>> check_file_bytes("a.py", b"x = (").code, check_file_bytes("a.json", b"{}").status
    ('python-syntax-error', 'ok')
    """
    kind = file_kind(path)
    if len(data) > MAX_CHECKED_FILE_BYTES:
        return _failed(
            path,
            kind,
            "file-too-large",
            f"{path} is over the {MAX_CHECKED_FILE_BYTES // (1024 * 1024)} MiB check limit; "
            "no file a gate checks is legitimately that large.",
        )
    if kind == "python":
        return _check_python(path, data)
    text = _decode_text(path, kind, data)
    if isinstance(text, FileCheck):
        return text
    if kind == "toml":
        try:
            tomli.loads(text)
        except (tomli.TOMLDecodeError, RecursionError) as exc:  # tomli: nested too deep
            return _failed(path, kind, "toml-invalid", f"{path}: invalid TOML ({exc}); fix it.")
    elif kind == "json":
        try:
            # msgspec is strict JSON: no NaN, no trailing commas, no BOM (json.loads allows NaN).
            msgspec.json.decode(data)
        except (msgspec.DecodeError, RecursionError) as exc:
            return _failed(path, kind, "json-invalid", f"{path}: invalid JSON ({exc}); fix it.")
    return FileCheck(path=path, status="ok", kind=kind)


def skipped_missing(path: str) -> FileCheck:
    """The verdict for a path that no longer exists (a deleted file): skipped, not failed.

    >>> skipped_missing("gone.py").status
    'skipped'
    """
    return FileCheck(
        path=path,
        status="skipped",
        kind=file_kind(path),
        code="file-deleted",
        message=f"{path} does not exist (deleted); nothing to check.",
    )


def all_passed(checks: tuple[FileCheck, ...]) -> bool:
    """True when no check failed (skipped deleted files are fine).

    >>> all_passed((skipped_missing("x"),))
    True
    """
    return all(check.status != "failed" for check in checks)
