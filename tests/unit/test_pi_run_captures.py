"""Fast checks over the real Pi runs that `run_harness` stopped or sandboxed (captured fixtures).

`tests/fixtures/harness/pi/` holds what the real Pi 0.73.1 printed when `run_harness` stopped it
at its cost cap (`cost-kill-switch`), at its wall clock (`wall-clock-timeout`), and what its bash
tool saw of the environment (`env-allowlist`); `tests/support/capture_pi_fixtures.py` captures
them. Here they are replayed through the in-memory runner, no Pi needed.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import anyio
import pytest

from domain.harness.command import build_command
from domain.harness.config import HarnessSettings, resolve_harness
from domain.harness.normalise import normalise_text
from domain.harness.run import HarnessRun
from entrypoints.api.harness.run import HarnessRunRequest, run_harness
from tests.fakes.process import FakeProcessRunner, hangs
from tests.support.harness_fakes import FakeConfigSource, FakeHarnessHost

FIXTURES = Path(__file__).parent.parent / "fixtures" / "harness" / "pi"
PI = "/opt/pi/bin/pi"
# What Pi and its bash add to the environment the loop gives Pi (not ours to allow or deny).
PI_OWN_VARIABLES = {"PI_CODING_AGENT", "PI_OFFLINE", "PI_SKIP_VERSION_CHECK", "PWD", "SHLVL", "_"}


def _meta(name: str) -> dict[str, Any]:
    meta: dict[str, Any] = json.loads((FIXTURES / "capture" / f"{name}.json").read_text())
    return meta


def _transcript(name: str) -> str:
    return (FIXTURES / f"{name}.jsonl").read_text()


def _replay_run(tmp_path: Path, name: str, **request: Any) -> tuple[HarnessRun, FakeProcessRunner]:
    """`run_harness` over a Pi that prints the capture and then, like the real one, goes on."""
    runner = FakeProcessRunner({PI: lambda _: hangs(_transcript(name))})
    host = FakeHarnessHost(executables={"pi": PI}, files={"/task.md": 10}, directories={"/repo"})
    result = anyio.run(
        functools.partial(
            run_harness,
            HarnessRunRequest(
                repo="/repo",
                prompt_file="/task.md",
                harness="pi",
                transcript_dir=str(tmp_path),
                **request,
            ),
            runner=runner,
            host=host,
            config_source=FakeConfigSource(),
            environ={"PATH": "/opt/pi/bin", "HOME": "/home/u"},
        )
    )
    return result.unwrap(), runner


def test_captured_kill_switch_run_stops_at_the_line_the_real_run_stopped_at(
    tmp_path: Path,
) -> None:
    meta = _meta("cost-kill-switch")
    cap = meta["run_harness"]["max_cost_usd"]
    run, runner = _replay_run(tmp_path, "cost-kill-switch", max_cost_usd=cap)
    assert (run.status, run.cost_cap_enforcement) == ("budget-exhausted", "live")
    # The real runner stopped Pi at the message_end that reached the cap, the capture's last line.
    assert runner.fed == _transcript("cost-kill-switch").count("\n")
    per_message = meta["expected"]["total_cost_usd"] / meta["expected"]["assistant_replies"]
    spent = run.report.total_cost_usd
    assert spent is not None
    assert cap <= spent <= cap + per_message


def test_captured_kill_switch_run_with_a_lower_cap_stops_a_message_earlier(
    tmp_path: Path,
) -> None:
    meta = _meta("cost-kill-switch")
    per_message = meta["expected"]["total_cost_usd"] / meta["expected"]["assistant_replies"]
    run, runner = _replay_run(tmp_path, "cost-kill-switch", max_cost_usd=1.5 * per_message)
    assert run.status == "budget-exhausted"
    assert run.report.total_cost_usd == pytest.approx(2 * per_message)
    assert runner.fed < _transcript("cost-kill-switch").count("\n")


def test_captured_wall_clock_run_is_timed_out_and_cut_off(tmp_path: Path) -> None:
    meta = _meta("wall-clock-timeout")
    run, _ = _replay_run(tmp_path, "wall-clock-timeout", timeout_s=meta["run_harness"]["timeout_s"])
    assert run.status == "timed-out"
    assert (run.report.complete, run.report.is_error, run.report.num_turns) == (False, True, 0)
    # Pi had sent its request and was waiting: nothing answered, nothing spent that we know of.
    assert (run.report.total_cost_usd, meta["model_requests"]) == (None, 1)


def _environment_seen(name: str) -> dict[str, str]:
    """What Pi's bash tool printed of its environment (`env | sort`)."""
    for line in _transcript(name).splitlines():
        event = json.loads(line)
        if event["type"] == "tool_execution_end" and event["toolName"] == "bash":
            text = "".join(part["text"] for part in event["result"]["content"])
            return dict(entry.split("=", 1) for entry in text.splitlines() if "=" in entry)
    raise AssertionError(f"{name} has no bash tool output")


def test_captured_environment_holds_the_allowlist_and_nothing_else() -> None:
    seen = _environment_seen("env-allowlist")
    assert seen["SCRIPTED_ALLOWED"] == "allowed-value"
    leaks = {"GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "SCRIPTED_DENIED"}
    assert not leaks & set(seen)
    text = _transcript("env-allowlist")
    assert not any(value in text for value in ("ghp_must_not_leak", "aws_must_not_leak"))
    assert "denied-value" not in text


def test_environment_the_loop_builds_is_the_one_the_real_pi_saw() -> None:
    # The capture ran with these parent variables; the domain's allowlist must pick out exactly
    # the ones Pi showed (Pi and bash add their own, listed in PI_OWN_VARIABLES).
    meta = _meta("env-allowlist")
    parent = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp/pi-fixture/home",
        "PI_CODING_AGENT_DIR": "/tmp/pi-fixture/agent",
        "GITHUB_TOKEN": "ghp_must_not_leak",
        "AWS_SECRET_ACCESS_KEY": "aws_must_not_leak",
        "SCRIPTED_ALLOWED": "allowed-value",
        "SCRIPTED_DENIED": "denied-value",
    }
    settings = HarnessSettings(env_allow=tuple(meta["run_harness"]["env_allow"]))
    command = build_command(resolve_harness(settings).unwrap(), executable=PI, parent_env=parent)
    assert set(_environment_seen("env-allowlist")) - PI_OWN_VARIABLES == set(command.env)


def test_captured_environment_run_completes() -> None:
    report = normalise_text("pi", _transcript("env-allowlist").encode(), 0)
    assert (report.complete, report.is_error, report.result_text) == (
        True,
        False,
        "Printed the environment.",
    )
