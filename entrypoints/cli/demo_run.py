"""`engineering-loop demo run`: the whole loop on the bundled demo, with the real Pi and a script
in place of the model."""

from __future__ import annotations

import argparse
import functools
import sys
import textwrap
from typing import TYPE_CHECKING

import msgspec

from entrypoints.cli.output import EXIT_BLOCKED, EXIT_USAGE, GroupFactory, emit, fail

if TYPE_CHECKING:
    from entrypoints.api.demo_run import DemoLoopRun


_HELP = (
    "Run the whole loop on a fresh machine: inside --dir (default a new temporary folder) an "
    "embedded local forge with a small uv project and an approved issue, the real Pi from "
    "tools/pi driven by a scripted model on 127.0.0.1 (a fixed script, not an LLM), and one "
    "`daemon --once` cycle to a draft pull request with its evidence. Exit: the run's outcome "
    "(0 published, 1 needs-human or error); 2 when Pi is not installed or --dir is not empty."
)
_VARIANTS = ("publishable", "blocked", "remediated", "cost-kill")
# Errors the person running the demo can fix (exit 2); anything else failed the run (exit 1).
_USAGE_CODES = frozenset({"demo-pi-missing", "demo-dir-not-empty"})


def register(
    root: argparse._SubParsersAction[argparse.ArgumentParser], group: GroupFactory
) -> None:
    """Add `demo run`."""
    del root
    demo = group("demo", "bundled examples you can run on a fresh machine").add_parser(
        "run",
        help="the whole loop on the bundled demo: an approved issue to a draft PR",
        description=_HELP,
    )
    demo.add_argument(
        "--variant",
        choices=_VARIANTS,
        default="publishable",
        help="what the scripted agent does: publishable (default), blocked (writes outside the "
        "allowed paths), remediated (fails pytest, then fixes it), cost-kill (crosses the cap)",
    )
    demo.add_argument("--dir", metavar="DIR", help="a new or empty folder to run the demo in")
    demo.add_argument("--json", action="store_true", help='print the run\'s object plus "dir"')
    demo.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    import anyio
    from returns.pipeline import is_successful

    from domain.loop.outcomes import exit_code
    from entrypoints.api.demo_run import run_demo_loop
    from entrypoints.demo.script import SCRIPT_NOTICE

    result = anyio.run(functools.partial(run_demo_loop, args.variant, directory=args.dir))
    if not is_successful(result):
        error = result.failure()
        return fail(
            error.code, error.message, EXIT_USAGE if error.code in _USAGE_CODES else EXIT_BLOCKED
        )
    done = result.unwrap()
    if args.json:
        print(SCRIPT_NOTICE, file=sys.stderr)
        emit({**msgspec.to_builtins(done.report), "dir": done.dir})
    else:
        print(textwrap.fill(SCRIPT_NOTICE, 100))
        _print_summary(done)
    return exit_code(done.report.outcome)


def _print_summary(done: DemoLoopRun) -> None:
    report = done.report
    print(textwrap.fill(f"demo {done.variant}: {done.script.summary}", 100, subsequent_indent="  "))
    print(f"folder: {done.dir}")
    print("sandboxed: yes" if done.sandboxed else f"sandboxed: no ({done.sandbox_notice})")
    rounds = f"{report.rounds} round{'s' if report.rounds != 1 else ''}"
    cost = "" if report.cost_usd is None else f", ${report.cost_usd:.2f}"
    print(f"{report.outcome}: {report.repo}#{report.issue} in {rounds}{cost}, run {report.run_id}")
    for reason in report.reasons:
        print(f"- {reason.code}: {reason.detail}")
    if report.pr_url and report.pr is not None:
        print(f"draft pull request: {report.pr_url}")
        print(f"  title: {report.pr.title}")
        print(f"  branch: {report.pr.head} -> {report.pr.base}")
        print("  body:")
        print(textwrap.indent(report.pr.body.rstrip("\n"), "    ", lambda _: True))
    else:
        print("no pull request, nothing pushed")
    if report.record:
        print(f"record: {report.record}")
