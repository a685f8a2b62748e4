"""An in-memory `ProjectFilesReader`: projects are `ProjectFiles` values keyed by directory."""

from __future__ import annotations

import os

from returns.result import Failure, Result, Success

from domain.gates.project import ProjectFiles
from ports.project import ProjectReadError


class FakeProjectFilesReader:
    """Holds the files of each project directory; unknown directories are unreadable."""

    def __init__(self, projects: dict[str, ProjectFiles]) -> None:
        self.projects = {os.path.normpath(k): v for k, v in projects.items()}
        self.reads: list[str] = []

    def read(self, root: str) -> Result[ProjectFiles, ProjectReadError]:
        """Return the stored files of `root`, or `project-unreadable`."""
        key = os.path.normpath(root)
        self.reads.append(key)
        if key not in self.projects:
            return Failure(
                ProjectReadError(code="project-unreadable", message=f"no project at {key}.")
            )
        return Success(self.projects[key])
