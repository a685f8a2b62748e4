"""`engineering-loop run`: one issue through the loop now, to a draft pull request or a reason."""

from __future__ import annotations

import argparse
import functools

from entrypoints.cli.output import GroupFactory, emit, fail


def register(
    root: argparse._SubParsersAction[argparse.ArgumentParser], group: GroupFactory
) -> None:
    """Add `run`."""
    del group
    run = root.add_parser(
        "run",
        help="Run one issue end to end: clean clone, agent, verify, draft pull request.",
        description="Run issue --issue of --repo through the loop now (typing it is the "
        "approval): a clean clone at the base branch, the agent, the policy and the gates on "
        "exactly the candidate tree, remediation rounds, then a draft pull request with the "
        "evidence. Exit 0 published/staged/locked, 1 needs-human or error, 2 usage or "
        "configuration, 3 over-budget.",
    )
    run.add_argument("--repo", required=True, metavar="OWNER/NAME", help="the repository")
    run.add_argument("--issue", required=True, type=int, metavar="N", help="the issue number")
    run.add_argument("--config", help="configuration file (default: ./engineering-loop.toml)")
    run.add_argument(
        "--staged",
        action="store_true",
        help="everything but the forge writes: no label, comment, push or pull request",
    )
    run.add_argument("--json", action="store_true", help="print one JSON object")
    run.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    import anyio
    from returns.result import Failure

    from domain.loop.outcomes import exit_code
    from entrypoints.api.run import run_issue

    result = anyio.run(
        functools.partial(
            run_issue, args.repo, args.issue, config_path=args.config, staged=args.staged
        )
    )
    if isinstance(result, Failure):
        error = result.failure()
        return fail(error.code, error.message)
    report = result.unwrap()
    if args.json:
        emit(report)
    else:
        print(
            f"{report.outcome}: {report.repo}#{report.issue}"
            + (f" run {report.run_id}" if report.run_id else "")
        )
        if report.pr_url:
            print(f"draft pull request: {report.pr_url}")
        for reason in report.reasons:
            print(f"- {reason.code}: {reason.detail}")
        if report.record:
            print(f"record: {report.record}")
    return exit_code(report.outcome)
