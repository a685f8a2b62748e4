"""Loading the configuration for a command: find the file, read it, decode it strictly."""

from __future__ import annotations

from returns.result import Result

from domain.config import ConfigError, LoopConfig, parse_config
from ports.config import ConfigSource


def load_config(
    path: str | None, *, source: ConfigSource | None = None
) -> Result[LoopConfig, ConfigError]:
    """Read and decode `path` (default: `engineering-loop.toml` in the working directory)."""
    if source is None:
        from entrypoints.bootstrap import config_source

        source = config_source()
    return source.read(path).bind(_decode)


def _decode(found: tuple[str, str]) -> Result[LoopConfig, ConfigError]:
    path, text = found
    return parse_config(text, source=path)
