"""The `[sandbox]` section: strict decoding, documented defaults, and the bwrap plan's edges."""

from __future__ import annotations

from domain.config import parse_config
from domain.sandbox.config import SandboxSettings
from domain.sandbox.plan import Bind, SandboxPlan, unsafe_bind


def test_no_sandbox_section_means_use_it_when_it_works_with_shared_network() -> None:
    assert parse_config("").unwrap().sandbox == SandboxSettings(
        kind=None, harness_network="shared", gates_network="shared"
    )


def test_every_sandbox_key_is_read() -> None:
    text = '[sandbox]\nkind = "bwrap"\nharness_network = "none"\ngates_network = "none"\n'
    assert parse_config(text).unwrap().sandbox == SandboxSettings(
        kind="bwrap", harness_network="none", gates_network="none"
    )


def test_an_unknown_sandbox_key_is_an_error_naming_it() -> None:
    error = parse_config("[sandbox]\nnetwork = 'none'\n").failure()
    assert error.code == "config-invalid"
    assert "network" in error.message


def test_an_unknown_sandbox_kind_is_an_error() -> None:
    error = parse_config('[sandbox]\nkind = "docker"\n').failure()
    assert error.code == "config-invalid"
    assert "sandbox.kind" in error.message


def test_a_writable_system_folder_is_unsafe() -> None:
    plan = SandboxPlan(bwrap="bwrap", workdir="/w", binds=(Bind(source="/usr", writable=True),))
    assert unsafe_bind(plan) == "/usr"
    read_only = SandboxPlan(bwrap="bwrap", workdir="/w", binds=(Bind(source="/usr/local"),))
    assert unsafe_bind(read_only) is None


def test_a_relative_bind_is_unsafe() -> None:
    assert unsafe_bind(SandboxPlan(bwrap="bwrap", workdir="repo")) == "repo"
