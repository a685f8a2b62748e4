"""`run_harness` with in-memory fakes: what it refuses, what it runs, and the kill switch."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import anyio
import pytest
from returns.result import Success

from domain.harness.run import HarnessRun
from domain.text.bounded_lines import MAX_LINE_BYTES
from entrypoints.api.harness.run import HarnessRunError, HarnessRunRequest, run_harness
from tests import pi_events as pi
from tests.fakes.process import FakeProcessRunner, replay
from tests.support.harness_fakes import FakeConfigSource, FakeHarnessHost

FIXTURES = Path(__file__).parent.parent / "fixtures" / "harness" / "pi"
PI = "/opt/pi/bin/pi"
CLAUDE = "/opt/claude"
CODEX = "/opt/codex"
ENV = {"PATH": "/opt/pi/bin", "HOME": "/home/u", "GITHUB_TOKEN": "ghp_x", "ANTHROPIC_API_KEY": "k"}


def _lines(name: str) -> list[bytes]:
    return (FIXTURES / f"{name}.jsonl").read_bytes().rstrip(b"\n").split(b"\n")


def _pi(lines: list[bytes]) -> FakeProcessRunner:
    """A runner whose Pi prints `lines` and exits 0."""
    return FakeProcessRunner({PI: replay(lines)})


def _host(tmp_path: Path) -> FakeHarnessHost:
    return FakeHarnessHost(
        executables={"pi": PI, "claude": CLAUDE},
        files={"/task.md": 120, "/empty.md": 0},
        directories={"/repo"},
    )


def _run(
    tmp_path: Path,
    runner: FakeProcessRunner,
    *,
    host: FakeHarnessHost | None = None,
    config: FakeConfigSource | None = None,
    environ_extra: dict[str, str] | None = None,
    **request: Any,
) -> HarnessRun | HarnessRunError:
    fields: dict[str, Any] = {
        "repo": "/repo",
        "prompt_file": "/task.md",
        "harness": "pi",
        "transcript_dir": str(tmp_path),
        **request,
    }
    result = anyio.run(
        functools.partial(
            run_harness,
            HarnessRunRequest(**fields),
            runner=runner,
            host=host or _host(tmp_path),
            config_source=config or FakeConfigSource(),
            environ=ENV | (environ_extra or {}),
        )
    )
    return result.unwrap() if isinstance(result, Success) else result.failure()


def test_completed_run_reports_the_transcript_and_its_cost(tmp_path: Path) -> None:
    run = _run(tmp_path, _pi(_lines("multi-turn")))
    assert isinstance(run, HarnessRun)
    assert run.status == "completed"
    assert run.report.total_cost_usd is not None
    assert Path(run.transcript_path).read_bytes() == (FIXTURES / "multi-turn.jsonl").read_bytes()


def test_the_process_gets_the_prompt_on_stdin_and_a_scrubbed_environment(tmp_path: Path) -> None:
    runner = _pi(_lines("success-write"))
    config = FakeConfigSource('[harness]\nmodel = "m"\nenv_allow = ["ANTHROPIC_API_KEY"]\n')
    _run(tmp_path, runner, config=config)
    request = runner.requests[0]
    assert request.stdin_path == "/task.md"
    assert request.argv[0] == PI
    assert "/task.md" not in request.argv
    tools = {name: request.env.pop(name) for name in TOOL_STATE}
    assert request.env == {"PATH": "/opt/pi/bin", "HOME": "/home/u", "ANTHROPIC_API_KEY": "k"}
    assert request.cwd == "/repo"
    assert len(tools) == len(TOOL_STATE)


TOOL_STATE = (
    "UV_PROJECT_ENVIRONMENT",
    "UV_CACHE_DIR",
    "PYTHONPYCACHEPREFIX",
    "MYPY_CACHE_DIR",
    "RUFF_CACHE_DIR",
)


def test_the_tools_keep_their_state_in_the_runs_own_folder_beside_its_transcript(
    tmp_path: Path,
) -> None:
    runner = _pi(_lines("success-write"))
    # An allowed variable of the same name must not point the state back into the worktree.
    config = FakeConfigSource('[harness]\nmodel = "m"\nenv_allow = ["UV_PROJECT_ENVIRONMENT"]\n')
    with_inside = {"UV_PROJECT_ENVIRONMENT": "/repo/.venv"}
    run = _run(tmp_path, runner, config=config, environ_extra=with_inside)
    assert isinstance(run, HarnessRun)
    folder = run.transcript_path.removesuffix(".jsonl") + ".tools"
    env = runner.requests[0].env
    assert {name: os.path.dirname(env[name]) for name in TOOL_STATE} == dict.fromkeys(
        TOOL_STATE, folder
    )
    assert not any(env[name].startswith("/repo") for name in TOOL_STATE)


def test_pi_exit_0_after_every_attempt_failed_is_failed(tmp_path: Path) -> None:
    run = _run(tmp_path, _pi(_lines("http-500-every-attempt")))
    assert isinstance(run, HarnessRun)
    assert (run.status, run.exit_code) == ("failed", 0)


def test_kill_switch_stops_at_the_message_that_reaches_the_cap(tmp_path: Path) -> None:
    # multi-turn costs 0.0109, 0.01145, 0.01385, 0.01436: the second message reaches the cap.
    runner = _pi(_lines("multi-turn"))
    run = _run(tmp_path, runner, max_cost_usd=0.02)
    assert isinstance(run, HarnessRun)
    assert run.status == "budget-exhausted"
    assert run.report.total_cost_usd is not None
    assert 0.02 <= run.report.total_cost_usd <= 0.02 + 0.01145
    assert runner.fed < len(_lines("multi-turn"))
    # The transcript holds exactly what was read before the stop.
    assert Path(run.transcript_path).read_bytes().count(b"\n") == runner.fed


def test_a_final_agent_end_too_long_to_hold_still_completes_the_run(tmp_path: Path) -> None:
    # Pi's agent_end repeats every message: in a long run it outgrows the line limit, and it
    # must neither be held whole nor turn a successful run into an incomplete one.
    lines = _lines("multi-turn")
    assert b'"type":"agent_end"' in lines[-1]
    messages = lines[-1][lines[-1].index(b"[") + 1 : -2]
    repeated = b",".join([messages] * (MAX_LINE_BYTES // len(messages) + 1))
    long_end = b'{"type":"agent_end","messages":[' + repeated + b"]}"
    run = _run(tmp_path, _pi([*lines[:-1], long_end]), max_cost_usd=1.0)
    assert isinstance(run, HarnessRun)
    assert (run.status, run.report.long_lines, run.cost_cap_enforcement) == (
        "completed",
        1,
        "live",
    )
    assert Path(run.transcript_path).read_bytes().endswith(long_end + b"\n")


def test_cap_above_the_total_lets_the_run_complete(tmp_path: Path) -> None:
    run = _run(tmp_path, _pi(_lines("multi-turn")), max_cost_usd=1.0)
    assert isinstance(run, HarnessRun)
    assert run.status == "completed"


def _fixture_lines(folder: str, name: str) -> list[bytes]:
    path = FIXTURES.parent / folder / f"{name}.jsonl"
    return path.read_bytes().rstrip(b"\n").split(b"\n")


def test_pi_cap_is_enforced_live(tmp_path: Path) -> None:
    run = _run(tmp_path, _pi(_lines("multi-turn")), max_cost_usd=1.0)
    assert isinstance(run, HarnessRun)
    assert (run.status, run.cost_cap_enforcement) == ("completed", "live")


def test_run_without_a_cap_says_nothing_about_enforcement(tmp_path: Path) -> None:
    run = _run(tmp_path, _pi(_lines("multi-turn")))
    assert isinstance(run, HarnessRun)
    assert run.cost_cap_enforcement is None


def test_pi_model_priced_at_zero_leaves_the_cap_unenforced(tmp_path: Path) -> None:
    # Pi prices a model without a price table at $0: the cost is unknown, the switch never fired.
    stream = [pi.header(), *pi.attempt(pi.assistant(cost=0.0, input_tokens=50_000))]
    run = _run(tmp_path, _pi(pi.lines(stream)), max_cost_usd=0.01)
    assert isinstance(run, HarnessRun)
    assert (run.status, run.report.total_cost_usd) == ("completed", None)
    assert run.cost_cap_enforcement == "none"


def test_codex_reports_no_cost_so_its_cap_is_unenforced(tmp_path: Path) -> None:
    runner = FakeProcessRunner({CODEX: replay(_fixture_lines("codex-real", "exec-success"))})
    host = _host(tmp_path)
    host.executables["codex"] = CODEX
    run = _run(tmp_path, runner, host=host, harness="codex", max_cost_usd=0.000001)
    assert isinstance(run, HarnessRun)
    assert (run.status, run.cost_cap_enforcement) == ("completed", "none")


def test_claude_cap_is_checked_after_the_run_when_its_result_reports_the_cost(
    tmp_path: Path,
) -> None:
    lines = _fixture_lines("claude-real", "success-write")  # $0.00825, in its last line
    within = _run(
        tmp_path, FakeProcessRunner({CLAUDE: replay(lines)}), harness="claude", max_cost_usd=0.01
    )
    assert isinstance(within, HarnessRun)
    assert (within.status, within.cost_cap_enforcement) == ("completed", "after-run")
    runner = FakeProcessRunner({CLAUDE: replay(lines)})
    over = _run(tmp_path, runner, harness="claude", max_cost_usd=0.005)
    assert isinstance(over, HarnessRun)
    assert (over.status, over.cost_cap_enforcement) == ("budget-exhausted", "after-run")
    # Nothing stopped it before the result line: every line was read.
    assert runner.fed == len(lines)


def test_claude_cut_off_before_its_result_leaves_the_cap_unenforced(tmp_path: Path) -> None:
    lines = _fixture_lines("claude-real", "success-write")[:-1]
    run = _run(
        tmp_path, FakeProcessRunner({CLAUDE: replay(lines)}), harness="claude", max_cost_usd=0.005
    )
    assert isinstance(run, HarnessRun)
    assert (run.status, run.cost_cap_enforcement) == ("failed", "none")


def test_default_config_file_may_be_absent_but_a_named_one_may_not(tmp_path: Path) -> None:
    assert isinstance(_run(tmp_path, _pi(_lines("success-write"))), HarnessRun)
    error = _run(tmp_path, FakeProcessRunner(), config_path="/nope.toml")
    assert isinstance(error, HarnessRunError)
    assert error.code == "config-missing"


@pytest.mark.parametrize(
    ("request_fields", "config", "code"),
    [
        ({"repo": "/elsewhere"}, None, "repo-missing"),
        ({"prompt_file": "/missing.md"}, None, "prompt-unreadable"),
        ({"prompt_file": "/empty.md"}, None, "prompt-empty"),
        ({"timeout_s": 0}, None, "harness-timeout-invalid"),
        ({"timeout_s": float("inf")}, None, "harness-timeout-invalid"),
        ({"max_cost_usd": float("inf")}, None, "harness-cost-cap-invalid"),
        ({"max_cost_usd": -1}, None, "harness-cost-cap-invalid"),
        ({"harness": "codex"}, None, "harness-binary-not-found"),
        ({}, '[harness]\nname = "claude"\n', "harness-mismatch"),
        ({}, "[harness]\nnonsense = 1\n", "config-invalid"),
        # Neither a [harness.tiers] nor a [budget.tiers] label (the defaults are large and xl).
        ({"tier": "loop:budget-xxl"}, None, "harness-tier-missing"),
    ],
)
def test_refused_before_anything_runs(
    tmp_path: Path, request_fields: dict[str, Any], config: str | None, code: str
) -> None:
    runner = FakeProcessRunner()
    error = _run(tmp_path, runner, config=FakeConfigSource(config), **request_fields)
    assert isinstance(error, HarnessRunError)
    assert error.code == code
    assert runner.requests == []


def test_unwritable_transcript_dir_is_refused(tmp_path: Path) -> None:
    host = _host(tmp_path)
    host.unwritable.add(str(tmp_path))
    error = _run(tmp_path, FakeProcessRunner(), host=host)
    assert isinstance(error, HarnessRunError)
    assert error.code == "transcript-unwritable"


def test_budget_tier_without_a_harness_section_runs_the_base_settings(tmp_path: Path) -> None:
    runner = _pi(_lines("success-write"))
    config = FakeConfigSource('[harness]\nmodel = "base-model"\n')
    run = _run(tmp_path, runner, config=config, tier="loop:budget-large")
    assert isinstance(run, HarnessRun)
    assert runner.requests[0].argv[-2:] == ("--model", "base-model")


def test_harness_tier_overrides_the_model(tmp_path: Path) -> None:
    runner = _pi(_lines("success-write"))
    config = FakeConfigSource(
        '[harness]\nmodel = "base-model"\n[harness.tiers."loop:budget-xl"]\nmodel = "big"\n'
    )
    _run(tmp_path, runner, config=config, tier="loop:budget-xl")
    assert runner.requests[0].argv[-2:] == ("--model", "big")


def _real_repo(tmp_path: Path) -> tuple[FakeHarnessHost, Path]:
    repo = tmp_path / "repo"
    repo.mkdir()
    host = _host(tmp_path)
    host.directories.add(str(repo))
    return host, repo


@pytest.mark.parametrize("inside", [".", ".loop/transcripts", "sub/../.loop"])
def test_transcript_dir_inside_the_repo_is_refused(tmp_path: Path, inside: str) -> None:
    # The transcript may hold whatever the agent dumped (keys included): inside the worktree it
    # would become part of the change set the loop is about to publish.
    host, repo = _real_repo(tmp_path)
    runner = _pi(_lines("success-write"))
    error = _run(tmp_path, runner, host=host, repo=str(repo), transcript_dir=str(repo / inside))
    assert isinstance(error, HarnessRunError)
    assert error.code == "transcript-dir-inside-repo"
    assert (runner.requests, host.created) == ([], [])


def test_transcript_dir_reaching_the_repo_through_a_symlink_is_refused(tmp_path: Path) -> None:
    host, repo = _real_repo(tmp_path)
    (tmp_path / "evidence").symlink_to(repo)
    error = _run(
        tmp_path,
        FakeProcessRunner(),
        host=host,
        repo=str(repo),
        transcript_dir=str(tmp_path / "evidence" / "transcripts"),
    )
    assert isinstance(error, HarnessRunError)
    assert error.code == "transcript-dir-inside-repo"


def test_transcript_dir_beside_the_repo_is_accepted(tmp_path: Path) -> None:
    host, repo = _real_repo(tmp_path)
    run = _run(tmp_path, _pi(_lines("success-write")), host=host, repo=str(repo))
    assert isinstance(run, HarnessRun)
    assert Path(run.transcript_path).parent == tmp_path


def test_default_transcript_dir_is_under_the_xdg_state_home(tmp_path: Path) -> None:
    state = tmp_path / "state"
    default = state / "engineering-loop" / "transcripts"
    default.mkdir(parents=True)  # the fake host creates files only in memory
    result = anyio.run(
        functools.partial(
            run_harness,
            HarnessRunRequest(repo="/repo", prompt_file="/task.md", harness="pi"),
            runner=_pi(_lines("success-write")),
            host=_host(tmp_path),
            config_source=FakeConfigSource(),
            environ={**ENV, "XDG_STATE_HOME": str(state)},
        )
    )
    assert isinstance(result, Success)
    assert Path(result.unwrap().transcript_path).parent == default


def test_default_transcript_dir_needs_a_state_or_home_directory(tmp_path: Path) -> None:
    result = anyio.run(
        functools.partial(
            run_harness,
            HarnessRunRequest(repo="/repo", prompt_file="/task.md", harness="pi"),
            runner=FakeProcessRunner(),
            host=_host(tmp_path),
            config_source=FakeConfigSource(),
            environ={"PATH": "/opt/pi/bin"},
        )
    )
    assert not isinstance(result, Success)
    assert result.failure().code == "transcript-no-state-dir"
