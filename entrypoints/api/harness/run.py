"""`run_harness`: run a coding-agent CLI in a worktree, under a wall clock and a live cost cap.

Gather (configuration, executable, prompt, transcript file), decide the command purely
(`domain.harness.command`), run it through the `ProcessRunner` port while the normaliser reads
each line as it arrives, and decide the status purely (`domain.harness.run`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import msgspec
from returns.result import Failure, Result, Success

from domain.config import LoopConfig
from domain.harness.command import build_command, tool_state_dir
from domain.harness.config import ResolvedHarness, resolve_harness
from domain.harness.normalise import new_normaliser
from domain.harness.run import (
    HarnessRun,
    RunLimits,
    cap_enforcement,
    cost_stop,
    limits_problem,
    no_transcript_home,
    run_status,
    transcript_dir_problem,
)
from domain.kernel.locations import default_transcript_dir
from domain.sandbox.config import SandboxSettings
from domain.text.bounded_lines import Line
from entrypoints import bootstrap
from entrypoints.api.sandbox import HarnessRole, Sandbox, sandbox_for
from entrypoints.config import load_config
from ports.config import ConfigSource
from ports.harness import HarnessHost
from ports.process import LineVerdict, ProcessRequest, ProcessRunner

DEFAULT_TIMEOUT_S = 1800.0
# Standard error is diagnostics, not evidence: keep its first and last 8 KiB.
_STDERR_CAPTURE_BYTES = 16 * 1024
# A stopped or timed-out harness gets SIGTERM and this long before SIGKILL: Pi runs its bash
# tools in process groups of their own and stops them only from its SIGTERM handler, so a bare
# SIGKILL of its group would leave a tool command writing into the worktree after the run.
STOP_GRACE_S = 5.0


class HarnessRunRequest(msgspec.Struct, frozen=True, kw_only=True):
    """What to run: the harness (None: the configured one), where, with which prompt and limits."""

    repo: str
    prompt_file: str
    harness: str | None = None
    # None: `engineering-loop.toml` in the working directory, or the defaults when there is none.
    config_path: str | None = None
    tier: str | None = None
    max_cost_usd: float | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    # None: `$XDG_STATE_HOME/engineering-loop/transcripts` (`~/.local/state/...`). Never inside
    # `repo`: the transcript is evidence, not part of the agent's change.
    transcript_dir: str | None = None


class HarnessRunError(msgspec.Struct, frozen=True, kw_only=True, tag="harness-run-error"):
    """The run could not start: bad configuration, missing binary, prompt or repository."""

    code: str
    message: str


def _error(code: str, message: str) -> Failure[HarnessRunError]:
    return Failure(HarnessRunError(code=code, message=message))


def _config(
    request: HarnessRunRequest, source: ConfigSource
) -> Result[LoopConfig, HarnessRunError]:
    # Without --config, no engineering-loop.toml in the working directory means the defaults.
    loaded = load_config(request.config_path, source=source, defaults_if_absent=True)
    if not isinstance(loaded, Success):
        return _error(loaded.failure().code, loaded.failure().message)
    return Success(loaded.unwrap())


def _transcript_dir(
    request: HarnessRunRequest, environ: Mapping[str, str]
) -> Result[str, HarnessRunError]:
    """The transcript folder, resolved (symlinks too), refused when it lies in the worktree."""
    chosen = request.transcript_dir
    if chosen is None:
        chosen = default_transcript_dir(environ)
        if chosen is None:
            missing = no_transcript_home()
            return _error(missing.code, missing.message)
    # Resolved, so neither `..` nor a symlink into the worktree slips past the check.
    resolved = os.path.realpath(chosen)
    problem = transcript_dir_problem(resolved, os.path.realpath(request.repo))
    if problem is not None:
        return _error(problem.code, problem.message)
    return Success(resolved)


def _prepare(
    request: HarnessRunRequest,
    host: HarnessHost,
    source: ConfigSource,
    environ: Mapping[str, str],
    given: LoopConfig | None,
) -> Result[tuple[ResolvedHarness, str, str, SandboxSettings], HarnessRunError]:
    """Resolve the harness, find its executable and create the transcript file."""
    problem = limits_problem(
        RunLimits(timeout_s=request.timeout_s, max_cost_usd=request.max_cost_usd)
    )
    if problem is not None:
        return _error(problem.code, problem.message)
    config = Success(given) if given is not None else _config(request, source)
    if not isinstance(config, Success):
        return Failure(config.failure())
    loop_config = config.unwrap()
    resolved = resolve_harness(
        loop_config.harness,
        tier=request.tier,
        requested=request.harness,
        budget_tiers=frozenset(loop_config.budget.tiers),
    )
    if not isinstance(resolved, Success):
        error = resolved.failure()
        return _error(error.code, error.message)
    harness = resolved.unwrap()
    if not host.is_directory(request.repo):
        return _error(
            "repo-missing", f"no directory at {request.repo}; pass --repo the worktree to run in."
        )
    size = host.file_size(request.prompt_file)
    if size is None:
        return _error(
            "prompt-unreadable",
            f"cannot read the prompt file {request.prompt_file}; check --prompt-file.",
        )
    if size == 0:
        return _error(
            "prompt-empty", f"the prompt file {request.prompt_file} is empty; write the task in it."
        )
    executable = host.locate(harness.binary, environ.get("PATH"))
    if executable is None:
        return _error(
            "harness-binary-not-found",
            f"cannot find the {harness.name} executable {harness.binary!r} (on PATH or as a "
            "path); install it or set [harness].binary.",
        )
    transcript_dir = _transcript_dir(request, environ)
    if not isinstance(transcript_dir, Success):
        return Failure(transcript_dir.failure())
    transcript = host.new_transcript(transcript_dir.unwrap(), harness.name)
    if not isinstance(transcript, Success):
        return _error(transcript.failure().code, transcript.failure().message)
    return Success((harness, executable, transcript.unwrap(), loop_config.sandbox))


async def run_harness(
    request: HarnessRunRequest,
    *,
    runner: ProcessRunner | None = None,
    host: HarnessHost | None = None,
    config_source: ConfigSource | None = None,
    environ: Mapping[str, str] | None = None,
    sandbox: Sandbox | None = None,
    config: LoopConfig | None = None,
) -> Result[HarnessRun, HarnessRunError]:
    """Run the harness once; a run that fails is a `HarnessRun`, only a run that cannot start
    is a `HarnessRunError`. `config`, when given, is used instead of reading
    `request.config_path` (the loop's run hands over the configuration it already read).

    It runs in the sandbox (`entrypoints.api.sandbox`) when that works, else unconfined with
    a notice; `[sandbox] kind = "bwrap"` makes a sandbox that does not work an error.
    """
    injected = runner is not None
    runner = runner if runner is not None else bootstrap.process_runner()
    host = host if host is not None else bootstrap.harness_host()
    source = config_source if config_source is not None else bootstrap.config_source()
    environ = environ if environ is not None else os.environ
    prepared = _prepare(request, host, source, environ, config)
    if not isinstance(prepared, Success):
        return Failure(prepared.failure())
    harness, executable, transcript_path, sandbox_settings = prepared.unwrap()
    chosen = await sandbox_for(
        sandbox_settings, given=sandbox, runner_injected=injected, environ=environ
    )
    if not isinstance(chosen, Success):
        return _error(chosen.failure().code, chosen.failure().message)
    confinement = chosen.unwrap()
    # The tools' state (uv's environment and cache, bytecode, mypy and ruff caches) goes into
    # the run's own folder beside its transcript, outside the worktree.
    command = build_command(
        harness,
        executable=executable,
        parent_env=environ,
        tool_dir=tool_state_dir(transcript_path),
    )
    normaliser = new_normaliser(harness.name)
    stop_detail: str | None = None
    cost_lost = False

    def on_line(line: Line) -> LineVerdict:
        nonlocal stop_detail, cost_lost
        normaliser.feed(line)
        if stop_detail is None:  # the first reason stands: a cost once lost stays lost
            lost = normaliser.cost_lost
            stop_detail = cost_stop(normaliser.running_cost_usd, lost, request.max_cost_usd)
            cost_lost = lost is not None
        return "continue" if stop_detail is None else "stop"

    result = await confinement.stream(
        runner,
        ProcessRequest(
            argv=command.argv,
            cwd=os.path.abspath(request.repo),
            env=command.env,
            timeout_s=request.timeout_s,
            capture_limit_bytes=_STDERR_CAPTURE_BYTES,
            stdin_path=os.path.abspath(request.prompt_file),
            stop_grace_s=STOP_GRACE_S,
        ),
        on_line,
        transcript_path,
        role=HarnessRole(harness=harness.name, executable=executable),
    )
    report = normaliser.finish(result.exit_code)
    stopped_for_cost = stop_detail is not None
    status = run_status(result.status, stopped_for_cost=stopped_for_cost, report=report)
    return Success(
        HarnessRun(
            status=status,
            harness=harness.name,
            report=report,
            exit_code=result.exit_code,
            duration_s=result.duration_s,
            transcript_path=transcript_path,
            max_cost_usd=request.max_cost_usd,
            cost_cap_enforcement=cap_enforcement(
                harness.name,
                report,
                request.max_cost_usd,
                stopped_for_unknown_cost=cost_lost and status == "budget-exhausted",
            ),
            timeout_s=request.timeout_s,
            stderr=result.stderr,
            sandboxed=confinement.sandboxed,
            sandbox_notice=confinement.notice,
            cost_stop_detail=stop_detail if status == "budget-exhausted" else None,
        )
    )
