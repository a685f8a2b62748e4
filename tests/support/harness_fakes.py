"""In-memory fakes of the harness ports: a made-up file system and configuration file.

The process runner fake is `tests.fakes.process.FakeProcessRunner` (with `replay`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from returns.result import Failure, Result, Success

from domain.config import ConfigError
from ports.harness import HarnessHostError


@dataclass
class FakeHarnessHost:
    """Executables, files and directories that exist only in memory."""

    executables: dict[str, str] = field(default_factory=dict)  # name or path -> absolute path
    files: dict[str, int] = field(default_factory=dict)  # path -> size
    directories: set[str] = field(default_factory=set)
    unwritable: set[str] = field(default_factory=set)
    created: list[str] = field(default_factory=list)

    def locate(self, binary: str, search_path: str | None) -> str | None:
        """A path is found when it is an executable; a name only when a PATH is given."""
        if os.sep in binary:
            return binary if binary in self.executables.values() else None
        return self.executables.get(binary) if search_path else None

    def file_size(self, path: str) -> int | None:
        """The recorded size, None for an unknown path."""
        return self.files.get(path)

    def is_directory(self, path: str) -> bool:
        """True for a recorded directory."""
        return path in self.directories

    def new_transcript(self, directory: str, harness: str) -> Result[str, HarnessHostError]:
        """A fresh, empty file in `directory`, unless the directory is marked unwritable."""
        if directory in self.unwritable:
            return Failure(
                HarnessHostError(code="transcript-unwritable", message=f"{directory} is read-only")
            )
        path = os.path.join(directory, f"harness-{harness}-{len(self.created)}.jsonl")
        self.created.append(path)
        self.files[path] = 0
        self.directories.add(directory)
        return Success(path)


@dataclass
class FakeConfigSource:
    """The configuration file's text, or no file at all when `text` is None."""

    text: str | None = None

    def read(self, path: str | None) -> Result[tuple[str, str], ConfigError]:
        """Return the text as if read from `path`; `config-missing` when there is none."""
        chosen = path or "engineering-loop.toml"
        if self.text is None:
            return Failure(ConfigError(code="config-missing", message=f"no file at {chosen}"))
        return Success((chosen, self.text))
