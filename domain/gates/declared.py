"""Declared gates: the `[gates]` section, and the plan it makes for a repository (pure).

An operator who knows a repository's gates says so in `engineering-loop.toml`:

    [gates]
    timeout_s = 600                        # the default timeout of each gate
    [[gates.commands]]
    argv = ["pytest", "-q"]
    [[gates.repos."acme/api".commands]]    # this repository's own gates (replace the above)
    argv = ["make", "check"]
    timeout_s = 900

Where a repository has declared gates, they are its gates: every one runs, every time, in order,
after the built-in `check-files` for the changed text files, and selection is not consulted.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Sequence
from typing import Annotated

import msgspec

from domain.gates.project import ProjectFacts
from domain.gates.select import (
    CHECK_FILES_GATE,
    ChangedFile,
    GatePlan,
    PlannedGate,
    is_safe_relative_path,
    select_gates,
    unverified_paths,
)

# A day bounds any gate; a larger value is a typo (and inf or NaN would switch the limit off).
GateSeconds = Annotated[float, msgspec.Meta(gt=0, le=24 * 3600)]
DEFAULT_GATE_TIMEOUT_S = 600.0
Argv = Annotated[tuple[Annotated[str, msgspec.Meta(min_length=1)], ...], msgspec.Meta(min_length=1)]


class DeclaredCommand(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """`[[gates.commands]]`: one gate's argv (never a shell string) and its own timeout."""

    argv: Argv
    timeout_s: GateSeconds | None = None


class RepoGates(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """`[gates.repos."OWNER/NAME"]`: that repository's commands (and default timeout)."""

    timeout_s: GateSeconds | msgspec.UnsetType = msgspec.UNSET
    commands: tuple[DeclaredCommand, ...] | msgspec.UnsetType = msgspec.UNSET


class GatesConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The `[gates]` section: default timeout, commands for every repository, per-repo tables."""

    timeout_s: GateSeconds = DEFAULT_GATE_TIMEOUT_S
    commands: tuple[DeclaredCommand, ...] = ()
    repos: dict[str, RepoGates] = {}


class DeclaredGate(msgspec.Struct, frozen=True, kw_only=True):
    """One declared gate of one repository, its timeout resolved."""

    argv: tuple[str, ...]
    timeout_s: float


def declared_gates_for(config: GatesConfig, names: Iterable[str]) -> tuple[DeclaredGate, ...]:
    """The declared gates of a repository known by `names` (as `[policy.repos]` looks them up:
    the first name with a `[gates.repos]` table wins, and its keys replace `[gates]`'s).

    >>> config = GatesConfig(commands=(DeclaredCommand(argv=("pytest",)),),
    ...     repos={"acme/api": RepoGates(commands=(DeclaredCommand(argv=("make", "check")),))})
    >>> [g.argv for g in declared_gates_for(config, ("acme/api", "api"))]
    [('make', 'check')]
    >>> declared_gates_for(config, ("other",))[0].timeout_s
    600.0
    """
    timeout = config.timeout_s
    commands = config.commands
    for name in names:
        table = config.repos.get(name)
        if table is not None:
            if not isinstance(table.timeout_s, msgspec.UnsetType):
                timeout = table.timeout_s
            if not isinstance(table.commands, msgspec.UnsetType):
                commands = table.commands
            break
    return tuple(
        DeclaredGate(
            argv=command.argv,
            timeout_s=command.timeout_s if command.timeout_s is not None else timeout,
        )
        for command in commands
    )


def _gate_names(gates: Sequence[DeclaredGate]) -> list[str]:
    """A unique name per declared gate: its program's name, numbered when it repeats."""
    taken = {"check-files"}
    names = []
    for gate in gates:
        base = posixpath.basename(gate.argv[0]) or gate.argv[0]
        name, number = base, 1
        while name in taken:
            number += 1
            name = f"{base}#{number}"
        taken.add(name)
        names.append(name)
    return names


def declared_plan(changes: Sequence[ChangedFile], gates: Sequence[DeclaredGate]) -> GatePlan:
    """The plan of a repository with declared gates: `check-files` for changed text files, then
    every declared gate in order, each verifying every changed path inside the repository.

    >>> make = DeclaredGate(argv=("make",), timeout_s=9)
    >>> plan = declared_plan([ChangedFile(path="a.py")], [make])
    >>> [(g.name, g.origin, g.covers) for g in plan.gates], plan.unverified
    ([('check-files', 'selected', ('a.py',)), ('make', 'declared', ('a.py',))], ())
    """
    files_only = select_gates(changes, ProjectFacts())
    safe = tuple(sorted({c.path for c in changes if is_safe_relative_path(c.path)}))
    planned = [g for g in files_only.gates if g.argv[: len(CHECK_FILES_GATE)] == CHECK_FILES_GATE]
    planned += [
        PlannedGate(
            name=name, argv=gate.argv, covers=safe, origin="declared", timeout_s=gate.timeout_s
        )
        for name, gate in zip(_gate_names(gates), gates, strict=True)
    ]
    every = {change.path for change in changes}
    return GatePlan(gates=tuple(planned), unverified=unverified_paths(every, planned))


def plan_gates(
    changes: Sequence[ChangedFile], facts: ProjectFacts, declared: Sequence[DeclaredGate] = ()
) -> GatePlan:
    """The declared gates' plan where a repository has declared gates, else selection's.

    >>> plan_gates([ChangedFile(path="notes.md")], ProjectFacts()).gates[0].name
    'check-files'
    """
    if declared:
        return declared_plan(changes, declared)
    return select_gates(changes, facts)
