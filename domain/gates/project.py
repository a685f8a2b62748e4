"""Facts about a target Python project, derived purely from what an adapter read off disk."""

from __future__ import annotations

import re
from typing import Any

import msgspec
import tomli
from returns.result import Failure, Result, Success

from domain.gates.dependency_sets import (
    DependencySet,
    default_group_names,
    normalise_name,
    resolve_extras,
    resolve_groups,
)

__all__ = [
    "DependencySet",
    "FactsError",
    "ProjectFacts",
    "ProjectFiles",
    "derive_facts",
    "ini_sections",
    "normalise_name",
]


class ProjectFiles(msgspec.Struct, frozen=True, kw_only=True):
    """What an adapter read from a project directory; the input of `derive_facts`."""

    pyproject_text: str | None = None
    lockfile_present: bool = False
    # Names of entries at the project root; directories end with "/".
    root_entries: tuple[str, ...] = ()
    # True when a `test_*.py` / `*_test.py` file exists anywhere outside ignored folders.
    test_files_present: bool = False
    # The text of `setup.cfg` and `tox.ini` (pytest and mypy may be configured there).
    setup_cfg_text: str | None = None
    tox_ini_text: str | None = None
    # The directory with every symlink resolved, when the reader resolves links (the file
    # system reader always does); a `--directory` project must resolve inside the repository.
    resolved_root: str | None = None


class ProjectFacts(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the gate rules need to know about one project."""

    has_pyproject: bool = False
    has_lockfile: bool = False
    dev_group: bool = False
    dev_extra: bool = False
    # Normalised distribution names in the dev set (group or extra).
    dev_packages: tuple[str, ...] = ()
    has_tests: bool = False
    ruff_configured: bool = False
    mypy_configured: bool = False
    # Names of entries at the project root (directories end with "/"), as `ProjectFiles` has them.
    root_entries: tuple[str, ...] = ()
    # Every dependency group (include-groups resolved, legacy dev-dependencies in `dev`) and
    # every extra, in file order; the groups uv installs by default.
    groups: tuple[DependencySet, ...] = ()
    extras: tuple[DependencySet, ...] = ()
    default_groups: tuple[str, ...] = ()

    @property
    def is_uv_project(self) -> bool:
        """A uv project has both `pyproject.toml` and `uv.lock`."""
        return self.has_pyproject and self.has_lockfile

    @property
    def has_dev_environment(self) -> bool:
        """True when the project declares a dev group or a dev extra."""
        return self.dev_group or self.dev_extra

    def provides(self, distribution: str) -> bool:
        """True when some group or extra (or the dev set as given) installs `distribution`."""
        sets = (*self.groups, *self.extras)
        named_in_dev = self.has_dev_environment and distribution in self.dev_packages
        return named_in_dev or any(distribution in s.packages for s in sets)


class FactsError(msgspec.Struct, frozen=True, kw_only=True, tag="facts-error"):
    """The project's files could not be understood."""

    code: str
    message: str


def _table(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


_INI_SECTION = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]", re.MULTILINE)
# Root files whose mere presence configures a tool (pytest 9 also reads pytest.toml).
_PYTEST_FILES = frozenset(
    {"pytest.ini", ".pytest.ini", "pytest.toml", ".pytest.toml", "conftest.py", "tests/"}
)


def ini_sections(text: str | None) -> frozenset[str]:
    """The section names of an INI text (`setup.cfg`, `tox.ini`); none for a missing file.

    >>> sorted(ini_sections("[metadata]\\nname = x\\n [tool:pytest]\\naddopts = -q\\n"))
    ['metadata', 'tool:pytest']
    """
    return frozenset(_INI_SECTION.findall(text or ""))


def derive_facts(files: ProjectFiles) -> Result[ProjectFacts, FactsError]:
    """Derive the project facts from its files; an unparsable `pyproject.toml` is an error.

    >>> text = '[dependency-groups]\\ndev = ["pytest>=8", "Ruff"]\\n'
    >>> facts = derive_facts(ProjectFiles(pyproject_text=text, lockfile_present=True)).unwrap()
    >>> (facts.is_uv_project, facts.dev_group, facts.dev_packages)
    (True, True, ('pytest', 'ruff'))
    """
    entries = frozenset(files.root_entries)
    setup_cfg, tox_ini = ini_sections(files.setup_cfg_text), ini_sections(files.tox_ini_text)
    has_tests = (
        files.test_files_present
        or bool(entries & _PYTEST_FILES)
        or "tool:pytest" in setup_cfg
        or "pytest" in tox_ini
    )
    ruff_file = bool(entries & {"ruff.toml", ".ruff.toml"})
    mypy_file = bool(entries & {"mypy.ini", ".mypy.ini"}) or "mypy" in setup_cfg
    if files.pyproject_text is None:
        return Success(
            ProjectFacts(
                has_lockfile=files.lockfile_present,
                has_tests=has_tests,
                ruff_configured=ruff_file,
                mypy_configured=mypy_file,
                root_entries=files.root_entries,
            )
        )
    try:
        doc = tomli.loads(files.pyproject_text)
    except (tomli.TOMLDecodeError, RecursionError) as exc:  # tomli: nested too deep
        return Failure(
            FactsError(
                code="pyproject-unreadable",
                message=f"pyproject.toml is not valid TOML ({exc}); fix it before running gates.",
            )
        )
    tool = _table(doc.get("tool"))
    uv_table = _table(tool.get("uv"))
    legacy_dev = uv_table.get("dev-dependencies")
    resolved = resolve_groups(_table(doc.get("dependency-groups")), legacy_dev)
    if isinstance(resolved, Failure):
        problem = resolved.failure()
        return Failure(FactsError(code=problem.code, message=problem.message))
    groups = resolved.unwrap()
    extras = resolve_extras(_table(_table(doc.get("project")).get("optional-dependencies")))
    by_name = {s.name: s.packages for s in groups} | {f"extra:{s.name}": s.packages for s in extras}
    dev_group = "dev" in by_name
    dev_extra = "extra:dev" in by_name
    dev_packages = by_name.get("dev", ()) + by_name.get("extra:dev", ())
    pytest_configured = "pytest" in tool
    return Success(
        ProjectFacts(
            has_pyproject=True,
            has_lockfile=files.lockfile_present,
            dev_group=dev_group,
            dev_extra=dev_extra,
            dev_packages=tuple(dict.fromkeys(dev_packages)),
            has_tests=has_tests or pytest_configured,
            ruff_configured=ruff_file or "ruff" in tool,
            mypy_configured=mypy_file or "mypy" in tool,
            root_entries=files.root_entries,
            groups=groups,
            extras=extras,
            default_groups=default_group_names(uv_table.get("default-groups"), groups),
        )
    )
