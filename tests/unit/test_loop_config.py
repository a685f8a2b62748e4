"""The `[loop]`, `[loop.scoring]` and `[notify]` sections decode strictly with their defaults."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
import tomli

from domain.loop.config import (
    LoopSettings,
    NotifySettings,
    ScoringSettings,
    ledger_path,
    lock_path,
    refusing_variables,
    state_dir,
    webhook_host,
)


def _loop(toml: str) -> LoopSettings:
    return msgspec.convert(tomli.loads(toml).get("loop", {}), LoopSettings, strict=True)


def test_defaults_are_the_documented_ones() -> None:
    settings = _loop("")
    assert settings.repos == ()
    assert settings.approval_label == "loop:approved"
    assert settings.approvers == ()
    assert settings.trusted_commenters == ()
    assert settings.max_runs_per_cycle == 1
    assert settings.refuse_env == ("GITHUB_ACTIONS",)
    assert settings.scoring == ScoringSettings(labels={"critical": 5, "security": 4, "bug": 2})
    assert (settings.state_dir, settings.ledger, settings.base_branch) == (None, None, None)
    assert settings.branch_prefix == "engineering-loop/"
    assert settings.author == "engineering-loop <engineering-loop@localhost>"
    assert (settings.max_rounds, settings.keep_failed_clones) == (3, 5)
    assert NotifySettings().webhooks == ()


def test_the_issue_example_decodes() -> None:
    settings = _loop(
        '[loop]\nrepos = ["acme/api"]\napprovers = ["alice"]\nmax_runs_per_cycle = 2\n'
        "[loop.scoring]\nlabels = { critical = 5, docs = -1 }\n"
    )
    assert settings.repos == ("acme/api",)
    assert settings.scoring.labels == {"critical": 5, "docs": -1}


@pytest.mark.parametrize(
    "toml",
    [
        "[loop]\nrepo = ['a/b']",
        "[loop.scoring]\nweights = {}",
        "[loop]\nrepos = ['not a repo']",
        "[loop]\nmax_runs_per_cycle = 0",
        "[loop]\nmax_rounds = 0",
        "[loop]\nauthor = 'no email'",
        "[loop]\nbranch_prefix = 'has space/'",
        "[loop]\nstate_dir = 'relative'",
        "[loop]\nrefuse_env = ['NOT-A-NAME']",
        "[loop]\napprovers = ['bad login!']",
    ],
)
def test_unknown_keys_and_bad_values_are_errors(toml: str) -> None:
    with pytest.raises(msgspec.ValidationError):
        _loop(toml)


def test_a_webhook_must_be_https_and_its_error_never_shows_it() -> None:
    secret = "http://hooks.example/T0/secret-part"
    document: dict[str, Any] = {"webhooks": [secret]}
    with pytest.raises(msgspec.ValidationError) as caught:
        msgspec.convert(document, NotifySettings, strict=True)
    assert "secret-part" not in str(caught.value)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"webhook": []}, NotifySettings, strict=True)


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("http://127.0.0.1:8080/hook", True),
        ("http://localhost/hook", True),
        ("http://[::1]:9/h", True),
        ("http://127.0.0.1.evil.example/hook", False),
        ("http://localhost.example/hook", False),
        ("https://hooks.example/T0/B0/x", True),
    ],
)
def test_plain_http_webhooks_reach_this_machine_only(url: str, accepted: bool) -> None:
    document: dict[str, Any] = {"webhooks": [url]}
    if accepted:
        assert msgspec.convert(document, NotifySettings, strict=True).webhooks == (url,)
    else:
        with pytest.raises(msgspec.ValidationError):
            msgspec.convert(document, NotifySettings, strict=True)


def test_state_paths_follow_the_state_dir() -> None:
    state = state_dir(LoopSettings(), {"XDG_STATE_HOME": "/x"})
    assert state == "/x/engineering-loop"
    assert ledger_path(LoopSettings(), state) == "/x/engineering-loop/ledger.sqlite"
    assert lock_path(state) == "/x/engineering-loop/daemon.lock"
    assert state_dir(LoopSettings(), {}) is None


def test_any_refuse_env_variable_that_is_set_refuses() -> None:
    settings = LoopSettings(refuse_env=("GITHUB_ACTIONS", "BUILDKITE"))
    assert refusing_variables(settings, {"BUILDKITE": "1", "PATH": "/bin"}) == ("BUILDKITE",)
    assert refusing_variables(settings, {"PATH": "/bin"}) == ()


def test_a_webhook_is_shown_by_its_host_only() -> None:
    assert webhook_host("https://user:pw@discord.com/api/webhooks/1/tok?x=1") == "discord.com"
