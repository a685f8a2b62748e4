"""Did a `pyproject.toml` change its dependencies? The lockfile rule's question, answered purely."""

from __future__ import annotations

from typing import Any

import tomli

from domain.changes.change_set import ManifestPair


def _table(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def dependency_tables(text: str | None) -> dict[str, object] | None:
    """The dependency tables of a manifest's text, or None when it is not valid TOML.

    >>> dependency_tables('[project]\\ndependencies = ["httpx"]\\n')["project.dependencies"]
    ['httpx']
    """
    if text is None:
        return {}
    try:
        doc = tomli.loads(text)
    except (tomli.TOMLDecodeError, RecursionError):  # tomli: nested too deep
        return None
    project = _table(doc.get("project"))
    return {
        "project.dependencies": project.get("dependencies"),
        "project.optional-dependencies": project.get("optional-dependencies"),
        "dependency-groups": doc.get("dependency-groups"),
    }


def dependencies_changed(pair: ManifestPair) -> bool | None:
    """True when the dependency tables differ, None when either side cannot be parsed.

    >>> old = '[project]\\ndependencies = ["httpx"]\\n'
    >>> dependencies_changed(ManifestPair(path="pyproject.toml", before=old, after=old + "# x\\n"))
    False
    """
    before = dependency_tables(pair.before)
    after = dependency_tables(pair.after)
    if before is None or after is None:
        return None
    return before != after
