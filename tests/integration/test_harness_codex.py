"""`run_harness` driving the real, pinned Codex CLI against the scripted Responses API server."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

import anyio
import pytest

from adapters.scripted_model.server import HttpError, ScriptedModelServer, Step
from domain.harness.run import HarnessRun
from entrypoints.api.harness.run import HarnessRunRequest, run_harness
from tests.support.codex_agent import (
    CODEX_VERSION,
    KEY_VARIABLE,
    MODEL,
    PROVIDER,
    codex_reply,
    require_codex,
    write_codex_home,
)

pytestmark = pytest.mark.integration

LEAKS = {"GITHUB_TOKEN": "ghp_must_not_leak", "AWS_SECRET_ACCESS_KEY": "aws_must_not_leak"}
# An isolated worktree: Codex runs the model's commands without its own sandbox or approvals.
EXTRA_ARGS = ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"]


def run_codex(
    tmp_path: Path, steps: Sequence[Step], *, timeout_s: float = 60
) -> tuple[HarnessRun, ScriptedModelServer, Path]:
    codex = require_codex()
    repo = tmp_path / "repo"
    repo.mkdir()
    prompt_file = tmp_path / "prompt.md"
    prompt_file.write_text("Do the task.")
    config = tmp_path / "engineering-loop.toml"
    config.write_text(
        "[harness]\n"
        'name = "codex"\n'
        f'provider = "{PROVIDER}"\n'
        f'model = "{MODEL}"\n'
        f"binary = {json.dumps(codex)}\n"
        f'env_allow = ["{KEY_VARIABLE}"]\n'
        f"extra_args = {json.dumps(EXTRA_ARGS)}\n"
    )
    with ScriptedModelServer(steps, api="openai-responses") as server:
        url = server.base_url
        environ = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path / "home"),
            "CODEX_HOME": str(write_codex_home(tmp_path / "codex-home", url)),
            KEY_VARIABLE: "sk-scripted",
            **LEAKS,
        }
        request = HarnessRunRequest(
            repo=str(repo),
            prompt_file=str(prompt_file),
            config_path=str(config),
            timeout_s=timeout_s,
            transcript_dir=str(tmp_path / "transcripts"),
        )
        result = anyio.run(functools.partial(run_harness, request, environ=environ))
    return result.unwrap(), server, repo


def test_run_that_runs_a_command_completes(tmp_path: Path) -> None:
    run, server, repo = run_codex(
        tmp_path,
        [
            codex_reply("", "echo hello > hello.txt"),
            codex_reply("Created hello.txt."),
        ],
    )
    assert run.status == "completed"
    assert (repo / "hello.txt").read_text() == "hello\n"
    assert run.report.result_text == "Created hello.txt."
    # Codex reports tokens but no price.
    assert (run.report.total_cost_usd, run.report.cost_reported) == (None, False)
    assert len(server.requests) == 2


def test_http_500_on_every_attempt_is_failed(tmp_path: Path) -> None:
    run, _, _ = run_codex(tmp_path, [HttpError() for _ in range(4)])
    assert run.status == "failed"
    assert run.report.is_error


def test_http_500_then_success_is_completed(tmp_path: Path) -> None:
    run, _, _ = run_codex(tmp_path, [HttpError(), codex_reply("Hello.")])
    assert run.status == "completed"
    assert run.report.result_text == "Hello."


def test_harness_sees_only_the_allowlisted_environment(tmp_path: Path) -> None:
    run, _, repo = run_codex(
        tmp_path, [codex_reply("", "env > seen-env.txt"), codex_reply("Done.")]
    )
    assert run.status == "completed"
    seen = (repo / "seen-env.txt").read_text()
    names = {line.split("=", 1)[0] for line in seen.splitlines() if "=" in line}
    assert {"PATH", "HOME", "CODEX_HOME", KEY_VARIABLE} <= names
    for secret in LEAKS:
        assert secret not in names
    for value in LEAKS.values():
        assert value not in seen


def test_timed_out_run_leaves_no_tool_process_behind(tmp_path: Path) -> None:
    marker = tmp_path / "repo" / "written-after-the-run.txt"
    run, _, _ = run_codex(
        tmp_path,
        [codex_reply("", f"sleep 3; echo late > {marker}"), codex_reply("Done.")],
        timeout_s=3,
    )
    assert run.status == "timed-out"
    time.sleep(5)
    assert not marker.exists()


def test_installed_codex_is_the_locked_version() -> None:
    done = subprocess.run(
        [require_codex(), "--version"], capture_output=True, timeout=60, check=False, text=True
    )
    assert done.stdout.strip() == f"codex-cli {CODEX_VERSION}"
