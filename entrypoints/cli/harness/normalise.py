"""`engineering-loop harness normalise`: read a harness transcript, print its `HarnessReport`."""

from __future__ import annotations

import argparse

from domain.harness.report import HARNESS_NAMES
from entrypoints.cli.output import EXIT_OK, GroupFactory, emit, fail


def register(
    root: argparse._SubParsersAction[argparse.ArgumentParser], group: GroupFactory
) -> None:
    """Add `harness normalise` to the command tree."""
    del root  # the command lives in the `harness` group
    actions = group("harness", "Run coding-agent harnesses and read what they print.")
    parser = actions.add_parser(
        "normalise",
        help="Read a harness's JSON output and print the normalised HarnessReport.",
        description="Read the JSON output of pi (--mode json), claude (--output-format json or "
        "stream-json) or codex (exec --json), as JSON lines or one (pretty-printed) JSON "
        "document, streaming it in bounded memory, and print the "
        "HarnessReport as JSON. Exits 0 whenever the input was read, whatever the run decided "
        "(see is_error); 2 when the input cannot be read.",
    )
    parser.add_argument("--harness", required=True, choices=HARNESS_NAMES)
    parser.add_argument(
        "--exit-code",
        type=int,
        default=None,
        metavar="N",
        help="the harness's exit code, when known: non-zero makes the run an error",
    )
    parser.add_argument(
        "file", nargs="?", default="-", metavar="FILE|-", help="the transcript (default: stdin)"
    )
    parser.set_defaults(handler=_normalise)


def _normalise(args: argparse.Namespace) -> int:
    from returns.pipeline import is_successful

    from entrypoints.api.harness.normalise import normalise_harness_output

    path: str = args.file
    result = normalise_harness_output(
        args.harness, None if path == "-" else path, exit_code=args.exit_code
    )
    if not is_successful(result):
        error = result.failure()
        return fail(error.code, error.message)
    emit(result.unwrap())
    return EXIT_OK
