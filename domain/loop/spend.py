"""The run's spend over all its agent rounds: the budget judges the sum, not the last round."""

from __future__ import annotations

from collections.abc import Sequence

from domain.budget.config import UnknownCostRule
from domain.budget.money import usd_to_micros
from domain.budget.plan import RunBudget
from domain.budget.spend import ObservedSpend, SpendJudgement, judge_spend
from domain.harness.report import HarnessReport
from domain.harness.run_spend import observed_spend


def cumulative_spend(
    rounds: Sequence[tuple[HarnessReport, float]], elapsed_s: float
) -> ObservedSpend:
    """What every round used together: the cost only when each round reported all of its own,
    turns summed, and the run's whole wall clock so far.

    >>> from domain.harness.normalise import normalise_text
    >>> r = normalise_text("codex", b'{"type":"turn.completed","usage":{}}', 0)
    >>> cumulative_spend([(r, 1.0), (r, 2.0)], 5.0)
    ObservedSpend(total_cost_usd=None, num_turns=2, wall_clock_s=5.0)
    """
    seen = [observed_spend(report, duration) for report, duration in rounds]
    costs = [s.total_cost_usd for s in seen]
    total = None if any(c is None for c in costs) else sum(c for c in costs if c is not None)
    return ObservedSpend(
        total_cost_usd=total, num_turns=sum(s.num_turns for s in seen), wall_clock_s=elapsed_s
    )


def judge_run_rounds(
    rounds: Sequence[tuple[HarnessReport, float]],
    elapsed_s: float,
    budget: RunBudget,
    *,
    unknown_cost: UnknownCostRule = "charge-reservation",
) -> SpendJudgement:
    """The budget's verdict on every round so far; a cost printed by a cut-off round still
    counts when what was printed is already over the cap.

    >>> from domain.harness.normalise import normalise_text
    >>> b = RunBudget(day="d", tier="base", max_cost_micros=1_000_000, max_wall_clock_s=60,
    ...               max_turns=5)
    >>> r = normalise_text("codex", b'{"type":"turn.completed","usage":{}}', 0)
    >>> judge_run_rounds([(r, 1.0)], 1.0, b).verdict
    'cost-unknown'
    """
    observed = cumulative_spend(rounds, elapsed_s)
    printed = sum(r.total_cost_usd or 0.0 for r, _ in rounds if r.cost_reported)
    if observed.total_cost_usd is None and usd_to_micros(printed) > budget.max_cost_micros:
        observed = ObservedSpend(
            total_cost_usd=printed, num_turns=observed.num_turns, wall_clock_s=elapsed_s
        )
    return judge_spend(observed, budget, unknown_cost=unknown_cost)
