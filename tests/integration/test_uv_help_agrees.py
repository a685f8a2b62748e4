"""Our uv option table agrees with what the pinned uv binary lists in `uv run --help`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from domain.gates import uv_options as table

pytestmark = pytest.mark.integration

# `  -p, --python <PYTHON>` or `      --locked`: an option line of clap's help.
_OPTION_LINE = re.compile(r"^\s+(?:(-\w), )?(--[a-z][a-z0-9-]*)(?: <([A-Z_]+)>)?", re.M)


def _uv() -> str:
    found = shutil.which("uv", path=os.path.dirname(sys.executable))
    assert found is not None, "the dev environment pins uv; run `uv sync --locked`"
    return found


@pytest.fixture(scope="module")
def listed() -> dict[str, tuple[str | None, bool]]:
    done = subprocess.run(
        [_uv(), "run", "--help"], capture_output=True, text=True, check=True, timeout=60
    )
    assert (
        "uv "
        in subprocess.run([_uv(), "--version"], capture_output=True, text=True, check=True).stdout
    )
    return {m[2]: (m[1] or None, bool(m[3])) for m in _OPTION_LINE.finditer(done.stdout)}


def test_pinned_uv_is_the_tables_version() -> None:
    version = subprocess.run([_uv(), "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.split()[1] == table.UV_VERSION


def test_every_option_uv_lists_is_in_our_table(listed: dict[str, tuple[str | None, bool]]) -> None:
    assert set(listed) <= table.TAKES_VALUE | table.FLAGS


def test_every_visible_option_of_our_table_is_listed(
    listed: dict[str, tuple[str | None, bool]],
) -> None:
    ours = {o for o in table.TAKES_VALUE | table.FLAGS if o.startswith("--")} - table.HIDDEN
    assert ours == set(listed)


def test_value_taking_agrees_with_uv(listed: dict[str, tuple[str | None, bool]]) -> None:
    for name, (_short, takes_value) in listed.items():
        assert (name in table.TAKES_VALUE) == takes_value, name


def test_short_forms_agree_with_uv(listed: dict[str, tuple[str | None, bool]]) -> None:
    shorts = {short: name for name, (short, _) in listed.items() if short is not None}
    assert shorts == table.SHORT_OPTIONS
