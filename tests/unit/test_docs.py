"""The README's commands, the TOML snippets of docs/ and the example configurations stay true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from domain.budget.config import BudgetConfig
from domain.config import parse_config
from domain.policy.evaluate import PolicyConfig

ROOT = Path(__file__).resolve().parents[2]
# Pages other branches write, linked from the README's "More" list ahead of the merge.
FILES_BEING_ADDED = {
    f"docs/{name}.md"
    for name in ("candidate-tree", "gates-projects", "fuzz", "forge", "sandbox", "loop")
}
README = (ROOT / "README.md").read_text()
DOCS = {path.name: path.read_text() for path in sorted((ROOT / "docs").glob("*.md"))}
TOML_BLOCKS = {
    f"{name}:{number}": block
    for name, text in DOCS.items()
    for number, block in enumerate(re.findall(r"^```toml\n(.*?)^```", text, flags=re.S | re.M))
}


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


@pytest.mark.parametrize(
    ("page", "section"),
    [("budget.md", "budget"), ("policy.md", "policy"), ("harness.md", "harness")],
)
def test_each_capability_page_shows_its_configuration_section(page: str, section: str) -> None:
    sections = {
        re.findall(r"^\[(\w+)", block, flags=re.M)[0]
        for name, block in TOML_BLOCKS.items()
        if name.startswith(f"{page}:")
    }
    assert sections == {section}


@pytest.mark.parametrize("name", sorted(TOML_BLOCKS))
def test_every_toml_snippet_in_the_docs_is_a_valid_configuration(name: str) -> None:
    parse_config(TOML_BLOCKS[name], source=name).unwrap()


def test_the_readme_stays_short_and_links_every_capability_page() -> None:
    assert len(README.splitlines()) <= 250
    linked = set(re.findall(r"\]\(docs/([\w-]+\.md)\)", README))
    assert set(DOCS) <= linked


def test_every_relative_link_in_the_docs_leads_to_a_file() -> None:
    pages = {ROOT / "README.md": README} | {ROOT / "docs" / n: t for n, t in DOCS.items()}
    broken = [
        f"{page.name}: {target}"
        for page, text in pages.items()
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text)
        if not (page.parent / target).exists() and target not in FILES_BEING_ADDED
    ]
    assert broken == []


def test_example_configuration_holds_the_budget_and_policy_defaults() -> None:
    path = ROOT / "examples" / "engineering-loop.toml"
    config = parse_config(path.read_text(), source=str(path)).unwrap()
    assert config.budget == BudgetConfig()
    assert config.policy == PolicyConfig()
    assert config.harness.name == "pi"


def test_the_tour_configuration_is_valid() -> None:
    path = ROOT / "examples" / "harness-pi.toml"
    config = parse_config(path.read_text(), source=str(path)).unwrap()
    assert config.harness.env_allow == ()
