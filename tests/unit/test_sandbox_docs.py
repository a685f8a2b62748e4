"""docs/sandbox.md stays true: its TOML parses, its commands exist, its /etc list is the code's."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from domain.config import parse_config
from domain.sandbox.plan import ETC_PATHS
from entrypoints.cli.main import build_parser

DOC = (Path(__file__).resolve().parents[2] / "docs" / "sandbox.md").read_text()


def _blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", DOC, flags=re.S | re.M)


def test_the_documented_sandbox_section_is_a_valid_configuration() -> None:
    (block,) = _blocks("toml")
    assert parse_config(block, source="docs/sandbox.md").unwrap().sandbox.kind == "bwrap"


def test_every_documented_command_parses() -> None:
    parser = build_parser()
    for block in _blocks("sh"):
        for line in block.splitlines():
            argv = shlex.split(line, comments=True)
            assert argv[0] == "engineering-loop"
            parser.parse_args(argv[1:])


def test_every_etc_path_bound_is_named_in_the_docs() -> None:
    for path in ETC_PATHS:
        name = path.removeprefix("/etc/")
        assert name.split("/")[0].split(".")[0] in DOC, path
