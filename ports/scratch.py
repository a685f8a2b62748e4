"""The scratch-repository port: build a throwaway git repository from folders of files."""

from __future__ import annotations

from typing import Protocol

import msgspec
from returns.result import Result


class ScratchError(msgspec.Struct, frozen=True, kw_only=True, tag="scratch-error"):
    """The example could not be materialised (`example-missing`, `scratch-unwritable`)."""

    code: str
    message: str


class ScratchRepoBuilder(Protocol):
    """Creates and removes throwaway repositories."""

    def build(self, base_dir: str, change_dir: str) -> Result[str, ScratchError]:
        """Commit `base_dir` on `main`, then `change_dir` laid over it on branch `agent`.

        `agent` tracks `main`, so the default base of a check is the base commit. Returns the
        new repository's absolute path (inside a new temporary folder).
        """
        ...

    def commit_folder(self, source_dir: str, target: str) -> Result[str, ScratchError]:
        """Commit every file of `source_dir` as one commit on `main` of a new repository at
        `target` (which must not exist yet); returns `target`'s absolute path."""
        ...

    def remove(self, repo: str) -> None:
        """Delete a repository made by `build` (and its temporary folder)."""
        ...
