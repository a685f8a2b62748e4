"""The real-harness tests fail on CI when a harness is missing, and only skip locally."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import claude_agent, codex_agent, pi_agent, tools


def test_missing_pi_fails_on_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pi_agent, "PI_BINARY", tmp_path / "no-pi")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="npm ci"):
        pi_agent.require_pi()


def test_missing_pi_skips_locally(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pi_agent, "PI_BINARY", tmp_path / "no-pi")
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv(tools.REQUIRE_VARIABLE, raising=False)
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        pi_agent.require_pi()


def test_installed_pi_is_the_pinned_version() -> None:
    package = pi_agent.REPO_ROOT / "tools" / "pi" / "package.json"
    assert f'"@mariozechner/pi-coding-agent": "{pi_agent.PI_VERSION}"' in package.read_text()


def test_missing_claude_fails_on_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(claude_agent, "CLAUDE_PACKAGES", tmp_path / "none")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="npm ci"):
        claude_agent.require_claude()


def test_missing_claude_skips_locally(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(claude_agent, "CLAUDE_PACKAGES", tmp_path / "none")
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv(tools.REQUIRE_VARIABLE, raising=False)
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        claude_agent.require_claude()


def test_missing_codex_fails_on_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codex_agent, "CODEX_BINARY", tmp_path / "no-codex")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="npm ci"):
        codex_agent.require_codex()


def test_the_readme_test_command_requires_harnesses_even_off_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pi_agent, "PI_BINARY", tmp_path / "no-pi")
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv(tools.REQUIRE_VARIABLE, "1")
    with pytest.raises(pytest.fail.Exception, match="npm ci"):
        pi_agent.require_pi()
    assert (
        f"export {tools.REQUIRE_VARIABLE}=1"
        in (pi_agent.REPO_ROOT / "scripts" / "test.sh").read_text()
    )
