"""Properties of a run's spend over its rounds (`domain.loop.spend`)."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from domain.budget.money import usd_to_micros
from domain.budget.plan import RunBudget
from domain.harness.report import HarnessReport, HarnessUsage
from domain.loop.spend import cumulative_spend, judge_run_rounds

BUDGET = RunBudget(
    day="2026-01-01", tier="base", max_cost_micros=5_000_000, max_wall_clock_s=600, max_turns=50
)


@st.composite
def rounds(draw: st.DrawFn) -> tuple[HarnessReport, float]:
    reported = draw(st.booleans())
    complete = draw(st.booleans())
    cost = draw(st.floats(min_value=0, max_value=20, allow_nan=False)) if reported else None
    report = HarnessReport(
        harness="pi",
        complete=complete,
        is_error=not complete,
        error_message=None,
        stop_reason="stop",
        result_text="",
        num_turns=draw(st.integers(min_value=0, max_value=30)),
        retries=0,
        compactions=0,
        usage=HarnessUsage(),
        total_cost_usd=cost,
        cost_reported=reported,
        models=(),
        unknown_events=0,
        malformed_lines=draw(st.sampled_from([0, 0, 1])),
    )
    return report, draw(st.floats(min_value=0, max_value=600, allow_nan=False))


def _trusted(report: HarnessReport) -> bool:
    return report.cost_reported and report.complete and report.malformed_lines == 0


@given(st.lists(rounds(), max_size=4), st.floats(min_value=0, max_value=3600, allow_nan=False))
def test_cumulative_cost_is_known_only_when_every_round_reported_all_of_it(
    done: list[tuple[HarnessReport, float]], elapsed: float
) -> None:
    observed = cumulative_spend(done, elapsed)
    assert (observed.total_cost_usd is not None) == all(_trusted(r) for r, _ in done)
    assert observed.num_turns == sum(r.num_turns for r, _ in done)
    assert observed.wall_clock_s == elapsed


@given(st.lists(rounds(), min_size=1, max_size=4))
@example(
    [
        (
            HarnessReport(
                harness="pi",
                complete=False,
                is_error=True,
                error_message=None,
                stop_reason=None,
                result_text=None,
                num_turns=1,
                retries=0,
                compactions=0,
                usage=HarnessUsage(),
                total_cost_usd=6.0,
                cost_reported=True,
                models=(),
                unknown_events=0,
                malformed_lines=0,
            ),
            1.0,
        )
    ]
)
def test_printed_cost_over_the_cap_never_publishes(done: list[tuple[HarnessReport, float]]) -> None:
    printed = sum(r.total_cost_usd or 0.0 for r, _ in done if r.cost_reported)
    judged = judge_run_rounds(done, 1.0, BUDGET)
    if usd_to_micros(printed) > BUDGET.max_cost_micros:
        assert not judged.publish_allowed
        assert judged.charge_micros >= BUDGET.max_cost_micros
