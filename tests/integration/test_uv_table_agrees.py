"""Every rule of our uv option table, tried on the pinned uv binary: uv and our parser agree.

Each test runs one rule for every option or pair the table names (`uv --show-settings ...`
parses the whole line and exits without running anything) and reports all disagreements.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

import pytest
from returns.pipeline import is_successful

from domain.gates import uv_options as table
from domain.gates.uv_grammar import SPECS, parse_uv_run
from tests.integration.uv_project import Project
from tests.uv_lines import VALUE_SAMPLES

pytestmark = pytest.mark.integration

# These print and exit, so they say nothing about how a line parses.
_SKIPPED = table.PRINT_AND_EXIT


def _token(name: str) -> str:
    return f"{name}={VALUE_SAMPLES[name][0]}" if name in table.TAKES_VALUE else name


def _disagreements(
    project: Project, lines: Iterable[tuple[list[str], str | None]]
) -> list[tuple[list[str], str | None, int, str | None]]:
    """Lines whose real exit code (0 or 2) or our verdict (None = accepted) differ from expected."""
    cases = list(lines)

    def run(case: tuple[list[str], str | None]) -> tuple[list[str], str | None, int, str | None]:
        argv, expected = case
        real = project.uv("--show-settings", *argv)
        parsed = parse_uv_run(["uv", *argv])
        ours = None if is_successful(parsed) else parsed.failure().code
        return argv, expected, real.returncode, ours

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(run, cases))
    return [r for r in results if r[3] != r[1] or r[2] != (0 if r[1] is None else 2)]


def test_conflicting_pairs_are_refused_by_uv_and_by_us(project: Project) -> None:
    lines = (
        (["run", _token(a), _token(b), "true"], "uv-conflicting-options")
        for a, b in table.CONFLICTS
    )
    assert _disagreements(project, lines) == []


def test_flags_on_different_levels_are_refused_by_uv_and_by_us(project: Project) -> None:
    lines = (
        ([_token(a), "run", _token(b), "true"], "uv-conflicting-options")
        for a, b in table.MERGED_CONFLICTS
    )
    assert _disagreements(project, lines) == []


def test_overriding_options_may_alternate_and_repeat(project: Project) -> None:
    lines = (
        (["run", _token(a), _token(b), _token(a), "true"], None)
        for group in table.LAST_ONE_WINS
        for a in group
        for b in group
        if a != b
    )
    assert _disagreements(project, lines) == []


def test_single_options_given_twice_are_refused_by_uv_and_by_us(project: Project) -> None:
    lines = (
        (["run", _token(name), _token(name), "true"], "uv-repeated-option")
        for name in sorted(table.ERROR_IF_REPEATED - _SKIPPED)
    )
    assert _disagreements(project, lines) == []


def test_repeatable_and_counting_options_may_repeat(project: Project) -> None:
    lines = (
        (["run", _token(name), _token(name), "true"], None)
        for name in sorted(table.REPEATABLE | table.COUNT_FLAGS)
    )
    assert _disagreements(project, lines) == []


def test_global_options_may_stand_before_run(project: Project) -> None:
    lines = (
        ([_token(name), "run", "true"], None) for name in sorted(table.GLOBAL_OPTIONS - _SKIPPED)
    )
    assert _disagreements(project, lines) == []


def test_run_options_may_not_stand_before_run(project: Project) -> None:
    lines = (
        ([_token(name), "run", "true"], "uv-unknown-option")
        for name in sorted(set(SPECS) - table.GLOBAL_OPTIONS)
    )
    assert _disagreements(project, lines) == []


def test_every_alias_and_short_form_is_accepted(project: Project) -> None:
    lines = []
    for spelling, name in table.ALIASES.items():
        if name in _SKIPPED or spelling == "-h":
            continue
        value = VALUE_SAMPLES[name][0] if name in table.TAKES_VALUE else None
        if value is None:
            lines.append((["run", spelling, "true"], None))
        elif spelling.startswith("--"):
            lines.append((["run", f"{spelling}={value}", "true"], None))
        else:
            lines.append((["run", f"{spelling}{value}", "true"], None))
    assert _disagreements(project, lines) == []
