"""The `engineering-loop` command: one argparse tree, each feature registering its commands.

Feature modules are imported to build the parser, so they import only the standard library,
msgspec and the domain at module level; adapters load lazily through `entrypoints.bootstrap`
inside command handlers, which keeps start-up fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from entrypoints.cli.output import EXIT_INTERNAL, EXIT_USAGE, fail

# Each module has `register(root, group)`; see `entrypoints.cli.output.GroupFactory`.
_FEATURE_MODULES: tuple[str, ...] = (
    "entrypoints.cli.budget",
    "entrypoints.cli.gates.prepare",
    "entrypoints.cli.gates.run",
    "entrypoints.cli.check.run",
    "entrypoints.cli.harness.normalise",
    "entrypoints.cli.harness.run",
    "entrypoints.cli.harness.models",
    "entrypoints.cli.forge",
    "entrypoints.cli.sandbox",
    "entrypoints.cli.loop",
    "entrypoints.cli.daemon",
    "entrypoints.cli.loop_queue",
    "entrypoints.cli.run",
    "entrypoints.cli.demo_run",
    "entrypoints.cli.replay",
)

# The modules that register each top-level command: a command imports only its own feature
# (start-up time). A command not listed here still works, with every feature module loaded.
_COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "budget": ("entrypoints.cli.budget",),
    "ledger": ("entrypoints.cli.budget",),
    "gate": ("entrypoints.cli.gates.prepare", "entrypoints.cli.gates.run"),
    "check": ("entrypoints.cli.check.run",),
    "policy": ("entrypoints.cli.check.run",),
    "demo": ("entrypoints.cli.check.run", "entrypoints.cli.demo_run"),
    "harness": ("entrypoints.cli.harness.normalise", "entrypoints.cli.harness.run"),
    "models": ("entrypoints.cli.harness.models",),
    "forge": ("entrypoints.cli.forge",),
    "sandbox": ("entrypoints.cli.sandbox",),
    "loop": ("entrypoints.cli.loop", "entrypoints.cli.loop_queue"),
    "daemon": ("entrypoints.cli.daemon",),
    "run": ("entrypoints.cli.run",),
    "replay": ("entrypoints.cli.replay",),
}

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


def feature_modules_for(argv: Sequence[str]) -> tuple[str, ...]:
    """The feature modules the command in `argv` needs (all of them for help or an unknown one).

    >>> feature_modules_for(["budget", "plan", "--labels", "bug"])
    ('entrypoints.cli.budget',)
    >>> feature_modules_for(["--help"]) == _FEATURE_MODULES
    True
    """
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    return _COMMAND_MODULES.get(command or "", _FEATURE_MODULES)


def build_parser(modules: Sequence[str] = _FEATURE_MODULES) -> argparse.ArgumentParser:
    """Build the command tree of `modules` (by default the whole tree)."""
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

    for module_name in modules:
        importlib.import_module(module_name).register(root, group)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    parser = build_parser(feature_modules_for(sys.argv[1:] if argv is None else argv))
    try:
        args = parser.parse_args(argv)
        handler: Handler = args.handler
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: report it as a value, keep the traceback on stderr
        import traceback  # only a bug needs it (start-up time)

        traceback.print_exc(file=sys.stderr)
        return fail(
            "internal-error",
            f"engineering-loop hit a bug ({type(exc).__name__}); the traceback is on stderr, "
            "please report it.",
            exit_code=EXIT_INTERNAL,
        )


if __name__ == "__main__":
    raise SystemExit(main())
