"""`engineering-loop harness run` end to end: the real command, the real Pi, the scripted model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.scripted_model.server import HttpError, Reply, ScriptedModelServer, ToolCall
from tests.support.pi_agent import MODEL, PROVIDER, require_pi, write_agent_dir

pytestmark = pytest.mark.integration


def _cli(
    tmp_path: Path, steps: list[Reply | HttpError], *extra: str
) -> tuple[int, dict[str, object]]:
    pi = require_pi()
    repo = tmp_path / "repo"
    repo.mkdir()
    (tmp_path / "task.md").write_text("Create done.txt.")
    (tmp_path / "engineering-loop.toml").write_text(
        f'[harness]\nname = "pi"\nprovider = "{PROVIDER}"\nmodel = "{MODEL}"\n'
        f"binary = {json.dumps(pi)}\n"
    )
    with ScriptedModelServer(steps) as server:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path / "home"),
            "PI_CODING_AGENT_DIR": str(write_agent_dir(tmp_path / "agent", server.base_url)),
            "GITHUB_TOKEN": "ghp_must_not_leak",
        }
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "entrypoints.cli.main",
                *("harness", "run", "--harness", "pi", "--repo", "repo"),
                *("--prompt-file", "task.md", "--timeout", "60", *extra),
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            timeout=120,
            check=False,
        )
    assert b"Traceback" not in done.stderr
    return done.returncode, json.loads(done.stdout)


def test_completed_run_prints_the_harness_run_and_exits_0(tmp_path: Path) -> None:
    code, out = _cli(
        tmp_path,
        [
            Reply(tool_calls=(ToolCall("write", {"path": "done.txt", "content": "ok\n"}),)),
            Reply(text="Done."),
        ],
    )
    assert code == 0
    assert out["status"] == "completed"
    assert (tmp_path / "repo" / "done.txt").read_text() == "ok\n"
    transcript = Path(str(out["transcript_path"]))
    # The default transcript folder is per user (XDG state home), never inside the worktree.
    assert transcript.parent == tmp_path / "home" / ".local/state/engineering-loop/transcripts"
    assert transcript.stat().st_size > 0


def test_transcript_dir_inside_the_repo_is_refused_with_exit_2(tmp_path: Path) -> None:
    code, out = _cli(tmp_path, [], "--transcript-dir", "repo/.loop/transcripts")
    assert code == 2
    error = out["error"]
    assert isinstance(error, dict)
    assert error["code"] == "transcript-dir-inside-repo"
    assert not (tmp_path / "repo" / ".loop").exists()


@pytest.mark.parametrize(
    ("option", "code"),
    [("--timeout", "harness-timeout-invalid"), ("--max-cost-usd", "harness-cost-cap-invalid")],
)
def test_an_infinite_limit_is_refused_with_exit_2(tmp_path: Path, option: str, code: str) -> None:
    exit_code, out = _cli(tmp_path, [], option, "inf")
    assert exit_code == 2
    error = out["error"]
    assert isinstance(error, dict)
    assert error["code"] == code


def test_failed_run_exits_1_although_pi_exits_0(tmp_path: Path) -> None:
    code, out = _cli(tmp_path, [HttpError() for _ in range(4)])
    assert code == 1
    assert (out["status"], out["exit_code"]) == ("failed", 0)


def test_run_that_cannot_start_exits_2_with_an_error_object(tmp_path: Path) -> None:
    code, out = _cli(tmp_path, [], "--tier", "loop:budget-xxl")
    assert code == 2
    assert out["ok"] is False
    error = out["error"]
    assert isinstance(error, dict)
    assert error["code"] == "harness-tier-missing"
