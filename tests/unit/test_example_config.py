"""examples/engineering-loop.toml is a valid configuration as shipped and with its commented
GitHub forge switched on."""

from __future__ import annotations

import re
from pathlib import Path

from domain.config import parse_config

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "engineering-loop.toml"
# A commented section header or `key = value` line at the start of a line (indented ones are
# alternatives shown inside a comment, not lines to uncomment).
_COMMENTED = re.compile(r"^# (\[[a-z.]+\]|[a-z_]+ = .*)$", flags=re.M)


def test_the_example_serves_a_repository_on_the_local_forge() -> None:
    config = parse_config(EXAMPLE.read_text(), source=str(EXAMPLE)).unwrap()
    assert config.loop.repos == ("your-org/your-repo",)
    assert config.forge is None
    assert config.harness.provider == "anthropic"
    assert "ANTHROPIC_API_KEY" in config.harness.env_allow


def test_uncommenting_the_forge_lines_switches_to_github() -> None:
    text = _COMMENTED.sub(r"\1", EXAMPLE.read_text())
    config = parse_config(text, source=str(EXAMPLE)).unwrap()
    assert config.forge is not None
    assert (config.forge.kind, config.forge.token_env) == ("github", "GITHUB_TOKEN")
    assert config.loop.state_dir == "/var/lib/engineering-loop/state"
    assert config.forge.token_env not in config.harness.env_allow
