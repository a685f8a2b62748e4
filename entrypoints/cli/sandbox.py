"""`engineering-loop sandbox check`: whether the sandbox works here, what it binds, its rules."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

import msgspec

from entrypoints.cli.output import EXIT_OK, GroupFactory, emit, fail

if TYPE_CHECKING:
    from returns.result import Result

    from entrypoints.api.sandbox import Sandbox


_CHECK_HELP = """\
Find bubblewrap (bwrap), prove it can create its namespaces here, and run one probe per rule
inside a real sandbox: the command's directory is writable; nothing of the real home is
visible; PID 1 is bwrap (the loop's processes and their /proc/<pid>/environ are unseen);
/proc/1/environ holds exactly the allowlisted variables; nothing outside can be written.

Exit codes: 0 the sandbox works; 2 sandbox-unavailable (with how to install bubblewrap or
how to opt out with [sandbox] kind = "none"), or a usage or configuration error."""


def register(
    root: argparse._SubParsersAction[argparse.ArgumentParser], group: GroupFactory
) -> None:
    """Add `sandbox check`."""
    del root
    sandbox = group("sandbox", "The bubblewrap sandbox agents and gates run in.")
    check = sandbox.add_parser(
        "check",
        help="prove the sandbox works here and show what it binds",
        description=_CHECK_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument(
        "--config", metavar="FILE", help="configuration file (default: ./engineering-loop.toml)"
    )
    check.add_argument("--json", action="store_true", help="print the report as one JSON object")
    check.set_defaults(handler=_check)


def _check(args: argparse.Namespace) -> int:
    import anyio
    from returns.result import Success

    from entrypoints.api.sandbox_check import check_sandbox
    from entrypoints.config import load_config

    loaded = load_config(args.config, defaults_if_absent=True)
    if not isinstance(loaded, Success):
        return fail(loaded.failure().code, loaded.failure().message)
    settings = loaded.unwrap().sandbox
    checked = anyio.run(check_sandbox, settings)
    if not isinstance(checked, Success):
        return fail(checked.failure().code, checked.failure().message)
    report = checked.unwrap()
    if args.json:
        emit(report)
        return EXIT_OK
    lines = [f"sandbox: works ({report.bwrap})"]
    lines += [f"  {'held' if r.held else 'BROKEN'}  {r.name}: {r.shows}" for r in report.rules]
    lines.append("binds (a confined process working in a fresh folder):")
    lines.append("  " + " ".join(report.example_argv))
    sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_OK


class SandboxProblem(msgspec.Struct, frozen=True, kw_only=True):
    """The configuration is invalid or the sandbox is required and does not work."""

    code: str
    message: str


def by_hand_sandbox(config_path: str | None) -> Result[Sandbox, SandboxProblem]:
    """The sandbox of a command run by hand (`gate run`): the configuration's `[sandbox]`
    (defaults when there is no file), probed; a notice on stderr when it runs unconfined."""
    import anyio
    from returns.result import Failure, Success

    from entrypoints.api.sandbox import prepare_sandbox
    from entrypoints.config import load_config

    loaded = load_config(config_path, defaults_if_absent=True)
    if not isinstance(loaded, Success):
        return Failure(SandboxProblem(code=loaded.failure().code, message=loaded.failure().message))
    chosen = anyio.run(prepare_sandbox, loaded.unwrap().sandbox)
    if not isinstance(chosen, Success):
        return Failure(SandboxProblem(code=chosen.failure().code, message=chosen.failure().message))
    sandbox = chosen.unwrap()
    if sandbox.notice is not None:
        print(f"engineering-loop: {sandbox.notice}", file=sys.stderr)
    return Success(sandbox)
