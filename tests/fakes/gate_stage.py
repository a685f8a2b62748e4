"""A gate stage that plans from a table and remembers which repositories it ran."""

from __future__ import annotations

from collections.abc import Sequence

from domain.changes.change_set import FileChange
from domain.gates.declared import DeclaredGate
from entrypoints.api.check.run import GateOutcome, PlannedGates


class FakeGateStage:
    """Plans and outcomes per repository path; `ran` lists the repositories whose gates ran."""

    def __init__(
        self,
        plans: dict[str, PlannedGates] | None = None,
        outcomes: dict[str, GateOutcome] | None = None,
    ) -> None:
        self.plans = plans or {}
        self.outcomes = outcomes or {}
        self.planned: list[tuple[str, tuple[str, ...]]] = []
        self.ran: list[str] = []
        # The declared gates each plan was given (none: selection).
        self.declared: list[tuple[str, tuple[DeclaredGate, ...]]] = []
        # The base each run judged side effects against (its ignore rules).
        self.bases: list[str | None] = []
        # The candidate tree each run was asked to check out.
        self.trees: list[str | None] = []

    async def plan(
        self, repo: str, changes: Sequence[FileChange], *, declared: Sequence[DeclaredGate] = ()
    ) -> PlannedGates:
        """The configured plan (none: no gates), noting which paths it was asked about."""
        self.planned.append((repo, tuple(c.path for c in changes)))
        self.declared.append((repo, tuple(declared)))
        return self.plans.get(repo, PlannedGates())

    async def run(
        self, repo: str, planned: PlannedGates, *, base: str | None = None, tree: str | None = None
    ) -> GateOutcome:
        """The configured outcome (none: nothing ran and nothing was touched)."""
        self.ran.append(repo)
        self.bases.append(base)
        self.trees.append(tree)
        return self.outcomes.get(repo, GateOutcome())
