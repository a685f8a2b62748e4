"""`run_harness` driving the real, pinned Pi against the scripted model server on loopback."""

from __future__ import annotations

import functools
import json
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import anyio
import pytest

from adapters.scripted_model.server import HttpError, Reply, ScriptedModelServer, Step, ToolCall
from domain.budget.plan import RunBudget
from domain.harness.run import HarnessRun
from domain.harness.run_spend import judge_run_spend
from domain.text.depth import MAX_JSON_DEPTH
from entrypoints.api.harness.run import HarnessRunRequest, run_harness
from tests.support.pi_agent import (
    MODEL,
    PI_VERSION,
    PROVIDER,
    message_cost_usd,
    require_pi,
    write_agent_dir,
)

pytestmark = pytest.mark.integration

# Variables of the parent process that the harness must never see.
LEAKS = {"GITHUB_TOKEN": "ghp_must_not_leak", "AWS_SECRET_ACCESS_KEY": "aws_must_not_leak"}


@dataclass
class PiRun:
    """One finished run and what surrounded it."""

    run: HarnessRun
    server: ScriptedModelServer
    repo: Path

    def transcript_events(self) -> list[dict[str, object]]:
        lines = Path(self.run.transcript_path).read_bytes().split(b"\n")
        return [json.loads(line) for line in lines if line.strip()]


def run_pi(
    tmp_path: Path,
    steps: Sequence[Step],
    *,
    prompt: str = "Do the task.",
    max_cost_usd: float | None = None,
    timeout_s: float = 60,
    env_allow: Sequence[str] = (),
    extra_env: dict[str, str] | None = None,
    max_retries: int = 3,
    provider: str = PROVIDER,
) -> PiRun:
    pi = require_pi()
    repo = tmp_path / "repo"
    repo.mkdir()
    prompt_file = tmp_path / "prompt.md"
    prompt_file.write_text(prompt)
    config = tmp_path / "engineering-loop.toml"
    config.write_text(
        "[harness]\n"
        'name = "pi"\n'
        f'provider = "{provider}"\n'
        f'model = "{MODEL}"\n'
        f"binary = {json.dumps(pi)}\n"
        f"env_allow = {json.dumps(list(env_allow))}\n"
    )
    with ScriptedModelServer(steps) as server:
        agent_dir = write_agent_dir(tmp_path / "agent", server.base_url, max_retries=max_retries)
        environ = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(tmp_path / "home"),
            "PI_CODING_AGENT_DIR": str(agent_dir),
            **LEAKS,
            **(extra_env or {}),
        }
        request = HarnessRunRequest(
            repo=str(repo),
            prompt_file=str(prompt_file),
            harness="pi",
            config_path=str(config),
            max_cost_usd=max_cost_usd,
            timeout_s=timeout_s,
            transcript_dir=str(tmp_path / "transcripts"),
        )
        result = anyio.run(functools.partial(run_harness, request, environ=environ))
        return PiRun(run=result.unwrap(), server=server, repo=repo)


def test_run_that_writes_a_file_completes_with_its_cost(tmp_path: Path) -> None:
    done = run_pi(
        tmp_path,
        [
            Reply(
                text="Writing it.",
                tool_calls=(ToolCall("write", {"path": "hello.txt", "content": "hello\n"}),),
                prompt_tokens=1000,
                completion_tokens=50,
            ),
            Reply(text="Wrote hello.txt.", prompt_tokens=1100, completion_tokens=10),
        ],
        prompt="Create hello.txt.",
    )
    assert done.run.status == "completed"
    assert done.run.exit_code == 0
    assert (done.repo / "hello.txt").read_text() == "hello\n"
    assert done.run.report.result_text == "Wrote hello.txt."
    expected = message_cost_usd(1000, 50) + message_cost_usd(1100, 10)
    assert done.run.report.total_cost_usd == pytest.approx(expected)


def test_transcript_is_kept_verbatim_as_evidence(tmp_path: Path) -> None:
    done = run_pi(tmp_path, [Reply(text="Nothing to do.")])
    transcript = Path(done.run.transcript_path)
    assert transcript.parent == tmp_path / "transcripts"
    events = done.transcript_events()
    assert events[0]["type"] == "session"
    assert events[-1]["type"] == "agent_end"


def test_prompt_reaches_the_model_through_stdin_however_long(tmp_path: Path) -> None:
    # Far beyond what a single argv string may hold on Linux (MAX_ARG_STRLEN is 128 KiB).
    prompt = "Task: " + "x" * 300_000 + " END"
    done = run_pi(tmp_path, [Reply(text="Read it.")], prompt=prompt)
    assert done.run.status == "completed"
    messages = done.server.requests[0].body["messages"]
    assert messages[-1]["role"] == "user"
    content = messages[-1]["content"]
    text = content if isinstance(content, str) else "".join(part["text"] for part in content)
    assert text == prompt


def test_http_500_on_every_attempt_is_failed_although_pi_exits_0(tmp_path: Path) -> None:
    done = run_pi(tmp_path, [HttpError(status=500) for _ in range(4)])
    assert done.run.exit_code == 0
    assert done.run.status == "failed"
    assert done.run.report.retries == 3
    assert len(done.server.requests) == 4
    assert "500" in (done.run.report.error_message or "")


def test_http_500_then_success_is_completed_after_a_retry(tmp_path: Path) -> None:
    done = run_pi(tmp_path, [HttpError(status=500), Reply(text="Recovered.")])
    assert done.run.status == "completed"
    assert done.run.report.retries >= 1
    assert done.run.report.result_text == "Recovered."


def test_cost_kill_switch_stops_pi_within_one_message_of_the_cap(tmp_path: Path) -> None:
    per_message = message_cost_usd(1000, 100)  # $0.013
    steps = [
        Reply(
            tool_calls=(ToolCall("bash", {"command": f"echo step {n}"}),),
            prompt_tokens=1000,
            completion_tokens=100,
        )
        for n in range(10)
    ]
    cap = 2.5 * per_message
    done = run_pi(tmp_path, steps, max_cost_usd=cap)
    assert done.run.status == "budget-exhausted"
    spent = done.run.report.total_cost_usd
    assert spent is not None
    assert cap <= spent <= cap + per_message
    # Pi was stopped before it could ask the model again.
    assert len(done.server.requests) == 3
    assert done.server.remaining_steps == 7


def test_wall_clock_limit_kills_a_stuck_run(tmp_path: Path) -> None:
    started = time.monotonic()
    done = run_pi(tmp_path, [Reply(text="too late", delay_s=60)], timeout_s=4)
    assert done.run.status == "timed-out"
    assert time.monotonic() - started < 20
    assert done.run.report.is_error
    assert not done.run.report.complete


def test_harness_sees_only_the_allowlisted_environment(tmp_path: Path) -> None:
    done = run_pi(
        tmp_path,
        [
            Reply(tool_calls=(ToolCall("bash", {"command": "env"}),)),
            Reply(text="Printed the environment."),
        ],
        env_allow=["SCRIPTED_ALLOWED"],
        extra_env={"SCRIPTED_ALLOWED": "allowed-value", "SCRIPTED_DENIED": "denied-value"},
    )
    assert done.run.status == "completed"
    printed = [
        event
        for event in done.transcript_events()
        if event["type"] == "tool_execution_end" and event.get("toolName") == "bash"
    ]
    assert len(printed) == 1
    result = printed[0]["result"]
    assert isinstance(result, dict)
    output = "".join(part["text"] for part in result["content"])
    names = {line.split("=", 1)[0] for line in output.splitlines() if "=" in line}
    assert "SCRIPTED_ALLOWED=allowed-value" in output
    assert {"PATH", "HOME", "PI_CODING_AGENT_DIR"} <= names
    for secret in (*LEAKS, "SCRIPTED_DENIED"):
        assert secret not in names
    for value in (*LEAKS.values(), "denied-value"):
        assert value not in output


def test_installed_pi_is_the_locked_version() -> None:
    done = subprocess.run(
        [require_pi(), "--version"], capture_output=True, timeout=60, check=False, text=True
    )
    # Pi 0.73.1 prints its version on stderr.
    assert (done.stdout + done.stderr).strip() == PI_VERSION


def test_timed_out_run_leaves_no_tool_process_behind(tmp_path: Path) -> None:
    # Pi runs bash tools in process groups of their own; only its SIGTERM handler stops them.
    marker = tmp_path / "repo" / "written-after-the-run.txt"
    done = run_pi(
        tmp_path,
        [Reply(tool_calls=(ToolCall("bash", {"command": f"sleep 3; echo late > {marker}"}),))],
        timeout_s=3,
    )
    assert done.run.status == "timed-out"
    # The tool started at least 1 s into the run, so an orphan would have written by now.
    time.sleep(5)
    assert not marker.exists()


def test_start_up_failure_is_failed_with_pi_s_reason_on_stderr(tmp_path: Path) -> None:
    # A built-in provider whose key the allowlist does not pass: Pi stops before any model call.
    done = run_pi(
        tmp_path,
        [Reply(text="never asked")],
        provider="anthropic",
        extra_env={"ANTHROPIC_API_KEY": "sk-ant-not-allowed"},
    )
    assert (done.run.status, done.run.exit_code) == ("failed", 1)
    assert "No API key found for anthropic" in done.run.stderr
    assert done.server.requests == []


def _nested(levels: int) -> object:
    value: object = "bottom"
    for _ in range(levels):
        value = [value]
    return value


def test_pi_is_stopped_once_a_tool_call_too_deep_to_read_makes_its_cost_unknown(
    tmp_path: Path,
) -> None:
    # The model shapes its tool calls and Pi prints them in its events: a call nested deeper
    # than the bound hides that message's usage, so the cap cannot hold and the run stops.
    deep = ToolCall("bash", {"command": "echo hi", "note": _nested(MAX_JSON_DEPTH + 10)})
    steps = [Reply(tool_calls=(deep,))] + [Reply(text=f"step {n}") for n in range(5)]
    done = run_pi(tmp_path, steps, max_cost_usd=5.0)
    assert done.run.status == "budget-exhausted"
    assert "the cost became unknown" in (done.run.cost_stop_detail or "")
    assert done.run.cost_cap_enforcement == "live"
    assert done.run.report.deep_lines >= 1
    assert done.run.report.total_cost_usd is None
    # Pi never asked the model again, and the budget charges the run its whole reservation.
    assert len(done.server.requests) == 1
    budget = RunBudget(
        day="2026-01-01", tier="base", max_cost_micros=5_000_000, max_wall_clock_s=600, max_turns=50
    )
    judgement = judge_run_spend(done.run.report, done.run.duration_s, budget)
    assert (judgement.verdict, judgement.charge_micros) == ("cost-unknown", 5_000_000)


def test_pi_tool_call_nested_within_the_bound_is_read_and_the_cap_still_holds(
    tmp_path: Path,
) -> None:
    shallow = ToolCall("bash", {"command": "echo hi", "note": _nested(MAX_JSON_DEPTH - 10)})
    done = run_pi(tmp_path, [Reply(tool_calls=(shallow,)), Reply(text="Done.")], max_cost_usd=5.0)
    assert done.run.status == "completed"
    assert (done.run.report.deep_lines, done.run.report.malformed_lines) == (0, 0)
    assert done.run.report.total_cost_usd is not None
