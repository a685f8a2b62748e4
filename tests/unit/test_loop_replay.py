"""Replay's pure part: re-deriving a round by the run's own rules, and comparing then with now."""

from __future__ import annotations

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from domain.budget.config import BudgetConfig
from domain.budget.plan import RunBudget
from domain.gates.declared import GatesConfig
from domain.gates.run import GateResult, GateRunReport, GateStatus
from domain.harness.config import HarnessSettings, resolve_harness
from domain.harness.report import HarnessReport, HarnessUsage
from domain.loop.outcomes import Reason
from domain.loop.replay import (
    REPLAYABLE_SCHEMAS,
    agent_reasons,
    compare_rounds,
    differences,
    judged_round,
    run_verdict,
    spends_until,
    view_of,
)
from domain.loop.verdict import RoundEvidence, Verdict, VerdictConfig, encode_verdict
from domain.policy.evaluate import PolicyRules, PolicyVerdict
from domain.policy.secrets import compile_scanner

SCANNER = compile_scanner()
BUDGET = RunBudget(
    day="2026-12-07", tier="base", max_cost_micros=1_000_000, max_wall_clock_s=600, max_turns=20
)
ALLOWED = PolicyVerdict(allowed=True)


def _harness(cost: float = 0.1, turns: int = 2) -> HarnessReport:
    return HarnessReport(
        harness="pi", complete=True, is_error=False, error_message=None, stop_reason="stop",
        result_text="done", num_turns=turns, retries=0, compactions=0, usage=HarnessUsage(),
        total_cost_usd=cost, cost_reported=True, models=("m",), unknown_events=0,
        malformed_lines=0,
    )  # fmt: skip


def _gates(status: GateStatus, stdout: str = "", duration: float = 1.0) -> GateRunReport:
    gate = GateResult(
        name="pytest", declared=("pytest",), executed=("uv", "run", "pytest"), status=status,
        exit_code=0 if status == "passed" else 1, duration_s=duration, stdout=stdout,
    )  # fmt: skip
    return GateRunReport(
        repo="r", verdict="passed" if status == "passed" else "failed", gates=(gate,)
    )


def _round(number: int = 1, **changes: object) -> RoundEvidence:
    base = RoundEvidence(
        number=number, harness=_harness(), candidate_tree=f"t{number}",
        candidate_ref=f"refs/engineering-loop/runs/r/round-{number}", policy=ALLOWED,
        decision="stop", harness_status="completed", harness_duration_s=10.0, elapsed_s=30.0,
    )  # fmt: skip
    return msgspec.structs.replace(base, **changes)


def _judge(evidence: RoundEvidence, gates: GateRunReport, **kwargs: object) -> RoundEvidence:
    options: dict[str, object] = {
        "spends": [(evidence.harness, 10.0)],
        "budget": BUDGET,
        "unknown_cost": "charge-reservation",
        "max_rounds": 3,
        **kwargs,
    }
    return judged_round(
        evidence,
        tree=evidence.candidate_tree,
        changes=(),
        policy=ALLOWED,
        gates=gates,
        scanner=SCANNER,
        **options,  # type: ignore[arg-type]  # the keyword values are typed by judged_round
    )


def test_passing_gates_within_budget_are_published() -> None:
    assert _judge(_round(), _gates("passed")).decision == "publish"


def test_failed_gates_earn_another_round_only_below_max_rounds() -> None:
    assert _judge(_round(), _gates("failed")).decision == "retry"
    stopped = _judge(_round(), _gates("failed"), max_rounds=1)
    assert (stopped.decision, [r.code for r in stopped.reasons]) == ("stop", ["gates-failed"])


def test_the_recorded_wall_clock_is_what_the_spend_and_the_allowance_are_judged_at() -> None:
    # No time left: failed gates get no other round.
    late = _judge(_round(elapsed_s=601.0), _gates("failed"))
    assert (late.decision, [r.code for r in late.reasons]) == ("stop", ["gates-failed"])
    # An unknown cost may publish only while the wall clock held.
    unknown = _round(harness=msgspec.structs.replace(_harness(), cost_reported=False))
    spends = [(unknown.harness, 10.0)]
    assert _judge(unknown, _gates("passed"), spends=spends).decision == "publish"
    over = msgspec.structs.replace(unknown, elapsed_s=601.0)
    refused = _judge(over, _gates("passed"), spends=spends)
    assert (refused.decision, [r.code for r in refused.reasons]) == ("stop", ["budget-exhausted"])


def test_a_recorded_cost_over_the_cap_stops_the_round() -> None:
    spent = _round(harness=_harness(cost=2.0))
    judged = _judge(spent, _gates("passed"), spends=[(spent.harness, 10.0)])
    assert [r.code for r in judged.reasons] == ["budget-exhausted"]


def test_the_agents_recorded_status_and_the_trees_decide_before_the_policy() -> None:
    killed = _round(harness_status="budget-exhausted")
    assert [
        r.code for r in agent_reasons(killed, tree="t1", base_tree="t0", previous_tree=None)
    ] == ["budget-exhausted"]
    second = _round(2)
    stalled = agent_reasons(second, tree="t1", base_tree="t0", previous_tree="t1")
    assert [r.code for r in stalled] == ["stalled"]
    assert agent_reasons(second, tree="t2", base_tree="t0", previous_tree="t1") == ()
    assert [
        r.code for r in agent_reasons(second, tree="t0", base_tree="t0", previous_tree="t1")
    ] == ["no-changes"]


def test_a_changed_gate_status_is_a_named_difference() -> None:
    then = _round(gates=_gates("passed"), decision="publish")
    now = _round(gates=_gates("failed"), decision="retry")
    found = differences(view_of(then), view_of(now))
    assert found[0] == "gates_verdict: then passed, now failed"
    assert "gates: then pytest passed (exit 0), now pytest failed (exit 1)" in found
    assert "decision: then publish, now retry" in found


@given(st.text(max_size=40), st.floats(min_value=0, max_value=1e6), st.text(max_size=20))
def test_a_round_agrees_with_itself_whatever_its_output_duration_or_reason_text(
    stdout: str, duration: float, detail: str
) -> None:
    then = _round(gates=_gates("failed"), reasons=(Reason(code="gates-failed", detail="x"),))
    now = _round(
        gates=_gates("failed", stdout=stdout, duration=duration),
        reasons=(Reason(code="gates-failed", detail=detail),),
    )
    (compared,) = compare_rounds([then], [now])
    assert compared.agrees
    assert compared.differences == ()


def test_the_run_verdict_is_the_first_round_that_did_not_retry() -> None:
    rounds = [_round(decision="retry"), _round(2, decision="publish")]
    assert run_verdict(rounds) == "publish in round 2"
    assert run_verdict([]) == "no rounds"


def _verdict(rounds: tuple[RoundEvidence, ...]) -> Verdict:
    return Verdict(
        run_id="r", repo="a/b", issue=1, issue_sha256="0" * 64, base_commit="b" * 40,
        config=VerdictConfig(
            policy=PolicyRules(), budget=BudgetConfig(),
            harness=resolve_harness(HarnessSettings()).unwrap(), gates=GatesConfig(),
        ),
        budget=BUDGET, rounds=rounds,
    )  # fmt: skip


def test_spends_until_takes_every_round_up_to_the_one_judged() -> None:
    verdict = _verdict((_round(), _round(2, harness_duration_s=20.0), _round(3)))
    assert [d for _, d in spends_until(verdict, 2)] == [10.0, 20.0]


def test_a_schema_1_verdict_still_decodes_but_is_not_replayable() -> None:
    data = encode_verdict(_verdict((_round(),)))
    older = data.replace(b'"schema":2', b'"schema":1')
    decoded = msgspec.json.decode(older, type=Verdict)
    assert decoded.schema == 1
    assert 1 not in REPLAYABLE_SCHEMAS
    assert 2 in REPLAYABLE_SCHEMAS
    # A schema-1 record lacks the new fields: they decode to their "not recorded" defaults.
    stripped = msgspec.json.decode(older)
    for r in stripped["rounds"]:
        for key in ("harness_status", "harness_duration_s", "elapsed_s"):
            del r[key]
    del stripped["config"]["max_rounds"]
    old = msgspec.convert(stripped, Verdict)
    assert (old.rounds[0].harness_status, old.config.max_rounds) == (None, 3)
