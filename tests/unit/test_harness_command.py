"""Argv and environment per harness: the prompt never on argv, credentials never passed on."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from domain.harness.command import (
    HARNESS_ENV,
    build_command,
    harness_argv,
    harness_environment,
    provider_key_names,
)
from domain.harness.config import NEVER_PASS, HarnessSettings, ResolvedHarness, resolve_harness
from domain.kernel.environment import BASE_ALLOW


def _resolved(**kw: Any) -> ResolvedHarness:
    return resolve_harness(HarnessSettings(**kw)).unwrap()


def test_pi_prints_json_lines_without_a_session_and_offline() -> None:
    argv = harness_argv(_resolved(provider="anthropic", model="sonnet"), "/opt/pi")
    assert argv == (
        "/opt/pi",
        "--print",
        "--mode",
        "json",
        "--no-session",
        "--offline",
        "--provider",
        "anthropic",
        "--model",
        "sonnet",
    )


def test_pi_without_provider_or_model_leaves_them_to_pi() -> None:
    argv = harness_argv(_resolved(), "pi")
    assert "--provider" not in argv
    assert "--model" not in argv


def test_extra_args_come_after_the_loop_s_own() -> None:
    argv = harness_argv(_resolved(model="m", extra_args=("--thinking", "low")), "pi")
    assert argv[-2:] == ("--thinking", "low")


def test_claude_streams_json_and_reads_the_prompt_from_stdin() -> None:
    argv = harness_argv(
        _resolved(name="claude", model="opus", extra_args=("--max-turns", "9")), "claude"
    )
    assert argv == (
        "claude",
        "-p",
        "--output-format",
        "stream-json",
        "--verbose",
        "--model",
        "opus",
        "--max-turns",
        "9",
    )


def test_codex_takes_options_first_and_reads_the_prompt_from_stdin() -> None:
    harness = _resolved(name="codex", model="gpt-5", provider="openai", extra_args=("--full-auto",))
    assert harness_argv(harness, "codex") == (
        "codex",
        "exec",
        "--json",
        "--model",
        "gpt-5",
        "-c",
        "model_provider=openai",
        "--full-auto",
        "-",
    )


def test_environment_keeps_the_harness_variables_and_exact_allowed_names() -> None:
    parent = {
        "PATH": "/bin",
        "HOME": "/h",
        "PI_CODING_AGENT_DIR": "/agent",
        "ANTHROPIC_API_KEY": "k",
        "ANTHROPIC_API_KEY_2": "other",
        "OPENAI_API_KEY": "o",
    }
    env = harness_environment(_resolved(env_allow=("ANTHROPIC_API_KEY",)), parent)
    assert env == {
        "PATH": "/bin",
        "HOME": "/h",
        "PI_CODING_AGENT_DIR": "/agent",
        "ANTHROPIC_API_KEY": "k",
    }


def test_github_token_is_dropped_even_when_a_resolved_harness_names_it() -> None:
    # resolve_harness refuses this; build_command must still never pass it on.
    harness = ResolvedHarness(
        name="pi",
        provider=None,
        model=None,
        binary="pi",
        extra_args=(),
        env_allow=("GITHUB_TOKEN",),
    )
    command = build_command(
        harness, executable="pi", parent_env={"GITHUB_TOKEN": "t", "PATH": "/b"}
    )
    assert command.env == {"PATH": "/b"}


_names = st.sampled_from(
    [
        *BASE_ALLOW,
        *NEVER_PASS,
        "PI_CODING_AGENT_DIR",
        "CODEX_HOME",
        "ALLOWED_KEY",
        "AWS_SECRET",
        "X",
    ]
) | st.from_regex(r"[A-Z_][A-Z0-9_]{0,12}", fullmatch=True)


@given(
    parent=st.dictionaries(_names, st.text(max_size=5), max_size=20),
    harness_name=st.sampled_from(["pi", "claude", "codex"]),
)
def test_child_environment_is_only_base_harness_and_allowed_names(
    parent: dict[str, str], harness_name: str
) -> None:
    harness = _resolved(name=harness_name, env_allow=("ALLOWED_KEY",))
    env = harness_environment(harness, parent)
    allowed = set(BASE_ALLOW) | set(HARNESS_ENV[harness.name]) | {"ALLOWED_KEY"}
    assert set(env) <= allowed
    assert not set(env) & NEVER_PASS
    assert all(env[name] == parent[name] for name in env)


def test_provider_key_names_per_harness() -> None:
    assert provider_key_names(_resolved(provider="openai")) == ("OPENAI_API_KEY",)
    assert provider_key_names(_resolved(name="claude")) == (
        "ANTHROPIC_API_KEY",
        "CLAUDE_CODE_OAUTH_TOKEN",
    )
    assert provider_key_names(_resolved()) is None
