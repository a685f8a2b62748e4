"""The `engineering-loop` command: one argparse tree, each feature registering its commands.

Feature modules are imported to build the parser, so they import only the standard library,
msgspec and the domain at module level; adapters load lazily through `entrypoints.bootstrap`
inside command handlers, which keeps start-up fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Callable, Sequence

from entrypoints.cli.output import EXIT_INTERNAL, EXIT_USAGE, fail

# Each module has `register(root, group)`; see `GroupFactory`.
_FEATURE_MODULES: tuple[str, ...] = (
    "entrypoints.cli.budget",
    "entrypoints.cli.gates.prepare",
    "entrypoints.cli.gates.run",
    "entrypoints.cli.check.run",
    "entrypoints.cli.harness.normalise",
    "entrypoints.cli.harness.run",
    "entrypoints.cli.harness.models",
    "entrypoints.cli.forge",
    "entrypoints.cli.loop",
)

GroupFactory = Callable[[str, str], "argparse._SubParsersAction[argparse.ArgumentParser]"]
Handler = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """Usage errors print one JSON error object on stdout (and the usage on stderr), exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]  # argparse types it NoReturn
        self.print_usage(sys.stderr)
        fail("usage-error", f"{self.prog}: {message}; see --help")
        raise SystemExit(EXIT_USAGE)


class _VersionAction(argparse.Action):
    """`--version`: the installed distribution's version, looked up only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str, **_: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, *_: object) -> None:
        print(f"engineering-loop {installed_version()}")
        raise SystemExit(0)


def installed_version() -> str:
    """The version in the installed distribution's metadata (`unknown` when not installed)."""
    from importlib import metadata

    try:
        return metadata.version("engineering-loop")
    except metadata.PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    """Build the whole command tree."""
    parser = _Parser(
        prog="engineering-loop",
        description="Turn approved GitHub issues into verified draft pull requests.",
        epilog="Exit codes: 0 ok, 1 blocked/failed, 2 usage or configuration error, "
        "3 refused by policy, 70 internal error.",
    )
    parser.add_argument("--version", action=_VersionAction)
    root: argparse._SubParsersAction[argparse.ArgumentParser] = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=_Parser
    )
    root.required = True
    groups: dict[str, argparse._SubParsersAction[argparse.ArgumentParser]] = {}

    def group(name: str, help_text: str) -> argparse._SubParsersAction[argparse.ArgumentParser]:
        if name not in groups:
            sub = root.add_parser(name, help=help_text, description=help_text)
            actions = sub.add_subparsers(dest=f"{name}_command", metavar="SUBCOMMAND")
            actions.required = True
            groups[name] = actions
        return groups[name]

    for module_name in _FEATURE_MODULES:
        importlib.import_module(module_name).register(root, group)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        handler: Handler = args.handler
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: report it as a value, keep the traceback on stderr
        traceback.print_exc(file=sys.stderr)
        return fail(
            "internal-error",
            f"engineering-loop hit a bug ({type(exc).__name__}); the traceback is on stderr, "
            "please report it.",
            exit_code=EXIT_INTERNAL,
        )


if __name__ == "__main__":
    raise SystemExit(main())
