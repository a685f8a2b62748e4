"""`models validate`: is every harness choice of the configuration usable here? Decided purely.

The facts (which variables are set, where each binary is) are gathered by the caller; this module
only judges them. A missing provider key is a warning, since a dry check on a laptop need not hold
the keys, unless the check is `live` (about to run for real), where it is an error.
"""

from __future__ import annotations

import msgspec
from returns.result import Success

from domain.budget.config import find_tier
from domain.harness.command import provider_key_names
from domain.harness.config import HarnessSettings, ResolvedHarness, resolve_harness
from domain.harness.report import COST_REPORTING

# The key of the base settings in `ModelsReport.tiers` (tier labels look like "loop:budget-xl").
BASE_TIER = "default"


class ModelsIssue(msgspec.Struct, frozen=True, kw_only=True):
    """One error or warning; `tier` is None for the base settings."""

    code: str
    message: str
    tier: str | None = None


class TierChoice(msgspec.Struct, frozen=True, kw_only=True):
    """What one tier (or the base) resolves to, and what was found for it."""

    harness: str
    provider: str | None
    model: str | None
    binary: str
    executable: str | None
    key_names: tuple[str, ...] | None
    key_present: bool | None
    # True for a budget tier with no [harness.tiers] section: it runs the base settings.
    inherited: bool = False


class ModelsReport(msgspec.Struct, frozen=True, kw_only=True):
    """The verdict printed by `models validate`: ok only without errors."""

    ok: bool
    errors: tuple[ModelsIssue, ...]
    warnings: tuple[ModelsIssue, ...]
    tiers: dict[str, TierChoice]


class ModelsFacts(msgspec.Struct, frozen=True, kw_only=True):
    """What the caller found: names of the set variables, and each binary's location (or None)."""

    env_names: frozenset[str]
    executables: dict[str, str | None]


def binaries_to_locate(settings: HarnessSettings) -> tuple[str, ...]:
    """Every binary the base settings and the tiers would run, for the caller to look up.

    >>> from domain.harness.config import HarnessTier
    >>> binaries_to_locate(HarnessSettings(tiers={"xl": HarnessTier(binary="/opt/pi")}))
    ('pi', '/opt/pi')
    """
    found: list[str] = []
    for tier in (None, *settings.tiers):
        resolved = resolve_harness(settings, tier=tier)
        if isinstance(resolved, Success):
            found.append(resolved.unwrap().binary)
    return tuple(dict.fromkeys(found))


def _key_issues(
    harness: ResolvedHarness, facts: ModelsFacts, *, live: bool, tier: str | None
) -> tuple[list[ModelsIssue], list[ModelsIssue], bool | None]:
    errors: list[ModelsIssue] = []
    warnings: list[ModelsIssue] = []
    names = provider_key_names(harness)
    if names is None:
        if harness.provider is not None:
            warnings.append(
                ModelsIssue(
                    code="provider-key-unknown",
                    message=f"cannot tell which variable holds the key of provider "
                    f"{harness.provider!r}; if the harness needs one, list it in env_allow.",
                    tier=tier,
                )
            )
        return errors, warnings, None
    listed = ", ".join(names)
    if not set(names) & set(harness.env_allow):
        (errors if live else warnings).append(
            ModelsIssue(
                code="provider-key-not-allowed",
                message=f"env_allow names none of {listed}, so {harness.name} will not see the "
                f"provider's key; add the one you use to env_allow.",
                tier=tier,
            )
        )
    present = bool(set(names) & facts.env_names)
    if not present:
        (errors if live else warnings).append(
            ModelsIssue(
                code="provider-key-missing",
                message=f"none of {listed} is set in this environment; export the key before "
                "running the loop.",
                tier=tier,
            )
        )
    return errors, warnings, present


def _cost_cap_warning(harness: ResolvedHarness, tier: str | None) -> ModelsIssue | None:
    """A warning when the harness's cost cannot stop a run while it works (see COST_REPORTING)."""
    reporting = COST_REPORTING[harness.name]
    if reporting == "final":
        return ModelsIssue(
            code="cost-cap-after-run",
            message=f"{harness.name} reports its cost only when it finishes, so a run's cost cap "
            "is checked once, after the run, and cannot stop it early; a run that ends without "
            "its result has an unknown cost, charged by the budget's unknown_cost rule.",
            tier=tier,
        )
    if reporting == "none":
        return ModelsIssue(
            code="cost-cap-unenforced",
            message=f"{harness.name} reports no cost, so no cost cap can stop or judge its runs; "
            "each run's cost is unknown and the budget's unknown_cost rule charges the whole "
            "reservation (and decides whether it may publish).",
            tier=tier,
        )
    return None


def check_models(
    settings: HarnessSettings,
    facts: ModelsFacts,
    *,
    live: bool = False,
    required_tiers: tuple[str, ...] = (),
    budget_tiers: frozenset[str] = frozenset(),
) -> ModelsReport:
    """Judge the base harness choice and every tier's, plus the tiers that must exist.

    Every budget tier is reported (one without a harness section runs the base settings); a
    harness tier that is no budget tier can never be chosen, so it is an error (a typo).

    >>> facts = ModelsFacts(env_names=frozenset({"OPENAI_API_KEY"}),
    ...                     executables={"codex": "/usr/bin/codex"})
    >>> settings = HarnessSettings(name="codex", model="gpt-5", env_allow=("OPENAI_API_KEY",))
    >>> check_models(settings, facts).ok
    True
    >>> [e.code for e in check_models(settings, facts, required_tiers=("xl",)).errors]
    ['harness-tier-missing']
    """
    errors: list[ModelsIssue] = []
    warnings: list[ModelsIssue] = []
    tiers: dict[str, TierChoice] = {}
    # Labels match as everywhere else (`tier_key`): ignoring case and surrounding space.
    inherited = sorted(label for label in budget_tiers if find_tier(label, settings.tiers) is None)
    for tier in (None, *settings.tiers, *inherited):
        resolved = resolve_harness(settings, tier=tier, budget_tiers=budget_tiers)
        if not isinstance(resolved, Success):
            error = resolved.failure()
            errors.append(ModelsIssue(code=error.code, message=error.message, tier=tier))
            continue
        harness = resolved.unwrap()
        if tier in inherited:
            # Same choice as the base: reported, not judged twice.
            tiers[str(tier)] = msgspec.structs.replace(tiers[BASE_TIER], inherited=True)
            continue
        if tier is not None and budget_tiers and find_tier(tier, budget_tiers) is None:
            errors.append(
                ModelsIssue(
                    code="harness-tier-unknown",
                    message=f'[harness.tiers."{tier}"] names no budget tier (budget tiers: '
                    f"{', '.join(sorted(budget_tiers))}), so no run can use it; fix the label.",
                    tier=tier,
                )
            )
        executable = facts.executables.get(harness.binary)
        if executable is None:
            errors.append(
                ModelsIssue(
                    code="harness-binary-not-found",
                    message=f"cannot find the {harness.name} executable {harness.binary!r} on "
                    "PATH or as a path; install it or set binary.",
                    tier=tier,
                )
            )
        if harness.model is None:
            warnings.append(
                ModelsIssue(
                    code="model-unset",
                    message=f"no model is configured, so {harness.name} uses its own default; "
                    "set model to pin it.",
                    tier=tier,
                )
            )
        cap_warning = _cost_cap_warning(harness, tier)
        if cap_warning is not None:
            warnings.append(cap_warning)
        key_errors, key_warnings, key_present = _key_issues(harness, facts, live=live, tier=tier)
        errors += key_errors
        warnings += key_warnings
        tiers[BASE_TIER if tier is None else tier] = TierChoice(
            harness=harness.name,
            provider=harness.provider,
            model=harness.model,
            binary=harness.binary,
            executable=executable,
            key_names=provider_key_names(harness),
            key_present=key_present,
        )
    for label in required_tiers:
        if find_tier(label, settings.tiers) is None:
            errors.append(
                ModelsIssue(
                    code="harness-tier-missing",
                    message=f'no [harness.tiers."{label}"] section; add one for that tier.',
                    tier=label,
                )
            )
    return ModelsReport(ok=not errors, errors=tuple(errors), warnings=tuple(warnings), tiers=tiers)


def config_failure(code: str, message: str) -> ModelsReport:
    """The report when the configuration itself cannot be read: never ok.

    >>> config_failure("config-missing", "no file").ok
    False
    """
    return ModelsReport(
        ok=False, errors=(ModelsIssue(code=code, message=message),), warnings=(), tiers={}
    )
