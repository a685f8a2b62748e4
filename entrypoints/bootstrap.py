"""The composition root: the one place that chooses adapters.

Every factory takes no arguments and returns the production adapter; callers (CLI, library API)
accept an optional override so tests pass fakes. Adapters are imported inside the factories so a
command pays only for the adapters it uses (httpx and dulwich are slow to import).
"""

from __future__ import annotations

from ports.config import ConfigSource
from ports.harness import HarnessHost
from ports.line_source import LineSource
from ports.process import ProcessRunner
from ports.project import ProjectFilesReader


def process_runner() -> ProcessRunner:
    """The anyio subprocess runner."""
    from adapters.anyio_process import AnyioProcessRunner

    return AnyioProcessRunner()


def project_files_reader() -> ProjectFilesReader:
    """The file-system reader of project files (`pyproject.toml`, `uv.lock`, root listing)."""
    from adapters.project_files import FsProjectFilesReader

    return FsProjectFilesReader()


def config_source() -> ConfigSource:
    """The file-system reader of `engineering-loop.toml`."""
    from adapters.config_file import FsConfigSource

    return FsConfigSource()


def line_source() -> LineSource:
    """The file/stdin line reader (harness transcripts)."""
    from adapters.line_file import FileLineSource

    return FileLineSource()


def harness_host() -> HarnessHost:
    """The local file system and PATH, for finding harness executables and transcript files."""
    from adapters.os_harness_host import OsHarnessHost

    return OsHarnessHost()
