"""`engineering-loop gate prepare`: show how a gate argv will be executed, or why it is refused."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from typing import Any, BinaryIO

import msgspec
from returns.result import Result, Success

from domain.gates.prepare import GateRejected, PreparedGate
from domain.text.depth import MAX_JSON_DEPTH, exceeds_depth
from entrypoints.cli.output import EXIT_OK, EXIT_REFUSED, GroupFactory, emit, error_object, fail

_DESCRIPTION = """\
Prepare gate command lines for the repository at --repo (its root is the gate's working
directory): a Python gate (pytest, ruff, mypy, python -m ...) in a uv project runs as
`uv run --locked --group GROUP ...` (or `--extra EXTRA`) with the group that provides its
tool (dev when it does, else the first group, else the first extra), an explicit `uv run`
gate gets a lock guard, and lines that uv would refuse or that could rewrite uv.lock or drop
that group are refused with a stable code. Prints one JSON object per gate:
{"ok": true, "declared": [...], "executed": [...], "rewrites": [{"rule", "detail"}]} or
{"ok": false, "declared": [...], "error": {"code", "message"}}.
"""
_EPILOG = """\
examples:
  engineering-loop gate prepare --repo . -- ruff check .
  engineering-loop gate prepare --repo . -- uv run --no-dev pytest      (refused, exit 3)
  printf '["pytest", "-q"]\\n["make", "lint"]\\n' | engineering-loop gate prepare --repo . --batch -

exit codes: 0 prepared (with --batch: every line was read, whatever it decided),
3 refused, 2 usage error, unreadable repository or unreadable --batch input (the error names
the line), 70 internal error.
"""

_argv_decoder = msgspec.json.Decoder(list[str])


def register(
    root: argparse._SubParsersAction[argparse.ArgumentParser], group: GroupFactory
) -> None:
    """Add `gate prepare` to the command tree."""
    del root
    parser = group("gate", "Quality gates of a target repository.").add_parser(
        "prepare",
        help="Show how gate argvs will run (uv-aware), or why they are refused.",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--repo", required=True, metavar="DIR", help="the repository (gate working directory)"
    )
    parser.add_argument(
        "--batch",
        metavar="FILE",
        help="read one JSON array of strings per line from FILE ('-' for stdin); "
        "print one JSON object per line",
    )
    parser.add_argument(
        "argv",
        nargs=argparse.REMAINDER,
        metavar="-- ARGV",
        help="the gate's command line, after `--`",
    )
    parser.set_defaults(handler=handle_prepare)


def _outcome(declared: Iterable[str], result: Result[PreparedGate, GateRejected]) -> dict[str, Any]:
    if isinstance(result, Success):
        prepared = result.unwrap()
        return {
            "ok": True,
            "declared": list(prepared.declared),
            "executed": list(prepared.executed),
            "rewrites": [{"rule": r.rule, "detail": r.detail} for r in prepared.rewrites],
        }
    refused = result.failure()
    return error_object(refused.code, refused.message, declared=list(declared))


def handle_prepare(args: argparse.Namespace) -> int:
    """Prepare one gate (`-- ARGV...`) or a batch of them (`--batch`)."""
    from entrypoints.api.gates.prepare import open_repo

    argv: list[str] = list(args.argv)
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if args.batch is not None and argv:
        return fail("usage-error", "give either --batch FILE or `-- ARGV...`, not both.")
    opened = open_repo(args.repo)
    if not isinstance(opened, Success):
        problem = opened.failure()
        return fail(problem.code, problem.message, declared=argv)
    preparer = opened.unwrap()
    if args.batch is None:
        result = preparer.prepare(argv)
        emit(_outcome(argv, result))
        return EXIT_OK if isinstance(result, Success) else EXIT_REFUSED
    if args.batch == "-":
        return _run_batch(sys.stdin.buffer, "stdin", preparer.prepare)
    try:
        with open(args.batch, "rb") as source:
            return _run_batch(source, args.batch, preparer.prepare)
    except OSError as exc:
        return fail(
            "batch-unreadable",
            f"cannot read --batch {args.batch}: {exc.strerror or exc}; check the path.",
        )


def _run_batch(
    source: BinaryIO,
    name: str,
    prepare: Callable[[list[str]], Result[PreparedGate, GateRejected]],
) -> int:
    for number, line in enumerate(source, start=1):
        why = f"it nests deeper than {MAX_JSON_DEPTH} levels" if exceeds_depth(line) else None
        if why is None:
            try:
                argv = _argv_decoder.decode(line)
            # msgspec raises UnicodeDecodeError (not DecodeError) for invalid UTF-8 in a string.
            except (msgspec.DecodeError, UnicodeDecodeError) as exc:
                why = str(exc)
        if why is not None:
            return fail(
                "batch-line-unreadable",
                f"line {number} of {name} is not a JSON array of strings ({why}); "
                'write one array per line, e.g. ["pytest", "-q"].',
                line=number,
            )
        emit(_outcome(argv, prepare(argv)))
    return EXIT_OK
