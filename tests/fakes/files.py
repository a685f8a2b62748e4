"""An in-memory `FileReader`: paths map to bytes; absent paths are deleted files."""

from __future__ import annotations

from returns.result import Failure, Result, Success

from ports.files import FileReadError


class FakeFileReader:
    """Serves bytes from a dict; paths in `unreadable` fail like a permission error."""

    def __init__(self, files: dict[str, bytes], unreadable: frozenset[str] = frozenset()) -> None:
        self.files = files
        self.unreadable = unreadable

    def read(self, path: str, limit: int | None = None) -> Result[bytes | None, FileReadError]:
        """Return the stored bytes (cut to `limit`), None when absent."""
        if path in self.unreadable:
            return Failure(FileReadError(code="file-unreadable", message=f"cannot read {path}"))
        data = self.files.get(path)
        if data is None:
            return Success(None)
        return Success(data if limit is None else data[:limit])
