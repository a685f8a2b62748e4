"""Verify one round's candidate: collect it against the recorded base (agent commits included),
judge the policy before any agent-written code runs, then run the gates on a clean checkout of
exactly the candidate tree."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec
from returns.result import Failure, Result, Success

from domain.changes.change_set import ChangeSet, manifest_paths
from domain.gates.declared import GatesConfig, declared_gates_for
from domain.gates.run import GateResult, GateRunReport
from domain.policy.evaluate import GateEvidence, PolicyRules, PolicyVerdict, evaluate_policy
from domain.policy.secrets import KnownSecret
from entrypoints.api.check.values import GateStage, PlannedGates
from entrypoints.api.gates.run import run_prepared_async
from entrypoints.api.sandbox import Sandbox
from ports.changes import ChangeCollector
from ports.checkout import CandidateCheckout
from ports.workspace import WorkspaceError


class Inspected(msgspec.Struct, frozen=True, kw_only=True):
    """A collected candidate, its planned gates and the policy verdict before anything ran."""

    changes: ChangeSet
    planned: PlannedGates
    policy: PolicyVerdict


def _evidence(planned: PlannedGates) -> GateEvidence:
    failures = [("(planning)", planned.problem)] if planned.problem is not None else []
    return GateEvidence(
        gates=planned.gates,
        unverified=planned.unverified,
        refused=tuple((r.name, f"{r.code}: {r.message}") for r in planned.refusals),
        failures=tuple(failures),
    )


async def inspect_candidate(
    clone: str,
    base: str,
    *,
    names: Sequence[str],
    rules: PolicyRules,
    gates: GatesConfig,
    collector: ChangeCollector,
    stage: GateStage,
    known_secrets: Sequence[KnownSecret],
) -> Result[Inspected, WorkspaceError]:
    """Collect the candidate tree of `clone` against `base`, plan its gates (nothing executes)
    and judge the policy."""
    collected = await collector.collect(clone, base, trust_index_stat=False)
    if isinstance(collected, Failure):
        error = collected.failure()
        return Failure(WorkspaceError(code=error.code, message=error.message))
    changes = collected.unwrap()
    declared = declared_gates_for(gates, names)
    planned = await (
        stage.plan(changes.repo, changes.changes, declared=declared)
        if declared
        else stage.plan(changes.repo, changes.changes)
    )
    pairs = await collector.read_pairs(changes.repo, base, manifest_paths(changes.changes))
    if isinstance(pairs, Failure):
        error = pairs.failure()
        return Failure(WorkspaceError(code=error.code, message=error.message))
    verdict = evaluate_policy(
        changes.changes,
        _evidence(planned),
        rules,
        pairs.unwrap(),
        known_secrets=known_secrets,
        history=changes.history,
        relinked=changes.relinked,
    )
    return Success(Inspected(changes=changes, planned=planned, policy=verdict))


def _error_report(clone: str, name: str, detail: str) -> GateRunReport:
    failed = GateResult(
        name=name,
        declared=(),
        executed=(),
        status="error",
        exit_code=None,
        duration_s=0.0,
        stderr=detail,
    )
    return GateRunReport(repo=clone, verdict="failed", gates=(failed,))


async def run_candidate_gates(
    clone: str,
    inspected: Inspected,
    *,
    checkout: CandidateCheckout,
    sandbox: Sandbox,
    environ: Mapping[str, str],
    timeout_s: float,
) -> GateRunReport:
    """Run the judged plan on a clean checkout of the candidate tree (every file a gate writes
    there is a side effect); a plan that could not be made is a failed gate."""
    planned = inspected.planned
    if planned.problem is not None:
        return _error_report(clone, "(planning)", planned.problem)
    prepared = planned.prepared
    if prepared is None or not (prepared.ready or prepared.refusals):
        return GateRunReport(repo=clone, verdict="passed")
    tree = inspected.changes.tree
    if tree is None:
        return _error_report(clone, "(checkout)", "the collector wrote no candidate tree")
    done = await checkout.checkout(clone, tree)
    if isinstance(done, Failure):
        problem = done.failure()
        return _error_report(clone, "(checkout)", f"{problem.code}: {problem.message}")
    report = await run_prepared_async(
        done.unwrap(),
        prepared,
        timeout_s=max(1.0, timeout_s),
        parent_env=environ,
        sandbox=sandbox,
    )
    if isinstance(report, Failure):
        error = report.failure()
        return _error_report(clone, "(run)", f"{error.code}: {error.message}")
    return report.unwrap()
