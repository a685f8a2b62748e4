"""Gate selection: which quality gates one repository's changed paths call for (pure).

A multi-repository run calls `select_gates` once per repository, each with that repository's
own `ProjectFacts`, so one project's gates are never applied to another.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

import msgspec

from domain.gates.project import ProjectFacts

CHECK_FILES_GATE: tuple[str, ...] = ("engineering-loop", "gate", "check-files")

# Cache-neutral forms: none of these writes a cache into the worktree (see uv-run.md).
PYTEST_GATE: tuple[str, ...] = ("python", "-m", "pytest", "-q", "-p", "no:cacheprovider")
RUFF_GATE: tuple[str, ...] = ("ruff", "check", "--no-cache")
# `--no-incremental` still writes `.mypy_cache` (mypy 2.4.1); /dev/null as the cache dir does not.
MYPY_GATE: tuple[str, ...] = ("mypy", "--cache-dir=/dev/null")

_PYTHON_SUFFIXES = (".py", ".pyi")
# Files with these suffixes are never text, so `check-files` would only ever fail on them.
_BINARY_SUFFIXES = frozenset(
    {
        *(".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".bmp", ".tif", ".tiff", ".pdf"),
        *(".zip", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".7z", ".tar", ".whl", ".egg", ".jar"),
        *(".so", ".dylib", ".dll", ".exe", ".o", ".a", ".pyc", ".pyo", ".pyd", ".class"),
        *(".woff", ".woff2", ".ttf", ".otf", ".eot", ".mp3", ".mp4", ".wav", ".ogg", ".webm"),
        *(".mov", ".avi", ".sqlite", ".db", ".bin", ".npy", ".npz", ".pkl", ".parquet"),
    }
)


class ChangedFile(msgspec.Struct, frozen=True, kw_only=True):
    """One changed path of a repository (repo-relative, POSIX separators)."""

    path: str
    deleted: bool = False
    # Set by a caller that looked at the content (git's NUL heuristic); suffixes are checked too.
    binary: bool = False


GateOrigin = Literal["selected", "declared"]


class PlannedGate(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A gate to run: a short name, its declared argv, and the changed paths it verifies."""

    name: str
    argv: tuple[str, ...]
    covers: tuple[str, ...]
    # Where the gate came from: chosen by `select_gates`, or declared in `[gates]`.
    origin: GateOrigin = "selected"
    # Its own timeout (a declared gate's); None means the run's timeout.
    timeout_s: float | None = None


class GatePlan(msgspec.Struct, frozen=True, kw_only=True):
    """The gates one repository's change calls for, and the changed paths none of them verifies."""

    gates: tuple[PlannedGate, ...] = ()
    unverified: tuple[str, ...] = ()


def is_safe_relative_path(path: str) -> bool:
    """True for a non-empty repo-relative POSIX path without `..`, NUL, backslash or `.git`.

    >>> [is_safe_relative_path(p) for p in ("pkg/mod.py", "../x", "/etc", ".git/config")]
    [True, False, False, False]
    """
    if not path or "\x00" in path or "\\" in path or path.startswith("/"):
        return False
    parts = path.split("/")
    return all(part not in ("", ".", "..") for part in parts) and parts[0].lower() != ".git"


def looks_binary(path: str) -> bool:
    """True when a path's suffix names a binary format that `check-files` cannot verify.

    >>> looks_binary("docs/logo.PNG"), looks_binary("notes.txt")
    (True, False)
    """
    name = path.rsplit("/", 1)[-1].lower()
    dot = name.rfind(".")
    return dot > 0 and name[dot:] in _BINARY_SUFFIXES


def is_python_path(path: str) -> bool:
    """True for Python sources and stubs (`.py`, `.pyi`).

    >>> is_python_path("a/b.pyi"), is_python_path("a/b.pyc")
    (True, False)
    """
    return path.endswith(_PYTHON_SUFFIXES)


def mypy_target(path: str) -> str:
    """The top-level package or module a Python path belongs to (`src/` layouts included).

    >>> mypy_target("pkg/sub/mod.py"), mypy_target("src/pkg/mod.py"), mypy_target("setup.py")
    ('pkg', 'src/pkg', 'setup.py')
    """
    parts = path.split("/")
    if parts[0] == "src" and len(parts) > 2:
        return "src/" + parts[1]
    if len(parts) == 1 or (parts[0] == "src" and len(parts) == 2):
        return path
    return parts[0]


def _with_paths(argv: tuple[str, ...], paths: Sequence[str]) -> tuple[str, ...]:
    # A path that starts with "-" would be read as an option; "--" ends the options first.
    if any(path.startswith("-") for path in paths):
        return (*argv, "--", *paths)
    return (*argv, *paths)


def _gate_tools_available(facts: ProjectFacts) -> bool:
    """Python gates can run: a uv project with a dev set or a group or extra providing a tool."""
    if not facts.is_uv_project:
        return False
    return facts.has_dev_environment or any(facts.provides(t) for t in ("pytest", "ruff", "mypy"))


def _mypy_targets(python: Iterable[ChangedFile], facts: ProjectFacts) -> tuple[str, ...]:
    present = {mypy_target(change.path) for change in python if not change.deleted}
    # A deletion can break importers elsewhere in its package: check the package if it remains.
    for change in python:
        target = mypy_target(change.path)
        first = change.path.split("/", 1)[0]
        if change.deleted and target != change.path and f"{first}/" in facts.root_entries:
            present.add(target)
    return tuple(sorted(present))


def select_gates(changes: Sequence[ChangedFile], facts: ProjectFacts) -> GatePlan:
    """Choose the gates for one repository's changes, from that repository's own facts.

    >>> facts = ProjectFacts(has_pyproject=True, has_lockfile=True, dev_group=True,
    ...                      dev_packages=("pytest", "ruff"), has_tests=True)
    >>> plan = select_gates([ChangedFile(path="pkg/a.py"), ChangedFile(path="logo.png")], facts)
    >>> [gate.name for gate in plan.gates], plan.unverified
    (['check-files', 'pytest', 'ruff'], ('logo.png',))
    """
    unique = {change.path: change for change in changes}
    safe = [change for path, change in sorted(unique.items()) if is_safe_relative_path(path)]
    gates: list[PlannedGate] = []

    text = [c.path for c in safe if not c.deleted and not c.binary and not looks_binary(c.path)]
    if text:
        gates.append(
            PlannedGate(
                name="check-files", argv=_with_paths(CHECK_FILES_GATE, text), covers=tuple(text)
            )
        )

    python = [change for change in safe if is_python_path(change.path)]
    if python and _gate_tools_available(facts):
        # Without a dev set, pytest runs only where some group or extra installs it.
        if facts.has_tests and (facts.has_dev_environment or facts.provides("pytest")):
            # Stubs too: a test suite may type-check (pytest-mypy) or import-check them.
            sources = tuple(c.path for c in python)
            gates.append(PlannedGate(name="pytest", argv=PYTEST_GATE, covers=sources))
        if facts.provides("ruff") or facts.ruff_configured:
            lintable = tuple(c.path for c in python if not c.deleted)
            if lintable:
                gates.append(
                    PlannedGate(name="ruff", argv=_with_paths(RUFF_GATE, lintable), covers=lintable)
                )
        if facts.provides("mypy") or facts.mypy_configured:
            targets = _mypy_targets(python, facts)
            covered = tuple(c.path for c in python if mypy_target(c.path) in targets)
            if targets:
                gates.append(
                    PlannedGate(name="mypy", argv=_with_paths(MYPY_GATE, targets), covers=covered)
                )

    return GatePlan(gates=tuple(gates), unverified=unverified_paths(unique, gates))


def verifies(gate: PlannedGate, path: str) -> bool:
    """True when `gate` counts as verifying `path`: a Python file needs a gate that checks Python.

    >>> files = PlannedGate(name="check-files", argv=CHECK_FILES_GATE, covers=("a.py", "b.md"))
    >>> verifies(files, "b.md"), verifies(files, "a.py")
    (True, False)
    """
    if path not in gate.covers:
        return False
    return not (is_python_path(path) and gate.argv[: len(CHECK_FILES_GATE)] == CHECK_FILES_GATE)


def unverified_paths(paths: Iterable[str], gates: Sequence[PlannedGate]) -> tuple[str, ...]:
    """The changed paths (sorted) that no gate verifies (see `verifies`).

    >>> unverified_paths(["a.py"], [PlannedGate(name="check-files", argv=CHECK_FILES_GATE,
    ...                                          covers=("a.py",))])
    ('a.py',)
    """
    return tuple(p for p in sorted(paths) if not any(verifies(gate, p) for gate in gates))
