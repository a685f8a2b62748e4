"""An in-memory `SandboxHost`: a probe answer, paths that exist, folders made and removed."""

from __future__ import annotations

import posixpath
from collections.abc import Sequence

from returns.result import Failure, Result, Success

from domain.sandbox.layout import RunFolder, SettingsCopy


class FakeSandboxHost:
    """Keeps the host's state as sets and dicts; `probe_problem` None means bwrap works."""

    def __init__(
        self,
        *,
        probe_problem: str | None = None,
        paths: Sequence[str] = (),
        folders: dict[str, tuple[str, ...]] | None = None,
        programs: dict[str, str] | None = None,
        venv_homes: dict[str, str] | None = None,
    ) -> None:
        self.probe_problem = probe_problem
        self.paths = set(paths)
        self.folders = folders or {}
        self.programs = programs or {}
        self.venv_homes = venv_homes or {}
        self.made: list[RunFolder] = []
        self.removed: list[RunFolder] = []
        self.copied: list[SettingsCopy] = []
        self.probes = 0

    async def probe(self, search_path: str | None) -> Result[str, str]:
        self.probes += 1
        if self.probe_problem is not None:
            return Failure(self.probe_problem)
        return Success("/usr/bin/bwrap")

    def new_run_folder(self, parent: str) -> Result[RunFolder, str]:
        folder = RunFolder(root=posixpath.join(parent, f"run-{len(self.made)}"))
        self.made.append(folder)
        self.paths.update({folder.root, folder.home, folder.tmp, folder.uv_cache})
        return Success(folder)

    def copy_settings(self, copy: SettingsCopy) -> Result[bool, str]:
        if copy.source not in self.paths:
            return Success(False)
        self.copied.append(copy)
        self.paths.add(copy.dest)
        return Success(True)

    def remove_run_folder(self, folder: RunFolder) -> None:
        self.removed.append(folder)
        self.paths = {p for p in self.paths if not p.startswith(folder.root)}

    def make_directory(self, path: str) -> None:
        self.paths.add(path)

    def existing(self, paths: Sequence[str]) -> tuple[str, ...]:
        return tuple(path for path in paths if path in self.paths)

    def entries(self, directory: str) -> tuple[str, ...]:
        return self.folders.get(directory, ())

    def locate(self, program: str, search_path: str | None) -> str | None:
        if "/" in program:
            return program
        for entry in (search_path or "").split(":"):
            candidate = posixpath.join(entry, program)
            if self.programs.get(candidate) is not None:
                return candidate
        return None

    def venv_home(self, environment: str) -> str | None:
        return self.venv_homes.get(environment)
