"""Where a unit under `ProtectSystem=strict` lets the daemon write, and whether the loop's state
folder, ledger and caches are among those places (else the first cycle fails at its lock)."""

from __future__ import annotations

import posixpath
import shlex

from domain.loop.config import LoopSettings, ledger_path, state_dir
from domain.loop.unit_file import UnitFile, last_value, list_values

_SERVICE = "Service"
# systemd.exec(5): each NAME of these settings is created, writable, below its base.
_MANAGED = {
    "StateDirectory": "/var/lib",
    "CacheDirectory": "/var/cache",
    "LogsDirectory": "/var/log",
    "RuntimeDirectory": "/run",
}
_CACHE_VARIABLES = ("XDG_CACHE_HOME", "UV_CACHE_DIR")


def _words(value: str) -> tuple[str, ...]:
    """A space-separated list with quotes, as systemd splits it; unbalanced quotes: nothing
    (systemd ignores such a line)."""
    try:
        return tuple(shlex.split(value, posix=True))
    except ValueError:
        return ()


def unit_environment(unit: UnitFile) -> dict[str, str]:
    """The variables the unit's `Environment=` lines set (an empty line resets them).

    >>> from domain.loop.unit_file import parse_unit_file
    >>> text = '[Service]\\nEnvironment=A=1 "B=2 3"\\nEnvironment=A=4\\n'
    >>> unit_environment(parse_unit_file(text).unwrap())
    {'A': '4', 'B': '2 3'}
    """
    environment: dict[str, str] = {}
    for assignment in list_values(unit, _SERVICE, "Environment"):
        for word in _words(assignment.value):
            name, sep, value = word.partition("=")
            if sep:
                environment[name] = value
    return environment


def writable_roots(unit: UnitFile) -> tuple[str, ...] | None:
    """The folders a `ProtectSystem=strict` unit may write below; None when it is not strict.

    >>> from domain.loop.unit_file import parse_unit_file
    >>> text = "[Service]\\nProtectSystem=strict\\nReadWritePaths=-/srv/a\\nStateDirectory=el\\n"
    >>> writable_roots(parse_unit_file(text).unwrap())
    ('/srv/a', '/var/lib/el')
    """
    protect = last_value(unit, _SERVICE, "ProtectSystem")
    if protect is None or protect.value != "strict":
        return None
    roots = [
        posixpath.normpath(word.lstrip("-+"))
        for assignment in list_values(unit, _SERVICE, "ReadWritePaths")
        for word in _words(assignment.value)
    ]
    for setting, base in _MANAGED.items():
        for assignment in list_values(unit, _SERVICE, setting):
            # `NAME:ALIAS` makes ALIAS a symlink to NAME; NAME is the folder.
            names = (name.split(":", 1)[0] for name in assignment.value.split())
            roots += [posixpath.join(base, name) for name in names]
    private_tmp = last_value(unit, _SERVICE, "PrivateTmp")
    if private_tmp is not None and private_tmp.value in ("yes", "true", "on", "1"):
        roots += ["/tmp", "/var/tmp"]
    return tuple(roots)


def _below(path: str, roots: tuple[str, ...]) -> bool:
    path = posixpath.normpath(path)
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


def write_notices(unit: UnitFile, settings: LoopSettings) -> tuple[str, ...]:
    """What a strict unit would leave read-only of the loop's state folder, ledger and caches.

    >>> from domain.loop.unit_file import parse_unit_file
    >>> text = "[Service]\\nProtectSystem=strict\\nReadWritePaths=/var/lib/el\\n"
    >>> write_notices(parse_unit_file(text).unwrap(), LoopSettings(state_dir="/var/lib/el"))
    ()
    >>> len(write_notices(parse_unit_file(text).unwrap(), LoopSettings(state_dir="/srv/el")))
    1
    """
    roots = writable_roots(unit)
    if roots is None:
        return ()
    environment = unit_environment(unit)
    state = state_dir(settings, environment)
    if state is None:
        return (
            "the unit sets no HOME or XDG_STATE_HOME and the configuration no [loop] state_dir, "
            "so where the state folder lands depends on the user's home: set [loop] state_dir "
            "to a folder in ReadWritePaths=",
        )
    places = [("the state folder", state)]
    if settings.ledger is not None:
        places.append(("[loop] ledger", ledger_path(settings, state)))
    places += [(name, environment[name]) for name in _CACHE_VARIABLES if name in environment]
    return tuple(
        f"{what} {path} is read-only under ProtectSystem=strict: add it (or a folder above it) "
        "to ReadWritePaths=, or the cycle cannot write there"
        for what, path in places
        if not _below(path, roots)
    )
