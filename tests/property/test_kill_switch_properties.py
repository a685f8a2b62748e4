"""The live cost kill switch over generated Pi transcripts, through `run_harness` with fakes."""

from __future__ import annotations

import functools
import itertools
import tempfile

import anyio
from hypothesis import example, given
from hypothesis import strategies as st
from returns.result import Success

from domain.harness.run import HarnessRun
from entrypoints.api.harness.run import HarnessRunRequest, run_harness
from tests import pi_events
from tests.fakes.process import FakeProcessRunner, replay
from tests.support.harness_fakes import FakeConfigSource, FakeHarnessHost

# Message costs in hundredths of a cent (up to 5 cents a message). Caps sit half a unit off the
# grid, so no running total equals a cap and float rounding cannot decide a case; the exact
# boundary is a unit test of `cost_cap_reached`.
# A message that used tokens costs something: $0 with tokens is an unpriced model, an unknown cost.
costs = st.lists(st.integers(min_value=1, max_value=500), min_size=1, max_size=8)
caps = st.integers(min_value=0, max_value=2500).map(lambda units: units + 0.5)


def _transcript(message_costs: list[int]) -> list[bytes]:
    replies = [
        pi_events.assistant("step" if i < len(message_costs) - 1 else "Done.", cost=c / 10_000)
        for i, c in enumerate(message_costs)
    ]
    return pi_events.lines([pi_events.header(), *pi_events.attempt(*replies)])


def _run(lines: list[bytes], cap_usd: float | None) -> tuple[HarnessRun, int]:
    runner = FakeProcessRunner({"/opt/pi": replay(lines)})
    with tempfile.TemporaryDirectory() as transcripts:
        host = FakeHarnessHost(
            executables={"pi": "/opt/pi"}, files={"/task.md": 10}, directories={"/repo"}
        )
        request = HarnessRunRequest(
            repo="/repo",
            prompt_file="/task.md",
            harness="pi",
            max_cost_usd=cap_usd,
            transcript_dir=transcripts,
        )
        result = anyio.run(
            functools.partial(
                run_harness,
                request,
                runner=runner,
                host=host,
                config_source=FakeConfigSource(None),
                environ={"PATH": "/opt"},
            )
        )
        assert isinstance(result, Success)
        return result.unwrap(), runner.fed


@given(message_costs=costs, cap=caps)
@example(message_costs=[100, 100, 100], cap=200)  # the cap reached exactly by a message
def test_budget_stop_overspends_by_less_than_one_message(
    message_costs: list[int], cap: int
) -> None:
    run, _ = _run(_transcript(message_costs), cap / 10_000)
    spent = run.report.total_cost_usd
    assert spent is not None
    if run.status == "budget-exhausted":
        assert spent >= cap / 10_000
        assert spent - cap / 10_000 < max(message_costs) / 10_000 + 1e-12
    else:
        assert spent < cap / 10_000


@given(message_costs=costs, cap=caps)
def test_budget_stop_happens_at_the_first_message_that_reaches_the_cap(
    message_costs: list[int], cap: float
) -> None:
    run, fed = _run(_transcript(message_costs), cap / 10_000)
    running = list(itertools.accumulate(message_costs))
    reached = [i for i, total in enumerate(running) if total > cap]
    spent = run.report.total_cost_usd
    assert spent is not None
    if reached:
        assert run.status == "budget-exhausted"
        assert abs(spent - running[reached[0]] / 10_000) < 1e-12
        assert fed < len(_transcript(message_costs))
    else:
        assert run.status == "completed"
        assert abs(spent - running[-1] / 10_000) < 1e-12


_UNREADABLE_LINES = {
    "deep": b'{"type":"message_end","message":' + b"[" * 5000,
    "cut-off": b'{"type":"message_end","message":{"role":"assistant","usage":{"cost":',
    "null-cost": b'{"type":"message_end","message":{"role":"assistant","usage":{"input":1,'
    b'"output":1,"cacheRead":0,"cacheWrite":0,"cost":{"total":null}}}}',
}


@given(
    message_costs=costs,
    at=st.integers(min_value=0, max_value=40),
    kind=st.sampled_from(sorted(_UNREADABLE_LINES)),
)
@example(message_costs=[100, 100], at=0, kind="deep")
def test_cost_lost_to_an_unreadable_line_stops_a_capped_run_at_that_line(
    message_costs: list[int], at: int, kind: str
) -> None:
    lines = _transcript(message_costs)
    position = 1 + at % (len(lines) - 1)  # after the session header, before the last line
    lines.insert(position, _UNREADABLE_LINES[kind])
    cap = (sum(message_costs) + 1) / 10_000  # never reached by the readable messages
    run, fed = _run(lines, cap)
    assert fed == position + 1
    assert run.status == "budget-exhausted"
    assert "the cost became unknown" in (run.cost_stop_detail or "")
    assert run.report.total_cost_usd is None
    assert run.cost_cap_enforcement == "live"


@given(message_costs=costs, kind=st.sampled_from(sorted(_UNREADABLE_LINES)))
def test_without_a_cap_a_lost_cost_stops_nothing(message_costs: list[int], kind: str) -> None:
    lines = _transcript(message_costs)
    lines.insert(1, _UNREADABLE_LINES[kind])
    run, fed = _run(lines, None)
    assert fed == len(lines)
    assert run.status != "budget-exhausted"
    assert run.cost_stop_detail is None
