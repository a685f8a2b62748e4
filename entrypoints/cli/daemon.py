"""`daemon --once`: one cycle of the loop (a systemd timer or cron repeats it).

Exit code: the cycle's outcome's (0 published, staged, idle, locked; 1 needs-human, error;
3 over-budget, refused-ci); configuration and usage errors 2, a forge that failed 1.
"""

from __future__ import annotations

import argparse
import functools
from typing import TYPE_CHECKING

from domain.loop.outcomes import exit_code
from entrypoints.cli.output import EXIT_BLOCKED, EXIT_USAGE, emit, fail

if TYPE_CHECKING:
    from domain.loop.report import CycleReport
    from entrypoints.cli.output import GroupFactory

# Errors that are a failing forge (exit 1); every other error is configuration or usage (2).
_FORGE_FAILURES = frozenset(
    {
        "forge-not-found",
        "forge-auth-failed",
        "forge-forbidden",
        "forge-rejected",
        "forge-rate-limited",
        "forge-unavailable",
        "forge-invalid-response",
        "forge-store-unreadable",
    }
)


def register(
    root: argparse._SubParsersAction[argparse.ArgumentParser], group: GroupFactory
) -> None:
    """Add `daemon --once` to the command tree."""
    del group
    daemon = root.add_parser(
        "daemon",
        help="Run one cycle: pick approved issues, run them, write back (needs --once).",
        description=__doc__,
    )
    daemon.add_argument(
        "--once", action="store_true", help="run one cycle and exit (required: no forever loop)"
    )
    daemon.add_argument("--config", metavar="FILE", help="default: ./engineering-loop.toml")
    daemon.add_argument("--staged", action="store_true", help="everything but the forge writes")
    daemon.add_argument("--json", action="store_true", help="print one JSON object")
    daemon.set_defaults(handler=_daemon)


def error_exit(code: str) -> int:
    """The exit code of a command error: 1 for a failing forge, else 2.

    >>> error_exit("forge-unavailable"), error_exit("config-invalid")
    (1, 2)
    """
    return EXIT_BLOCKED if code in _FORGE_FAILURES else EXIT_USAGE


def _summary(report: CycleReport) -> None:
    print(f"cycle: {report.outcome}")
    for run in report.runs:
        where = run.pr_url or ", ".join(r.code for r in run.reasons) or ""
        print(f"  run {run.repo}#{run.issue}: {run.outcome} {where}".rstrip())
    for skip in report.skipped:
        print(f"  skipped {skip.repo}#{skip.issue}: {skip.code}: {skip.detail}")
    for note in report.notifications:
        state = "sent" if note.ok else f"failed: {note.error}"
        print(f"  webhook {note.target}: {state}")


def _daemon(args: argparse.Namespace) -> int:
    if not args.once:
        return fail(
            "usage-error",
            "daemon runs one cycle per call: pass --once (repeat it with a systemd timer or "
            "cron; there is no forever loop)",
        )
    import anyio
    from returns.pipeline import is_successful

    from entrypoints.api.daemon import run_cycle

    done = anyio.run(functools.partial(run_cycle, args.config, staged=args.staged))
    if not is_successful(done):
        error = done.failure()
        return fail(error.code, error.message, error_exit(error.code))
    report = done.unwrap()
    if args.json:
        emit(report)
    else:
        _summary(report)
    return exit_code(report.outcome)
