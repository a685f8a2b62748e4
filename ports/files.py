"""The files port: read the bytes of files a gate checks (the built-in `check-files`)."""

from __future__ import annotations

from typing import Protocol

import msgspec
from returns.result import Result


class FileReadError(msgspec.Struct, frozen=True, kw_only=True, tag="file-read-error"):
    """A file exists but could not be read (`file-unreadable`)."""

    code: str
    message: str


class FileReader(Protocol):
    """Reads regular files; a missing path is None, not an error (deleted files are skipped)."""

    def read(self, path: str, limit: int | None = None) -> Result[bytes | None, FileReadError]:
        """Return the bytes of `path` (at most `limit` bytes when given), or None if it is gone."""
        ...
