"""The `[harness]` section: which coding-agent CLI runs, with which provider and model, per tier.

```toml
[harness]
name = "pi"                        # pi | claude | codex
provider = "anthropic"
model = "claude-sonnet-4-5"
binary = "pi"                      # optional: a path, or a name looked up on PATH
extra_args = []
env_allow = ["ANTHROPIC_API_KEY"]  # exact variable names the harness may see

[harness.tiers."loop:budget-xl"]   # overrides for runs of that budget tier
model = "claude-opus-4-1"
```
"""

from __future__ import annotations

import re

import msgspec
from returns.result import Failure, Result, Success

from domain.budget.config import find_tier
from domain.harness.report import HARNESS_NAMES, HarnessName

# Credentials a harness never sees, even when `env_allow` names them: the loop's own forge token
# must not reach a process that runs model-chosen shell commands.
NEVER_PASS: frozenset[str] = frozenset(
    {"GITHUB_TOKEN", "GH_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN", "GITHUB_PAT"}
)

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# Arguments the loop itself sets so the output stays machine-readable: extra_args may not.
_OWNED_ARGS: dict[HarnessName, frozenset[str]] = {
    "pi": frozenset({"--mode", "--print", "-p", "--no-session", "--session", "--continue", "-c"}),
    "claude": frozenset({"--output-format", "--print", "-p", "--input-format"}),
    "codex": frozenset({"--json", "--experimental-json"}),
}


class HarnessTier(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Overrides for one budget tier label; an omitted field keeps the base value."""

    provider: str | None = None
    model: str | None = None
    binary: str | None = None
    extra_args: tuple[str, ...] | None = None
    env_allow: tuple[str, ...] | None = None


class HarnessSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The `[harness]` section as written; `resolve_harness` turns it into a `ResolvedHarness`."""

    # None: the harness named on the command line, else "pi".
    name: str | None = None
    # None leaves the choice to the harness's own configuration (its default provider/model).
    provider: str | None = None
    model: str | None = None
    binary: str | None = None
    extra_args: tuple[str, ...] = ()
    env_allow: tuple[str, ...] = ()
    tiers: dict[str, HarnessTier] = msgspec.field(default_factory=dict)


class ResolvedHarness(msgspec.Struct, frozen=True, kw_only=True):
    """The harness one run uses: base settings with the tier's overrides applied."""

    name: HarnessName
    provider: str | None
    model: str | None
    # A path or a bare name to look up on PATH; defaults to the harness's own name.
    binary: str
    extra_args: tuple[str, ...]
    env_allow: tuple[str, ...]
    tier: str | None = None


class HarnessConfigError(msgspec.Struct, frozen=True, kw_only=True, tag="harness-config-error"):
    """The harness choice cannot be used as configured (`harness-*` codes)."""

    code: str
    message: str


def harness_name(name: str) -> Result[HarnessName, HarnessConfigError]:
    """Accept one of the supported harness names.

    >>> harness_name("pi").unwrap(), harness_name("cursor").failure().code
    ('pi', 'harness-unknown')
    """
    for known in HARNESS_NAMES:
        if name == known:
            return Success(known)
    return Failure(
        HarnessConfigError(
            code="harness-unknown",
            message=f"unknown harness {name!r}; [harness].name must be one of "
            f"{', '.join(HARNESS_NAMES)}.",
        )
    )


def env_allow_problems(names: tuple[str, ...], where: str) -> tuple[HarnessConfigError, ...]:
    """Every name in an `env_allow` list that is malformed or a forbidden credential.

    >>> [e.code for e in env_allow_problems(("OK_KEY", "GITHUB_TOKEN", "A=B"), "[harness]")]
    ['harness-env-forbidden', 'harness-env-invalid']
    """
    problems: list[HarnessConfigError] = []
    for name in names:
        if name in NEVER_PASS:
            problems.append(
                HarnessConfigError(
                    code="harness-env-forbidden",
                    message=f"{where} env_allow names {name}, which a harness must never see; "
                    "remove it (the harness runs model-chosen commands).",
                )
            )
        elif not _ENV_NAME.match(name):
            problems.append(
                HarnessConfigError(
                    code="harness-env-invalid",
                    message=f"{where} env_allow entry {name!r} is not a variable name; "
                    "list exact names such as ANTHROPIC_API_KEY (no patterns).",
                )
            )
    return tuple(problems)


def extra_args_problems(
    harness: HarnessName, args: tuple[str, ...], where: str
) -> tuple[HarnessConfigError, ...]:
    """Every extra argument that would override an argument the loop sets itself.

    >>> [e.code for e in extra_args_problems("pi", ("--mode=text", "--thinking", "low"), "x")]
    ['harness-args-conflict']
    """
    owned = _OWNED_ARGS[harness]
    return tuple(
        HarnessConfigError(
            code="harness-args-conflict",
            message=f"{where} extra_args has {arg!r}, which engineering-loop sets itself for "
            f"{harness} (it must read JSON output); remove it.",
        )
        for arg in args
        if arg.split("=", 1)[0] in owned
    )


def resolve_harness(
    settings: HarnessSettings,
    *,
    tier: str | None = None,
    requested: str | None = None,
    budget_tiers: frozenset[str] = frozenset(),
) -> Result[ResolvedHarness, HarnessConfigError]:
    """Apply the overrides of `tier` (None: the base settings) and check the result.

    A budget tier (`[budget.tiers]`) without a `[harness.tiers]` section runs the base settings;
    a label that is neither is an error. `requested` is the harness asked for on the command
    line; it must agree with the configured `name` when both are given.

    >>> settings = HarnessSettings(model="m1", tiers={"xl": HarnessTier(model="m2")})
    >>> resolve_harness(settings, tier="xl").unwrap().model
    'm2'
    >>> resolve_harness(settings, tier="large", budget_tiers=frozenset({"large"})).unwrap().model
    'm1'
    >>> resolve_harness(settings, tier="small").failure().code
    'harness-tier-missing'
    >>> resolve_harness(settings, tier="XL").unwrap().model
    'm2'
    >>> resolve_harness(HarnessSettings(name="pi"), requested="codex").failure().code
    'harness-mismatch'
    """
    if requested is not None and settings.name is not None and requested != settings.name:
        return Failure(
            HarnessConfigError(
                code="harness-mismatch",
                message=f"the configuration chooses harness {settings.name!r} but {requested!r} "
                "was asked for; drop --harness or change [harness].name.",
            )
        )
    named = harness_name(requested or settings.name or "pi")
    if not isinstance(named, Success):
        return Failure(named.failure())
    name = named.unwrap()
    override = HarnessTier()
    where = "[harness]"
    # Labels match as budget tiers do (`tier_key`): ignoring case and surrounding space.
    section = find_tier(tier, settings.tiers) if tier is not None else None
    if section is not None:
        override = settings.tiers[section]
        where = f'[harness.tiers."{section}"]'
    elif tier is not None and find_tier(tier, budget_tiers) is None:
        configured = ", ".join(sorted(set(settings.tiers) | budget_tiers)) or "none"
        return Failure(
            HarnessConfigError(
                code="harness-tier-missing",
                message=f"{tier!r} is neither a [harness.tiers] nor a [budget.tiers] label "
                f"(known: {configured}); fix the label or add a section for it.",
            )
        )
    resolved = ResolvedHarness(
        name=name,
        provider=override.provider if override.provider is not None else settings.provider,
        model=override.model if override.model is not None else settings.model,
        binary=override.binary or settings.binary or name,
        extra_args=override.extra_args if override.extra_args is not None else settings.extra_args,
        env_allow=override.env_allow if override.env_allow is not None else settings.env_allow,
        tier=tier,
    )
    problems = env_allow_problems(resolved.env_allow, where) + extra_args_problems(
        name, resolved.extra_args, where
    )
    if problems:
        return Failure(problems[0])
    return Success(resolved)
