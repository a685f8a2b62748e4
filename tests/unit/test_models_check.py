"""`models validate`: the judgement (pure) and the command (exit codes, JSON shape)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from domain.harness.config import HarnessSettings, HarnessTier, resolve_harness
from domain.harness.models_check import ModelsFacts, check_models
from entrypoints.api.harness.models import validate_models
from entrypoints.cli.main import main
from tests.support.harness_fakes import FakeConfigSource, FakeHarnessHost

FOUND = {"pi": "/usr/bin/pi", "claude": "/usr/bin/claude", "codex": "/usr/bin/codex"}
PI_ANTHROPIC = HarnessSettings(
    provider="anthropic",
    model="claude-sonnet-4-5",
    env_allow=("ANTHROPIC_API_KEY",),
    tiers={"loop:budget-xl": HarnessTier(model="claude-opus-4-1")},
)


def _facts(*env: str, executables: dict[str, str | None] | None = None) -> ModelsFacts:
    return ModelsFacts(env_names=frozenset(env), executables=executables or dict(FOUND))


def _codes(issues: object) -> list[str]:
    assert isinstance(issues, tuple)
    return [issue.code for issue in issues]


def test_usable_configuration_is_ok_and_lists_every_tier() -> None:
    report = check_models(PI_ANTHROPIC, _facts("ANTHROPIC_API_KEY"))
    assert report.ok
    assert (report.errors, report.warnings) == ((), ())
    assert report.tiers["default"].model == "claude-sonnet-4-5"
    assert report.tiers["loop:budget-xl"].model == "claude-opus-4-1"
    assert report.tiers["loop:budget-xl"].executable == "/usr/bin/pi"


def test_missing_key_is_a_warning_on_a_dry_check() -> None:
    report = check_models(PI_ANTHROPIC, _facts())
    assert report.ok
    assert _codes(report.warnings) == ["provider-key-missing", "provider-key-missing"]
    assert report.tiers["default"].key_present is False


def test_missing_key_is_an_error_when_live() -> None:
    report = check_models(PI_ANTHROPIC, _facts(), live=True)
    assert not report.ok
    assert _codes(report.errors) == ["provider-key-missing", "provider-key-missing"]


def test_key_not_in_env_allow_is_reported_since_the_harness_would_not_see_it() -> None:
    settings = HarnessSettings(name="codex", model="gpt-5")
    report = check_models(settings, _facts("OPENAI_API_KEY"))
    assert _codes(report.warnings) == ["cost-cap-unenforced", "provider-key-not-allowed"]


def test_custom_provider_key_cannot_be_checked_and_says_so() -> None:
    report = check_models(HarnessSettings(provider="my-proxy", model="m"), _facts())
    assert report.ok
    assert _codes(report.warnings) == ["provider-key-unknown"]


def test_binary_not_found_is_an_error_for_the_tier_that_uses_it() -> None:
    settings = HarnessSettings(model="m", tiers={"xl": HarnessTier(binary="/opt/pi-next/pi")})
    report = check_models(
        settings, _facts(executables={"pi": "/usr/bin/pi", "/opt/pi-next/pi": None})
    )
    assert _codes(report.errors) == ["harness-binary-not-found"]
    assert report.errors[0].tier == "xl"


def test_unknown_harness_is_an_error() -> None:
    report = check_models(HarnessSettings(name="aider"), _facts())
    assert not report.ok
    assert _codes(report.errors) == ["harness-unknown"]


def test_required_tier_without_a_section_is_an_error() -> None:
    report = check_models(
        PI_ANTHROPIC, _facts("ANTHROPIC_API_KEY"), required_tiers=("loop:budget-large",)
    )
    assert _codes(report.errors) == ["harness-tier-missing"]


@pytest.mark.parametrize("label", ["LOOP:Budget-XL", "  loop:budget-xl ", "loop:budget-xl"])
def test_required_tier_matches_its_section_as_a_run_would(label: str) -> None:
    # `harness run --tier` resolves labels ignoring case and surrounding space; validating the
    # same label must agree with the run instead of reporting a section the run would find.
    report = check_models(PI_ANTHROPIC, _facts("ANTHROPIC_API_KEY"), required_tiers=(label,))
    assert resolve_harness(PI_ANTHROPIC, tier=label).unwrap().model == "claude-opus-4-1"
    assert (report.ok, report.errors) == (True, ())


def test_harness_section_matches_its_budget_tier_ignoring_case() -> None:
    settings = HarnessSettings(model="m", tiers={"Loop:Budget-XL": HarnessTier(model="big")})
    report = check_models(settings, _facts(), budget_tiers=frozenset({"loop:budget-xl"}))
    assert report.errors == ()
    assert sorted(report.tiers) == ["Loop:Budget-XL", "default"]
    assert not report.tiers["Loop:Budget-XL"].inherited


def test_unset_model_is_a_warning() -> None:
    report = check_models(
        HarnessSettings(name="claude", env_allow=("ANTHROPIC_API_KEY",)),
        _facts("ANTHROPIC_API_KEY"),
    )
    assert _codes(report.warnings) == ["model-unset", "cost-cap-after-run"]


@pytest.mark.parametrize(
    ("name", "warning"), [("claude", "cost-cap-after-run"), ("codex", "cost-cap-unenforced")]
)
def test_harness_that_cannot_stop_a_run_at_its_cost_cap_is_warned_for_every_tier(
    name: str, warning: str
) -> None:
    settings = HarnessSettings(name=name, model="m", tiers={"xl": HarnessTier(model="big")})
    report = check_models(settings, _facts())
    assert report.ok
    cap_warnings = [(w.code, w.tier) for w in report.warnings if w.code.startswith("cost-cap")]
    assert cap_warnings == [(warning, None), (warning, "xl")]


def test_pi_reports_cost_per_message_so_its_cap_acts_live_without_a_warning() -> None:
    report = check_models(PI_ANTHROPIC, _facts("ANTHROPIC_API_KEY"))
    assert not [w for w in report.warnings if w.code.startswith("cost-cap")]


def test_missing_configuration_file_is_never_ok() -> None:
    report = validate_models(
        None, config_source=FakeConfigSource(None), host=FakeHarnessHost(), environ={}
    )
    assert not report.ok
    assert _codes(report.errors) == ["config-missing"]


def test_validate_looks_binaries_up_on_the_environment_s_path() -> None:
    host = FakeHarnessHost(executables={"claude": "/usr/bin/claude"})
    source = FakeConfigSource(
        '[harness]\nname = "claude"\nmodel = "opus"\nenv_allow = ["ANTHROPIC_API_KEY"]\n'
    )
    report = validate_models(
        None,
        config_source=source,
        host=host,
        environ={"PATH": "/usr/bin", "ANTHROPIC_API_KEY": "k"},
    )
    assert report.ok
    no_path = validate_models(
        None, config_source=source, host=host, environ={"ANTHROPIC_API_KEY": "k"}
    )
    assert _codes(no_path.errors) == ["harness-binary-not-found"]


def test_empty_key_counts_as_missing() -> None:
    source = FakeConfigSource(
        '[harness]\nname = "codex"\nmodel = "m"\nenv_allow = ["OPENAI_API_KEY"]\n'
    )
    host = FakeHarnessHost(executables={"codex": "/usr/bin/codex"})
    report = validate_models(
        None,
        config_source=source,
        host=host,
        environ={"PATH": "/b", "OPENAI_API_KEY": ""},
        live=True,
    )
    assert _codes(report.errors) == ["provider-key-missing"]


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    code = main(["models", "validate", "--json", *args])
    return code, json.loads(capsys.readouterr().out)


def test_cli_missing_config_exits_2_with_the_report_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _cli(["--config", str(tmp_path / "nope.toml")], capsys)
    assert code == 2
    assert set(out) == {"ok", "errors", "warnings", "tiers"}
    assert out["ok"] is False


def test_cli_ok_exits_0_and_not_ok_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = tmp_path / "bin" / "codex"
    tool.parent.mkdir()
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    config = tmp_path / "engineering-loop.toml"
    config.write_text(
        '[harness]\nname = "codex"\nmodel = "gpt-5"\n'
        f'binary = "{tool}"\nenv_allow = ["OPENAI_API_KEY"]\n'
    )
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    code, out = _cli(["--config", str(config), "--live"], capsys)
    assert (code, out["ok"]) == (0, True)
    monkeypatch.delenv("OPENAI_API_KEY")
    code, out = _cli(["--config", str(config), "--live"], capsys)
    assert (code, out["ok"]) == (1, False)


def test_budget_tiers_without_a_harness_section_are_reported_as_the_base_choice() -> None:
    report = check_models(
        PI_ANTHROPIC,
        _facts("ANTHROPIC_API_KEY"),
        budget_tiers=frozenset({"loop:budget-large", "loop:budget-xl"}),
    )
    assert report.ok
    large = report.tiers["loop:budget-large"]
    assert (large.model, large.inherited) == ("claude-sonnet-4-5", True)
    assert (report.tiers["loop:budget-xl"].model, report.tiers["loop:budget-xl"].inherited) == (
        "claude-opus-4-1",
        False,
    )


def test_harness_tier_that_is_no_budget_tier_is_an_error() -> None:
    settings = HarnessSettings(model="m", tiers={"loop:budget-xxl": HarnessTier(model="big")})
    report = check_models(settings, _facts(), budget_tiers=frozenset({"loop:budget-xl"}))
    assert _codes(report.errors) == ["harness-tier-unknown"]


def test_validate_reads_the_budget_tiers_of_the_same_file() -> None:
    source = FakeConfigSource(
        '[budget.tiers."big"]\nmax_cost_usd = 20.0\n'
        '[harness]\nname = "codex"\nmodel = "m"\nenv_allow = ["OPENAI_API_KEY"]\n'
        '[harness.tiers."loop:budget-xl"]\nmodel = "m2"\n'
    )
    host = FakeHarnessHost(executables={"codex": "/usr/bin/codex"})
    report = validate_models(
        None, config_source=source, host=host, environ={"PATH": "/b", "OPENAI_API_KEY": "k"}
    )
    # Declaring [budget.tiers] replaces the default tiers, so loop:budget-xl is gone.
    assert _codes(report.errors) == ["harness-tier-unknown"]
    assert report.tiers["big"].inherited
