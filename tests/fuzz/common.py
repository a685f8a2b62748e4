"""What every fuzz target is, and what every command-line answer must be."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from tests.support.cli import CliAnswer


@dataclass(frozen=True)
class Target:
    """One entry point under fuzzing: its inputs, its property, and its share of the suite."""

    name: str
    strategy: st.SearchStrategy[Any]
    check: Callable[[Any], None]
    # Inputs per run of the test suite (the fuzz script runs each for minutes instead).
    suite_examples: int
    # Inputs that once broke the property, replayed first on every run.
    pinned: tuple[Any, ...] = ()


def assert_answers(answer: CliAnswer, codes: frozenset[int], *, per_line: bool = False) -> None:
    """A documented exit code, no traceback, and one JSON object (or one per line) on stdout."""
    assert answer.code in codes, (answer.code, answer.stdout[-500:], answer.stderr[-2000:])
    assert "Traceback" not in answer.stderr, answer.stderr[-2000:]
    printed = answer.stdout.splitlines()
    assert printed, "nothing on stdout"
    assert per_line or len(printed) == 1, printed[:3]
    for line in printed:
        assert isinstance(json.loads(line), dict), line[:200]
