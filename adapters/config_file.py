"""`ConfigSource` on the file system."""

from __future__ import annotations

import os

from returns.result import Failure, Result, Success

from domain.config import CONFIG_FILE_NAME, ConfigError

_MAX_CONFIG_BYTES = 1024 * 1024


class FsConfigSource:
    """Reads `engineering-loop.toml` (or the file named by `--config`)."""

    def read(self, path: str | None) -> Result[tuple[str, str], ConfigError]:
        """Return `(path, text)`; missing and unreadable files are error values."""
        chosen = path if path is not None else os.path.join(os.getcwd(), CONFIG_FILE_NAME)
        if not os.path.isfile(chosen):
            hint = "pass --config FILE" if path is None else "check the --config path"
            return Failure(
                ConfigError(
                    code="config-missing", message=f"no configuration file at {chosen}; {hint}."
                )
            )
        try:
            with open(chosen, "rb") as handle:
                raw = handle.read(_MAX_CONFIG_BYTES + 1)
        except OSError as exc:
            return Failure(
                ConfigError(code="config-unreadable", message=f"cannot read {chosen}: {exc}.")
            )
        if len(raw) > _MAX_CONFIG_BYTES:
            return Failure(
                ConfigError(code="config-unreadable", message=f"{chosen} is larger than 1 MiB.")
            )
        try:
            return Success((chosen, raw.decode("utf-8")))
        except UnicodeDecodeError:
            return Failure(
                ConfigError(code="config-unreadable", message=f"{chosen} is not UTF-8 text.")
            )
