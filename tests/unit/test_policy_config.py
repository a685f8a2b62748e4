"""The `[policy]` section: defaults, strict decoding and per-repository overrides."""

from __future__ import annotations

from domain.config import parse_config
from domain.policy.evaluate import (
    DEFAULT_ALLOWED_GATES,
    DEFAULT_DENIED_PATHS,
    DEFAULT_PROTECTED_PATHS,
    PolicyConfig,
    PolicyRules,
    policy_names,
    rules_for_repo,
    validate_policy,
)


def test_no_policy_section_decodes_to_none() -> None:
    assert parse_config("").unwrap().policy is None


def test_empty_policy_section_has_the_documented_defaults() -> None:
    policy = parse_config("[policy]\n").unwrap().policy
    assert policy is not None
    assert rules_for_repo(policy, policy_names(None, "x")) == PolicyRules(
        allowed_paths=("docs/",),
        denied_paths=(".github/workflows/**", "**/.env*", "**/*.pem", "**/id_rsa*"),
        protected_paths=DEFAULT_PROTECTED_PATHS,
        max_files=50,
        max_file_bytes=1048576,
        max_added_lines=5000,
        secret_patterns=(),
        allowed_gates=("uv", "pytest", "py.test", "ruff", "mypy", "python", "python3"),
        require_gate_coverage=False,
    )
    assert DEFAULT_DENIED_PATHS[0] == ".github/workflows/**"
    assert "uv" in DEFAULT_ALLOWED_GATES


def test_the_issue_example_parses() -> None:
    text = """
[policy]
allowed_paths = ["docs/"]
max_files = 50
require_gate_coverage = false

[policy.repos."acme/api"]
allowed_paths = ["src/", "tests/", "docs/"]
"""
    policy = parse_config(text).unwrap().policy
    assert policy is not None
    rules = rules_for_repo(policy, policy_names("acme/api", "checkout"))
    assert rules.allowed_paths == ("src/", "tests/", "docs/")


def test_unknown_policy_key_is_config_invalid_and_named() -> None:
    error = parse_config("[policy]\nallowed_path = []\n").failure()
    assert (error.code, "allowed_path" in error.message) == ("config-invalid", True)


def test_unknown_key_in_a_repo_override_is_config_invalid() -> None:
    error = parse_config('[policy.repos."a/b"]\nmax_filez = 1\n').failure()
    assert (error.code, "max_filez" in error.message) == ("config-invalid", True)


def test_negative_limit_is_config_invalid() -> None:
    assert parse_config("[policy]\nmax_files = -1\n").failure().code == "config-invalid"


def test_wrong_type_is_config_invalid() -> None:
    assert parse_config('[policy]\nmax_files = "50"\n').failure().code == "config-invalid"


def test_override_list_replaces_the_default_list() -> None:
    policy = parse_config('[policy.repos.api]\ndenied_paths = ["secret/**"]\n').unwrap().policy
    assert policy is not None
    rules = rules_for_repo(policy, policy_names("acme/api", "api"))
    assert rules.denied_paths == ("secret/**",)
    assert rules.protected_paths == DEFAULT_PROTECTED_PATHS


def test_override_keeps_the_section_values_it_does_not_name() -> None:
    text = '[policy]\nmax_files = 7\nallowed_paths = ["src/"]\n[policy.repos.api]\nmax_files = 2\n'
    policy = parse_config(text).unwrap().policy
    assert policy is not None
    rules = rules_for_repo(policy, policy_names(None, "api"))
    assert (rules.max_files, rules.allowed_paths) == (2, ("src/",))


def test_owner_name_override_wins_over_directory_name() -> None:
    text = '[policy.repos.api]\nmax_files = 1\n[policy.repos."acme/api"]\nmax_files = 2\n'
    policy = parse_config(text).unwrap().policy
    assert policy is not None
    assert rules_for_repo(policy, policy_names("acme/api", "api")).max_files == 2


def test_a_directory_name_override_applies_when_the_given_name_has_none() -> None:
    policy = parse_config("[policy.repos.checkout]\nmax_files = 1\n").unwrap().policy
    assert policy is not None
    assert rules_for_repo(policy, policy_names("acme/api", "checkout")).max_files == 1


def test_the_winning_override_alone_applies_tables_never_merge() -> None:
    text = (
        '[policy]\nmax_files = 7\n[policy.repos.api]\nmax_files = 1\nallowed_paths = ["x/"]\n'
        '[policy.repos."acme/api"]\nallowed_paths = ["src/"]\n'
    )
    policy = parse_config(text).unwrap().policy
    assert policy is not None
    rules = rules_for_repo(policy, policy_names("acme/api", "api"))
    assert (rules.allowed_paths, rules.max_files) == (("src/",), 7)


def test_policy_names_are_the_given_name_then_the_directory_name_once() -> None:
    assert policy_names("acme/api", "api") == ("acme/api", "api")
    assert policy_names("api", "api") == ("api",)
    assert policy_names(None, "api") == ("api",)


def test_invalid_secret_pattern_is_config_invalid() -> None:
    error = validate_policy(PolicyConfig(secret_patterns=("ok", "(unclosed"))).failure()
    assert error.code == "config-invalid"
    assert "secret_patterns[1]" in error.message


def test_secret_pattern_matching_everything_is_config_invalid() -> None:
    assert validate_policy(PolicyConfig(secret_patterns=(".*",))).failure().code == "config-invalid"


def test_invalid_secret_pattern_in_an_override_is_config_invalid() -> None:
    policy = parse_config('[policy.repos.api]\nsecret_patterns = ["["]\n').unwrap().policy
    assert policy is not None
    assert validate_policy(policy).failure().code == "config-invalid"
