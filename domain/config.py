"""The one configuration file, `engineering-loop.toml`, decoded strictly into values.

Each feature owns one section struct (in its own domain module) and adds it as a field of
`LoopConfig`; unknown keys anywhere are errors that name the key and where it stands.
"""

from __future__ import annotations

import msgspec
import tomli
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from domain.budget.config import BudgetConfig, check_budget_config
from domain.forge.config import DEFAULT_TOKEN_ENV, ForgeSettings
from domain.gates.declared import GatesConfig
from domain.harness.config import NEVER_PASS, HarnessSettings
from domain.kernel.config_keys import describe_validation_error, toml_key
from domain.loop.config import LoopSettings, NotifySettings
from domain.policy.evaluate import PolicyConfig
from domain.sandbox.config import SandboxSettings

CONFIG_FILE_NAME = "engineering-loop.toml"


class LoopConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The whole configuration; every section is optional and has documented defaults."""

    budget: BudgetConfig = msgspec.field(default_factory=BudgetConfig)
    # None when the file has no `[policy]` section: `check` refuses to run without one.
    policy: PolicyConfig | None = None
    harness: HarnessSettings = msgspec.field(default_factory=HarnessSettings)
    loop: LoopSettings = msgspec.field(default_factory=LoopSettings)
    notify: NotifySettings = msgspec.field(default_factory=NotifySettings)
    # None when the file has no `[forge]` section: the embedded local forge at its default path.
    forge: ForgeSettings | None = None
    # Declared gates (`[gates]`); without commands, gates are selected from the changed paths.
    gates: GatesConfig = msgspec.field(default_factory=GatesConfig)
    sandbox: SandboxSettings = msgspec.field(default_factory=SandboxSettings)


class ConfigError(msgspec.Struct, frozen=True, kw_only=True, tag="config-error"):
    """The configuration is missing, unreadable or invalid (`config-*` codes)."""

    code: str
    message: str


def parse_config(text: str, source: str = CONFIG_FILE_NAME) -> Result[LoopConfig, ConfigError]:
    """Decode the TOML text of the configuration file strictly.

    >>> parse_config("").unwrap() == LoopConfig()
    True
    >>> parse_config("[nonsense]\\n").failure().code
    'config-invalid'
    """
    try:
        document = tomli.loads(text)
    except (tomli.TOMLDecodeError, RecursionError) as exc:  # tomli: nested too deep
        return Failure(
            ConfigError(
                code="config-invalid",
                message=f"{source} is not valid TOML: {exc}; fix the file and try again.",
            )
        )
    try:
        config = msgspec.convert(document, LoopConfig, strict=True)
    except msgspec.ValidationError as exc:
        problem = describe_validation_error(str(exc), document, LoopConfig)
        return Failure(
            ConfigError(
                code="config-invalid",
                message=f"{source}: {problem}. See docs/configuration.md.",
            )
        )
    checked = check_budget_config(config.budget)
    if not is_successful(checked):
        return Failure(
            ConfigError(code="config-invalid", message=f"{source}: {checked.failure().message}")
        )
    leaked = _token_env_allowed(config)
    if leaked is not None:
        return Failure(
            ConfigError(
                code="config-invalid",
                message=f"{source}: {leaked} names the variable holding the forge token "
                "([forge] token_env), which a harness must never see; remove it.",
            )
        )
    return Success(config)


def _token_env_allowed(config: LoopConfig) -> str | None:
    """Where an `env_allow` list names the forge token's variable (never allowed to a harness).

    >>> text = '[forge]\\ntoken_env = "T"\\n[harness]\\nenv_allow = ["T"]\\n'
    >>> parse_config(text).failure().code
    'config-invalid'
    """
    token_env = DEFAULT_TOKEN_ENV if config.forge is None else config.forge.token_env
    if token_env in NEVER_PASS:
        # Already refused by the harness itself, with its long-standing `harness-env-forbidden`.
        return None
    if token_env in config.harness.env_allow:
        return "[harness] env_allow"
    for label, tier in config.harness.tiers.items():
        if tier.env_allow is not None and token_env in tier.env_allow:
            return f"[harness.tiers.{toml_key(label)}] env_allow"
    return None
