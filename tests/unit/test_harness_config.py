"""The `[harness]` section: strict decoding, tiers and the checks `resolve_harness` makes."""

from __future__ import annotations

import pytest

from domain.config import parse_config
from domain.harness.config import HarnessSettings, HarnessTier, resolve_harness

EXAMPLE = """
[harness]
name = "pi"
provider = "anthropic"
model = "claude-sonnet-4-5"
binary = "pi"
extra_args = ["--thinking", "low"]
env_allow = ["ANTHROPIC_API_KEY"]

[harness.tiers."loop:budget-xl"]
model = "claude-opus-4-1"
"""


def test_issue_example_decodes() -> None:
    settings = parse_config(EXAMPLE).unwrap().harness
    assert settings.model == "claude-sonnet-4-5"
    assert settings.env_allow == ("ANTHROPIC_API_KEY",)
    assert settings.tiers["loop:budget-xl"].model == "claude-opus-4-1"


def test_unknown_key_in_harness_is_config_invalid_and_named() -> None:
    error = parse_config('[harness]\nmodle = "x"\n').failure()
    assert error.code == "config-invalid"
    assert "modle" in error.message


def test_unknown_key_in_a_tier_is_config_invalid_and_named() -> None:
    error = parse_config('[harness.tiers."xl"]\nmax_cost = 3\n').failure()
    assert error.code == "config-invalid"
    assert "max_cost" in error.message


def test_env_allow_must_be_a_list_of_strings() -> None:
    assert parse_config('[harness]\nenv_allow = "KEY"\n').failure().code == "config-invalid"


def test_tier_overrides_only_what_it_names() -> None:
    resolved = resolve_harness(parse_config(EXAMPLE).unwrap().harness, tier="loop:budget-xl")
    harness = resolved.unwrap()
    assert (harness.model, harness.provider, harness.extra_args) == (
        "claude-opus-4-1",
        "anthropic",
        ("--thinking", "low"),
    )
    assert harness.tier == "loop:budget-xl"


def test_tier_can_replace_extra_args_with_nothing() -> None:
    settings = HarnessSettings(
        extra_args=("--thinking", "low"), tiers={"s": HarnessTier(extra_args=())}
    )
    assert resolve_harness(settings, tier="s").unwrap().extra_args == ()


def test_missing_tier_is_an_error_naming_the_configured_ones() -> None:
    error = resolve_harness(parse_config(EXAMPLE).unwrap().harness, tier="loop:budget-s").failure()
    assert error.code == "harness-tier-missing"
    assert "loop:budget-xl" in error.message


def test_binary_defaults_to_the_harness_name() -> None:
    assert resolve_harness(HarnessSettings(name="codex")).unwrap().binary == "codex"


def test_no_name_means_the_requested_harness_else_pi() -> None:
    assert resolve_harness(HarnessSettings()).unwrap().name == "pi"
    assert resolve_harness(HarnessSettings(), requested="claude").unwrap().name == "claude"


@pytest.mark.parametrize(
    ("settings", "code"),
    [
        (HarnessSettings(name="aider"), "harness-unknown"),
        (HarnessSettings(env_allow=("GITHUB_TOKEN",)), "harness-env-forbidden"),
        (HarnessSettings(env_allow=("GH_TOKEN",)), "harness-env-forbidden"),
        (HarnessSettings(env_allow=("ANTHROPIC_*",)), "harness-env-invalid"),
        (HarnessSettings(extra_args=("--mode", "text")), "harness-args-conflict"),
        (
            HarnessSettings(name="claude", extra_args=("--output-format=json",)),
            "harness-args-conflict",
        ),
        (HarnessSettings(name="codex", extra_args=("--json",)), "harness-args-conflict"),
    ],
)
def test_unusable_settings_are_refused_with_a_stable_code(
    settings: HarnessSettings, code: str
) -> None:
    assert resolve_harness(settings).failure().code == code


def test_forbidden_credential_in_a_tier_is_refused_for_that_tier() -> None:
    settings = HarnessSettings(tiers={"xl": HarnessTier(env_allow=("GITHUB_TOKEN",))})
    assert resolve_harness(settings).unwrap().env_allow == ()
    error = resolve_harness(settings, tier="xl").failure()
    assert error.code == "harness-env-forbidden"
    assert 'tiers."xl"' in error.message


def test_requested_harness_must_match_the_configured_one() -> None:
    error = resolve_harness(HarnessSettings(name="claude"), requested="pi").failure()
    assert error.code == "harness-mismatch"
