"""`engineering-loop models validate`: are the configured harnesses, models and keys usable here?"""

from __future__ import annotations

import argparse

from entrypoints.cli.output import EXIT_BLOCKED, EXIT_OK, EXIT_USAGE, GroupFactory, emit


def register(
    root: argparse._SubParsersAction[argparse.ArgumentParser], group: GroupFactory
) -> None:
    """Add `models validate`."""
    del root
    models = group("models", "Check the model and harness choices of the configuration.")
    validate = models.add_parser(
        "validate",
        help="Check [harness] (and every tier) against this machine.",
        description="Check the [harness] section and every [harness.tiers.*] override: known "
        "harness, binary found, provider key allowed and set. Exit 0 when ok, 1 when not, 2 when "
        "the configuration cannot be read.",
    )
    validate.add_argument("--config", help="configuration file (default: ./engineering-loop.toml)")
    validate.add_argument(
        "--tier",
        action="append",
        default=[],
        metavar="LABEL",
        help="a tier label that must have a [harness.tiers.LABEL] section (repeatable)",
    )
    validate.add_argument(
        "--live",
        action="store_true",
        help="about to run for real: a provider key missing from the environment is an error",
    )
    validate.add_argument("--json", action="store_true", help="print the report as JSON")
    validate.set_defaults(handler=_validate)


def _validate(args: argparse.Namespace) -> int:
    from entrypoints.api.harness.models import validate_models

    report = validate_models(args.config, live=args.live, required_tiers=tuple(args.tier))
    if args.json:
        emit(report)
    else:
        for label, choice in report.tiers.items():
            print(f"{label}: {choice.harness} {choice.provider or '-'} {choice.model or '-'}")
        for issue in report.errors:
            print(f"error {issue.code}: {issue.message}")
        for issue in report.warnings:
            print(f"warning {issue.code}: {issue.message}")
        print("ok" if report.ok else "not ok")
    if report.ok:
        return EXIT_OK
    if any(issue.code.startswith("config-") for issue in report.errors):
        return EXIT_USAGE
    return EXIT_BLOCKED
