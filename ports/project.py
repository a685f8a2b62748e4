"""The project port: read the files a target project's facts are derived from."""

from __future__ import annotations

from typing import Protocol

import msgspec
from returns.result import Result

from domain.gates.project import ProjectFiles


class ProjectReadError(msgspec.Struct, frozen=True, kw_only=True, tag="project-read-error"):
    """The project directory or one of its files could not be read."""

    code: str
    message: str


class ProjectFilesReader(Protocol):
    """Reads `pyproject.toml`, `uv.lock` presence and the root listing of a project."""

    def read(self, root: str) -> Result[ProjectFiles, ProjectReadError]:
        """Read the files of the project at `root` (an absolute or relative directory)."""
        ...
