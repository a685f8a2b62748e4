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
from domain.harness.config import HarnessSettings
from domain.kernel.config_keys import describe_validation_error
from domain.policy.evaluate import PolicyConfig

CONFIG_FILE_NAME = "engineering-loop.toml"


class LoopConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The whole configuration; every section is optional and has documented defaults."""

    budget: BudgetConfig = msgspec.field(default_factory=BudgetConfig)
    # None when the file has no `[policy]` section: `check` refuses to run without one.
    policy: PolicyConfig | None = None
    harness: HarnessSettings = msgspec.field(default_factory=HarnessSettings)


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
                message=f"{source}: {problem}. See the README's configuration section.",
            )
        )
    checked = check_budget_config(config.budget)
    if not is_successful(checked):
        return Failure(
            ConfigError(code="config-invalid", message=f"{source}: {checked.failure().message}")
        )
    return Success(config)
