"""In-memory fakes of the harness ports: a made-up file system and a replaying process runner."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from returns.result import Failure, Result, Success

from domain.config import ConfigError
from ports.harness import HarnessHostError
from ports.process import LineVerdict, ProcessRequest, ProcessResult


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
class ReplayProcessRunner:
    """Plays recorded stdout lines to `on_line` as if a harness printed them, then exits.

    A "stop" ends the replay with status "stopped" and exit code -9, as killing the process
    group does. The transcript is written to disk when a path is given, like the real runner.
    """

    lines: Sequence[bytes]
    exit_code: int = 0
    requests: list[ProcessRequest] = field(default_factory=list)
    fed: int = 0

    async def run(self, request: ProcessRequest) -> ProcessResult:
        """Not used by harness runs."""
        raise AssertionError(f"run() called with {request.argv}")

    async def stream(
        self,
        request: ProcessRequest,
        on_line: Callable[[bytes], LineVerdict],
        transcript_path: str | None = None,
    ) -> ProcessResult:
        """Replay the lines; stop early when `on_line` says so."""
        self.requests.append(request)
        written: list[bytes] = []
        status: str = "exited"
        for line in self.lines:
            written.append(line + b"\n")
            self.fed += 1
            if on_line(line) == "stop":
                status = "stopped"
                break
        if transcript_path is not None:
            with open(transcript_path, "ab") as handle:
                handle.write(b"".join(written))
        return ProcessResult(
            status="stopped" if status == "stopped" else "exited",
            exit_code=-9 if status == "stopped" else self.exit_code,
            stdout="",
            stderr="",
            duration_s=0.01,
        )


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
