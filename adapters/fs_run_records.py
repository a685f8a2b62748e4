"""`RunRecords` on the local file system: `<state_dir>/runs/<run_id>/`, files written atomically
(a temporary file renamed into place), so a crash never leaves half a record."""

from __future__ import annotations

import os
import tempfile

from returns.result import Failure, Result, Success

from ports.workspace import WorkspaceError


class FsRunRecords:
    """Run folders below `<state_dir>/runs`."""

    def __init__(self, state_dir: str) -> None:
        self._root = os.path.join(os.path.abspath(state_dir), "runs")

    def run_dir(self, run_id: str) -> str:
        """The folder of run `run_id`."""
        return os.path.join(self._root, run_id)

    def write(self, run_id: str, name: str, data: bytes) -> Result[str, WorkspaceError]:
        """Write `name` in the run's folder atomically."""
        path = os.path.join(self.run_dir(run_id), name)
        try:
            os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except OSError as exc:
            return Failure(
                WorkspaceError(
                    code="state-unwritable",
                    message=f"cannot write {path} ({exc}); check [loop] state_dir",
                )
            )
        return Success(path)

    def read(self, run_id: str, name: str) -> bytes | None:
        """The bytes of `name` in the run's folder, None when missing or unreadable."""
        try:
            with open(os.path.join(self.run_dir(run_id), name), "rb") as source:
                return source.read()
        except OSError:
            return None

    def run_ids(self) -> tuple[str, ...]:
        """Every run folder's name, sorted."""
        try:
            return tuple(sorted(e.name for e in os.scandir(self._root) if e.is_dir()))
        except OSError:
            return ()

    def exists(self, run_id: str, name: str) -> bool:
        """True when `name` exists in the run's folder."""
        return os.path.lexists(os.path.join(self.run_dir(run_id), name))
