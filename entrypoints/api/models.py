"""`validate_models`: check the `[harness]` choices of a configuration file against this machine."""

from __future__ import annotations

import os
from collections.abc import Mapping

from returns.result import Success

from domain.config import parse_config
from domain.models_check import (
    ModelsFacts,
    ModelsReport,
    binaries_to_locate,
    check_models,
    config_failure,
)
from entrypoints.api import _production
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
    source = config_source if config_source is not None else _production.config_source()
    host = host if host is not None else _production.harness_host()
    environ = environ if environ is not None else os.environ
    found = source.read(config_path)
    if not isinstance(found, Success):
        return config_failure(found.failure().code, found.failure().message)
    path, text = found.unwrap()
    parsed = parse_config(text, source=path)
    if not isinstance(parsed, Success):
        return config_failure(parsed.failure().code, parsed.failure().message)
    settings = parsed.unwrap().harness
    search_path = environ.get("PATH")
    facts = ModelsFacts(
        # Only the names: the values (keys) never leave this function.
        env_names=frozenset(name for name, value in environ.items() if value),
        executables={
            binary: host.locate(binary, search_path) for binary in binaries_to_locate(settings)
        },
    )
    return check_models(settings, facts, live=live, required_tiers=required_tiers)
