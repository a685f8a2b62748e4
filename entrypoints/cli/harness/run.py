"""`engineering-loop harness run`: run a coding-agent CLI in a worktree, print the `HarnessRun`."""

from __future__ import annotations

import argparse
import functools
import sys

from domain.harness.report import HARNESS_NAMES
from entrypoints.cli.output import EXIT_BLOCKED, EXIT_OK, GroupFactory, emit, fail


def register(
    root: argparse._SubParsersAction[argparse.ArgumentParser], group: GroupFactory
) -> None:
    """Add `harness run`."""
    del root
    harness = group("harness", "Run coding-agent CLIs and read what they print.")
    run = harness.add_parser(
        "run",
        help="Run a harness for real in a worktree and print the HarnessRun as JSON.",
        description="Run Pi, Claude Code or Codex in --repo with the prompt from --prompt-file "
        "(fed on stdin), a wall-clock limit and a live cost cap. Prints the HarnessRun. Exit 0 "
        "when completed, 1 when failed, timed out or stopped at the cost cap, 2 when it could "
        "not start.",
    )
    run.add_argument("--harness", choices=HARNESS_NAMES, help="default: [harness].name")
    run.add_argument("--repo", required=True, help="the worktree the harness works in")
    run.add_argument("--prompt-file", required=True, help="the task, fed to the harness on stdin")
    run.add_argument(
        "--config", help="configuration file (default: ./engineering-loop.toml if present)"
    )
    run.add_argument("--tier", metavar="LABEL", help="apply [harness.tiers.LABEL]")
    run.add_argument(
        "--max-cost-usd",
        type=float,
        help="stop the harness once its reported cost reaches this, or can no longer be known",
    )
    run.add_argument("--timeout", type=float, default=1800.0, help="wall-clock seconds (1800)")
    run.add_argument(
        "--transcript-dir",
        help="where the raw transcript is kept, outside --repo (default: "
        "$XDG_STATE_HOME/engineering-loop/transcripts, i.e. ~/.local/state/...)",
    )
    run.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    import anyio
    from returns.result import Success

    from entrypoints.api.harness.run import HarnessRunRequest, run_harness

    request = HarnessRunRequest(
        repo=args.repo,
        prompt_file=args.prompt_file,
        harness=args.harness,
        config_path=args.config,
        tier=args.tier,
        max_cost_usd=args.max_cost_usd,
        timeout_s=args.timeout,
        transcript_dir=args.transcript_dir,
    )
    result = anyio.run(functools.partial(run_harness, request))
    if not isinstance(result, Success):
        error = result.failure()
        return fail(error.code, error.message)
    run = result.unwrap()
    if run.sandbox_notice is not None:
        print(f"engineering-loop: {run.sandbox_notice}", file=sys.stderr)
    emit(run)
    return EXIT_OK if run.status == "completed" else EXIT_BLOCKED
