"""The values of `check` and `policy check`: planned and ran gates, reports, errors, and the
`GateStage` port the check drives (the composition root supplies the real one)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

import msgspec

from domain.changes.change_set import ChangeSummary, FileChange
from domain.gates.declared import DeclaredGate, GatesConfig
from domain.gates.run import PreparedPlan
from domain.policy.evaluate import GateArgv, PolicyConfig, Violation
from domain.sandbox.config import SandboxSettings

Verdict = Literal["publishable", "blocked"]


class RefusedGate(msgspec.Struct, frozen=True, kw_only=True):
    """A planned gate that preparation refused (so no gate of the repository may run)."""

    name: str
    code: str
    message: str


class PlannedGates(msgspec.Struct, frozen=True, kw_only=True):
    """What gate selection and preparation said for one repository (nothing has run yet)."""

    gates: tuple[GateArgv, ...] = ()
    covers: dict[str, tuple[str, ...]] = {}
    unverified: tuple[str, ...] = ()
    refusals: tuple[RefusedGate, ...] = ()
    # Gates cannot be planned at all (e.g. the project's pyproject.toml is unreadable).
    problem: str | None = None
    # The prepared plan the policy judges (`gates` is its view): the run executes exactly this,
    # never a second preparation that could differ from what was judged.
    prepared: PreparedPlan | None = None


class RanGate(msgspec.Struct, frozen=True, kw_only=True):
    """How one gate ended (`passed`, `failed`, `timed-out`, `not-found`, ...)."""

    name: str
    status: str
    exit_code: int | None = None
    duration_s: float = 0.0
    detail: str = ""


class GateOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """What running one repository's gates showed: results and paths they created or changed."""

    results: tuple[RanGate, ...] = ()
    side_effects: tuple[str, ...] = ()
    # Whether the gates ran in the sandbox (None: none ran); when not, the notice says why.
    sandboxed: bool | None = None
    sandbox_notice: str | None = None


class GateStage(Protocol):
    """Selects, prepares and runs the gates of one repository."""

    async def plan(
        self, repo: str, changes: Sequence[FileChange], *, declared: Sequence[DeclaredGate] = ()
    ) -> PlannedGates:
        """Select and prepare gates for the changes (nothing of the repository executes); the
        repository's `declared` gates, when it has any, replace selection."""
        ...

    async def run(
        self, repo: str, planned: PlannedGates, *, base: str | None = None, tree: str | None = None
    ) -> GateOutcome:
        """Run the prepared gates and report results and side effects: on a clean checkout of
        the candidate `tree` when given (every file a gate writes there is one), else in `repo`
        (untracked files that `base`'s committed ignore rules ignore are no side effect)."""
        ...


class GateReport(msgspec.Struct, frozen=True, kw_only=True):
    """One gate in the report."""

    name: str
    declared: tuple[str, ...]
    executed: tuple[str, ...] | None
    covers: tuple[str, ...]
    # planned (policy check), refused, not-run (blocked before running), or how it ended.
    status: str
    exit_code: int | None = None
    duration_s: float = 0.0


class RepoTarget(msgspec.Struct, frozen=True, kw_only=True):
    """A worktree to check and the `owner/name` its `[policy.repos.NAME]` rules are looked up by.

    The name comes from the caller, never from the repository (its `.git/config` is the
    agent's to write). Rules are looked up by this name first, then by the directory's own
    name (`policy_names`); None means the directory's name alone.
    """

    path: str
    name: str | None = None


class RepoReport(msgspec.Struct, frozen=True, kw_only=True):
    """The verdict's part for one repository."""

    repo: str
    # The name the repository is known by (`--repo-name`, else the directory name); its rules
    # are those of `[policy.repos.NAME]` for this name, else for the directory name.
    name: str
    base: str
    # The candidate tree: the git tree id publication commits, and the tree the gates ran on
    # (docs/candidate-tree.md); None when the collector wrote none.
    tree: str | None = None
    changes: tuple[ChangeSummary, ...]
    gates: tuple[GateReport, ...]
    violations: tuple[Violation, ...]
    notices: tuple[str, ...]


class CheckReport(msgspec.Struct, frozen=True, kw_only=True):
    """`publishable` only when no repository has a violation."""

    verdict: Verdict
    repos: tuple[RepoReport, ...]
    # True when every gate that ran ran in the sandbox; None when no gate ran.
    sandboxed: bool | None = None
    sandbox_notice: str | None = None


class CheckError(msgspec.Struct, frozen=True, kw_only=True, tag="check-error"):
    """The check could not be made (usage or configuration): exit 2, not a verdict."""

    code: str
    message: str


class CheckConfig(msgspec.Struct, frozen=True, kw_only=True):
    """What `check` takes from the configuration file: the policy, and the variables whose
    values are secrets (`[harness] env_allow`, every tier's included)."""

    policy: PolicyConfig
    secret_env_names: tuple[str, ...] = ()
    # The `[gates]` section: declared gates per repository (none: selection).
    gates: GatesConfig = msgspec.field(default_factory=GatesConfig)
    sandbox: SandboxSettings = msgspec.field(default_factory=SandboxSettings)
