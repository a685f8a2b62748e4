"""Naming configuration keys the way a person types them: dotted TOML paths, tables by name.

msgspec reports where a value failed as `$.budget.tiers[...].max_cost`: the `[...]` hides which
entry of a table of named entries (a tier, a repository) was wrong. These helpers find that entry
again and print the key as it stands in the file, e.g. `budget.tiers."loop:budget-xl".max_cost`.
"""

from __future__ import annotations

import json
import re
import types
import typing
from collections.abc import Iterable, Mapping
from typing import Annotated, Any

import msgspec

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_LOCATED = re.compile(r"^(?P<detail>.*) - at `\$(?P<path>[^`]*)`$", re.S)
_UNKNOWN_FIELD = re.compile(r"^Object contains unknown field `(?P<field>[^`]*)`$", re.S)
_STEP = re.compile(r"\.(?P<field>[A-Za-z_][A-Za-z0-9_]*)|\[(?P<index>[0-9]+)\]|\[\.\.\.\]")


def toml_key(name: str) -> str:
    """One key as TOML spells it: bare when it can be, quoted otherwise.

    >>> toml_key("max_cost_usd"), toml_key("loop:budget-xl")
    ('max_cost_usd', '"loop:budget-xl"')
    """
    if _BARE_KEY.fullmatch(name):
        return name
    # JSON's escapes are TOML's basic-string escapes.
    return json.dumps(name, ensure_ascii=False)


def dotted_key(parts: Iterable[str]) -> str:
    """A whole key path, each part spelt as TOML spells it.

    >>> dotted_key(["budget", "tiers", "loop:budget-xl", "max_cost_usd"])
    'budget.tiers."loop:budget-xl".max_cost_usd'
    """
    return ".".join(toml_key(part) for part in parts)


def describe_validation_error(error: str, document: Mapping[str, Any], root: type) -> str:
    """Rewrite a msgspec validation message about `document` (decoded as `root`) around the key.

    >>> from domain.config import LoopConfig
    >>> doc = {"budget": {"tiers": {"ok": {}, "loop:xl": {"turns": 3}}}}
    >>> error = "Object contains unknown field `turns` - at `$.budget.tiers[...]`"
    >>> describe_validation_error(error, doc, LoopConfig).split(";")[0]
    'unknown key budget.tiers."loop:xl".turns'
    """
    located = _LOCATED.match(error)
    detail, path = (located["detail"], located["path"]) if located else (error, "")
    walked = _walk(path, document, root)
    if walked is None:
        return error
    key, table_type = walked
    unknown = _UNKNOWN_FIELD.match(detail)
    if unknown is not None:
        field = toml_key(unknown["field"])
        full = f"{key}.{field}" if key else field
        allowed = _field_names(table_type)
        where = "there" if key else "at the top level"
        listed = f"; the keys allowed {where} are {', '.join(allowed)}" if allowed else ""
        return f"unknown key {full}{listed}"
    return f"{key}: {detail}" if key else detail


def _walk(path: str, document: Any, root: type) -> tuple[str, Any] | None:
    """Follow msgspec's path through the document and the types, naming every hidden entry."""
    key = ""
    node: Any = document
    expected: Any = root
    position = 0
    while position < len(path):
        step = _STEP.match(path, position)
        if step is None:
            return None
        position = step.end()
        expected = _plain(expected)
        if step["field"] is not None:
            expected = _field_type(expected, step["field"])
            node = node.get(step["field"]) if isinstance(node, Mapping) else None
            key = f"{key}.{step['field']}" if key else step["field"]
        elif step["index"] is not None:
            args = typing.get_args(expected)
            expected = args[0] if args else Any
            index = int(step["index"])
            node = node[index] if isinstance(node, list) and index < len(node) else None
            key = f"{key}[{index}]"
        else:
            named = _failing_entry(node, expected)
            if named is None:
                return None
            name, node, expected = named
            key = f"{key}.{toml_key(name)}" if key else toml_key(name)
        if expected is None:
            return None
    return key, _plain(expected)


def _failing_entry(node: Any, expected: Any) -> tuple[str, Any, Any] | None:
    # msgspec checks a table's entries in order and stops at the first bad one: so do we.
    if not isinstance(node, Mapping) or typing.get_origin(expected) is not dict:
        return None
    value_type = typing.get_args(expected)[1]
    for name, value in node.items():
        try:
            msgspec.convert(value, value_type, strict=True)
        except msgspec.ValidationError:
            return str(name), value, value_type
    return None


def _plain(expected: Any) -> Any:
    """The type under `Annotated[...]` and an optional (`X | None`, `X | UnsetType`) wrapper."""
    while True:
        origin = typing.get_origin(expected)
        if origin is Annotated:
            expected = typing.get_args(expected)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [
                arg
                for arg in typing.get_args(expected)
                if arg not in (type(None), msgspec.UnsetType)
            ]
            if len(options) != 1:
                return expected
            expected = options[0]
        else:
            return expected


def _field_type(expected: Any, name: str) -> Any:
    if not (isinstance(expected, type) and issubclass(expected, msgspec.Struct)):
        return None
    for field in msgspec.structs.fields(expected):
        if field.encode_name == name:
            return field.type
    return None


def _field_names(expected: Any) -> tuple[str, ...]:
    if not (isinstance(expected, type) and issubclass(expected, msgspec.Struct)):
        return ()
    return tuple(field.encode_name for field in msgspec.structs.fields(expected))
