"""Remediation and stall rules: which round ends the run, which earns another, with what."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.budget.plan import RunBudget
from domain.budget.spend import SpendJudgement
from domain.gates.run import GateRefusal, GateResult, GateRunReport, GateStatus
from domain.loop.rounds import (
    MAX_FINDING_OUTPUT_CHARS,
    AgentRound,
    Allowance,
    Publish,
    Retry,
    Stop,
    decide_after_gates,
    finding,
    judge_agent_round,
    policy_reasons,
    remaining_allowance,
)
from domain.policy.evaluate import PolicyVerdict
from domain.policy.secrets import KnownSecret, compile_scanner
from domain.policy.violations import Violation

SCANNER = compile_scanner()
OK = SpendJudgement(
    verdict="within-budget", status="ok", charge_micros=1, publish_allowed=True,
    limits_held=True, reason="within budget",
)  # fmt: skip
EXHAUSTED = SpendJudgement(
    verdict="over-budget", status="budget-exhausted", charge_micros=9, publish_allowed=False,
    limits_held=False, reason="spent $5.01 of $5.00",
)  # fmt: skip
LEFT = Allowance(max_cost_micros=1_000_000, max_wall_clock_s=100, max_turns=5)


def _gate(
    status: GateStatus = "failed", *, stdout: str = "", side_effects: tuple[str, ...] = ()
) -> GateResult:
    return GateResult(
        name="tests", declared=("pytest",), executed=("uv", "run", "pytest"),
        status=status,
        exit_code=1 if status == "failed" else 0, duration_s=2.5, stdout=stdout,
        side_effects=side_effects,
    )  # fmt: skip


def _failed_report(*gates: GateResult) -> GateRunReport:
    return GateRunReport(repo="r", verdict="failed", gates=gates or (_gate(),))


def _decide(report: GateRunReport, round_number: int = 1, allowance: Allowance = LEFT) -> object:
    return decide_after_gates(
        report, OK, round_number=round_number, max_rounds=3, allowance=allowance, scanner=SCANNER
    )


def test_a_harness_failure_ends_the_run_before_anything_else() -> None:
    agent = AgentRound(number=1, harness_failed=True, harness_detail="exit 1", candidate_tree="t0")
    reason = judge_agent_round(agent, base_tree="t0", previous_tree=None)
    assert reason is not None
    assert (reason.code, reason.detail) == ("harness-failed", "exit 1")


def test_a_budget_kill_ends_the_run() -> None:
    agent = AgentRound(number=1, harness_failed=False, budget_exhausted=True, candidate_tree="t1")
    reason = judge_agent_round(agent, base_tree="t0", previous_tree=None)
    assert reason is not None
    assert reason.code == "budget-exhausted"


def test_an_empty_candidate_is_no_changes() -> None:
    agent = AgentRound(number=1, harness_failed=False, candidate_tree="t0")
    reason = judge_agent_round(agent, base_tree="t0", previous_tree=None)
    assert reason is not None
    assert reason.code == "no-changes"


def test_the_same_tree_as_the_previous_round_is_stalled() -> None:
    agent = AgentRound(number=2, harness_failed=False, candidate_tree="t1")
    reason = judge_agent_round(agent, base_tree="t0", previous_tree="t1")
    assert reason is not None
    assert reason.code == "stalled"
    assert judge_agent_round(agent, base_tree="t0", previous_tree="t2") is None


def test_each_policy_violation_is_named_in_its_own_reason() -> None:
    verdict = PolicyVerdict(
        allowed=False,
        violations=(
            Violation(code="path-not-allowed", path="src/a.py", detail="outside docs/"),
            Violation(code="too-many-files", path=None, detail="51 > 50"),
        ),
    )
    reasons = policy_reasons(verdict)
    assert [r.code for r in reasons] == ["policy-blocked", "policy-blocked"]
    assert reasons[1].detail == "too-many-files: 51 > 50"
    assert policy_reasons(PolicyVerdict(allowed=True)) == ()


def test_failed_gates_with_budget_left_earn_another_round_with_findings() -> None:
    decision = _decide(_failed_report(_gate(stdout="E assert 1 == 2")))
    assert isinstance(decision, Retry)
    (only,) = decision.findings
    assert (only.executed, only.exit_code, only.output) == (
        ("uv", "run", "pytest"), 1, "E assert 1 == 2",
    )  # fmt: skip


def test_the_last_round_stops_with_gates_failed() -> None:
    decision = _decide(_failed_report(), round_number=3)
    assert isinstance(decision, Stop)
    assert [r.code for r in decision.reasons] == ["gates-failed"]
    assert decision.reasons[0].detail == "tests: failed (exit code 1)"


def test_no_budget_left_stops_with_gates_failed() -> None:
    empty = Allowance(max_cost_micros=0, max_wall_clock_s=100, max_turns=5)
    assert isinstance(_decide(_failed_report(), allowance=empty), Stop)


def test_a_refused_gate_never_earns_a_retry() -> None:
    refusal = GateRefusal(name="x", declared=("make",), code="gate-not-allowed", message="no")
    report = GateRunReport(repo="r", verdict="refused", refusals=(refusal,))
    decision = _decide(report)
    assert isinstance(decision, Stop)
    assert decision.reasons[0].detail == "x: refused (gate-not-allowed): no"


def test_a_gate_that_touched_the_tree_is_a_finding() -> None:
    report = _failed_report(_gate("passed", side_effects=("out.txt",)))
    decision = _decide(report)
    assert isinstance(decision, Retry)
    assert decision.findings[0].side_effects == ("out.txt",)


def test_passing_gates_within_budget_publish() -> None:
    assert _decide(GateRunReport(repo="r", verdict="passed")) == Publish()


def test_spend_over_budget_stops_even_when_gates_passed() -> None:
    decision = decide_after_gates(
        GateRunReport(repo="r", verdict="passed"), EXHAUSTED, round_number=1, max_rounds=3,
        allowance=LEFT, scanner=SCANNER,
    )  # fmt: skip
    assert isinstance(decision, Stop)
    assert decision.reasons[0].code == "budget-exhausted"


def test_a_known_secret_in_gate_output_is_masked_in_the_finding() -> None:
    secret = "s3cr3t-value-of-the-token"
    scanner = compile_scanner(known_values=(KnownSecret(name="MY_TOKEN", value=secret),))
    found = finding(_gate(stdout=f"token={secret}\nfailed"), scanner)
    assert secret not in found.output
    assert "<redacted>" in found.output


def test_round_two_gets_what_is_left_of_the_run_budget() -> None:
    budget = RunBudget(
        day="d", tier="base", max_cost_micros=5_000_000, max_wall_clock_s=600, max_turns=10
    )
    left = remaining_allowance(budget, spent_micros=6_000_000, elapsed_s=599.01, turns_used=3)
    assert left == Allowance(max_cost_micros=0, max_wall_clock_s=0, max_turns=7)
    assert left.exhausted


@given(
    before=st.text(max_size=3 * MAX_FINDING_OUTPUT_CHARS),
    after=st.text(max_size=3 * MAX_FINDING_OUTPUT_CHARS),
)
def test_a_finding_is_bounded_and_never_shows_a_token(before: str, after: str) -> None:
    token = "ghp_" + "Ab1" * 12
    found = finding(_gate(stdout=f"{before} {token} {after}"), SCANNER)
    assert len(found.output) <= MAX_FINDING_OUTPUT_CHARS
    assert token not in found.output
    assert token[:20] not in found.output
