"""The option table in `domain.gates.uv_options` is the JSON reference table, transcribed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from domain.gates import uv_options as table
from domain.gates.uv_grammar import SPECS

REFERENCE = Path(__file__).parent.parent / "data" / "uv-run-options-0.13.9.json"

SET_KEYS = {
    "takes_value": table.TAKES_VALUE,
    "flags": table.FLAGS,
    "short_takes_value": table.SHORT_TAKES_VALUE,
    "short_flags": table.SHORT_FLAGS,
    "repeatable": table.REPEATABLE,
    "count_flags": table.COUNT_FLAGS,
    "error_if_repeated": table.ERROR_IF_REPEATED,
    "global_options_also_valid_before_run": table.GLOBAL_OPTIONS,
    "hidden": table.HIDDEN,
    "comma_split_requirements": table.COMMA_SPLIT_REQUIREMENTS,
}
DICT_KEYS = {
    "aliases": table.ALIASES,
    "short_options": table.SHORT_OPTIONS,
    "value_delimiters": table.VALUE_DELIMITERS,
    "env_vars": table.ENV_VARS,
    "semantic_aliases": table.SEMANTIC_ALIASES,
}


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(REFERENCE.read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize("key", sorted(SET_KEYS))
def test_option_sets_equal_the_reference(reference: dict[str, Any], key: str) -> None:
    assert set(reference[key]) == SET_KEYS[key]


@pytest.mark.parametrize("key", sorted(DICT_KEYS))
def test_option_maps_equal_the_reference(reference: dict[str, Any], key: str) -> None:
    assert reference[key] == DICT_KEYS[key]


def test_conflicts_and_overrides_equal_the_reference(reference: dict[str, Any]) -> None:
    assert [tuple(p) for p in reference["conflicts_rejected_by_uv"]] == list(table.CONFLICTS)
    assert [tuple(g) for g in reference["last_one_wins_pairs"]] == list(table.LAST_ONE_WINS)


def test_reference_version_is_the_pinned_uv(reference: dict[str, Any]) -> None:
    assert reference["uv_version"] == table.UV_VERSION


def test_every_long_option_has_exactly_one_repeat_rule() -> None:
    for name in SPECS:
        rules = [name in s for s in (table.REPEATABLE, table.COUNT_FLAGS, table.ERROR_IF_REPEATED)]
        assert rules.count(True) == 1, name


def test_every_alias_and_rule_names_a_known_option() -> None:
    known = set(SPECS)
    assert set(table.ALIASES.values()) <= known
    assert {o for pair in table.CONFLICTS for o in pair} <= known
    assert {o for group in table.LAST_ONE_WINS for o in group} <= known
    assert set(table.ENUM_VALUES) | table.NAME_VALUED | table.UINT_VALUED <= table.TAKES_VALUE


def test_short_forms_agree_with_their_long_options() -> None:
    for short, name in table.SHORT_OPTIONS.items():
        assert (short in table.SHORT_TAKES_VALUE) == (name in table.TAKES_VALUE), short
