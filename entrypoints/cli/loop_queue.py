"""`loop queue` and `loop labels`: what the next cycle would see, and the labels it needs.

Both read the forge only (`loop labels --apply` creates the missing labels). Errors print one
error object: a failing forge exits 1, configuration and usage 2.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from entrypoints.cli.daemon import error_exit
from entrypoints.cli.output import EXIT_OK, emit, fail

if TYPE_CHECKING:
    from entrypoints.cli.output import GroupFactory


def register(
    root: argparse._SubParsersAction[argparse.ArgumentParser], group: GroupFactory
) -> None:
    """Add `loop queue` and `loop labels` to the `loop` group."""
    del root
    loop = group("loop", "The daemon's view of the served repositories.")
    queue = loop.add_parser(
        "queue", help="What the next cycle would see: each approved issue, its score, why not."
    )
    queue.add_argument("--config", metavar="FILE", help="default: ./engineering-loop.toml")
    queue.add_argument("--json", action="store_true", help="print one JSON object")
    queue.set_defaults(handler=_queue)
    labels = loop.add_parser(
        "labels", help="The labels each served repository needs; --apply creates missing ones."
    )
    labels.add_argument("--config", metavar="FILE", help="default: ./engineering-loop.toml")
    labels.add_argument("--apply", action="store_true", help="create the missing labels")
    labels.add_argument("--json", action="store_true", help="print one JSON object")
    labels.set_defaults(handler=_labels)


def _queue(args: argparse.Namespace) -> int:
    import functools

    import anyio
    from returns.pipeline import is_successful

    from entrypoints.api.loop_repos import loop_queue

    done = anyio.run(functools.partial(loop_queue, args.config))
    if not is_successful(done):
        error = done.failure()
        return fail(error.code, error.message, error_exit(error.code))
    report = done.unwrap()
    if args.json:
        emit(report)
        return EXIT_OK
    for repo in report.repos:
        print(f"{repo.repo}: {len(repo.issues)} approved open issues")
        for entry in repo.issues:
            state = "eligible" if entry.eligible else entry.code
            print(f"  #{entry.number} score {entry.score} {state}: {entry.title}")
    return EXIT_OK


def _labels(args: argparse.Namespace) -> int:
    import functools

    import anyio
    from returns.pipeline import is_successful

    from entrypoints.api.loop_repos import loop_labels_needed

    done = anyio.run(functools.partial(loop_labels_needed, args.config, apply=args.apply))
    if not is_successful(done):
        error = done.failure()
        return fail(error.code, error.message, error_exit(error.code))
    report = done.unwrap()
    if args.json:
        emit(report)
        return EXIT_OK
    for repo in report.repos:
        print(f"{repo.repo}: needs {', '.join(repo.required)}")
        print(f"  missing: {', '.join(repo.missing) or 'none'}")
        if report.applied:
            print(f"  created: {', '.join(repo.created) or 'none'}")
    return EXIT_OK
