"""docs/gates-projects.md stays true: its TOML is a valid configuration, its commands run."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from domain.config import parse_config
from domain.gates.declared import DeclaredGate, declared_gates_for
from entrypoints.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "gates-projects.md").read_text()
TOML_BLOCKS = re.findall(r"^```toml\n(.*?)^```", DOC, flags=re.S | re.M)
COMMANDS = [
    line
    for block in re.findall(r"^```sh\n(.*?)^```", DOC, flags=re.S | re.M)
    for line in block.splitlines()
    if line and not line.startswith("#")
]


def test_the_declared_gates_snippet_is_a_valid_configuration_that_means_what_it_says() -> None:
    (block,) = TOML_BLOCKS
    gates = parse_config(block, source="docs/gates-projects.md").unwrap().gates
    assert declared_gates_for(gates, ("acme/api",)) == (
        DeclaredGate(argv=("make", "check"), timeout_s=600),
    )
    assert [g.timeout_s for g in declared_gates_for(gates, ("other",))] == [600, 120]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_shell_example_runs(
    command: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    argv = shlex.split(command)
    assert argv[0] == "engineering-loop"
    assert main(argv[1:]) == 0
    assert '"ok":true' in capsys.readouterr().out
