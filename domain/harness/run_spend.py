"""Joins a harness run to the budget policy: what the run used, judged against its budget."""

from __future__ import annotations

from domain.budget.config import UnknownCostRule
from domain.budget.money import usd_to_micros
from domain.budget.plan import RunBudget
from domain.budget.spend import ObservedSpend, SpendJudgement, judge_spend
from domain.harness.report import HarnessReport


def observed_spend(report: HarnessReport, duration_s: float) -> ObservedSpend:
    """The budget's view of a harness report: its cost only when the harness reported all of it.

    A stream that was cut off (timed out, killed, crashed) or has lines we could not read may
    have spent on messages it never printed, so its partial figure is no cost at all.

    >>> from domain.harness.normalise import normalise_text
    >>> report = normalise_text("codex", b'{"type":"turn.completed","usage":{}}', 0)
    >>> observed_spend(report, 12.5)
    ObservedSpend(total_cost_usd=None, num_turns=1, wall_clock_s=12.5)
    """
    trustworthy = report.cost_reported and report.complete and report.malformed_lines == 0
    cost = report.total_cost_usd if trustworthy else None
    return ObservedSpend(total_cost_usd=cost, num_turns=report.num_turns, wall_clock_s=duration_s)


def judge_run_spend(
    report: HarnessReport,
    duration_s: float,
    budget: RunBudget,
    *,
    unknown_cost: UnknownCostRule = "charge-reservation",
) -> SpendJudgement:
    """`judge_spend` over a harness report (`judge_spend(report, budget)` in the issue's words).

    >>> from domain.harness.normalise import normalise_text
    >>> b = RunBudget(day="2026-01-01", tier="base", max_cost_micros=1_000_000,
    ...               max_wall_clock_s=60, max_turns=5)
    >>> report = normalise_text("codex", b'{"type":"turn.completed","usage":{}}', 0)
    >>> judge_run_spend(report, 10.0, b).verdict
    'cost-unknown'
    """
    observed = observed_spend(report, duration_s)
    partial = report.total_cost_usd if report.cost_reported else None
    over_cap = partial is not None and usd_to_micros(partial) > budget.max_cost_micros
    if observed.total_cost_usd is None and over_cap:
        # Already over the cap on what was printed: over budget whatever else was spent.
        observed = ObservedSpend(
            total_cost_usd=partial, num_turns=observed.num_turns, wall_clock_s=duration_s
        )
    return judge_spend(observed, budget, unknown_cost=unknown_cost)
