"""`run_harness` driving the real, pinned Claude Code against the scripted Messages API server."""

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
from domain.harness.run import HarnessRun
from entrypoints.api.harness.run import HarnessRunRequest, run_harness
from tests.support.claude_agent import (
    CLAUDE_VERSION,
    MODEL,
    claude_environment,
    message_cost_usd,
    require_claude,
)

pytestmark = pytest.mark.integration

LEAKS = {"GITHUB_TOKEN": "ghp_must_not_leak", "AWS_SECRET_ACCESS_KEY": "aws_must_not_leak"}


@dataclass
class ClaudeRun:
    """One finished run and what surrounded it."""

    run: HarnessRun
    server: ScriptedModelServer
    repo: Path

    def transcript_events(self) -> list[dict[str, object]]:
        lines = Path(self.run.transcript_path).read_bytes().split(b"\n")
        return [json.loads(line) for line in lines if line.strip()]


def run_claude(
    tmp_path: Path,
    steps: Sequence[Step],
    *,
    extra_args: Sequence[str] = ("--permission-mode", "acceptEdits"),
    timeout_s: float = 60,
    extra_env: dict[str, str] | None = None,
) -> ClaudeRun:
    claude = require_claude()
    repo = tmp_path / "repo"
    repo.mkdir()
    prompt_file = tmp_path / "prompt.md"
    prompt_file.write_text("Do the task.")
    config = tmp_path / "engineering-loop.toml"
    config.write_text(
        "[harness]\n"
        'name = "claude"\n'
        f'model = "{MODEL}"\n'
        f"binary = {json.dumps(claude)}\n"
        'env_allow = ["ANTHROPIC_API_KEY"]\n'
        f"extra_args = {json.dumps(list(extra_args))}\n"
    )
    with ScriptedModelServer(steps, api="anthropic-messages") as server:
        environ = {
            **claude_environment(tmp_path / "home", server.root_url),
            **LEAKS,
            **(extra_env or {}),
        }
        request = HarnessRunRequest(
            repo=str(repo),
            prompt_file=str(prompt_file),
            config_path=str(config),
            timeout_s=timeout_s,
            transcript_dir=str(tmp_path / "transcripts"),
        )
        result = anyio.run(functools.partial(run_harness, request, environ=environ))
        return ClaudeRun(run=result.unwrap(), server=server, repo=repo)


def test_run_that_writes_a_file_completes_with_claude_s_own_cost(tmp_path: Path) -> None:
    target = tmp_path / "repo" / "hello.txt"
    done = run_claude(
        tmp_path,
        [
            Reply(
                tool_calls=(ToolCall("Write", {"file_path": str(target), "content": "hello\n"}),),
                prompt_tokens=1000,
                completion_tokens=50,
            ),
            Reply(text="Wrote hello.txt.", prompt_tokens=1100, completion_tokens=10),
        ],
    )
    assert done.run.status == "completed"
    assert target.read_text() == "hello\n"
    assert done.run.report.result_text == "Wrote hello.txt."
    expected = message_cost_usd(1000, 50) + message_cost_usd(1100, 10)
    assert done.run.report.total_cost_usd == pytest.approx(expected)
    assert done.transcript_events()[-1]["type"] == "result"


def test_http_500_on_every_attempt_is_failed(tmp_path: Path) -> None:
    done = run_claude(tmp_path, [HttpError(status=500) for _ in range(4)])
    assert done.run.status == "failed"
    assert done.run.report.is_error
    assert "500" in (done.run.report.error_message or "")
    # CLAUDE_CODE_MAX_RETRIES=1: the first call and one retry.
    assert len(done.server.requests) == 2


def test_http_500_then_success_is_completed_after_a_retry(tmp_path: Path) -> None:
    done = run_claude(tmp_path, [HttpError(status=500), Reply(text="Recovered.")])
    assert done.run.status == "completed"
    assert done.run.report.retries >= 1
    assert done.run.report.result_text == "Recovered."


def test_wall_clock_limit_kills_a_stuck_run(tmp_path: Path) -> None:
    started = time.monotonic()
    done = run_claude(tmp_path, [Reply(text="too late", delay_s=60)], timeout_s=4)
    assert done.run.status == "timed-out"
    assert time.monotonic() - started < 20
    assert not done.run.report.complete


def test_harness_sees_only_the_allowlisted_environment(tmp_path: Path) -> None:
    done = run_claude(
        tmp_path,
        [
            Reply(tool_calls=(ToolCall("Bash", {"command": "env", "description": "print env"}),)),
            Reply(text="Printed the environment."),
        ],
        extra_args=("--permission-mode", "acceptEdits", "--allowedTools", "Bash(env)"),
        extra_env={"SCRIPTED_DENIED": "denied-value"},
    )
    assert done.run.status == "completed"
    results = []
    for event in done.transcript_events():
        message = event.get("message")
        if event["type"] == "user" and isinstance(message, dict):
            results += [p for p in message["content"] if p.get("type") == "tool_result"]
    assert len(results) == 1
    output = str(results[0]["content"])
    names = {line.split("=", 1)[0] for line in output.splitlines() if "=" in line}
    assert {"PATH", "HOME", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"} <= names
    for secret in (*LEAKS, "SCRIPTED_DENIED"):
        assert secret not in names
    for value in (*LEAKS.values(), "denied-value"):
        assert value not in output


def test_installed_claude_is_the_locked_version() -> None:
    done = subprocess.run(
        [require_claude(), "--version"], capture_output=True, timeout=60, check=False, text=True
    )
    assert done.stdout.strip().startswith(CLAUDE_VERSION)


def test_timed_out_run_leaves_no_tool_process_behind(tmp_path: Path) -> None:
    marker = tmp_path / "repo" / "written-after-the-run.txt"
    command = f"sleep 3; echo late > {marker}"
    done = run_claude(
        tmp_path,
        [Reply(tool_calls=(ToolCall("Bash", {"command": command, "description": "slow"}),))],
        extra_args=("--permission-mode", "acceptEdits", "--allowedTools", f"Bash({command})"),
        timeout_s=3,
    )
    assert done.run.status == "timed-out"
    time.sleep(5)
    assert not marker.exists()
