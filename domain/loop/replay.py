"""Replay: re-derive each round's verdict from a run's record and compare it with the recorded one
(pure; `entrypoints.api.replay` gathers the candidate trees, the policy and the gates).

A round's verdict is its chain: the agent's own result (recorded: the agent is not run again),
the policy, the gates, the spend and the decision. Replay walks the chain with the same rules
the run used (`domain.loop.rounds`) and says, field by field, where then and now differ.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from domain.budget.config import UnknownCostRule
from domain.budget.plan import RunBudget
from domain.changes.change_set import ChangeSummary
from domain.gates.run import GateRunReport
from domain.harness.report import HarnessReport
from domain.loop.outcomes import Reason
from domain.loop.rounds import (
    AgentRound,
    Publish,
    Retry,
    decide_after_gates,
    judge_agent_round,
    remaining_allowance,
)
from domain.loop.spend import judge_run_rounds
from domain.loop.verdict import RoundEvidence, Verdict
from domain.policy.evaluate import PolicyVerdict
from domain.policy.secrets import SecretScanner

# The verdict schemas replay can re-derive: 1 lacks the harness status and the wall clock.
REPLAYABLE_SCHEMAS = (2,)


class GateView(msgspec.Struct, frozen=True, kw_only=True):
    """How one gate ended (its output and duration are not part of the verdict)."""

    name: str
    status: str
    exit_code: int | None
    side_effects: tuple[str, ...] = ()


class RoundView(msgspec.Struct, frozen=True, kw_only=True):
    """One round's verdict as replay compares it; a check not reached is None."""

    tree: str
    changes: tuple[str, ...]
    policy: tuple[str, ...] | None
    gates: tuple[GateView, ...] | None
    gates_verdict: str | None
    spend: str | None
    decision: str
    reasons: tuple[str, ...]


class RoundReplay(msgspec.Struct, frozen=True, kw_only=True):
    """One round then and now, and what differs (empty when they agree)."""

    number: int
    then: RoundView
    now: RoundView
    agrees: bool
    differences: tuple[str, ...] = ()


class ReplayReport(msgspec.Struct, frozen=True, kw_only=True):
    """A whole run replayed: each round, the run's verdict then and now, and `agrees`."""

    run_id: str
    repo: str
    issue: int
    verdict_sha256: str
    # "recorded", or the path of the configuration given with --config.
    config: str
    then: str
    now: str
    agrees: bool
    rounds: tuple[RoundReplay, ...]
    sandboxed: bool
    notices: tuple[str, ...] = ()


def _change(summary: ChangeSummary) -> str:
    return f"{summary.kind} {summary.path}"


def _policy(verdict: PolicyVerdict | None) -> tuple[str, ...] | None:
    if verdict is None:
        return None
    if verdict.allowed:
        return ("allowed",)
    return tuple(sorted(f"{v.code}: {v.path or '(change)'}" for v in verdict.violations)) or (
        "blocked",
    )


def _gates(report: GateRunReport | None) -> tuple[GateView, ...] | None:
    if report is None:
        return None
    ran = tuple(
        GateView(name=g.name, status=g.status, exit_code=g.exit_code, side_effects=g.side_effects)
        for g in report.gates
    )
    refused = tuple(
        GateView(name=r.name, status=f"refused ({r.code})", exit_code=None) for r in report.refusals
    )
    return ran + refused


def view_of(evidence: RoundEvidence) -> RoundView:
    """The comparable view of a round's evidence.

    >>> r = RoundEvidence(number=1, harness=None, candidate_tree="t", candidate_ref="r",
    ...                   decision="stop", reasons=(Reason(code="no-changes", detail="d"),))
    >>> (view_of(r).decision, view_of(r).reasons, view_of(r).policy)
    ('stop', ('no-changes',), None)
    """
    spend = evidence.spend
    return RoundView(
        tree=evidence.candidate_tree,
        changes=tuple(sorted(_change(c) for c in evidence.changes)),
        policy=_policy(evidence.policy),
        gates=_gates(evidence.gates),
        gates_verdict=evidence.gates.verdict if evidence.gates is not None else None,
        spend=None
        if spend is None
        else f"{spend.verdict}, {spend.status}, publish "
        + ("allowed" if spend.publish_allowed else "refused"),
        decision=evidence.decision,
        # One per code: a policy block gives one reason per violation, and `policy` lists those.
        reasons=tuple(dict.fromkeys(r.code for r in evidence.reasons)),
    )


_FIELDS = ("tree", "changes", "policy", "gates_verdict", "gates", "spend", "decision", "reasons")


def _shown(value: object) -> str:
    if value is None:
        return "not reached"
    if isinstance(value, tuple):
        return (
            ", ".join(
                f"{v.name} {v.status}"
                + (f" (exit {v.exit_code})" if v.exit_code is not None else "")
                if isinstance(v, GateView)
                else str(v)
                for v in value
            )
            or "none"
        )
    return str(value)


def differences(then: RoundView, now: RoundView) -> tuple[str, ...]:
    """What differs between a round's verdict then and now, one line per field.

    >>> a = RoundView(tree="t", changes=(), policy=("allowed",), gates=None, gates_verdict=None,
    ...               spend=None, decision="publish", reasons=())
    >>> b = msgspec.structs.replace(a, policy=("path-not-allowed: a.py",), decision="stop")
    >>> differences(a, b)
    ('policy: then allowed, now path-not-allowed: a.py', 'decision: then publish, now stop')
    """
    return tuple(
        f"{name}: then {_shown(getattr(then, name))}, now {_shown(getattr(now, name))}"
        for name in _FIELDS
        if getattr(then, name) != getattr(now, name)
    )


def agent_reasons(
    evidence: RoundEvidence, *, tree: str, base_tree: str, previous_tree: str | None
) -> tuple[Reason, ...]:
    """Why the run ends right after this round's agent, from its recorded harness status and
    the re-collected tree (empty: go on to the policy).

    >>> r = RoundEvidence(number=1, harness=None, candidate_tree="t", candidate_ref="r",
    ...                   decision="stop", harness_status="budget-exhausted")
    >>> [x.code for x in agent_reasons(r, tree="t", base_tree="b", previous_tree=None)]
    ['budget-exhausted']
    """
    status = evidence.harness_status or "completed"
    error = evidence.harness.error_message if evidence.harness is not None else None
    stopped = judge_agent_round(
        AgentRound(
            number=evidence.number,
            harness_failed=status == "failed",
            harness_detail=f"the harness {status}: {error or ''}".strip(),
            budget_exhausted=status in ("budget-exhausted", "timed-out"),
            budget_detail=f"the agent was stopped ({status}) at the run's cap",
            candidate_tree=tree,
        ),
        base_tree=base_tree,
        previous_tree=previous_tree,
    )
    return (stopped,) if stopped is not None else ()


def stopped_round(
    evidence: RoundEvidence,
    *,
    tree: str,
    changes: tuple[ChangeSummary, ...],
    policy: PolicyVerdict,
    reasons: tuple[Reason, ...],
) -> RoundEvidence:
    """The round re-derived when it ended before any gate ran."""
    return msgspec.structs.replace(
        evidence,
        candidate_tree=tree,
        changes=changes,
        policy=policy,
        gates=None,
        spend=None,
        decision="stop",
        reasons=reasons,
    )


def spends_until(verdict: Verdict, number: int) -> list[tuple[HarnessReport, float]]:
    """Every round's harness report and duration up to round `number`, as the run judged them
    (examples in tests/unit/test_loop_replay.py: a verdict needs every configuration section)."""
    return [
        (r.harness, r.harness_duration_s or 0.0)
        for r in verdict.rounds
        if r.number <= number and r.harness is not None
    ]


def judged_round(
    evidence: RoundEvidence,
    *,
    tree: str,
    changes: tuple[ChangeSummary, ...],
    policy: PolicyVerdict,
    gates: GateRunReport,
    spends: Sequence[tuple[HarnessReport, float]],
    budget: RunBudget,
    unknown_cost: UnknownCostRule,
    max_rounds: int,
    scanner: SecretScanner,
) -> RoundEvidence:
    """The round re-derived after its gates ran: the spend judged from the recorded harness
    reports at the recorded wall clock, then publish, retry or stop by the run's own rules."""
    # A round whose spend was never judged then (it stopped earlier) gets the least wall clock
    # it can have used: its harness runs together.
    elapsed = (
        evidence.elapsed_s
        if evidence.elapsed_s is not None
        else sum(duration for _, duration in spends)
    )
    spend = judge_run_rounds(spends, elapsed, budget, unknown_cost=unknown_cost)
    spent = sum(round((r.total_cost_usd or 0.0) * 1_000_000) for r, _ in spends)
    decision = decide_after_gates(
        gates,
        spend,
        round_number=evidence.number,
        max_rounds=max_rounds,
        allowance=remaining_allowance(
            budget,
            spent_micros=spent,
            elapsed_s=elapsed,
            turns_used=sum(r.num_turns for r, _ in spends),
        ),
        scanner=scanner,
    )
    name = "publish" if isinstance(decision, Publish) else "retry"
    if isinstance(decision, Publish | Retry):
        reasons: tuple[Reason, ...] = ()
    else:
        name, reasons = "stop", decision.reasons
    return msgspec.structs.replace(
        evidence,
        candidate_tree=tree,
        changes=changes,
        policy=policy,
        gates=gates,
        spend=spend,
        decision=name,
        reasons=reasons,
    )


def run_verdict(rounds: Sequence[RoundEvidence]) -> str:
    """The run's verdict: the decision of the first round that did not ask for another, with
    its reason codes.

    >>> stop = RoundEvidence(number=2, harness=None, candidate_tree="t", candidate_ref="r",
    ...                      decision="stop", reasons=(Reason(code="stalled", detail=""),))
    >>> retry = msgspec.structs.replace(stop, number=1, decision="retry", reasons=())
    >>> run_verdict([retry, stop])
    'stop (stalled) in round 2'
    """
    for r in rounds:
        if r.decision != "retry":
            codes = sorted({x.code for x in r.reasons})
            return (
                f"{r.decision}"
                + (f" ({', '.join(codes)})" if codes else "")
                + (f" in round {r.number}")
            )
    return "retry (no round ended the run)" if rounds else "no rounds"


def compare_rounds(
    then: Sequence[RoundEvidence], now: Sequence[RoundEvidence]
) -> tuple[RoundReplay, ...]:
    """Each round then beside the same round now."""
    replays = []
    for old, new in zip(then, now, strict=True):
        a, b = view_of(old), view_of(new)
        found = differences(a, b)
        replays.append(
            RoundReplay(number=old.number, then=a, now=b, agrees=not found, differences=found)
        )
    return tuple(replays)
