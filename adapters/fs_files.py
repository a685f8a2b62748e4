"""`FileReader` on the local file system, never following a symlink out of the check."""

from __future__ import annotations

import os
import stat

from returns.result import Failure, Result, Success

from ports.files import FileReadError


class FsFileReader:
    """Reads regular files (and what a symlink points to) from the file system."""

    def read(self, path: str, limit: int | None = None) -> Result[bytes | None, FileReadError]:
        """Read at most `limit` bytes (else the whole file); missing gives None.

        How much to read is the caller's decision (`domain.changes.content.MAX_CHECKED_FILE_BYTES`).
        """
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
        try:
            with open(path, "rb") as handle:
                return Success(handle.read(-1 if limit is None else limit))
        except OSError as exc:
            return Failure(_unreadable(path, exc))


def _unreadable(path: str, exc: OSError) -> FileReadError:
    return FileReadError(
        code="file-unreadable",
        message=f"cannot read {path}: {exc.strerror or exc}; check its permissions.",
    )
