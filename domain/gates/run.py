"""Running a repository's gates: prepare all first, refuse all if one is refused, then judge (pure).

The entrypoint gathers the facts, snapshots and process results; these functions decide what is
run, how each gate ended and what the whole run's verdict is, and build the report values.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Literal

import msgspec
from returns.pipeline import is_successful
from returns.result import Result

from domain.gates.prepare import FactsLookup, GateRejected, PreparedGate, Rewrite, prepare_gate
from domain.gates.project import ProjectFacts
from domain.gates.select import CHECK_FILES_GATE, GatePlan, PlannedGate

GateStatus = Literal["passed", "failed", "timed-out", "not-found", "not-executable", "error"]
RunVerdict = Literal["passed", "failed", "refused"]


class ReadyGate(msgspec.Struct, frozen=True, kw_only=True):
    """A planned gate that preparation accepted: what was declared and what will be executed."""

    name: str
    declared: tuple[str, ...]
    executed: tuple[str, ...]
    rewrites: tuple[Rewrite, ...] = ()
    # The planned gate's own timeout (a declared gate's); None means the run's timeout.
    timeout_s: float | None = None


class GateRefusal(msgspec.Struct, frozen=True, kw_only=True):
    """A planned gate that preparation refused, with the stable code of `prepare_gate`."""

    name: str
    declared: tuple[str, ...]
    code: str
    message: str


class PreparedPlan(msgspec.Struct, frozen=True, kw_only=True):
    """Every gate of a plan prepared; the plan may run only when `refusals` is empty."""

    ready: tuple[ReadyGate, ...] = ()
    refusals: tuple[GateRefusal, ...] = ()


class GateResult(msgspec.Struct, frozen=True, kw_only=True):
    """How one gate ended, with its bounded output and the paths it touched."""

    name: str
    declared: tuple[str, ...]
    executed: tuple[str, ...]
    status: GateStatus
    exit_code: int | None
    duration_s: float
    stdout: str = ""
    stderr: str = ""
    output_truncated: bool = False
    side_effects: tuple[str, ...] = ()


class GateRunReport(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of running one repository's gates (what `check` reads per repository)."""

    repo: str
    verdict: RunVerdict
    gates: tuple[GateResult, ...] = ()
    refusals: tuple[GateRefusal, ...] = ()
    side_effects: tuple[str, ...] = ()
    snapshot_mode: str | None = None
    # Where uv synced the gates' environment (outside the worktree).
    environment: str | None = None
    # Whether the gates ran inside the sandbox; when not, the notice says why.
    sandboxed: bool = False
    sandbox_notice: str | None = None

    @property
    def passed(self) -> bool:
        """True when every gate passed and none touched the worktree."""
        return self.verdict == "passed"


def _ready(planned: PlannedGate, prepared: PreparedGate) -> ReadyGate:
    return ReadyGate(
        name=planned.name,
        declared=prepared.declared,
        executed=prepared.executed,
        rewrites=prepared.rewrites,
        timeout_s=planned.timeout_s,
    )


def _refusal(planned: PlannedGate, rejected: GateRejected) -> GateRefusal:
    return GateRefusal(
        name=planned.name, declared=planned.argv, code=rejected.code, message=rejected.message
    )


Preparer = Callable[[Sequence[str]], Result[PreparedGate, GateRejected]]


def prepare_plan_with(plan: GatePlan, prepare: Preparer) -> PreparedPlan:
    """Prepare every gate of a plan with `prepare`, collecting every refusal (none stops early).

    >>> prepare_plan_with(GatePlan(), lambda argv: prepare_gate(argv, ProjectFacts()))
    PreparedPlan(ready=(), refusals=())
    """
    ready: list[ReadyGate] = []
    refusals: list[GateRefusal] = []
    for planned in plan.gates:
        result = prepare(planned.argv)
        if is_successful(result):
            ready.append(_ready(planned, result.unwrap()))
        else:
            refusals.append(_refusal(planned, result.failure()))
    return PreparedPlan(ready=tuple(ready), refusals=tuple(refusals))


def prepare_plan(
    plan: GatePlan, facts: ProjectFacts, *, facts_for: FactsLookup | None = None
) -> PreparedPlan:
    """Prepare every gate of a plan with the repository's facts, collecting every refusal.

    `facts_for(dir)` serves the facts of a project a gate names with `--directory`/`--project`.

    >>> prepare_plan(GatePlan(), ProjectFacts())
    PreparedPlan(ready=(), refusals=())
    """
    return prepare_plan_with(
        plan, functools.partial(prepare_gate, facts=facts, facts_for=facts_for)
    )


def single_gate_plan(argv: Sequence[str], name: str | None = None) -> GatePlan:
    """A plan of one declared gate, named after its program unless a name is given.

    >>> single_gate_plan(["pytest", "-q"]).gates[0].name
    'pytest'
    """
    label = name if name is not None else (argv[0].rsplit("/", 1)[-1] if argv else "empty")
    return GatePlan(gates=(PlannedGate(name=label, argv=tuple(argv), covers=()),))


def is_builtin_check_files(argv: Sequence[str]) -> bool:
    """True for the built-in `engineering-loop gate check-files` gate, run in-process.

    >>> is_builtin_check_files(["engineering-loop", "gate", "check-files", "a.py"])
    True
    """
    return tuple(argv[: len(CHECK_FILES_GATE)]) == CHECK_FILES_GATE


def builtin_paths(argv: Sequence[str]) -> tuple[str, ...]:
    """The paths a built-in `check-files` argv names (after an optional `--`).

    >>> builtin_paths(["engineering-loop", "gate", "check-files", "--", "-a.py"])
    ('-a.py',)
    """
    rest = tuple(argv[len(CHECK_FILES_GATE) :])
    return rest[1:] if rest[:1] == ("--",) else rest


def gate_status(process_status: str, exit_code: int | None) -> GateStatus:
    """How a gate ended, from its process status and exit code.

    >>> gate_status("exited", 0), gate_status("exited", 1), gate_status("timed-out", None)
    ('passed', 'failed', 'timed-out')
    """
    if process_status == "exited":
        return "passed" if exit_code == 0 else "failed"
    if process_status == "timed-out":
        return "timed-out"
    if process_status == "not-found":
        return "not-found"
    if process_status == "not-executable":
        return "not-executable"
    return "error"


def run_verdict(gates: Sequence[GateResult], refusals: Sequence[GateRefusal]) -> RunVerdict:
    """Refused when any gate was refused; passed only when every gate passed without side effects.

    >>> run_verdict([], [])
    'passed'
    """
    if refusals:
        return "refused"
    if all(g.status == "passed" and not g.side_effects for g in gates):
        return "passed"
    return "failed"
