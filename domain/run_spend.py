"""Joins a harness run to the budget policy: what the run used, judged against its budget."""

from __future__ import annotations

from domain.budget import RunBudget
from domain.budget_config import UnknownCostRule
from domain.harness_report import HarnessReport
from domain.spend import ObservedSpend, SpendJudgement, judge_spend


def observed_spend(report: HarnessReport, duration_s: float) -> ObservedSpend:
    """The budget's view of a harness report: its cost only when the harness reported one.

    >>> from domain.harness_normalise import normalise_text
    >>> report = normalise_text("codex", b'{"type":"turn.completed","usage":{}}', 0)
    >>> observed_spend(report, 12.5)
    ObservedSpend(total_cost_usd=None, num_turns=1, wall_clock_s=12.5)
    """
    cost = report.total_cost_usd if report.cost_reported else None
    return ObservedSpend(total_cost_usd=cost, num_turns=report.num_turns, wall_clock_s=duration_s)


def judge_run_spend(
    report: HarnessReport,
    duration_s: float,
    budget: RunBudget,
    *,
    unknown_cost: UnknownCostRule = "charge-reservation",
) -> SpendJudgement:
    """`judge_spend` over a harness report (`judge_spend(report, budget)` in the issue's words).

    >>> from domain.harness_normalise import normalise_text
    >>> b = RunBudget(day="2026-01-01", tier="base", max_cost_micros=1_000_000,
    ...               max_wall_clock_s=60, max_turns=5)
    >>> report = normalise_text("codex", b'{"type":"turn.completed","usage":{}}', 0)
    >>> judge_run_spend(report, 10.0, b).verdict
    'cost-unknown'
    """
    return judge_spend(observed_spend(report, duration_s), budget, unknown_cost=unknown_cost)
