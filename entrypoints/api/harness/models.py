"""`validate_models`: check the `[harness]` choices of a configuration file against this machine."""

from __future__ import annotations

import os
from collections.abc import Mapping

from returns.result import Success

from domain.harness.models_check import (
    ModelsFacts,
    ModelsReport,
    binaries_to_locate,
    check_models,
    config_failure,
)
from entrypoints import bootstrap
from entrypoints.config import load_config
from ports.config import ConfigSource
from ports.harness import HarnessHost


def validate_models(
    config_path: str | None,
    *,
    live: bool = False,
    required_tiers: tuple[str, ...] = (),
    host: HarnessHost | None = None,
    config_source: ConfigSource | None = None,
    environ: Mapping[str, str] | None = None,
) -> ModelsReport:
    """Judge the base harness and every tier; a missing or invalid file is an error, never ok.

    `live` turns missing provider keys into errors (use it just before a real run).
    """
    host = host if host is not None else bootstrap.harness_host()
    source = config_source if config_source is not None else bootstrap.config_source()
    environ = environ if environ is not None else os.environ
    loaded = load_config(config_path, source=source)
    if not isinstance(loaded, Success):
        return config_failure(loaded.failure().code, loaded.failure().message)
    config = loaded.unwrap()
    settings = config.harness
    search_path = environ.get("PATH")
    facts = ModelsFacts(
        # Only the names: the values (keys) never leave this function.
        env_names=frozenset(name for name, value in environ.items() if value),
        executables={
            binary: host.locate(binary, search_path) for binary in binaries_to_locate(settings)
        },
    )
    return check_models(
        settings,
        facts,
        live=live,
        required_tiers=required_tiers,
        budget_tiers=frozenset(config.budget.tiers),
    )
