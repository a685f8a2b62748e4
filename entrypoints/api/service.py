"""`service-check` as a library function: does this systemd unit hold a whole cycle of the loop?

It reads the unit file and the configuration through ports, hands both to the pure decision in
`domain.loop.service` and returns what it decided.
"""

from __future__ import annotations

import msgspec
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from domain.config import ConfigError, LoopConfig, parse_config
from domain.loop.service import ServiceError, check_service_unit
from domain.loop.unit_file import UnitFileError, parse_unit_file
from domain.loop.unit_paths import write_notices
from entrypoints import bootstrap
from ports.config import ConfigSource
from ports.files import FileReader

# systemd reads unit files of any size line by line; a unit is a few KiB, so more is a mistake.
MAX_UNIT_BYTES = 4 * 1024 * 1024

ServiceCheckError = ConfigError | ServiceError | UnitFileError


class ServiceReport(msgspec.Struct, frozen=True, kw_only=True):
    """An accepted unit: its start timeout, what a cycle may need, and the inputs judged."""

    unit: str
    # None: the default configuration (no file in the working directory).
    config: str | None
    # None: no limit (`infinity`, `0`, or no timeout on a oneshot unit).
    timeout_s: float | None
    timeout_key: str | None
    timeout_line: int | None
    required_s: int
    max_runs_per_cycle: int
    wall_clock_ceiling_s: int
    command: tuple[str, ...]
    notices: tuple[str, ...]


def _unreadable(message: str) -> Failure[ServiceError]:
    return Failure(ServiceError(code="service-unit-unreadable", message=message))


def _read_unit(path: str, reader: FileReader) -> Result[str, ServiceError]:
    found = reader.read(path, MAX_UNIT_BYTES + 1)
    if not is_successful(found):
        return _unreadable(found.failure().message)
    data = found.unwrap()
    if data is None:
        return _unreadable(f"no unit file at {path}; pass the .service file with --unit.")
    if len(data) > MAX_UNIT_BYTES:
        return _unreadable(f"{path} is larger than 4 MiB; pass the .service file with --unit.")
    try:
        return Success(data.decode("utf-8"))
    except UnicodeDecodeError:
        return _unreadable(f"{path} is not UTF-8 text, as systemd requires of unit files.")


def _read_config(
    path: str | None, source: ConfigSource
) -> Result[tuple[str | None, LoopConfig], ConfigError]:
    """The configuration the daemon will run with; without `path`, the default file if present
    (else the defaults, which the caller notes)."""
    found = source.read(path)
    if not is_successful(found):
        error = found.failure()
        if path is None and error.code == "config-missing":
            return Success((None, LoopConfig()))
        return Failure(error)
    name, text = found.unwrap()
    parsed = parse_config(text, source=name)
    if not is_successful(parsed):
        return Failure(parsed.failure())
    return Success((name, parsed.unwrap()))


def check_service(
    unit_path: str,
    config_path: str | None = None,
    *,
    reader: FileReader | None = None,
    config_source: ConfigSource | None = None,
) -> Result[ServiceReport, ServiceCheckError]:
    """Check that `unit_path` is a oneshot `daemon --once` unit whose `TimeoutStartSec` holds
    `max_runs_per_cycle x wall_clock_ceiling_s + 300` seconds of the configuration; notices say
    what else deserves a look (no timeout, a state folder a strict unit leaves read-only)."""
    text = _read_unit(unit_path, reader or bootstrap.file_reader())
    if not is_successful(text):
        return Failure(text.failure())
    unit = parse_unit_file(text.unwrap())
    if not is_successful(unit):
        error = unit.failure()
        return Failure(UnitFileError(code=error.code, message=f"{unit_path}: {error.message}"))
    loaded = _read_config(config_path, config_source or bootstrap.config_source())
    if not is_successful(loaded):
        return Failure(loaded.failure())
    config_name, config = loaded.unwrap()
    runs = config.loop.max_runs_per_cycle
    ceiling = config.budget.wall_clock_ceiling_s
    checked = check_service_unit(
        unit.unwrap(), max_runs_per_cycle=runs, wall_clock_ceiling_s=ceiling
    )
    if not is_successful(checked):
        refused = checked.failure()
        return Failure(ServiceError(code=refused.code, message=f"{unit_path}: {refused.message}"))
    check = checked.unwrap()
    notices = (*check.notices, *write_notices(unit.unwrap(), config.loop))
    if config_name is None:
        notices = (
            "no engineering-loop.toml in the working directory: checked against the default "
            "configuration; pass --config with the file the unit's daemon reads",
            *notices,
        )
    return Success(
        ServiceReport(
            unit=unit_path,
            config=config_name,
            timeout_s=check.timeout_s,
            timeout_key=check.timeout_key,
            timeout_line=check.timeout_line,
            required_s=check.required_s,
            max_runs_per_cycle=runs,
            wall_clock_ceiling_s=ceiling,
            command=check.command,
            notices=notices,
        )
    )
