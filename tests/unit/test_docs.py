"""The README's commands, its TOML snippets and the example configuration stay true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from domain.budget.config import BudgetConfig
from domain.config import parse_config
from domain.policy.evaluate import PolicyConfig

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
TOML_BLOCKS = re.findall(r"^```toml\n(.*?)^```", README, flags=re.S | re.M)


def _first_block_commands() -> list[str]:
    block = re.search(r"^```sh\n(.*?)^```", README, flags=re.S | re.M)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


def test_readme_opens_with_the_main_job_and_the_test_command() -> None:
    main_job, tests = _first_block_commands()
    assert "engineering-loop" in main_job
    assert tests == "bash scripts/test.sh"


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    _, tests = _first_block_commands()
    commands = [line for line in ci.splitlines() if line and not line.startswith(("#", "set "))]
    assert commands[-1] == f"exec {tests}"


def test_readme_has_toml_snippets_for_every_section() -> None:
    sections = {re.findall(r"^\[(\w+)", block, flags=re.M)[0] for block in TOML_BLOCKS}
    assert sections == {"budget", "policy", "harness"}


@pytest.mark.parametrize("block", TOML_BLOCKS, ids=lambda b: b.split("]")[0].strip("["))
def test_every_readme_toml_snippet_is_a_valid_configuration(block: str) -> None:
    parse_config(block, source="README.md").unwrap()


def test_example_configuration_holds_the_budget_and_policy_defaults() -> None:
    path = ROOT / "examples" / "engineering-loop.toml"
    config = parse_config(path.read_text(), source=str(path)).unwrap()
    assert config.budget == BudgetConfig()
    assert config.policy == PolicyConfig()
    assert config.harness.name == "pi"
