"""The run-records port: each run's folder under `<state_dir>/runs/<run_id>/` (verdict, record,
prompts, transcripts, gate logs), its clone beside them, and the records of earlier runs."""

from __future__ import annotations

from typing import Protocol

from returns.result import Result

from ports.workspace import WorkspaceError


class RunRecords(Protocol):
    """Where runs keep their evidence; every path is below one state folder."""

    def run_dir(self, run_id: str) -> str:
        """The folder of run `run_id` (not created)."""
        ...

    def write(self, run_id: str, name: str, data: bytes) -> Result[str, WorkspaceError]:
        """Write `name` (a relative path) in the run's folder atomically; returns its path."""
        ...

    def read(self, run_id: str, name: str) -> bytes | None:
        """The bytes of `name` in the run's folder, None when missing or unreadable."""
        ...

    def run_ids(self) -> tuple[str, ...]:
        """Every run folder's name."""
        ...

    def exists(self, run_id: str, name: str) -> bool:
        """True when `name` exists in the run's folder."""
        ...
