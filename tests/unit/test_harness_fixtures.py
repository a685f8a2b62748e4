"""Every transcript fixture normalises to the report stored next to it, streamed or whole."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from domain.harness.normalise import normalise_lines, normalise_text, split_lines
from domain.harness.report import HARNESS_NAMES, HarnessName, HarnessReport

FIXTURES = Path(__file__).parent.parent / "fixtures" / "harness"


class Expected(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    exit_code: int | None
    report: HarnessReport


_BY_NAME: dict[str, HarnessName] = {name: name for name in HARNESS_NAMES}


def _harness_of(path: Path) -> HarnessName:
    """The folder names the harness: `pi`, `pi-handwritten`, `claude`, `codex`."""
    name = path.parent.name.split("-")[0]
    assert name in _BY_NAME, f"{path.parent} is not named for a harness"
    return _BY_NAME[name]


def _cases() -> list[Path]:
    return sorted(
        p
        for p in FIXTURES.glob("*/*")
        if p.suffix in (".jsonl", ".json") and not p.name.endswith(".expected.json")
    )


@pytest.mark.parametrize("path", _cases(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_normalises_to_its_expected_report(path: Path) -> None:
    expected = msgspec.json.decode(
        path.with_name(path.name.rsplit(".", 1)[0] + ".expected.json").read_bytes(), type=Expected
    )
    data = path.read_bytes()
    whole = normalise_text(_harness_of(path), data, expected.exit_code)
    streamed = normalise_lines(_harness_of(path), split_lines(data), expected.exit_code)
    assert whole == expected.report
    assert streamed == expected.report


def test_every_harness_has_fixtures() -> None:
    harnesses = {_harness_of(path) for path in _cases()}
    assert harnesses == {"pi", "claude", "codex"}
