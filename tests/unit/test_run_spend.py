"""A real harness transcript judged against a budget: the join of the harness and budget parts."""

from __future__ import annotations

from pathlib import Path

import msgspec

from domain.budget.money import usd_to_micros
from domain.budget.plan import RunBudget
from domain.harness.normalise import normalise_text
from domain.harness.report import HarnessReport
from domain.harness.run_spend import judge_run_spend, observed_spend

PI = Path(__file__).resolve().parents[1] / "fixtures" / "harness" / "pi"


def _budget(cap_usd: float) -> RunBudget:
    return RunBudget(
        day="2026-11-25",
        tier="base",
        max_cost_micros=usd_to_micros(cap_usd),
        max_wall_clock_s=2700,
        max_turns=50,
    )


def _real_pi_report() -> HarnessReport:
    transcript = sorted(PI.glob("*success*.jsonl"))[0]
    return normalise_text("pi", transcript.read_bytes(), 0)


def test_a_reported_cost_above_the_cap_is_over_budget_and_never_published() -> None:
    report = _real_pi_report()
    assert report.cost_reported
    assert report.total_cost_usd
    judgement = judge_run_spend(report, 30.0, _budget(report.total_cost_usd / 2))
    assert (judgement.verdict, judgement.status, judgement.publish_allowed) == (
        "over-budget",
        "budget-exhausted",
        False,
    )


def test_a_reported_cost_under_the_cap_is_charged_as_reported() -> None:
    report = _real_pi_report()
    assert report.total_cost_usd is not None
    judgement = judge_run_spend(report, 30.0, _budget(5.0))
    assert judgement.verdict == "within-budget"
    assert judgement.charge_micros == usd_to_micros(report.total_cost_usd)


def test_a_report_without_cost_charges_the_whole_reservation() -> None:
    report = normalise_text("codex", b'{"type":"turn.completed","usage":{"input_tokens":5}}', 0)
    assert observed_spend(report, 1.0).total_cost_usd is None
    judgement = judge_run_spend(report, 1.0, _budget(2.0))
    assert (judgement.verdict, judgement.charge_micros) == ("cost-unknown", usd_to_micros(2.0))


def _cut_off(report: HarnessReport) -> HarnessReport:
    return msgspec.structs.replace(report, complete=False, is_error=True)


def test_a_cut_off_run_under_the_cap_charges_the_whole_reservation() -> None:
    report = _cut_off(_real_pi_report())
    assert report.total_cost_usd is not None
    judgement = judge_run_spend(report, 30.0, _budget(5.0))
    assert (judgement.verdict, judgement.charge_micros) == ("cost-unknown", usd_to_micros(5.0))


def test_a_cut_off_run_already_over_the_cap_is_over_budget() -> None:
    report = _cut_off(_real_pi_report())
    assert report.total_cost_usd is not None
    judgement = judge_run_spend(report, 30.0, _budget(report.total_cost_usd / 2))
    assert (judgement.verdict, judgement.publish_allowed) == ("over-budget", False)


def test_unreadable_lines_make_the_reported_cost_untrustworthy() -> None:
    report = msgspec.structs.replace(_real_pi_report(), malformed_lines=1)
    assert observed_spend(report, 1.0).total_cost_usd is None
