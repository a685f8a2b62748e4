"""`engineering-loop gate select | run | check-files`: choose, run and check gates, JSON out.

Only the standard library, msgspec and the domain are imported here; the library API (anyio,
and through bootstrap dulwich) loads inside the handlers that need it.
"""

from __future__ import annotations

import argparse
from typing import Any

import msgspec

from domain.kernel.quantities import is_positive_finite
from entrypoints.cli.output import (
    EXIT_BLOCKED,
    EXIT_OK,
    EXIT_REFUSED,
    GroupFactory,
    emit,
    error_object,
    fail,
)

_GATE_HELP = "Prepare, select and run a repository's quality gates (pytest, ruff, mypy, ...)."

_SELECT_HELP = """\
Print the gates that changed paths call for, as one JSON object:
{"ok": true, "repo": DIR, "gates": [{"name", "argv", "covers"}], "unverified": [PATH...]}.

PATHs are relative to --repo (absolute paths inside it are accepted); a PATH that no longer
exists counts as deleted. Rules: every changed text file gets the built-in check-files gate;
in a uv project with a dev environment or a dependency group or extra providing a tool,
changed .py/.pyi files also get `python -m pytest -q -p no:cacheprovider` (only if the
project has tests), `ruff check --no-cache FILES` and `mypy --cache-dir=/dev/null PACKAGES`
(only if some group or extra provides the tool, or it is configured). A .py/.pyi file counts
as verified only by a gate that checks Python, never by check-files alone. Paths no gate
verifies are listed as unverified.

With --config, the repository's declared gates (`[gates]`, or `[gates.repos."OWNER/NAME"]`
for the name given with --repo-name, else the directory's name) replace selection: every one
runs, after check-files. Each gate's "origin" says "declared" or "selected".

Exit codes: 0 selected, 2 usage error, unreadable repository or configuration."""

_RUN_HELP = """\
Prepare one gate for the repository (e.g. `pytest -q` becomes
`uv run --locked --group dev pytest -q` in a uv project), run it in an allowlisted environment
(no tokens, PYTHONDONTWRITEBYTECODE=1, uv's environment under ~/.cache/engineering-loop/envs),
and prove it changed nothing: the worktree status (or, outside a git repository, every file)
is snapshotted before and after. Prints one JSON report:
{"ok", "verdict", "gates": [{"declared", "executed", "status", "exit_code", ...}],
"refusals": [...], "side_effects": [PATH...]}.

Exit codes: 0 passed; 1 the gate failed or timed out (gate-failed) or changed the worktree
(gate-side-effect); 2 usage error or unreadable repository; 3 the gate was refused by
preparation (the refusal's code, e.g. dev-dependencies-excluded)."""

_CHECK_FILES_HELP = """\
Check files without writing anything: .py/.pyi compile in memory (no bytecode), .toml and
.json parse, every other file must be UTF-8 text without NUL bytes. Missing (deleted) files
are skipped. Prints {"ok": BOOL, "files": [{"path", "status", "kind", "code", "message"}]}.

Exit codes: 0 every file is well-formed, 1 some file failed, 2 usage error."""


def register(
    root: argparse._SubParsersAction[argparse.ArgumentParser], group: GroupFactory
) -> None:
    """Add `gate select`, `gate run` and `gate check-files` to the command tree."""
    del root
    gate = group("gate", _GATE_HELP)
    formatter = argparse.RawDescriptionHelpFormatter

    select = gate.add_parser(
        "select",
        help="print the gates changed paths call for",
        description=_SELECT_HELP,
        formatter_class=formatter,
    )
    select.add_argument("--repo", default=".", metavar="DIR", help="repository root (default .)")
    select.add_argument(
        "--config", metavar="FILE", help="engineering-loop.toml whose [gates] to use"
    )
    select.add_argument(
        "--repo-name",
        metavar="OWNER/NAME",
        help="the name [gates.repos] tables are looked up by (with --config)",
    )
    select.add_argument("paths", nargs="*", metavar="PATH", help="changed paths")
    select.set_defaults(handler=_select)

    run = gate.add_parser(
        "run",
        help="prepare and run one gate, proving it left no side effects",
        description=_RUN_HELP,
        formatter_class=formatter,
        usage="%(prog)s [--repo DIR] [--timeout S] [--config FILE] -- ARGV...",
    )
    run.add_argument("--repo", default=".", metavar="DIR", help="repository root (default .)")
    run.add_argument(
        "--config",
        metavar="FILE",
        help="configuration file for [sandbox] (default: ./engineering-loop.toml if present)",
    )
    run.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=600.0,
        metavar="S",
        help="kill the gate's process group after S seconds (default 600)",
    )
    run.add_argument("argv", nargs=argparse.REMAINDER, metavar="ARGV", help="the gate command")
    run.set_defaults(handler=_run)

    check = gate.add_parser(
        "check-files",
        help="check that files are well-formed, writing nothing",
        description=_CHECK_FILES_HELP,
        formatter_class=formatter,
    )
    check.add_argument("paths", nargs="*", metavar="PATH", help="files to check")
    check.set_defaults(handler=_check_files)


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not is_positive_finite(value):
        raise argparse.ArgumentTypeError(
            f"the timeout must be a positive, finite number, not {text!r}"
        )
    return value


def _select(args: argparse.Namespace) -> int:
    from returns.pipeline import is_successful

    from entrypoints.api.gates.declared import declared_gates_in
    from entrypoints.api.gates.run import select_for_paths

    declared: tuple[Any, ...] = ()
    if args.config is not None:
        found = declared_gates_in(args.repo, args.repo_name, config=args.config)
        if not is_successful(found):
            return fail(found.failure().code, found.failure().message, repo=args.repo)
        declared = found.unwrap()
    elif args.repo_name is not None:
        return fail(
            "usage-error",
            "--repo-name names the repository's [gates.repos] table; "
            "give the configuration with --config FILE too.",
        )
    plan = select_for_paths(args.repo, args.paths, declared=declared)
    if not is_successful(plan):
        error = plan.failure()
        return fail(error.code, error.message, repo=args.repo)
    gates = [{**msgspec.to_builtins(gate), "origin": gate.origin} for gate in plan.unwrap().gates]
    emit({"ok": True, "repo": args.repo, "gates": gates, "unverified": plan.unwrap().unverified})
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    from returns.pipeline import is_successful

    from entrypoints.api.gates.run import run_gate
    from entrypoints.cli.sandbox import by_hand_sandbox

    argv = list(args.argv)
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        return fail(
            "usage-error",
            "gate run needs the gate after `--`, e.g. `gate run --repo . -- pytest -q`",
        )
    sandbox = by_hand_sandbox(args.config)
    if not is_successful(sandbox):
        return fail(sandbox.failure().code, sandbox.failure().message, declared=argv)
    result = run_gate(args.repo, argv, timeout_s=args.timeout, sandbox=sandbox.unwrap())
    if not is_successful(result):
        error = result.failure()
        return fail(error.code, error.message, declared=argv)
    report = result.unwrap()
    payload: dict[str, Any] = {"ok": report.passed, **msgspec.to_builtins(report)}
    if report.verdict == "refused":
        refusal = report.refusals[0]
        emit({**payload, **error_object(refusal.code, refusal.message)})
        return EXIT_REFUSED
    if report.side_effects:
        message = (
            f"the gate changed the worktree ({', '.join(report.side_effects)}); "
            "make it cache-neutral or fix what it writes, then restore those paths."
        )
        emit({**payload, **error_object("gate-side-effect", message)})
        return EXIT_BLOCKED
    if not report.passed:
        failed = ", ".join(f"{g.name} {g.status} (exit {g.exit_code})" for g in report.gates)
        message = f"the gate did not pass: {failed}; its output is in gates[].stdout/stderr."
        emit({**payload, **error_object("gate-failed", message)})
        return EXIT_BLOCKED
    emit(payload)
    return EXIT_OK


def _check_files(args: argparse.Namespace) -> int:
    from returns.pipeline import is_successful

    from entrypoints.api.gates.run import check_files

    checked = check_files(args.paths)
    if is_successful(checked):
        emit(checked.unwrap())
        return EXIT_OK
    emit(checked.failure())
    return EXIT_BLOCKED
