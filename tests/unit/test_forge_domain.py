"""The forge's pure values and the `[forge]` section."""

from __future__ import annotations

import pytest

from domain.config import parse_config
from domain.forge.config import ForgeSettings, check_token_url, forge_dir, graphql_url_for
from domain.forge.values import legacy_permission, parse_repo


@pytest.mark.parametrize(
    "text", ["octo", "octo/", "/x", "octo/x/y", "octo/x.git", "octo/..", "-a/b", "a/b c"]
)
def test_parse_repo_refuses_what_is_no_owner_slash_name(text: str) -> None:
    assert parse_repo(text).failure().code == "forge-invalid-input"


def test_graphql_url_is_derived_for_enterprise_server_and_kept_when_given() -> None:
    assert graphql_url_for(ForgeSettings(api_url="https://h/api/v3")) == "https://h/api/graphql"
    assert (
        graphql_url_for(ForgeSettings(api_url="http://127.0.0.1:9")) == "http://127.0.0.1:9/graphql"
    )
    given = ForgeSettings(graphql_url="https://q/gql")
    assert graphql_url_for(given) == "https://q/gql"


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "http://127.0.0.1.example.com",
        "ftp://127.0.0.1",
        "api.github.com",
        "https://user:pw@github.com",
        "http://10.0.0.1",
    ],
)
def test_token_urls_refuse_plain_http_off_loopback(url: str) -> None:
    assert check_token_url(url).failure().code == "forge-insecure-url"


@pytest.mark.parametrize(
    "url", ["https://api.github.com", "http://127.0.0.1:1", "http://[::1]:8/x", "http://localhost"]
)
def test_token_urls_accept_https_and_loopback(url: str) -> None:
    assert check_token_url(url).unwrap() == url


def test_the_forge_section_is_optional_and_strict() -> None:
    assert parse_config("").unwrap().forge is None
    config = parse_config('[forge]\nkind = "github"\napi_url = "https://h/api/v3"\n').unwrap()
    assert config.forge is not None
    assert config.forge.kind == "github"
    assert config.forge.token_env == "GITHUB_TOKEN"
    assert parse_config('[forge]\nkind = "gitlab"\n').failure().code == "config-invalid"
    assert parse_config("[forge]\ntoken = 'x'\n").failure().code == "config-invalid"
    assert parse_config("[forge]\ntoken_env = 'A B'\n").failure().code == "config-invalid"


def test_forge_dir_prefers_the_configured_path_then_xdg_data_home() -> None:
    assert forge_dir(ForgeSettings(path="/srv/forge"), {}) == "/srv/forge"
    assert forge_dir(None, {"XDG_DATA_HOME": "/d"}) == "/d/engineering-loop/forge"
    assert forge_dir(None, {}) is None


def test_legacy_permission_reads_maintain_as_write_and_triage_as_read() -> None:
    assert [legacy_permission(r) for r in ("admin", "maintain", "write", "triage", "read")] == [
        "admin",
        "write",
        "write",
        "read",
        "read",
    ]


def test_the_forge_token_variable_can_never_be_allowed_to_a_harness() -> None:
    custom = '[forge]\nkind = "github"\ntoken_env = "MY_TOKEN"\n'
    base = parse_config(custom + '[harness]\nenv_allow = ["MY_TOKEN"]\n').failure()
    assert base.code == "config-invalid"
    assert "token_env" in base.message
    tier = custom + '[harness.tiers."loop:budget-xl"]\nenv_allow = ["MY_TOKEN"]\n'
    assert parse_config(tier).failure().code == "config-invalid"
    assert parse_config(custom + '[harness]\nenv_allow = ["OTHER_KEY"]\n').unwrap().forge
