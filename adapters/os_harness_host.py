"""`HarnessHost` on the local file system and PATH."""

from __future__ import annotations

import os
import shutil
import time
import uuid

from returns.result import Failure, Result, Success

from ports.harness import HarnessHostError


class OsHarnessHost:
    """Looks up executables with `shutil.which` and creates transcript files with `os`."""

    def locate(self, binary: str, search_path: str | None) -> str | None:
        """The absolute path of `binary`; a name with a slash is a path, not a PATH lookup."""
        if os.sep in binary:
            path = os.path.abspath(binary)
            return path if os.path.isfile(path) and os.access(path, os.X_OK) else None
        found = shutil.which(binary, path=search_path if search_path is not None else "")
        return os.path.abspath(found) if found else None

    def file_size(self, path: str) -> int | None:
        """The size of a readable regular file; None when missing, not a file, or unreadable."""
        if not (os.path.isfile(path) and os.access(path, os.R_OK)):
            return None
        try:
            return os.path.getsize(path)
        except OSError:
            return None

    def is_directory(self, path: str) -> bool:
        """True when `path` is an existing directory."""
        return os.path.isdir(path)

    def new_transcript(self, directory: str, harness: str) -> Result[str, HarnessHostError]:
        """Create `DIR/harness-NAME-UTCSTAMP-RANDOM.jsonl`, empty, never overwriting a file."""
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        path = os.path.join(
            os.path.abspath(directory), f"harness-{harness}-{stamp}-{uuid.uuid4().hex[:8]}.jsonl"
        )
        try:
            os.makedirs(directory, exist_ok=True)
            with open(path, "xb"):
                pass
        except OSError as exc:
            return Failure(
                HarnessHostError(
                    code="transcript-unwritable",
                    message=f"cannot create a transcript in {directory}: "
                    f"{exc.strerror or exc}; pass --transcript-dir to a writable directory.",
                )
            )
        return Success(path)
