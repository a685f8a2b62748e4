"""The agent rounds of one run: prompt, agent, verify, and remediate until the pure rules say
publish or stop. Every candidate is kept under its ref in the mirror."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec
from returns.result import Failure

from domain.budget.config import BudgetConfig
from domain.budget.plan import RunBudget
from domain.budget.spend import SpendJudgement
from domain.changes.change_set import summarise
from domain.config import LoopConfig
from domain.gates.declared import GatesConfig, declared_gates_for
from domain.gates.run import GateRunReport, ReadyGate
from domain.harness.report import HarnessReport
from domain.harness.run import HarnessRun
from domain.loop.outcomes import Reason
from domain.loop.prompt import IssueComment, IssueText, PromptInputs, build_prompt
from domain.loop.rounds import (
    AgentRound,
    Allowance,
    Finding,
    Publish,
    Retry,
    decide_after_gates,
    judge_agent_round,
    policy_reasons,
    remaining_allowance,
)
from domain.loop.spend import judge_run_rounds
from domain.loop.verdict import RoundEvidence, candidate_ref, mask_round
from domain.policy.evaluate import PolicyRules
from domain.policy.secrets import KnownSecret, SecretScanner
from entrypoints.api.check.values import GateStage
from entrypoints.api.harness.run import HarnessRunRequest, run_harness
from entrypoints.api.run_steps.records import write_json, write_text
from entrypoints.api.run_steps.verify import Inspected, inspect_candidate, run_candidate_gates
from entrypoints.api.sandbox import Sandbox
from ports.changes import ChangeCollector
from ports.checkout import CandidateCheckout
from ports.run_records import RunRecords
from ports.workspace import CommitSpec, Workspace


@dataclass
class RoundsInput:
    """Everything the rounds need, gathered before the first one."""

    run_id: str
    issue: IssueText
    comments: tuple[IssueComment, ...]
    trusted_commenters: tuple[str, ...]
    names: tuple[str, ...]
    rules: PolicyRules
    gates: GatesConfig
    budget: RunBudget
    budget_config: BudgetConfig
    max_rounds: int
    mirror: str
    clone: str
    base_commit: str
    base_tree: str
    author: str
    # The configuration the run read: the agent runs under exactly this one.
    config: LoopConfig
    harness_tier: str | None
    environ: Mapping[str, str]
    known_secrets: tuple[KnownSecret, ...]
    scanner: SecretScanner
    started: float
    timestamp: int


@dataclass
class Adapters:
    """The ports the rounds act through."""

    workspace: Workspace
    collector: ChangeCollector
    stage: GateStage
    checkout: CandidateCheckout
    sandbox: Sandbox
    records: RunRecords


@dataclass
class RoundsState:
    """What the rounds did so far; read by the run even when its wall clock cut them off."""

    rounds: list[RoundEvidence] = field(default_factory=list)
    spends: list[tuple[HarnessReport, float]] = field(default_factory=list)
    # True while an agent runs: a run cut off then is charged its whole reservation.
    agent_running: bool = False
    publish_tree: str | None = None
    reasons: tuple[Reason, ...] = ()
    error: Reason | None = None
    spend: SpendJudgement | None = None
    agent_summary: str = ""
    sandboxed: bool = True


def _elapsed(run: RoundsInput) -> float:
    return time.monotonic() - run.started


async def _gates_for_prompt(run: RoundsInput, adapters: Adapters) -> tuple[ReadyGate, ...]:
    declared = declared_gates_for(run.gates, run.names)
    if not declared:
        return ()
    planned = await adapters.stage.plan(run.clone, (), declared=declared)
    return planned.prepared.ready if planned.prepared is not None else ()


class _Next(msgspec.Struct, frozen=True, kw_only=True):
    """Another round follows, with these findings and gates."""

    findings: tuple[Finding, ...]
    gates: tuple[ReadyGate, ...]
    tree: str


def _left(run: RoundsInput, state: RoundsState) -> Allowance:
    return remaining_allowance(
        run.budget,
        spent_micros=_spent_micros(state),
        elapsed_s=_elapsed(run),
        turns_used=sum(r.num_turns for r, _ in state.spends),
    )


async def run_rounds(run: RoundsInput, adapters: Adapters, state: RoundsState) -> None:
    """Run rounds until publish (`state.publish_tree`), a stop (`state.reasons`) or an error."""
    following = _Next(findings=(), gates=await _gates_for_prompt(run, adapters), tree="")
    for number in range(1, run.max_rounds + 1):
        left = _left(run, state)
        if left.exhausted:
            state.reasons = (
                Reason(code="budget-exhausted", detail="nothing was left for another round"),
            )
            return
        previous = following.tree or None
        ran = await _agent(run, adapters, state, number=number, left=left, following=following)
        if ran is None:
            return
        harness, seen, tree = ran
        status = harness.status
        agent = AgentRound(
            number=number,
            harness_failed=status == "failed",
            harness_detail=f"the harness {status}: {harness.report.error_message or ''}".strip(),
            budget_exhausted=status in ("budget-exhausted", "timed-out"),
            budget_detail=f"the agent was stopped ({status}) at the run's cap",
            candidate_tree=tree,
        )
        evidence = RoundEvidence(
            number=number,
            harness=harness.report,
            candidate_tree=tree,
            candidate_ref=candidate_ref(run.run_id, number),
            changes=tuple(summarise(c) for c in seen.changes.changes),
            policy=seen.policy,
            decision="stop",
            harness_status=status,
            harness_duration_s=harness.duration_s,
        )
        stopped = judge_agent_round(agent, base_tree=run.base_tree, previous_tree=previous)
        blocked = policy_reasons(seen.policy)
        if stopped is not None or blocked:
            # No agent-written code ran: the policy is judged before any gate.
            state.reasons = (stopped,) if stopped is not None else blocked
            state.rounds.append(mask_round(_replace(evidence, reasons=state.reasons), run.scanner))
            return
        nxt = await _verify(run, adapters, state, number=number, seen=seen, evidence=evidence)
        if nxt is None:
            return
        following = _Next(findings=nxt.findings, gates=nxt.gates or following.gates, tree=tree)
    state.reasons = (Reason(code="gates-failed", detail="no round passed the gates"),)


async def _agent(
    run: RoundsInput,
    adapters: Adapters,
    state: RoundsState,
    *,
    number: int,
    left: Allowance,
    following: _Next,
) -> tuple[HarnessRun, Inspected, str] | None:
    """Prompt and run the agent, collect its candidate and keep it under its ref."""
    prompt = build_prompt(
        PromptInputs(
            issue=run.issue,
            rules=run.rules,
            allowance=left,
            gates=following.gates,
            round_number=number,
            findings=following.findings,
            comments=run.comments,
            trusted_commenters=run.trusted_commenters,
        )
    )
    written = write_text(
        adapters.records, run.run_id, f"prompts/round-{number}.md", prompt, run.scanner
    )
    if isinstance(written, Failure):
        state.error = Reason(code=written.failure().code, detail=written.failure().message)
        return None
    state.agent_running = True
    ran = await run_harness(
        HarnessRunRequest(
            repo=run.clone,
            prompt_file=written.unwrap(),
            tier=run.harness_tier,
            max_cost_usd=left.max_cost_micros / 1_000_000,
            timeout_s=float(left.max_wall_clock_s),
            transcript_dir=os.path.join(adapters.records.run_dir(run.run_id), "transcripts"),
        ),
        environ=run.environ,
        sandbox=adapters.sandbox,
        config=run.config,
    )
    state.agent_running = False
    if isinstance(ran, Failure):
        problem = ran.failure()
        state.reasons = (
            Reason(code="harness-failed", detail=f"{problem.code}: {problem.message}"),
        )
        return None
    harness = ran.unwrap()
    state.spends.append((harness.report, harness.duration_s))
    state.sandboxed = state.sandboxed and harness.sandboxed
    state.agent_summary = harness.report.result_text or ""
    inspected = await inspect_candidate(
        run.clone,
        run.base_commit,
        names=run.names,
        rules=run.rules,
        gates=run.gates,
        collector=adapters.collector,
        stage=adapters.stage,
        known_secrets=run.known_secrets,
    )
    if isinstance(inspected, Failure):
        state.error = Reason(code=inspected.failure().code, detail=inspected.failure().message)
        return None
    seen = inspected.unwrap()
    tree = seen.changes.tree or run.base_tree
    kept = await adapters.workspace.commit(
        run.mirror,
        run.clone,
        CommitSpec(
            tree=tree,
            parent=run.base_commit,
            author=run.author,
            message=f"engineering-loop run {run.run_id}: candidate of round {number}\n",
            timestamp=run.timestamp,
        ),
        candidate_ref(run.run_id, number),
    )
    if isinstance(kept, Failure):
        state.error = Reason(code=kept.failure().code, detail=kept.failure().message)
        return None
    return harness, seen, tree


async def _verify(
    run: RoundsInput,
    adapters: Adapters,
    state: RoundsState,
    *,
    number: int,
    seen: Inspected,
    evidence: RoundEvidence,
) -> _Next | None:
    """Run the gates, judge the spend, and decide: publish, another round, or stop."""
    report = await run_candidate_gates(
        run.clone,
        seen,
        checkout=adapters.checkout,
        sandbox=adapters.sandbox,
        environ=run.environ,
        timeout_s=max(1.0, run.budget.max_wall_clock_s - _elapsed(run)),
    )
    write_json(
        adapters.records, run.run_id, f"gates/round-{number}.json", _masked_gates(report, run)
    )
    state.sandboxed = state.sandboxed and (report.sandboxed or not report.gates)
    # One reading of the clock for the spend and the allowance, recorded so replay can re-judge.
    elapsed = _elapsed(run)
    spend = judge_run_rounds(
        state.spends, elapsed, run.budget, unknown_cost=run.budget_config.unknown_cost
    )
    state.spend = spend
    decision = decide_after_gates(
        report,
        spend,
        round_number=number,
        max_rounds=run.max_rounds,
        allowance=remaining_allowance(
            run.budget,
            spent_micros=_spent_micros(state),
            elapsed_s=elapsed,
            turns_used=sum(r.num_turns for r, _ in state.spends),
        ),
        scanner=run.scanner,
    )
    evidence = _replace(evidence, gates=report, spend=spend, elapsed_s=elapsed)
    if isinstance(decision, Publish):
        state.rounds.append(mask_round(_replace(evidence, decision="publish"), run.scanner))
        state.publish_tree = evidence.candidate_tree
        return None
    if isinstance(decision, Retry):
        state.rounds.append(mask_round(_replace(evidence, decision="retry"), run.scanner))
        ready = seen.planned.prepared.ready if seen.planned.prepared is not None else ()
        return _Next(findings=decision.findings, gates=ready, tree=evidence.candidate_tree)
    state.reasons = decision.reasons
    state.rounds.append(mask_round(_replace(evidence, reasons=decision.reasons), run.scanner))
    return None


def _masked_gates(report: GateRunReport, run: RoundsInput) -> GateRunReport:
    masked = mask_round(
        RoundEvidence(
            number=0, harness=None, candidate_tree="", candidate_ref="", gates=report, decision=""
        ),
        run.scanner,
    )
    return masked.gates or report


def _spent_micros(state: RoundsState) -> int:
    return sum(round((r.total_cost_usd or 0.0) * 1_000_000) for r, _ in state.spends)


def _replace(evidence: RoundEvidence, **changes: Any) -> RoundEvidence:
    return msgspec.structs.replace(evidence, **changes)
