"""Which dependency group or extra provides a Python gate's tool, and how a uv line selects it.

The dev group comes first when it provides the tool (what the gates always did), then the first
group in file order that does, then the first extra; a project where nothing names the tool
keeps the dev group or extra, as before. Whatever is chosen is selected explicitly on the
command line, never left to `default-groups`, which the project or `UV_NO_DEFAULT_GROUPS` can
change between preparation and run.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from domain.gates.dependency_sets import normalise_name
from domain.gates.project import ProjectFacts
from domain.gates.uv_grammar import UvOption

# The distribution each gate program or `python -m` module comes from.
GATE_DISTRIBUTIONS = {"pytest": "pytest", "py.test": "pytest", "ruff": "ruff", "mypy": "mypy"}


class Provider(msgspec.Struct, frozen=True, kw_only=True):
    """The group or extra a gate runs with, and why it was chosen (said in the rewrite)."""

    kind: Literal["group", "extra"]
    name: str
    distribution: str
    # dev: the dev group provides it; group/extra: the first that does; fallback: none names it.
    rule: Literal["dev", "group", "extra", "fallback"] = "fallback"
    dev_group_exists: bool = False
    default_group: bool = False

    @property
    def is_dev(self) -> bool:
        """True for the dev group or dev extra (today's rewrite rules and messages)."""
        return self.name == "dev"

    @property
    def reason(self) -> str:
        """Why this group or extra was chosen, for the rewrite's detail and refusals.

        >>> Provider(kind="group", name="tests", distribution="pytest", rule="group",
        ...          dev_group_exists=True).reason
        'tests is the first dependency group that provides pytest (the dev group does not)'
        """
        tool, name = self.distribution, self.name
        if self.rule == "dev":
            text = f"the dev group provides {tool}"
        elif self.rule == "group":
            text = f"{name} is the first dependency group that provides {tool}"
            text += " (the dev group does not)" if self.dev_group_exists else ""
        elif self.rule == "extra":
            return f"no dependency group provides {tool}; the {name} extra is the first that does"
        else:
            return (
                f"no group or extra names {tool}, so the gate keeps the dev {self.kind} as always"
            )
        if self.default_group:
            text += (
                f"; {name} is a default group, named explicitly so the gate keeps it whatever "
                "default-groups or UV_NO_DEFAULT_GROUPS say"
            )
        return text


def choose_provider(facts: ProjectFacts, distribution: str) -> Provider | None:
    """The group or extra a gate needing `distribution` runs with (None: the project has none).

    >>> from domain.gates.dependency_sets import DependencySet
    >>> facts = ProjectFacts(groups=(DependencySet(name="dev", packages=("ruff",)),
    ...     DependencySet(name="test", packages=("pytest",))), dev_group=True)
    >>> chosen = choose_provider(facts, "pytest")
    >>> (chosen.kind, chosen.name)
    ('group', 'test')
    """
    dev = None
    first = None
    for group in facts.groups:
        if group.name == "dev":
            dev = group
        if first is None and distribution in group.packages:
            first = group
    if dev is not None and distribution in dev.packages:
        first = dev
    if first is not None:
        return Provider(
            kind="group",
            name=first.name,
            distribution=distribution,
            rule="dev" if first is dev else "group",
            dev_group_exists=dev is not None,
            default_group=first.name in facts.default_groups,
        )
    for extra in facts.extras:
        if distribution in extra.packages:
            return Provider(kind="extra", name=extra.name, distribution=distribution, rule="extra")
    if facts.dev_group:
        return Provider(kind="group", name="dev", distribution=distribution)
    if facts.dev_extra:
        return Provider(kind="extra", name="dev", distribution=distribution)
    return None


# The options that can select a group or an extra.
_SELECTING = frozenset(
    {"--all-groups", "--dev", "--only-dev", "--group", "--only-group", "--all-extras", "--extra"}
)


def _names(option: UvOption, delimiter: str | None) -> frozenset[str]:
    value = option.value or ""
    parts = value.split(delimiter) if delimiter else (value,)
    return frozenset(normalise_name(part) for part in parts)


def exclusion(provider: Provider, options: tuple[UvOption, ...]) -> str | None:
    """The option of a uv line that keeps `provider` out of the gate's environment, if any.

    >>> p = Provider(kind="group", name="test", distribution="pytest")
    >>> exclusion(p, (UvOption(name="--no-group", value="lint test", index=2),))
    '--no-group lint test'
    """
    for option in options:
        if option.name == "--no-project":
            return "--no-project"
    for option in options:
        name = option.name
        if provider.kind == "group":
            if name == "--no-dev" and provider.is_dev:
                return "--no-dev"
            if name == "--no-group" and provider.name in _names(option, " "):
                return f"--no-group {option.value}"
            if name == "--only-dev" and not provider.is_dev:
                return "--only-dev"
        else:
            if name in ("--only-group", "--only-dev"):
                return f"{name} (which ignores extras)"
            if name == "--no-extra" and provider.name in _names(option, None):
                return f"--no-extra {option.value}"
    return None


def _excluded(options: tuple[UvOption, ...]) -> tuple[frozenset[str], frozenset[str]]:
    """The groups and the extras a line excludes (exclusion always wins in uv)."""
    groups: set[str] = set()
    extras: set[str] = set()
    for option in options:
        if option.name == "--no-dev":
            groups.add("dev")
        elif option.name == "--no-group":
            groups |= _names(option, " ")
        elif option.name == "--no-extra":
            extras |= _names(option, None)
    return frozenset(groups), frozenset(extras)


def already_selected(
    facts: ProjectFacts, provider: Provider, options: tuple[UvOption, ...]
) -> bool:
    """True when the line already selects the provider (or, unless it is the dev set, another
    group or extra that installs the same tool), so a further flag would be redundant.

    >>> p = Provider(kind="group", name="dev", distribution="ruff")
    >>> already_selected(ProjectFacts(), p, (UvOption(name="--dev", value=None, index=2),))
    True
    """
    if not any(option.name in _SELECTING for option in options):
        return False
    no_groups, no_extras = _excluded(options)
    wanted = provider.distribution
    groups: set[str] = set()
    extras: set[str] = set()
    # The dev set keeps the rule it always had (only its own selection counts), so a gate that
    # ran with `--group dev` before still does; another provider also counts for the others.
    if not provider.is_dev:
        groups = {g.name for g in facts.groups if wanted in g.packages} - no_groups
        extras = {e.name for e in facts.extras if wanted in e.packages} - no_extras
    if provider.kind == "group" and provider.name not in no_groups:
        groups.add(provider.name)
    if provider.kind == "extra" and provider.name not in no_extras:
        extras.add(provider.name)
    # Extras count only where uv installs them: `--only-group`/`--only-dev` ignore every extra.
    if any(o.name in ("--only-group", "--only-dev") for o in options):
        extras = set()
    for option in options:
        name = option.name
        if name == "--all-groups" and provider.kind == "group":
            return True
        if name in ("--dev", "--only-dev") and "dev" in groups:
            return True
        if name in ("--group", "--only-group") and _names(option, None) & groups:
            return True
        if name == "--all-extras" and extras:
            return True
        if name == "--extra" and _names(option, ",") & extras:
            return True
    return False


def selection_flag(provider: Provider, options: tuple[UvOption, ...]) -> tuple[str, str]:
    """The two tokens that select the provider on a line that does not select it yet.

    >>> selection_flag(Provider(kind="group", name="test", distribution="pytest"), ())
    ('--group', 'test')
    """
    if provider.kind == "extra":
        return ("--extra", provider.name)
    if any(option.name == "--only-group" for option in options):
        # uv rejects --group beside --only-group.
        return ("--only-group", provider.name)
    return ("--group", provider.name)
