"""`FileReader` on the local file system, never following a symlink out of the check."""

from __future__ import annotations

import os
import stat

from returns.result import Failure, Result, Success

from ports.files import FileReadError

# No text file a gate checks is legitimately this large; refuse rather than exhaust memory.
MAX_FILE_BYTES = 64 * 1024 * 1024


class FsFileReader:
    """Reads regular files (and what a symlink points to) from the file system."""

    def read(self, path: str, limit: int | None = None) -> Result[bytes | None, FileReadError]:
        """Read at most `limit` bytes (else the whole file, up to 64 MiB); missing gives None."""
        try:
            info = os.stat(path)
        except FileNotFoundError:
            # A dangling symlink is missing content too; lexists tells it from a deleted path.
            if os.path.lexists(path):
                return Failure(
                    FileReadError(
                        code="file-unreadable",
                        message=f"{path} is a symlink to nothing; fix or remove the link.",
                    )
                )
            return Success(None)
        except OSError as exc:
            return Failure(_unreadable(path, exc))
        if not stat.S_ISREG(info.st_mode):
            return Failure(
                FileReadError(
                    code="file-unreadable",
                    message=f"{path} is not a regular file; pass files, not directories.",
                )
            )
        if limit is None and info.st_size > MAX_FILE_BYTES:
            return Failure(
                FileReadError(
                    code="file-too-large",
                    message=f"{path} is {info.st_size} bytes, over the 64 MiB check limit.",
                )
            )
        try:
            with open(path, "rb") as handle:
                return Success(handle.read(MAX_FILE_BYTES + 1 if limit is None else limit))
        except OSError as exc:
            return Failure(_unreadable(path, exc))


def _unreadable(path: str, exc: OSError) -> FileReadError:
    return FileReadError(
        code="file-unreadable",
        message=f"cannot read {path}: {exc.strerror or exc}; check its permissions.",
    )
