"""The dependency groups and extras of a `pyproject.toml`, resolved as uv resolves them (pure).

Groups (PEP 735) may include other groups with `{include-group = "NAME"}`; uv expands those and
rejects a cycle or a missing group, and so does `resolve_groups`. The legacy
`[tool.uv] dev-dependencies` list is part of the `dev` group, as in uv.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import msgspec
from returns.result import Failure, Result, Success

_NAME_SEPARATORS = re.compile(r"[-_.]+")
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


class DependencySet(msgspec.Struct, frozen=True, kw_only=True):
    """One dependency group or extra: its normalised name and the distributions it installs."""

    name: str
    # Normalised distribution names it names directly or through included groups, in order.
    packages: tuple[str, ...] = ()


class GroupsError(msgspec.Struct, frozen=True, kw_only=True, tag="groups-error"):
    """The dependency groups cannot be resolved (uv would refuse the project too)."""

    code: str
    message: str


def normalise_name(name: str) -> str:
    """Normalise a distribution or group name as PEP 503 / uv do.

    >>> normalise_name("Ruff_Lint.Tools")
    'ruff-lint-tools'
    """
    return _NAME_SEPARATORS.sub("-", name).lower()


def requirement_names(items: object) -> tuple[str, ...]:
    """The normalised distribution names of a list of PEP 508 strings (markers ignored).

    >>> requirement_names(["pytest>=8; python_version > '3.9'", "Ruff[x]", {"include-group": "a"}])
    ('pytest', 'ruff')
    """
    if not isinstance(items, list):
        return ()
    names = []
    for item in items:
        if isinstance(item, str):
            match = _REQUIREMENT_NAME.match(item)
            if match:
                names.append(normalise_name(match.group(1)))
    return tuple(names)


def _includes(items: object) -> tuple[str, ...]:
    if not isinstance(items, list):
        return ()
    return tuple(
        normalise_name(item["include-group"])
        for item in items
        if isinstance(item, dict) and isinstance(item.get("include-group"), str)
    )


def _groups_error(message: str) -> Failure[GroupsError]:
    return Failure(GroupsError(code="dependency-groups-invalid", message=message))


def resolve_groups(
    table: Mapping[str, Any], legacy_dev: object = None
) -> Result[tuple[DependencySet, ...], GroupsError]:
    """Every group of `[dependency-groups]` in file order, its `include-group`s expanded.

    >>> groups = resolve_groups({"test": ["pytest"], "Typing": ["mypy", {"include-group": "test"}]})
    >>> [(g.name, g.packages) for g in groups.unwrap()]
    [('test', ('pytest',)), ('typing', ('mypy', 'pytest'))]
    >>> cyclic = {"a": [{"include-group": "b"}], "b": [{"include-group": "a"}]}
    >>> resolve_groups(cyclic).failure().message[:50]
    'dependency groups include each other in a cycle (a'
    """
    raw: dict[str, list[object]] = {}
    for key, items in table.items():
        raw.setdefault(normalise_name(key), []).extend(items if isinstance(items, list) else [])
    if isinstance(legacy_dev, list):
        raw.setdefault("dev", []).extend(legacy_dev)
    resolved: dict[str, tuple[str, ...]] = {}

    def expand(name: str, trail: tuple[str, ...]) -> Result[tuple[str, ...], GroupsError]:
        if name in resolved:
            return Success(resolved[name])
        if name in trail:
            cycle = " -> ".join((*trail[trail.index(name) :], name))
            return _groups_error(
                f"dependency groups include each other in a cycle ({cycle}); uv rejects this "
                "project too, so break the cycle in pyproject.toml."
            )
        packages = list(requirement_names(raw[name]))
        for included in _includes(raw[name]):
            if included not in raw:
                return _groups_error(
                    f"dependency group {name!r} includes {included!r}, which pyproject.toml "
                    "does not define; uv rejects this project too, so define or remove it."
                )
            inner = expand(included, (*trail, name))
            if isinstance(inner, Failure):
                return inner
            packages += inner.unwrap()
        resolved[name] = tuple(dict.fromkeys(packages))
        return Success(resolved[name])

    groups = []
    for name in raw:
        expanded = expand(name, ())
        if isinstance(expanded, Failure):
            return expanded
        groups.append(DependencySet(name=name, packages=expanded.unwrap()))
    return Success(tuple(groups))


def resolve_extras(table: Mapping[str, Any]) -> tuple[DependencySet, ...]:
    """Every extra of `[project.optional-dependencies]` in file order.

    >>> resolve_extras({"Test": ["pytest"], "docs": []})
    (DependencySet(name='test', packages=('pytest',)), DependencySet(name='docs', packages=()))
    """
    merged: dict[str, tuple[str, ...]] = {}
    for key, items in table.items():
        name = normalise_name(key)
        merged[name] = tuple(dict.fromkeys(merged.get(name, ()) + requirement_names(items)))
    return tuple(DependencySet(name=name, packages=names) for name, names in merged.items())


def default_group_names(value: object, groups: tuple[DependencySet, ...]) -> tuple[str, ...]:
    """The groups uv installs by default: `[tool.uv] default-groups` (a list or "all"), else dev.

    >>> groups = (DependencySet(name="dev"), DependencySet(name="tests"))
    >>> default_group_names(None, groups), default_group_names("all", groups)
    (('dev',), ('dev', 'tests'))
    >>> default_group_names(["Tests"], groups)
    ('tests',)
    """
    names = tuple(group.name for group in groups)
    if value == "all":
        return names
    if isinstance(value, list):
        return tuple(dict.fromkeys(normalise_name(v) for v in value if isinstance(v, str)))
    return ("dev",) if "dev" in names else ()
