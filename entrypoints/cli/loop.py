"""`loop ...`: commands about the loop as a service.

`loop service-check` checks a systemd unit against the configuration. Each subcommand has one
`_register_*` function below that `register` calls, so another (`loop queue`, `loop labels`) is
one more such function and one more line in `register`.
Exit codes: 0 accepted, 3 refused (`service-timeout-too-short`), 2 usage, configuration or a
unit that is unreadable or no oneshot `daemon --once`.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from returns.pipeline import is_successful

from domain.loop.service import format_span
from entrypoints.cli.output import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, emit, fail

if TYPE_CHECKING:
    from entrypoints.api.service import ServiceReport
    from entrypoints.cli.output import GroupFactory

_REFUSALS = frozenset({"service-timeout-too-short"})

_SERVICE_CHECK_HELP = (
    "Check a systemd unit for `daemon --once`: it must be Type=oneshot and its TimeoutStartSec "
    "(or TimeoutSec) must hold max_runs_per_cycle x [budget] wall_clock_ceiling_s + 300 s. "
    "Exit 0 accepted, 3 too short, 2 unreadable unit, wrong unit or configuration error."
)


def register(
    root: argparse._SubParsersAction[argparse.ArgumentParser], group: GroupFactory
) -> None:
    """Add the `loop` group and its subcommands to the command tree."""
    del root
    loop = group("loop", "The loop as a service: its systemd unit (and, later, its queue).")
    _register_service_check(loop)


def _config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", metavar="F", help="configuration file (default: ./engineering-loop.toml)"
    )


def _json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def _register_service_check(loop: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = loop.add_parser(
        "service-check", help=_SERVICE_CHECK_HELP, description=_SERVICE_CHECK_HELP
    )
    check.add_argument("--unit", required=True, metavar="FILE", help="the .service file")
    _config_option(check)
    _json_option(check)
    check.set_defaults(handler=_service_check)


def _error(error: Any) -> int:
    code = EXIT_REFUSED if error.code in _REFUSALS else EXIT_USAGE
    return fail(error.code, error.message, exit_code=code)


def _timeout_text(report: ServiceReport) -> str:
    if report.timeout_key is None:
        return "no start timeout (a oneshot unit without TimeoutStartSec)"
    if report.timeout_s is None:
        return f"{report.timeout_key} at line {report.timeout_line}: no limit"
    seconds = int(report.timeout_s)
    return (
        f"{report.timeout_key} at line {report.timeout_line}: {report.timeout_s:g} s "
        f"({format_span(seconds)})"
    )


def _service_check(args: argparse.Namespace) -> int:
    from entrypoints.api.service import check_service

    result = check_service(args.unit, args.config)
    if not is_successful(result):
        return _error(result.failure())
    report = result.unwrap()
    if args.json:
        emit({"ok": True, **_as_dict(report)})
        return EXIT_OK
    print(f"service-check: accepted {report.unit}")
    print(f"  runs:    {' '.join(report.command)}")
    print(f"  timeout: {_timeout_text(report)}")
    print(
        f"  needs:   {report.required_s} s (max_runs_per_cycle {report.max_runs_per_cycle} x "
        f"wall_clock_ceiling_s {report.wall_clock_ceiling_s} + 300 s; "
        f"config: {report.config or 'the defaults'})"
    )
    for notice in report.notices:
        print(f"  notice:  {notice}")
    return EXIT_OK


def _as_dict(report: ServiceReport) -> dict[str, Any]:
    import msgspec

    converted: dict[str, Any] = msgspec.to_builtins(report)
    return converted
