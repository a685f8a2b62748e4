"""Remediation and stall rules: after each agent round, end the run, publish, or go again.

The order follows the run: the agent's own result first (harness failure, budget exhausted, an
empty or unchanged candidate), then the policy before any agent-written code runs, then the
gates and the spend. Only failed gates earn another round, and only while budget and
`max_rounds` allow; a policy violation never does (the agent does not get to probe the policy).
"""

from __future__ import annotations

import msgspec

from domain.budget.plan import RunBudget
from domain.budget.spend import SpendJudgement
from domain.gates.run import GateResult, GateRunReport
from domain.loop.outcomes import Reason
from domain.policy.evaluate import PolicyVerdict
from domain.policy.secrets import SecretScanner, redact

# How much of a failing gate's output a finding keeps (its last part, where errors are).
MAX_FINDING_OUTPUT_CHARS = 4000
DEFAULT_MAX_ROUNDS = 3


class Allowance(msgspec.Struct, frozen=True, kw_only=True):
    """What is left of the run's budget for the next round: dollars, wall clock and turns."""

    max_cost_micros: int
    max_wall_clock_s: int
    max_turns: int

    @property
    def exhausted(self) -> bool:
        """True when any limit has nothing left."""
        return min(self.max_cost_micros, self.max_wall_clock_s, self.max_turns) <= 0


class Finding(msgspec.Struct, frozen=True, kw_only=True):
    """One failing gate as the next round sees it: argv, how it ended, its output's tail."""

    gate: str
    declared: tuple[str, ...]
    executed: tuple[str, ...]
    status: str
    exit_code: int | None
    # The last part of stdout then stderr, secrets masked, at most MAX_FINDING_OUTPUT_CHARS.
    output: str
    output_cut: bool
    side_effects: tuple[str, ...] = ()


class AgentRound(msgspec.Struct, frozen=True, kw_only=True):
    """What one agent round left: whether the harness failed or ran out, and its candidate."""

    number: int
    harness_failed: bool
    harness_detail: str = ""
    budget_exhausted: bool = False
    budget_detail: str = ""
    candidate_tree: str


class Publish(msgspec.Struct, frozen=True, kw_only=True, tag="publish"):
    """Everything passed: publish the verified candidate."""


class Retry(msgspec.Struct, frozen=True, kw_only=True, tag="retry"):
    """Only gates failed and budget is left: run the agent again with these findings."""

    findings: tuple[Finding, ...]


class Stop(msgspec.Struct, frozen=True, kw_only=True, tag="stop"):
    """The run ends without publishing, for these reasons (`needs-human`)."""

    reasons: tuple[Reason, ...]


RoundDecision = Publish | Retry | Stop


def remaining_allowance(
    budget: RunBudget, *, spent_micros: int, elapsed_s: float, turns_used: int
) -> Allowance:
    """What the run's budget leaves after what its rounds used (never below zero): round 2
    gets the rest, not a fresh budget.

    >>> b = RunBudget(day="d", tier="base", max_cost_micros=5_000_000, max_wall_clock_s=2700,
    ...               max_turns=50)
    >>> remaining_allowance(b, spent_micros=1_500_000, elapsed_s=700.4, turns_used=20)
    Allowance(max_cost_micros=3500000, max_wall_clock_s=1999, max_turns=30)
    """
    return Allowance(
        max_cost_micros=max(0, budget.max_cost_micros - spent_micros),
        # Whole seconds used round up: a fraction of a second is still spent.
        max_wall_clock_s=max(0, budget.max_wall_clock_s - int(-(-elapsed_s // 1))),
        max_turns=max(0, budget.max_turns - turns_used),
    )


def judge_agent_round(
    agent: AgentRound, *, base_tree: str, previous_tree: str | None
) -> Reason | None:
    """The reason the run ends right after an agent round, or None to go on and verify.

    >>> r = AgentRound(number=2, harness_failed=False, candidate_tree="t1")
    >>> judge_agent_round(r, base_tree="t0", previous_tree="t1").code
    'stalled'
    >>> judge_agent_round(r, base_tree="t0", previous_tree=None) is None
    True
    """
    if agent.harness_failed:
        return Reason(code="harness-failed", detail=agent.harness_detail or "the harness failed")
    if agent.budget_exhausted:
        detail = agent.budget_detail or "the run's budget was used up"
        return Reason(code="budget-exhausted", detail=detail)
    if agent.candidate_tree == base_tree:
        return Reason(code="no-changes", detail="the agent changed nothing")
    if agent.candidate_tree == previous_tree:
        return Reason(
            code="stalled",
            detail=f"round {agent.number} left the same tree as round {agent.number - 1}",
        )
    return None


def policy_reasons(verdict: PolicyVerdict) -> tuple[Reason, ...]:
    """One `policy-blocked` reason per violation, naming its code (empty when allowed).

    >>> from domain.policy.violations import Violation
    >>> v = Violation(code="path-not-allowed", path="src/a.py", detail="outside docs/")
    >>> policy_reasons(PolicyVerdict(allowed=False, violations=(v,)))[0].detail
    'path-not-allowed: src/a.py: outside docs/'
    """
    if verdict.allowed:
        return ()
    reasons = tuple(
        Reason(
            code="policy-blocked",
            detail=": ".join(part for part in (v.code, v.path, v.detail) if part),
        )
        for v in verdict.violations
    )
    return reasons or (Reason(code="policy-blocked", detail="the policy refused the change"),)


def _tail(text: str, limit: int) -> tuple[str, bool]:
    """The last `limit` characters of `text`, starting at a line when one starts close by."""
    if len(text) <= limit:
        return text, False
    cut = text[-limit:]
    newline = cut.find("\n")
    if 0 <= newline < limit // 4:
        cut = cut[newline + 1 :]
    return cut, True


def finding(
    result: GateResult, scanner: SecretScanner, limit: int = MAX_FINDING_OUTPUT_CHARS
) -> Finding:
    """A failing gate as a finding: the tail of its output, masked before it is cut (so a secret
    split by the cut cannot slip through half-masked).

    >>> from domain.policy.secrets import compile_scanner
    >>> r = GateResult(name="t", declared=("pytest",), executed=("pytest",), status="failed",
    ...                exit_code=1, duration_s=1.0, stdout="x" * 10 + "\\nE token ghp_" + "a1" * 18)
    >>> finding(r, compile_scanner(), limit=24).output
    'E token <redacted>'
    """
    output = redact(scanner, "\n".join(part for part in (result.stdout, result.stderr) if part))
    tail, cut = _tail(output, limit)
    return Finding(
        gate=result.name,
        declared=result.declared,
        executed=result.executed,
        status=result.status,
        exit_code=result.exit_code,
        output=tail,
        output_cut=cut or result.output_truncated,
        side_effects=result.side_effects,
    )


def _failed(report: GateRunReport) -> tuple[GateResult, ...]:
    return tuple(g for g in report.gates if g.status != "passed" or g.side_effects)


def _gate_reasons(report: GateRunReport) -> tuple[Reason, ...]:
    refused = tuple(
        Reason(code="gates-failed", detail=f"{r.name}: refused ({r.code}): {r.message}")
        for r in report.refusals
    )
    failed = tuple(
        Reason(
            code="gates-failed",
            detail=f"{g.name}: {g.status}"
            + (f" (exit code {g.exit_code})" if g.exit_code is not None else "")
            + (f", touched {', '.join(g.side_effects)}" if g.side_effects else ""),
        )
        for g in _failed(report)
    )
    return refused + failed or (Reason(code="gates-failed", detail="the gates did not pass"),)


def decide_after_gates(
    report: GateRunReport,
    spend: SpendJudgement,
    *,
    round_number: int,
    max_rounds: int,
    allowance: Allowance,
    scanner: SecretScanner,
) -> RoundDecision:
    """Publish, another round with findings, or stop: after the policy passed and the gates ran.

    >>> from domain.policy.secrets import compile_scanner
    >>> ok = SpendJudgement(verdict="within-budget", status="ok", charge_micros=1,
    ...                     publish_allowed=True, limits_held=True, reason="")
    >>> left = Allowance(max_cost_micros=1, max_wall_clock_s=1, max_turns=1)
    >>> decide_after_gates(GateRunReport(repo="r", verdict="passed"), ok, round_number=1,
    ...                    max_rounds=3, allowance=left, scanner=compile_scanner())
    Publish()
    """
    if spend.status == "budget-exhausted":
        return Stop(reasons=(Reason(code="budget-exhausted", detail=spend.reason),))
    if report.passed:
        if spend.publish_allowed:
            return Publish()
        return Stop(reasons=(Reason(code="budget-exhausted", detail=spend.reason),))
    failed = _failed(report)
    # A refused gate is the configuration's problem, not one the agent can fix by trying again.
    if report.refusals or not failed:
        return Stop(reasons=_gate_reasons(report))
    if round_number < max_rounds and not allowance.exhausted:
        return Retry(findings=tuple(finding(g, scanner) for g in failed))
    return Stop(reasons=_gate_reasons(report))
