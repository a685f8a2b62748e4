"""Hypothesis strategies for gate lines, generated from the uv option table."""

from __future__ import annotations

from hypothesis import strategies as st

from domain.gates import uv_options as table
from domain.gates.project import ProjectFacts

# A value uv accepts for each value-taking option (the differential test runs them for real).
_NAMES = ("dev", "lint", "docs", "DEV", "Dev_Tools")
VALUE_SAMPLES: dict[str, tuple[str, ...]] = {
    "--allow-insecure-host": ("localhost", "example.org:8080"),
    "--cache-dir": (".cache-uv",),
    "--color": ("auto", "never"),
    "--config-file": ("empty-uv.toml",),
    "--config-setting": ("key=value",),
    "--config-settings-package": ("ruff:key=value",),
    "--default-index": ("https://example.org/simple",),
    "--directory": (".", "sub"),
    "--env-file": ("missing.env",),
    "--exclude-newer": ("2024-01-01",),
    "--exclude-newer-package": ("ruff=2024-01-01",),
    "--extra": ("dev", "docs", "docs,dev", "DEV"),
    "--extra-index-url": ("https://example.org/simple",),
    "--find-links": ("./wheels",),
    "--fork-strategy": ("fewest", "requires-python"),
    "--group": _NAMES,
    "--index": ("https://example.org/simple",),
    "--index-strategy": ("first-index", "unsafe-best-match"),
    "--index-url": ("https://example.org/simple",),
    "--keyring-provider": ("disabled",),
    "--link-mode": ("copy", "hardlink"),
    "--max-recursion-depth": ("7", "+3"),
    "--no-binary-package": ("ruff",),
    "--no-build-isolation-package": ("ruff",),
    "--no-build-package": ("ruff",),
    "--no-editable-package": ("ruff",),
    "--no-extra": ("dev", "docs"),
    "--no-group": ("dev", "lint", "lint dev", "docs"),
    "--no-sources-package": ("ruff",),
    "--only-group": ("dev", "lint", "docs"),
    "--package": ("demo",),
    "--prerelease": ("allow", "if-necessary"),
    "--prerelease-package": ("ruff=allow",),
    "--preview-features": ("json-output",),
    "--project": (".", "sub", "./sub/.."),
    "--python": ("3.11", "python3"),
    "--python-fetch": ("manual",),
    "--python-platform": ("linux", "x86_64-manylinux_2_28"),
    "--python-preference": ("system", "managed"),
    "--refresh-package": ("ruff",),
    "--reinstall-package": ("ruff",),
    "--resolution": ("highest", "lowest-direct"),
    "--upgrade-group": ("lint",),
    "--upgrade-package": ("ruff", "ruff>=0.1"),
    "--with": ("pytest-xdist", "-e", "ruff,mypy"),
    "--with-editable": ("./lib",),
    "--with-requirements": ("missing.txt",),
}

# Options the generator leaves out: they print and exit instead of running the command.
_NOT_GENERATED = table.PRINT_AND_EXIT | {"-h"}

_LONG_SPELLINGS: dict[str, tuple[str, ...]] = {}
for _name in table.TAKES_VALUE | table.FLAGS:
    if _name.startswith("--") and _name not in _NOT_GENERATED:
        _LONG_SPELLINGS[_name] = (
            _name,
            *(a for a, n in table.ALIASES.items() if n == _name and a.startswith("--")),
        )
_SHORT_OF = {name: short for short, name in table.SHORT_OPTIONS.items() if short != "-h"}

PYTHON_PAYLOADS: tuple[tuple[str, ...], ...] = (
    ("pytest", "-q"),
    ("py.test",),
    ("ruff", "check", "."),
    ("mypy", "src"),
    ("python", "-m", "pytest", "-x"),
    ("python3", "-I", "-m", "ruff", "format", "--check"),
    ("python3.11", "-m", "mypy", "--locked"),
)
OTHER_PAYLOADS: tuple[tuple[str, ...], ...] = (
    ("python", "tools/check.py", "--locked"),
    ("./check.sh", "--frozen", "--", "x"),
    ("make", "lint"),
    ("-",),
    ("echo", "--no-dev", "-U"),
)
# Only after a `--`: a payload that would otherwise read as uv options.
DASHED_PAYLOADS: tuple[tuple[str, ...], ...] = (("--locked",), ("-U", "x"), ("--", "pytest"))


@st.composite
def option_tokens(draw: st.DrawFn, names: frozenset[str] | None = None) -> list[str]:
    """One option (any spelling: long, alias, `=`, short, attached short value) as tokens."""
    pool = sorted(_LONG_SPELLINGS if names is None else names & _LONG_SPELLINGS.keys())
    name = draw(st.sampled_from(pool))
    spelling = draw(st.sampled_from(_LONG_SPELLINGS[name]))
    short = _SHORT_OF.get(name)
    if short is not None and draw(st.booleans()):
        spelling = short
    if name not in table.TAKES_VALUE:
        return [spelling]
    value = draw(st.sampled_from(VALUE_SAMPLES[name]))
    joined = "=" if spelling.startswith("--") else draw(st.sampled_from(["", "="]))
    if value.startswith("-") or draw(st.booleans()):
        return [f"{spelling}{joined}{value}"]
    return [spelling, value]


@st.composite
def short_cluster(draw: st.DrawFn) -> list[str]:
    """A cluster of short flags, sometimes ending in a value-taking short (`-qU`, `-nqp3.11`)."""
    flags = draw(st.lists(st.sampled_from(sorted(table.SHORT_FLAGS - {"-h"})), max_size=3))
    letters = "".join(flag[1] for flag in flags)
    if draw(st.booleans()):
        short = draw(st.sampled_from(sorted(table.SHORT_TAKES_VALUE)))
        value = draw(st.sampled_from(VALUE_SAMPLES[table.SHORT_OPTIONS[short]]))
        return [f"-{letters}{short[1]}{value}"]
    return [f"-{letters}"] if letters else []


# Tokens uv refuses in an option segment: unknown options, prefixes, flags given values, values
# uv validates, a value that is missing or starts with '-' (each stands alone or before the rest).
BROKEN_TOKENS: tuple[tuple[str, ...], ...] = (
    ("--lock",),
    ("--bogus",),
    ("-x",),
    ("-m=x",),
    ("-q-w",),
    ("---locked",),
    ("--=x",),
    ("--locked=true",),
    ("--no-dev=",),
    ("--color", "ALWAYS"),
    ("--group", "a,b"),
    ("--group=",),
    ("--no-group", "dev  lint"),
    ("--extra", "docs,,dev"),
    ("--max-recursion-depth=-1",),
    ("--with", "-e"),
    ("-p", "-x"),
    ("--python",),
    ("-w",),
    ("--version",),
)


@st.composite
def broken_tokens(draw: st.DrawFn) -> list[str]:
    """Tokens that make uv refuse the line (when they end up in the option segment)."""
    return list(draw(st.sampled_from(BROKEN_TOKENS)))


# Options that bear on the gate rules, drawn more often than the rest of the table.
RELEVANT = frozenset(
    {
        "--locked",
        "--frozen",
        "--no-sync",
        "--group",
        "--no-group",
        "--only-group",
        "--dev",
        "--no-dev",
        "--only-dev",
        "--all-groups",
        "--extra",
        "--no-extra",
        "--all-extras",
        "--no-project",
        "--module",
        "--upgrade",
        "--no-locked",
        "--directory",
        "--project",
    }
)


@st.composite
def uv_lines(draw: st.DrawFn, *, quiet: bool = True, broken: bool = True) -> list[str]:
    """A `uv [GLOBAL...] run [OPTIONS...] [--] COMMAND...` line built from the option table."""
    globals_ = frozenset(table.GLOBAL_OPTIONS) - _NOT_GENERATED
    if not quiet:
        globals_ -= {"--quiet"}
    top = draw(st.lists(option_tokens(globals_), max_size=2))
    relevant = option_tokens(RELEVANT)
    everything = option_tokens()
    kinds = [relevant, everything, short_cluster()] if quiet else [relevant, everything]
    if broken and draw(st.integers(0, 7)) == 0:
        kinds.append(broken_tokens())
    pieces = draw(st.lists(st.one_of(*kinds), max_size=5))
    tokens = ["uv", *(t for piece in top for t in piece), "run"]
    tokens += [t for piece in pieces for t in piece]
    separator = draw(st.booleans())
    payloads = PYTHON_PAYLOADS + OTHER_PAYLOADS + (DASHED_PAYLOADS if separator else ())
    payload = draw(st.sampled_from(payloads))
    if separator:
        tokens.append("--")
    return [*tokens, *payload]


def bare_lines() -> st.SearchStrategy[list[str]]:
    """A gate line without uv: a Python gate or another command."""
    return st.sampled_from([*PYTHON_PAYLOADS, *OTHER_PAYLOADS]).map(list)


def gate_lines() -> st.SearchStrategy[list[str]]:
    """Any gate line: uv lines mostly, bare lines and arbitrary token lists sometimes."""
    junk = st.lists(st.sampled_from(["uv", "run", "--", "-", "-q", "--locked", "pytest", "="]))
    return st.one_of(uv_lines(), uv_lines(), bare_lines(), junk, st.lists(st.text(max_size=8)))


@st.composite
def project_facts(draw: st.DrawFn) -> ProjectFacts:
    """Facts of a target project: with or without pyproject, lockfile, dev group, dev extra."""
    has_pyproject = draw(st.booleans())
    return ProjectFacts(
        has_pyproject=has_pyproject,
        has_lockfile=draw(st.booleans()),
        dev_group=has_pyproject and draw(st.booleans()),
        dev_extra=has_pyproject and draw(st.booleans()),
    )
