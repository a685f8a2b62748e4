"""The harness commands offer exactly the harnesses the domain knows."""

from __future__ import annotations

import argparse

import pytest

from domain.harness.report import HARNESS_NAMES
from entrypoints.cli.main import build_parser


def _subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    for action in parser._actions:  # argparse keeps subcommands only in its private list
        if isinstance(action, argparse._SubParsersAction) and name in action.choices:
            chosen: argparse.ArgumentParser = action.choices[name]
            return chosen
    raise AssertionError(f"no subcommand {name}")


@pytest.mark.parametrize("command", ["run", "normalise"])
def test_harness_choices_are_the_domains_harness_names(command: str) -> None:
    parser = _subparser(_subparser(build_parser(), "harness"), command)
    option = next(a for a in parser._actions if "--harness" in a.option_strings)
    assert option.choices is HARNESS_NAMES
