"""The sandbox host port: find bubblewrap, prove it can confine, and keep each run's own folder."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from returns.result import Result

from domain.sandbox.layout import RunFolder, SettingsCopy


class SandboxHost(Protocol):
    """bubblewrap and the host files a confined run needs."""

    async def probe(self, search_path: str | None) -> Result[str, str]:
        """The path of a bwrap that created every namespace of a test sandbox, or the problem."""
        ...

    def new_run_folder(self, parent: str) -> Result[RunFolder, str]:
        """Create a fresh, private run folder (with empty home, tmp and uv-cache) below `parent`."""
        ...

    def copy_settings(self, copy: SettingsCopy) -> Result[bool, str]:
        """Copy a settings folder into a run's home; False when there is none to copy."""
        ...

    def remove_run_folder(self, folder: RunFolder) -> None:
        """Delete a run folder and everything the run left in it."""
        ...

    def make_directory(self, path: str) -> None:
        """Create `path` and its parents if missing (a failure shows when the bind fails)."""
        ...

    def existing(self, paths: Sequence[str]) -> tuple[str, ...]:
        """Those of `paths` that exist (after following symlinks), in the given order."""
        ...

    def entries(self, directory: str) -> tuple[str, ...]:
        """The names in `directory`; empty when it is missing or unreadable."""
        ...

    def locate(self, program: str, search_path: str | None) -> str | None:
        """The absolute path of `program` (a path, or a name looked up in `search_path`)."""
        ...

    def venv_home(self, environment: str) -> str | None:
        """The `home` (base interpreter's bin folder) in a virtual environment's `pyvenv.cfg`."""
        ...
