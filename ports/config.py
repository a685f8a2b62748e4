"""The configuration port: find and read the text of `engineering-loop.toml`."""

from __future__ import annotations

from typing import Protocol

from returns.result import Result

from domain.config import ConfigError


class ConfigSource(Protocol):
    """Reads the configuration file's text."""

    def read(self, path: str | None) -> Result[tuple[str, str], ConfigError]:
        """Return `(path, text)` of `path`, or of `engineering-loop.toml` in the cwd when None.

        A missing file is `config-missing`, an unreadable one `config-unreadable`.
        """
        ...
