"""Loading the configuration for a command: find the file, read it, decode it strictly."""

from __future__ import annotations

from returns.result import Failure, Result, Success

from domain.config import ConfigError, LoopConfig, parse_config
from ports.config import ConfigSource


def load_config(
    path: str | None,
    *,
    source: ConfigSource | None = None,
    defaults_if_absent: bool = False,
) -> Result[LoopConfig, ConfigError]:
    """Read and decode `path` (default: `engineering-loop.toml` in the working directory).

    With `defaults_if_absent`, a missing DEFAULT file means the embedded defaults (for
    features whose defaults are safe, such as budgets); a file named explicitly that is
    missing is always `config-missing`.
    """
    if source is None:
        from entrypoints.bootstrap import config_source

        source = config_source()
    found = source.read(path)
    if isinstance(found, Failure):
        error = found.failure()
        if defaults_if_absent and path is None and error.code == "config-missing":
            return Success(LoopConfig())
        return Failure(error)
    name, text = found.unwrap()
    return parse_config(text, source=name)
