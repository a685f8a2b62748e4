"""The harness host port: the file-system and PATH facts a harness run needs before it starts."""

from __future__ import annotations

from typing import Protocol

import msgspec
from returns.result import Result


class HarnessHostError(msgspec.Struct, frozen=True, kw_only=True, tag="harness-host-error"):
    """A file the run needs cannot be used (`transcript-unwritable`)."""

    code: str
    message: str


class HarnessHost(Protocol):
    """Finds executables and prepares the files of a harness run."""

    def locate(self, binary: str, search_path: str | None) -> str | None:
        """The absolute path of `binary` (a path, or a name looked up in `search_path`)."""
        ...

    def file_size(self, path: str) -> int | None:
        """The size of a readable regular file in bytes; None when it is missing or unreadable."""
        ...

    def is_directory(self, path: str) -> bool:
        """True when `path` is an existing directory."""
        ...

    def new_transcript(self, directory: str, harness: str) -> Result[str, HarnessHostError]:
        """Create `directory` if needed and an empty, uniquely named transcript file in it."""
        ...
