"""`harness run` with the real Pi when the model's tool call is nested too deep to read."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.scripted_model.server import Reply, ToolCall
from domain.text.depth import MAX_JSON_DEPTH
from tests.integration.test_cli_harness_run import _cli

pytestmark = pytest.mark.integration


def _deep_call() -> ToolCall:
    value: object = "bottom"
    # Hundreds of levels (the scripted server's own `json` stops at about a thousand).
    for _ in range(MAX_JSON_DEPTH * 8):
        value = [value]
    return ToolCall("bash", {"command": "echo hi", "note": value})


def test_deep_tool_call_without_a_cap_fails_closed_with_exit_1_not_70(tmp_path: Path) -> None:
    code, out = _cli(tmp_path, [Reply(tool_calls=(_deep_call(),)), Reply(text="Done.")])
    assert (code, out["status"]) == (1, "failed")
    report = out["report"]
    assert isinstance(report, dict)
    assert isinstance(report["deep_lines"], int)
    assert report["deep_lines"] >= 1
    assert report["total_cost_usd"] is None  # that message's usage is unknown
    # Pi's final agent_end repeats the deep message: whether Pi would retry is unknown.
    assert "nests deeper than" in str(report["error_message"])


def test_deep_tool_call_under_a_cap_stops_the_run_and_exits_1(tmp_path: Path) -> None:
    code, out = _cli(
        tmp_path, [Reply(tool_calls=(_deep_call(),)), Reply(text="Done.")], "--max-cost-usd", "5"
    )
    assert code == 1
    assert out["status"] == "budget-exhausted"
    assert "the cost became unknown" in str(out["cost_stop_detail"])
