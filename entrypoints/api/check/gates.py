"""The gate stage of `check`: select and prepare per repository, then run through the gate API.

Each repository is planned from its own facts (`pyproject.toml`, `uv.lock`, tests), so one
repository's gates are never applied to another.
"""

from __future__ import annotations

from collections.abc import Sequence

from returns.pipeline import is_successful

from domain.changes.change_set import FileChange
from domain.gates.declared import DeclaredGate, plan_gates
from domain.gates.select import ChangedFile
from domain.policy.evaluate import GateArgv
from entrypoints import bootstrap
from entrypoints.api.check.values import GateOutcome, PlannedGates, RanGate, RefusedGate
from entrypoints.api.gates.run import DEFAULT_TIMEOUT_S, prepare, read_facts, run_prepared_async
from entrypoints.api.sandbox import Sandbox
from ports.checkout import CandidateCheckout
from ports.files import FileReader
from ports.process import ProcessRunner
from ports.project import ProjectFilesReader
from ports.worktree import WorktreeSnapshotter


def changed_files(changes: Sequence[FileChange]) -> tuple[ChangedFile, ...]:
    """Gate selection's view of a change set: a rename deletes its old path."""
    described = [
        ChangedFile(path=c.path, deleted=c.kind == "deleted", binary=c.binary) for c in changes
    ]
    described += [
        ChangedFile(path=c.old_path, deleted=True) for c in changes if c.old_path is not None
    ]
    return tuple(described)


class ApiGateStage:
    """Plans with `select_gates` + `prepare`; runs that same prepared plan with
    `run_prepared_async` (side-effect proof), so what runs is what the policy judged."""

    def __init__(
        self,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        reader: ProjectFilesReader | None = None,
        runner: ProcessRunner | None = None,
        snapshotter: WorktreeSnapshotter | None = None,
        files: FileReader | None = None,
        sandbox: Sandbox | None = None,
        checkout: CandidateCheckout | None = None,
    ) -> None:
        self.timeout_s = timeout_s
        self.sandbox = sandbox
        self.reader, self.runner, self.snapshotter, self.files = reader, runner, snapshotter, files
        self.checkout = checkout

    async def plan(
        self, repo: str, changes: Sequence[FileChange], *, declared: Sequence[DeclaredGate] = ()
    ) -> PlannedGates:
        """Select (or take the `declared`) gates of `repo` for `changes` and prepare them;
        nothing executes."""
        facts = read_facts(repo, reader=self.reader)
        if not is_successful(facts):
            return PlannedGates(problem=f"{facts.failure().code}: {facts.failure().message}")
        plan = plan_gates(changed_files(changes), facts.unwrap(), declared)
        prepared = prepare(repo, plan, facts=facts.unwrap(), reader=self.reader)
        if not is_successful(prepared):
            return PlannedGates(
                problem=f"{prepared.failure().code}: {prepared.failure().message}",
                unverified=plan.unverified,
            )
        ready = {gate.name: gate for gate in prepared.unwrap().ready}
        gates = tuple(
            GateArgv(
                name=gate.name,
                declared=gate.argv,
                executed=ready[gate.name].executed if gate.name in ready else None,
            )
            for gate in plan.gates
        )
        return PlannedGates(
            gates=gates,
            covers={gate.name: gate.covers for gate in plan.gates},
            unverified=plan.unverified,
            refusals=tuple(
                RefusedGate(name=r.name, code=r.code, message=r.message)
                for r in prepared.unwrap().refusals
            ),
            prepared=prepared.unwrap(),
        )

    async def run(
        self, repo: str, planned: PlannedGates, *, base: str | None = None, tree: str | None = None
    ) -> GateOutcome:
        """Run the prepared gates the policy judged, on a clean checkout of the candidate `tree`
        when one is given (else in `repo`, judging traces with `base`'s ignore rules); an API
        error counts as a failed run."""
        prepared = planned.prepared
        if prepared is None or not (prepared.ready or prepared.refusals):
            return GateOutcome()
        where = repo
        if tree is not None:
            checkout = self.checkout or bootstrap.candidate_checkout()
            done = await checkout.checkout(repo, tree)
            if not is_successful(done):
                problem = done.failure()
                failed = RanGate(
                    name="(checkout)", status="error", detail=f"{problem.code}: {problem.message}"
                )
                return GateOutcome(results=(failed,))
            # A plain folder: every file a gate writes in it is a trace (no ignore rules).
            where, base = done.unwrap(), None
        report = await run_prepared_async(
            where,
            prepared,
            timeout_s=self.timeout_s,
            runner=self.runner,
            snapshotter=self.snapshotter,
            files=self.files,
            base=base,
            sandbox=self.sandbox,
        )
        if not is_successful(report):
            error = report.failure()
            return GateOutcome(
                results=(
                    RanGate(name="(run)", status="error", detail=f"{error.code}: {error.message}"),
                )
            )
        ran = report.unwrap()
        results = [
            RanGate(
                name=gate.name,
                status=gate.status,
                exit_code=gate.exit_code,
                duration_s=gate.duration_s,
                detail=f"{gate.status}, exit {gate.exit_code}" + _tail(gate.stderr or gate.stdout),
            )
            for gate in ran.gates
        ]
        results += [
            RanGate(name=r.name, status="refused", detail=f"{r.code}: {r.message}")
            for r in ran.refusals
        ]
        return GateOutcome(
            results=tuple(results),
            side_effects=ran.side_effects,
            sandboxed=ran.sandboxed if ran.gates else None,
            sandbox_notice=ran.sandbox_notice,
        )


def _tail(output: str, limit: int = 300) -> str:
    """The last lines of a gate's output, for the reason a reader sees first."""
    text = output.strip()
    if not text:
        return ""
    return ": ..." + text[-limit:] if len(text) > limit else ": " + text
