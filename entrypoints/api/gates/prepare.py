"""Library API for gate preparation: read a repository's facts, then prepare gates purely.

    >>> from entrypoints.api import prepare_gate_in
    >>> result = prepare_gate_in("path/to/repo", ["ruff", "check", "."])  # doctest: +SKIP
    >>> result.unwrap().executed  # doctest: +SKIP
    ('uv', 'run', '--locked', '--group', 'dev', 'ruff', 'check', '.')

Errors are values: `ProjectReadError` (`project-unreadable`) or `FactsError`
(`pyproject-unreadable`) when the repository cannot be understood, `GateRejected` (a stable code
from `domain.gates.prepare.REJECTION_CODES`) when the gate is refused.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from returns.result import Failure, Result, Success

from domain.gates.prepare import GateRejected, PreparedGate, gate_project_dir, prepare_gate
from domain.gates.project import FactsError, ProjectFacts, ProjectFiles, derive_facts
from domain.kernel.locations import is_within
from entrypoints import bootstrap
from ports.project import ProjectFilesReader, ProjectReadError

RepoError = ProjectReadError | FactsError


def _production_reader() -> ProjectFilesReader:
    return bootstrap.project_files_reader()


def _read(
    directory: str, reader: ProjectFilesReader
) -> Result[tuple[ProjectFiles, ProjectFacts], RepoError]:
    files = reader.read(directory)
    if not isinstance(files, Success):
        return Failure(files.failure())
    derived = derive_facts(files.unwrap())
    if not isinstance(derived, Success):
        return Failure(derived.failure())
    return Success((files.unwrap(), derived.unwrap()))


def read_facts(
    directory: str, *, reader: ProjectFilesReader | None = None
) -> Result[ProjectFacts, RepoError]:
    """Read and derive the facts of the project in `directory`."""
    found = _read(directory, reader if reader is not None else _production_reader())
    if not isinstance(found, Success):
        return Failure(found.failure())
    return Success(found.unwrap()[1])


class GatePreparer:
    """Prepares gates for one repository; each project directory's facts are read once."""

    def __init__(
        self,
        repo: str,
        facts: ProjectFacts,
        reader: ProjectFilesReader,
        *,
        resolved_root: str | None = None,
    ) -> None:
        self.repo = repo
        self.facts = facts
        self.resolved_root = resolved_root
        self._reader = reader
        self._nested: dict[str, Result[ProjectFacts, RepoError]] = {}

    def _escapes(self, files: ProjectFiles) -> bool:
        """True when a project folder resolves (through a symlink) outside the repository."""
        if self.resolved_root is None or files.resolved_root is None:
            return False  # a reader that does not resolve links: the lexical check stands
        return not is_within(files.resolved_root, self.resolved_root)

    def _nested_facts(self, directory: str) -> Result[ProjectFacts, RepoError]:
        """Facts of the project uv uses for `directory`: uv walks up to the nearest pyproject."""
        if directory not in self._nested:
            read = _read(os.path.join(self.repo, directory), self._reader)
            found: Result[ProjectFacts, RepoError]
            if not isinstance(read, Success):
                found = Failure(read.failure())
            elif self._escapes(read.unwrap()[0]):
                found = Failure(
                    FactsError(
                        code="project-outside-repo",
                        message=f"{directory!r} resolves to {read.unwrap()[0].resolved_root}, "
                        "outside the repository; a gate must run on the repository's own files.",
                    )
                )
            else:
                found = Success(read.unwrap()[1])
            if isinstance(found, Success) and not found.unwrap().has_pyproject:
                parent = directory.rpartition("/")[0]
                found = self._nested_facts(parent) if parent else Success(self.facts)
            self._nested[directory] = found
        return self._nested[directory]

    def prepare(self, argv: Sequence[str]) -> Result[PreparedGate, GateRejected]:
        """Prepare one gate whose working directory is the repository root."""
        directory = gate_project_dir(argv)
        if directory is None:
            return prepare_gate(argv, self.facts)
        nested = self._nested_facts(directory)
        if not isinstance(nested, Success):
            problem = nested.failure()
            if problem.code == "project-outside-repo":
                return Failure(GateRejected(code=problem.code, message=problem.message))
            return Failure(
                GateRejected(
                    code="project-facts-unavailable",
                    message=f"the gate runs in project directory {directory!r} "
                    f"(--directory/--project), which cannot be read: {problem.message}",
                )
            )
        found = nested.unwrap()
        return prepare_gate(argv, self.facts, facts_for={directory: found}.get)


def open_repo(
    repo: str, *, reader: ProjectFilesReader | None = None
) -> Result[GatePreparer, RepoError]:
    """Read the repository's facts once and return a preparer for its gates."""
    chosen = reader if reader is not None else _production_reader()
    found = _read(repo, chosen)
    if not isinstance(found, Success):
        return Failure(found.failure())
    files, facts = found.unwrap()
    return Success(GatePreparer(repo, facts, chosen, resolved_root=files.resolved_root))


def prepare_gate_in(
    repo: str, argv: Sequence[str], *, reader: ProjectFilesReader | None = None
) -> Result[PreparedGate, GateRejected | RepoError]:
    """Prepare one gate for the repository at `repo` (its root is the gate's working directory)."""
    opened = open_repo(repo, reader=reader)
    if not isinstance(opened, Success):
        return Failure(opened.failure())
    prepared = opened.unwrap().prepare(argv)
    if not isinstance(prepared, Success):
        return Failure(prepared.failure())
    return Success(prepared.unwrap())
