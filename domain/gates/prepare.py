"""Gate preparation: turn a declared gate argv into the argv that runs in the locked environment.

A Python gate (pytest, ruff, mypy, or `python -m` one of them) in a uv project runs through
`uv run --locked` with the group or extra that provides its tool selected explicitly
(`domain.gates.providers`); an explicit `uv run` gate gets a lock guard in its option segment;
whatever uv would refuse, or whatever could write `uv.lock` or drop that group, is refused with a
stable code. The payload after uv's options is never touched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import msgspec
from returns.result import Failure, Result, Success

from domain.gates.project import ProjectFacts
from domain.gates.providers import (
    GATE_DISTRIBUTIONS,
    Provider,
    already_selected,
    choose_provider,
    exclusion,
    selection_flag,
)
from domain.gates.uv_grammar import UvOption, UvRun, UvSyntaxError, parse_uv_line, uv_prefix_length

PYTHON_GATE_TOOLS = frozenset({"pytest", "py.test", "ruff", "mypy"})
PYTHON_GATE_MODULES = frozenset({"pytest", "ruff", "mypy"})
LOCK_GUARDS = frozenset({"--locked", "--frozen", "--no-sync"})
# Options that let uv move pins or cancel a guard: fail closed wherever they stand.
GUARD_DEFEATERS = frozenset(
    {"--upgrade", "--upgrade-package", "--upgrade-group", "--no-locked", "--no-frozen"}
)
# Python's own no-argument flags, which may precede `-m` (`python -I -m pytest`, `-Im`).
_PYTHON_FLAGS = frozenset("bBdEhiIOPqRsSuvVx")
_PYTHON = re.compile(r"python(?:3(?:\.[0-9]+)?)?\Z")

# Every code `prepare_gate` may refuse with: a public contract, never renamed silently.
REJECTION_CODES = frozenset(
    {
        "empty-command",
        "uv-missing-command",
        "uv-unknown-option",
        "uv-missing-value",
        "uv-unexpected-value",
        "uv-invalid-value",
        "uv-repeated-option",
        "uv-conflicting-options",
        "uv-not-run",
        "lock-flags-conflict",
        "lock-guard-defeated",
        "lockfile-missing",
        "dev-dependencies-excluded",
        "project-outside-repo",
        "project-facts-unavailable",
    }
)

FactsLookup = Callable[[str], ProjectFacts | None]


class Rewrite(msgspec.Struct, frozen=True, kw_only=True):
    """One change made to the declared argv, and why."""

    rule: str
    detail: str


class PreparedGate(msgspec.Struct, frozen=True, kw_only=True):
    """The gate as declared, as it will be executed, and the rewrites between the two."""

    declared: tuple[str, ...]
    executed: tuple[str, ...]
    rewrites: tuple[Rewrite, ...]


class GateRejected(msgspec.Struct, frozen=True, kw_only=True, tag="gate-rejected"):
    """The gate is refused (fail closed); `code` is stable, `message` says what to do."""

    code: str
    message: str


def _python_gate_module(args: Sequence[str]) -> str | None:
    """The gate module python's arguments `args` run (`-m pytest|ruff|mypy`, after its flags)."""
    i = 0
    count = len(args)
    while i < count:
        token = args[i]
        if len(token) < 2 or token[0] != "-" or token[1] == "-":
            return None
        for j in range(1, len(token)):
            letter = token[j]
            if letter == "m":
                module = token[j + 1 :] or (args[i + 1] if i + 1 < count else "")
                return module if module in PYTHON_GATE_MODULES else None
            if letter in ("X", "W"):
                if j + 1 == len(token):
                    i += 1
                break
            if letter not in _PYTHON_FLAGS:
                return None
        i += 1
    return None


def gate_distribution(payload: Sequence[str], *, module: bool) -> str | None:
    """The distribution (pytest, ruff, mypy) a gate's payload runs; None for any other program.

    >>> gate_distribution(["py.test", "-q"], module=False), gate_distribution(["ruff"], module=True)
    ('pytest', 'ruff')
    """
    if not payload:
        return None
    command = payload[0]
    if module:
        return command if command in PYTHON_GATE_MODULES else None
    if command in PYTHON_GATE_TOOLS:
        return GATE_DISTRIBUTIONS[command]
    if _PYTHON.match(command) is None:
        return None
    return _python_gate_module(payload[1:])


def _is_python_payload(payload: Sequence[str], *, module: bool) -> bool:
    return gate_distribution(payload, module=module) is not None


def is_python_gate(argv: Sequence[str]) -> bool:
    """True when the argv (bare, or the payload of a valid `uv run`) is a Python gate.

    >>> is_python_gate(["python3.12", "-m", "pytest"]), is_python_gate(["uv", "run", "-m", "ruff"])
    (True, True)
    >>> is_python_gate(["uv", "run", "python", "tools/check.py"])
    False
    """
    if uv_prefix_length(argv):
        run = parse_uv_line(argv)
        if isinstance(run, Failure):
            return False
        return _is_python_payload(run.payload, module="--module" in run.names)
    return _is_python_payload(argv, module=False)


def _value(run: UvRun, name: str) -> str | None:
    for options in (run.options, run.top):
        for option in options:
            if option.name == name:
                return option.value
    return None


def _reject(code: str, message: str) -> Failure[GateRejected]:
    return Failure(GateRejected(code=code, message=message))


def _normalise_dir(path: str) -> str | None:
    """The relative directory `path` names, "" for the gate's own cwd, None when outside it."""
    if path.startswith("/"):
        return None
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


def _project_dir(run: UvRun) -> str | None:
    if "--directory" not in run.names and "--project" not in run.names:
        return ""
    directory = _value(run, "--directory") or ""
    project = _value(run, "--project")
    if directory.startswith("/"):
        return None
    if project is None:
        return _normalise_dir(directory)
    if project.startswith("/"):
        return None
    return _normalise_dir(f"{directory}/{project}" if directory else project)


def gate_project_dir(argv: Sequence[str]) -> str | None:
    """The directory (relative, normalised) whose facts a `--directory`/`--project` gate needs.

    None when the gate's own cwd is the project, the line is not a valid `uv run`, or the path
    leaves the cwd (`prepare_gate` refuses those).

    >>> gate_project_dir(["uv", "--directory", "svc/api", "run", "--project", "../web", "pytest"])
    'svc/web'
    >>> gate_project_dir(["uv", "run", "--project", ".", "pytest"]) is None
    True
    """
    if not uv_prefix_length(argv):
        return None
    run = parse_uv_line(argv)
    if isinstance(run, Failure):
        return None
    return _project_dir(run) or None


def _syntax_rejection(error: UvSyntaxError) -> Failure[GateRejected]:
    involved = frozenset(error.options)
    if error.code in ("uv-repeated-option", "uv-conflicting-options") and involved <= {
        "--locked",
        "--frozen",
    }:
        return _reject(
            "lock-flags-conflict",
            f"{error.message} Give exactly one of --locked or --frozen, once.",
        )
    if "--upgrade" in involved:
        return _reject(
            "lock-guard-defeated",
            f"{error.message} --upgrade/-U lets uv rewrite uv.lock; remove it from the gate.",
        )
    return _reject(error.code, error.message)


def _wrap_bare(argv: tuple[str, ...], facts: ProjectFacts, distribution: str) -> PreparedGate:
    inserted, rewrites = _provider_selection(facts, choose_provider(facts, distribution), ())
    return PreparedGate(
        declared=argv,
        executed=("uv", "run", "--locked", *inserted, *argv),
        rewrites=(
            Rewrite(
                rule="uv-run-wrap",
                detail=f"{argv[0]} is a Python gate in a uv project: run it with `uv run` so "
                "it uses the project's locked environment.",
            ),
            _LOCK_REWRITE,
            *rewrites,
        ),
    )


_LOCK_REWRITE = Rewrite(
    rule="lock-guard",
    detail="inserted --locked after `run`: without a guard uv may rewrite uv.lock; --locked "
    "fails instead when the lock is stale.",
)


def _provider_selection(
    facts: ProjectFacts, provider: Provider | None, options: tuple[UvOption, ...]
) -> tuple[tuple[str, ...], tuple[Rewrite, ...]]:
    """Options to insert so the provider is selected (the caller has ruled out exclusions)."""
    if provider is None or already_selected(facts, provider, options):
        return (), ()
    flag, name = selection_flag(provider, options)
    prefix = "dev" if provider.is_dev else "tool"
    if flag == "--only-group":
        rule = f"{prefix}-only-group"
        why = "the line already uses --only-group, and uv rejects --group together with it"
    else:
        rule = f"{prefix}-{provider.kind}"
        why = f"the gate's tools live in the project's {name} {provider.kind}"
    return (flag, name), (
        Rewrite(rule=rule, detail=f"added {flag} {name}: {why} ({provider.reason})."),
    )


def _exclusion_message(provider: Provider, excluded_by: str) -> str:
    if provider.is_dev:
        return (
            f"{excluded_by} keeps the project's dev {provider.kind} out of this Python gate, "
            f"which needs it; remove that option so the gate runs with the dev {provider.kind}."
        )
    return (
        f"{excluded_by} keeps the project's {provider.kind} {provider.name!r} out of this "
        f"Python gate, which needs it for {provider.distribution} ({provider.reason}); remove "
        f"that option so the gate runs with the {provider.name} {provider.kind}."
    )


def _prepare_uv(
    argv: tuple[str, ...], facts: ProjectFacts, facts_for: FactsLookup | None
) -> Result[PreparedGate, GateRejected]:
    run = parse_uv_line(argv)
    if isinstance(run, Failure):
        return _syntax_rejection(run.failure())
    names = run.names
    if "--show-settings" in names:
        return _reject(
            "uv-not-run",
            "--show-settings makes uv print its settings and exit without running the "
            "command; remove it.",
        )
    if not run.given.isdisjoint(GUARD_DEFEATERS):
        defeaters = sorted(run.given & GUARD_DEFEATERS)
        return _reject(
            "lock-guard-defeated",
            f"{', '.join(defeaters)} in the gate's uv options lets uv move pins or cancels the "
            "lock guard; remove it so the gate runs against uv.lock as committed.",
        )
    target = _project_dir(run)
    if target is None:
        return _reject(
            "project-outside-repo",
            "--directory/--project points outside the gate's working directory; gates run "
            "only inside the repository, so use a relative path within it.",
        )
    if target:
        found = facts_for(target) if facts_for is not None else None
        if found is None:
            return _reject(
                "project-facts-unavailable",
                f"the gate runs in project directory {target!r} (--directory/--project) but "
                "its facts were not supplied; check that the directory exists in the "
                "repository.",
            )
        facts = found
    options = run.options
    if facts.has_pyproject and not facts.has_lockfile and "--no-project" not in names:
        where = f"{target}/" if target else ""
        return _reject(
            "lockfile-missing",
            f"{where}pyproject.toml has no uv.lock beside it: `uv run --locked` would fail and "
            "any other run would write one; commit a uv.lock (run `uv lock`) first.",
        )
    inserted: tuple[str, ...] = ()
    rewrites: tuple[Rewrite, ...] = ()
    if names.isdisjoint(LOCK_GUARDS):
        inserted = ("--locked",)
        rewrites = (_LOCK_REWRITE,)
    distribution = gate_distribution(run.payload, module="--module" in names)
    if distribution is not None:
        provider = choose_provider(facts, distribution)
        excluded_by = None if provider is None else exclusion(provider, options)
        if provider is not None and excluded_by is not None:
            return _reject("dev-dependencies-excluded", _exclusion_message(provider, excluded_by))
        chosen_options, chosen_rewrites = _provider_selection(facts, provider, options)
        inserted += chosen_options
        rewrites += chosen_rewrites
    if not inserted:
        return Success(PreparedGate(declared=argv, executed=argv, rewrites=()))
    cut = run.run_index + 1
    return Success(
        PreparedGate(
            declared=argv,
            executed=(*argv[:cut], *inserted, *argv[cut:]),
            rewrites=rewrites,
        )
    )


def prepare_gate(
    argv: Sequence[str], facts: ProjectFacts, *, facts_for: FactsLookup | None = None
) -> Result[PreparedGate, GateRejected]:
    """Prepare one gate for the project `facts` describe; `facts_for(dir)` serves `--directory`.

    >>> facts = ProjectFacts(has_pyproject=True, has_lockfile=True, dev_group=True)
    >>> prepare_gate(["ruff", "check", "."], facts).unwrap().executed
    ('uv', 'run', '--locked', '--group', 'dev', 'ruff', 'check', '.')
    >>> prepare_gate(["uv", "run", "--no-dev", "pytest"], facts).failure().code
    'dev-dependencies-excluded'
    """
    declared = tuple(argv)
    if not declared:
        return _reject("empty-command", "the gate has no command; give the argv to run.")
    if uv_prefix_length(declared):
        return _prepare_uv(declared, facts, facts_for)
    distribution = gate_distribution(declared, module=False)
    if facts.is_uv_project and distribution is not None:
        return Success(_wrap_bare(declared, facts, distribution))
    return Success(PreparedGate(declared=declared, executed=declared, rewrites=()))
