"""The `[policy]` section and `evaluate_policy`: may these changes and gates be published?

Every decision of change inspection lives here; adapters only report what changed. Violation codes
are public contract (CLI JSON, library API): `path-not-allowed`, `path-denied`, `path-protected`,
`path-unsafe`, `symlink-escapes`, `submodule-change`, `too-many-files`, `file-too-large`,
`too-many-lines`, `secret-detected`, `secret-in-history`, `secret-scan-incomplete`,
`lockfile-without-manifest-change`, `gate-not-allowed`, `gate-side-effect`, `gate-failed`,
`unverified-path`.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Sequence
from typing import Annotated

import msgspec
from returns.result import Failure, Result, Success

from domain.changes.change_set import (
    MODE_GITLINK,
    FileChange,
    History,
    ManifestPair,
    RelinkedSymlink,
)
from domain.policy.gate_rules import BUILTIN_GATE, GateArgv, GateEvidence, gate_violations
from domain.policy.manifest import dependencies_changed
from domain.policy.paths import first_match, symlink_escape_reason, unsafe_reason
from domain.policy.secret_rules import history_violations, secret_violations, truncated_scan
from domain.policy.secrets import KnownSecret, check_patterns, compile_scanner, redact
from domain.policy.violations import Violation

__all__ = [
    "BUILTIN_GATE",
    "GateArgv",
    "GateEvidence",
    "PolicyConfig",
    "PolicyConfigError",
    "PolicyOverride",
    "PolicyRules",
    "PolicyVerdict",
    "Violation",
    "evaluate_policy",
    "policy_names",
    "rules_for_repo",
    "validate_policy",
]

NonNegative = Annotated[int, msgspec.Meta(ge=0)]
Patterns = tuple[str, ...]

DEFAULT_ALLOWED_PATHS: Patterns = ("docs/",)
DEFAULT_DENIED_PATHS: Patterns = (".github/workflows/**", "**/.env*", "**/*.pem", "**/id_rsa*")
DEFAULT_PROTECTED_PATHS: Patterns = (
    ".github/**",
    "pyproject.toml",
    "uv.lock",
    "conftest.py",
    "**/conftest.py",
    "pytest.ini",
    "ruff.toml",
    "mypy.ini",
    "setup.cfg",
    "tox.ini",
)
DEFAULT_ALLOWED_GATES: Patterns = ("uv", "pytest", "py.test", "ruff", "mypy", "python", "python3")


class PolicyRules(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The rules for one repository (the `[policy]` keys after per-repo overrides)."""

    allowed_paths: Patterns = DEFAULT_ALLOWED_PATHS
    denied_paths: Patterns = DEFAULT_DENIED_PATHS
    protected_paths: Patterns = DEFAULT_PROTECTED_PATHS
    max_files: NonNegative = 50
    max_file_bytes: NonNegative = 1048576
    max_added_lines: NonNegative = 5000
    secret_patterns: Patterns = ()
    allowed_gates: Patterns = DEFAULT_ALLOWED_GATES
    require_gate_coverage: bool = False
    # True lets change collection skip reading tracked files whose index stat data is unchanged
    # (faster on big trees), trusting `.git/index`, which the agent can forge.
    trust_index_stat: bool = False


class PolicyOverride(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """`[policy.repos.NAME]`: any key given replaces the `[policy]` value for that repository."""

    allowed_paths: Patterns | msgspec.UnsetType = msgspec.UNSET
    denied_paths: Patterns | msgspec.UnsetType = msgspec.UNSET
    protected_paths: Patterns | msgspec.UnsetType = msgspec.UNSET
    max_files: NonNegative | msgspec.UnsetType = msgspec.UNSET
    max_file_bytes: NonNegative | msgspec.UnsetType = msgspec.UNSET
    max_added_lines: NonNegative | msgspec.UnsetType = msgspec.UNSET
    secret_patterns: Patterns | msgspec.UnsetType = msgspec.UNSET
    allowed_gates: Patterns | msgspec.UnsetType = msgspec.UNSET
    require_gate_coverage: bool | msgspec.UnsetType = msgspec.UNSET
    trust_index_stat: bool | msgspec.UnsetType = msgspec.UNSET


class PolicyConfig(PolicyRules, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The whole `[policy]` section: default rules plus overrides keyed by repository name."""

    repos: dict[str, PolicyOverride] = {}


class PolicyConfigError(msgspec.Struct, frozen=True, kw_only=True, tag="policy-config-error"):
    """The policy section decodes but cannot be used (e.g. a secret pattern does not compile)."""

    code: str
    message: str


class PolicyVerdict(msgspec.Struct, frozen=True, kw_only=True):
    """The decision: allowed only when there is no violation; notices never block."""

    allowed: bool
    violations: tuple[Violation, ...] = ()
    notices: tuple[str, ...] = ()


def policy_names(given: str | None, directory: str) -> tuple[str, ...]:
    """The names a repository's `[policy.repos.NAME]` table is looked up by, in order: the
    `owner/name` its caller gave (never read from the repository), then its directory name.

    >>> policy_names("acme/api", "checkout-1"), policy_names(None, "api")
    (('acme/api', 'checkout-1'), ('api',))
    """
    return tuple(dict.fromkeys(name for name in (given, directory) if name))


def rules_for_repo(policy: PolicyConfig, names: Iterable[str]) -> PolicyRules:
    """The rules for a repository known by `names` (see `policy_names`): the first name with a
    `[policy.repos]` table wins, and that table alone overrides `[policy]` (tables never merge).

    >>> policy = PolicyConfig(repos={"acme/api": PolicyOverride(max_files=3)})
    >>> rules_for_repo(policy, policy_names("acme/api", "api")).max_files
    3
    >>> rules_for_repo(policy, policy_names("other/x", "x")).max_files
    50
    """
    base = PolicyRules(**{f: getattr(policy, f) for f in PolicyRules.__struct_fields__})
    for name in names:
        override = policy.repos.get(name)
        if override is not None:
            given = {
                f: getattr(override, f)
                for f in PolicyOverride.__struct_fields__
                if getattr(override, f) is not msgspec.UNSET
            }
            return msgspec.structs.replace(base, **given)
    return base


def validate_policy(policy: PolicyConfig) -> Result[PolicyConfig, PolicyConfigError]:
    """Check what decoding cannot: every configured secret pattern compiles, in every override.

    >>> validate_policy(PolicyConfig(secret_patterns=("[",))).failure().code
    'config-invalid'
    """
    overrides = [
        o.secret_patterns for o in policy.repos.values() if o.secret_patterns is not msgspec.UNSET
    ]
    for patterns in [policy.secret_patterns, *overrides]:
        error = check_patterns(patterns)
        if error is not None:
            return Failure(PolicyConfigError(code=error.code, message=error.message))
    return Success(policy)


def _path_violations(change: FileChange, rules: PolicyRules) -> list[Violation]:
    found: list[Violation] = []
    paths = [change.path] + ([change.old_path] if change.old_path is not None else [])
    for path in paths:
        reason = unsafe_reason(path)
        if reason is not None:
            found.append(Violation(code="path-unsafe", path=path, detail=f"the path {reason}"))
            continue
        denied = first_match(path, rules.denied_paths, ignore_case=True)
        if denied is not None:
            found.append(
                Violation(code="path-denied", path=path, detail=f"matches denied {denied!r}")
            )
            continue
        protected = first_match(path, rules.protected_paths, ignore_case=True)
        if protected is not None:
            found.append(
                Violation(
                    code="path-protected",
                    path=path,
                    detail=f"matches protected {protected!r}: a human must make this change",
                )
            )
        elif first_match(path, rules.allowed_paths) is None:
            found.append(
                Violation(
                    code="path-not-allowed",
                    path=path,
                    detail="outside allowed_paths " + ", ".join(map(repr, rules.allowed_paths)),
                )
            )
    if not change.path_is_utf8:
        found.append(
            Violation(
                code="path-unsafe",
                path=change.path,
                detail="the file name is not valid UTF-8 and cannot be reviewed as shown",
            )
        )
    return found


def _content_violations(change: FileChange, rules: PolicyRules) -> list[Violation]:
    found: list[Violation] = []
    if change.symlink_target is not None:
        reason = symlink_escape_reason(change.path, change.symlink_target, change.link)
        if reason is not None:
            found.append(Violation(code="symlink-escapes", path=change.path, detail=reason))
    if MODE_GITLINK in (change.old_mode, change.new_mode):
        found.append(
            Violation(
                code="submodule-change",
                path=change.path,
                detail=f"submodule {change.kind}: its commit, or the files in its folder, "
                "differ from the base; the loop never changes submodules on its own",
            )
        )
    if change.kind != "deleted" and change.size > rules.max_file_bytes:
        found.append(
            Violation(
                code="file-too-large",
                path=change.path,
                detail=f"{change.size} bytes > max_file_bytes {rules.max_file_bytes}",
            )
        )
    return found


def _relinked_violations(relinked: Sequence[RelinkedSymlink]) -> list[Violation]:
    found: list[Violation] = []
    for link in relinked:
        reason = symlink_escape_reason(link.path, link.target, link.link)
        if reason is not None:
            found.append(
                Violation(
                    code="symlink-escapes",
                    path=link.path,
                    detail=f"{reason}: this symlink did not change, but its way now leads "
                    f"through the changed {link.through!r}",
                )
            )
    return found


def _lockfile_violations(
    changes: Sequence[FileChange], manifests: Sequence[ManifestPair]
) -> list[Violation]:
    found: list[Violation] = []
    by_path = {m.path: m for m in manifests}
    # Deleting a lockfile changes it too, and so does renaming it away (its old path is gone).
    locks = [
        path
        for change in changes
        for path in (change.path, change.old_path)
        if path is not None and posixpath.basename(path) == "uv.lock"
    ]
    for lock in dict.fromkeys(locks):
        manifest_path = posixpath.join(posixpath.dirname(lock), "pyproject.toml")
        pair = by_path.get(manifest_path)
        changed = dependencies_changed(pair) if pair is not None else False
        if changed is None:
            detail = f"{manifest_path} is not valid TOML, so its dependency change is unknown"
        elif changed:
            continue
        else:
            detail = (
                f"{lock} changed but the dependency tables of {manifest_path} did not "
                "([project].dependencies, [project.optional-dependencies], [dependency-groups])"
            )
        found.append(Violation(code="lockfile-without-manifest-change", path=lock, detail=detail))
    return found


def evaluate_policy(
    changes: Sequence[FileChange],
    gates: GateEvidence,
    rules: PolicyRules,
    manifests: Sequence[ManifestPair] = (),
    *,
    known_secrets: Sequence[KnownSecret] = (),
    history: History | None = None,
    relinked: Sequence[RelinkedSymlink] = (),
) -> PolicyVerdict:
    """Judge one repository's changes and gates against its rules; the verdict lists every reason.

    `known_secrets` are values (of the harness's and the caller's credential variables) that
    must not appear in added text; a finding names the variable, never the value. `history`
    is what the commits between the base and HEAD added, scanned the same way; `relinked` are
    unchanged symlinks whose way the change re-routed, judged like changed ones.

    >>> change = FileChange(path=".github/workflows/ci.yml", kind="modified", size=10)
    >>> [v.code for v in evaluate_policy([change], GateEvidence(), PolicyRules()).violations]
    ['path-denied']
    """
    ordered = sorted(changes, key=lambda c: (c.path, c.old_path or ""))
    violations: list[Violation] = []
    notices: list[str] = []
    scanner = compile_scanner(rules.secret_patterns, known_secrets)
    for change in ordered:
        violations += _path_violations(change, rules)
        violations += _content_violations(change, rules)
        violations += secret_violations(change, scanner)
        if change.content_truncated:
            violations.append(truncated_scan(change.path, ""))
    violations += _relinked_violations(sorted(relinked, key=lambda link: link.path))
    if history is not None:
        violations += history_violations(history, scanner)
    if len(ordered) > rules.max_files:
        violations.append(
            Violation(
                code="too-many-files",
                path=None,
                detail=f"{len(ordered)} files changed > max_files {rules.max_files}",
            )
        )
    added_total = sum(c.added_line_count for c in ordered)
    if added_total > rules.max_added_lines:
        violations.append(
            Violation(
                code="too-many-lines",
                path=None,
                detail=f"{added_total} lines added > max_added_lines {rules.max_added_lines}",
            )
        )
    violations += _lockfile_violations(ordered, manifests)
    violations += gate_violations(
        gates, rules.allowed_gates, require_coverage=rules.require_gate_coverage
    )
    if not rules.require_gate_coverage and gates.unverified:
        notices.append(f"{len(gates.unverified)} changed path(s) no gate covers")
    if not ordered:
        notices.append("nothing changed relative to the base")
    # A secret in a path would otherwise be echoed by every finding about that file (and gate
    # output in a detail may hold one): each is shown with its secret parts masked.
    shown = [
        Violation(
            code=v.code,
            path=None if v.path is None else redact(scanner, v.path),
            detail=redact(scanner, v.detail),
        )
        for v in violations
    ]
    unique = tuple(dict.fromkeys(shown))
    return PolicyVerdict(
        allowed=not unique, violations=unique, notices=tuple(dict.fromkeys(notices))
    )
