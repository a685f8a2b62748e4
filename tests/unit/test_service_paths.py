"""Under ProtectSystem=strict, service-check notes a state folder or cache the unit leaves
read-only (the first cycle would fail at its lock), and stays quiet when they are writable."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.loop.config import LoopSettings
from domain.loop.unit_file import UnitFile, parse_unit_file
from domain.loop.unit_paths import unit_environment, writable_roots, write_notices

SHIPPED = Path(__file__).resolve().parents[2] / "examples" / "systemd" / "engineering-loop.service"
STRICT = "[Service]\nProtectSystem=strict\nEnvironment=HOME=/var/lib/el\n"


def _unit(text: str) -> UnitFile:
    return parse_unit_file(text).unwrap()


def test_the_shipped_unit_keeps_the_default_state_folder_and_caches_writable() -> None:
    unit = _unit(SHIPPED.read_text())
    assert write_notices(unit, LoopSettings()) == ()
    assert unit_environment(unit)["UV_CACHE_DIR"] == "/var/lib/engineering-loop/cache/uv"


def test_a_state_dir_outside_the_writable_paths_is_noted_by_name() -> None:
    notices = write_notices(_unit(SHIPPED.read_text()), LoopSettings(state_dir="/srv/loop"))
    assert len(notices) == 1
    assert "/srv/loop" in notices[0]
    assert "ReadWritePaths=" in notices[0]


def test_a_ledger_named_outside_is_noted_too() -> None:
    settings = LoopSettings(ledger="/srv/ledger.sqlite")
    (notice,) = write_notices(_unit(SHIPPED.read_text()), settings)
    assert "[loop] ledger /srv/ledger.sqlite" in notice


def test_an_empty_read_write_paths_resets_the_list() -> None:
    text = STRICT + "ReadWritePaths=/var/lib/el\nReadWritePaths=\n"
    assert len(write_notices(_unit(text), LoopSettings())) == 1
    assert write_notices(_unit(STRICT + "ReadWritePaths=/var/lib/el\n"), LoopSettings()) == ()


def test_state_directory_makes_its_folder_writable() -> None:
    text = STRICT + "StateDirectory=el\n"
    assert writable_roots(_unit(text)) == ("/var/lib/el",)
    assert write_notices(_unit(text), LoopSettings()) == ()


def test_a_cache_outside_is_noted() -> None:
    text = STRICT + "ReadWritePaths=/var/lib/el\nEnvironment=UV_CACHE_DIR=/var/cache/uv\n"
    (notice,) = write_notices(_unit(text), LoopSettings())
    assert "UV_CACHE_DIR /var/cache/uv" in notice


def test_without_a_home_the_state_folder_is_unknown_and_noted() -> None:
    (notice,) = write_notices(_unit("[Service]\nProtectSystem=strict\n"), LoopSettings())
    assert "[loop] state_dir" in notice


@pytest.mark.parametrize(
    "protect", ["", "ProtectSystem=full\n", "ProtectSystem=strict\nProtectSystem=no\n"]
)
def test_a_unit_that_is_not_strict_gets_no_such_notice(protect: str) -> None:
    text = "[Service]\n" + protect
    assert write_notices(_unit(text), LoopSettings(state_dir="/srv/loop")) == ()
