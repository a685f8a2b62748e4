"""A total parser of `uv [GLOBAL...] run [OPTIONS...] [--] COMMAND...` as uv 0.13.9 reads it.

It follows clap's rules as uv configures them (checked against the real binary): long options
with `=VALUE` or a separate value that may not start with `-` (a lone `-` is a value), short
clusters that end at the first value-taking short (`-mpytest` is `-m -p ytest`), no prefix
matching, the first bare `--` ends the options, and overrides (`--no-dev` after `--dev`) remove
the earlier option before repeats (an error) and conflicts (checked once the level is parsed)
are judged. Options before `run` and after it are separate levels: uv checks repeats and
conflicts within a level only, and the `run` level's value wins for a global option.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

import msgspec
from returns.result import Failure, Result, Success

from domain.gates import uv_options as table

Repeat = Literal["append", "count", "once"]

# Codes of lines that real uv itself refuses (exit 2, nothing run).
UV_INVALID_CODES = frozenset(
    {
        "uv-unknown-option",
        "uv-missing-value",
        "uv-unexpected-value",
        "uv-invalid-value",
        "uv-repeated-option",
        "uv-conflicting-options",
    }
)

_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?\Z")
_UINT = re.compile(r"\+?[0-9]+\Z")
VERSION_SPELLINGS = frozenset({"--version"})
_PYTHON = re.compile(r"python(?:3(?:\.[0-9]+)?)?\Z")


class OptionSpec(msgspec.Struct, frozen=True, kw_only=True):
    """How uv treats one canonical option."""

    name: str
    takes_value: bool
    repeat: Repeat
    is_global: bool
    conflicts: frozenset[str]
    overrides: frozenset[str]


class UvOption(msgspec.Struct, frozen=True, kw_only=True):
    """One option as uv parsed it: canonical long name, its value, and the token it starts at."""

    name: str
    value: str | None
    index: int


class UvRun(msgspec.Struct, frozen=True, kw_only=True):
    """A parsed `uv run` line; `argv[payload_index:]` is the command uv runs, untouched."""

    argv: tuple[str, ...]
    run_index: int
    payload_index: int
    # Index of the bare `--` that ended the options, if one did.
    separator_index: int | None
    # Options in effect (after overrides), in command-line order: before `run`, then after it.
    top: tuple[UvOption, ...]
    options: tuple[UvOption, ...]
    # Canonical names of the options in effect on either level.
    names: frozenset[str]
    # Canonical names of every option given after `run`, overridden ones included.
    given: frozenset[str]

    @property
    def payload(self) -> tuple[str, ...]:
        """The command and its arguments, exactly as declared."""
        return self.argv[self.payload_index :]

    @property
    def segment(self) -> tuple[str, ...]:
        """The tokens from `run` up to the payload, `--` included."""
        return self.argv[self.run_index + 1 : self.payload_index]


class UvSyntaxError(msgspec.Struct, frozen=True, kw_only=True, tag="uv-syntax-error"):
    """uv would refuse the line, or the line is not a `uv run` of a command."""

    code: str
    message: str
    # Canonical names of the options involved, for callers that map codes (lock flags).
    options: tuple[str, ...] = ()


def _build_specs() -> dict[str, OptionSpec]:
    longs = sorted(o for o in table.TAKES_VALUE | table.FLAGS if o.startswith("--"))
    conflicts: dict[str, set[str]] = {name: set() for name in longs}
    for first, second in table.CONFLICTS:
        conflicts[first].add(second)
        conflicts[second].add(first)
    overrides: dict[str, set[str]] = {name: set() for name in longs}
    for group in table.LAST_ONE_WINS:
        for member in group:
            overrides[member].update(other for other in group if other != member)
    specs = {}
    for name in longs:
        repeat: Repeat = (
            "count"
            if name in table.COUNT_FLAGS
            else "append"
            if name in table.REPEATABLE
            else "once"
        )
        specs[name] = OptionSpec(
            name=name,
            takes_value=name in table.TAKES_VALUE,
            repeat=repeat,
            is_global=name in table.GLOBAL_OPTIONS,
            conflicts=frozenset(conflicts[name]),
            overrides=frozenset(overrides[name]),
        )
    return specs


SPECS: dict[str, OptionSpec] = _build_specs()
# Every long spelling (aliases included) -> spec; every short letter -> spec.
_LONG: dict[str, OptionSpec] = {
    **SPECS,
    **{alias: SPECS[name] for alias, name in table.ALIASES.items() if alias.startswith("--")},
}
_SHORT: dict[str, OptionSpec] = {
    short[1]: SPECS[name] for short, name in table.SHORT_OPTIONS.items()
}


def uv_prefix_length(argv: Sequence[str]) -> int:
    """How many leading tokens invoke uv (`uv`, a path ending in `/uv`, `python -m uv`), or 0.

    >>> uv_prefix_length(["uv", "run", "pytest"]), uv_prefix_length(["python3", "-m", "uv"])
    (1, 3)
    >>> uv_prefix_length(["pytest"])
    0
    """
    if not argv:
        return 0
    first = argv[0]
    if first == "uv" or first.endswith("/uv"):
        return 1
    if len(argv) >= 3 and argv[1] == "-m" and argv[2] == "uv" and _PYTHON.match(first):
        return 3
    return 0


def _err(code: str, message: str, *options: str) -> Failure[UvSyntaxError]:
    return Failure(UvSyntaxError(code=code, message=message, options=options))


def _check_value(spec: OptionSpec, value: str) -> Failure[UvSyntaxError] | None:
    name = spec.name
    choices = table.ENUM_VALUES.get(name)
    if choices is not None and value not in choices:
        return _err(
            "uv-invalid-value",
            f"uv rejects {value!r} for {name}; use one of: {', '.join(sorted(choices))}.",
            name,
        )
    if name in table.NAME_VALUED:
        delimiter = table.VALUE_DELIMITERS.get(name)
        parts = value.split(delimiter) if delimiter is not None else (value,)
        for part in parts:
            if not _NAME.match(part):
                return _err(
                    "uv-invalid-value",
                    f"uv rejects {part!r} in {name} {value!r}: a name starts and ends with a "
                    "letter or digit and has only letters, digits, '-', '_' and '.'.",
                    name,
                )
    if name in table.UINT_VALUED and not (_UINT.match(value) and int(value) < 2**32):
        return _err(
            "uv-invalid-value", f"uv rejects {value!r} for {name}; give a whole number.", name
        )
    return None


class _Level:
    """The options of one clap level (before `run`, or after it) while they are parsed."""

    __slots__ = ("is_top", "ordered", "overridden", "present")

    def __init__(self, *, is_top: bool) -> None:
        self.is_top = is_top
        self.present: dict[str, list[UvOption]] = {}
        # Every option in command-line order, overridden ones included.
        self.ordered: list[UvOption] = []
        self.overridden = False

    def add(self, spec: OptionSpec, value: str | None, index: int) -> Failure[UvSyntaxError] | None:
        name = spec.name
        if self.is_top and not spec.is_global:
            return _err(
                "uv-unknown-option",
                f"{name} is a `uv run` option, not a global one; put it after `run`.",
                name,
            )
        if name == "--help":
            return _err(
                "uv-not-run",
                "uv prints its help and exits without running anything; remove -h/--help.",
                name,
            )
        if value is not None and name in _VALIDATED:
            invalid = _check_value(spec, value)
            if invalid is not None:
                return invalid
        present = self.present
        for other in spec.overrides:
            if present.pop(other, None) is not None:
                self.overridden = True
        option = UvOption(name=name, value=value, index=index)
        self.ordered.append(option)
        seen = present.get(name)
        if seen is None:
            present[name] = [option]
            return None
        if spec.repeat == "once":
            return _err("uv-repeated-option", f"uv rejects {name} given twice; keep one.", name)
        seen.append(option)
        return None

    def finish(self) -> tuple[UvOption, ...] | Failure[UvSyntaxError]:
        present = self.present
        for name in present:
            conflicts = _CONFLICTS.get(name)
            if conflicts is None:
                continue
            for other in conflicts:
                if other in present:
                    return _err(
                        "uv-conflicting-options",
                        f"uv rejects {name} together with {other}; keep one of them.",
                        *sorted((name, other)),
                    )
        if not self.overridden:
            return tuple(self.ordered)
        kept = {id(o) for options in present.values() for o in options}
        return tuple(o for o in self.ordered if id(o) in kept)


_VALIDATED = frozenset(table.ENUM_VALUES) | table.NAME_VALUED | table.UINT_VALUED
# Sorted, so the option a refusal names does not depend on string hashing (PYTHONHASHSEED).
_CONFLICTS = {name: tuple(sorted(spec.conflicts)) for name, spec in SPECS.items() if spec.conflicts}
_MERGED_NAMES = frozenset(name for pair in table.MERGED_CONFLICTS for name in pair)


def _merged_conflict(names: set[str]) -> Failure[UvSyntaxError] | None:
    if len(names & _MERGED_NAMES) < 2:
        return None
    for first, second in table.MERGED_CONFLICTS:
        if first in names and second in names:
            return _err(
                "uv-conflicting-options",
                f"uv rejects {first} together with {second}, even when one stands before "
                "`run` and the other after it; keep one of them.",
                first,
                second,
            )
    return None


def _separate_value(
    argv: Sequence[str], at: int, name: str
) -> tuple[str, None] | tuple[None, Failure[UvSyntaxError]]:
    if at < len(argv):
        candidate = argv[at]
        if candidate == "-" or not candidate.startswith("-"):
            return candidate, None
    return None, _err(
        "uv-missing-value",
        f"{name} needs a value; write {name}=VALUE (a separate value may not start with '-').",
        name,
    )


def _parse_long(
    argv: Sequence[str], i: int, level: _Level
) -> tuple[int, Failure[UvSyntaxError] | None]:
    token = argv[i]
    spelling, eq, inline = token.partition("=")
    spec = _LONG.get(spelling)
    if spec is None:
        if level.is_top and spelling in VERSION_SPELLINGS:
            return i, _err("uv-not-run", "uv prints its version and exits; remove it.", spelling)
        return i, _err(
            "uv-unknown-option",
            f"uv run has no option {spelling}; check the spelling (uv does not expand "
            "abbreviations) against `uv run --help`.",
            spelling,
        )
    if not spec.takes_value:
        if eq:
            return i, _err(
                "uv-unexpected-value",
                f"{spec.name} is a flag and takes no value; write it without '={inline}'.",
                spec.name,
            )
        return i + 1, level.add(spec, None, i)
    if eq:
        return i + 1, level.add(spec, inline, i)
    value, missing = _separate_value(argv, i + 1, spec.name)
    if value is None:
        return i, missing
    return i + 2, level.add(spec, value, i)


def _parse_short(
    argv: Sequence[str], i: int, level: _Level
) -> tuple[int, Failure[UvSyntaxError] | None]:
    token = argv[i]
    j = 1
    end = len(token)
    while j < end:
        letter = token[j]
        spec = _SHORT.get(letter)
        if spec is None:
            if level.is_top and letter == "V":
                return i, _err("uv-not-run", "uv prints its version and exits; remove -V.", "-V")
            return i, _err(
                "uv-unknown-option",
                f"uv run has no short option -{letter} (in {token!r}); see `uv run --help`.",
                f"-{letter}",
            )
        if spec.takes_value:
            rest = token[j + 1 :]
            if rest:
                return i + 1, level.add(spec, rest[1:] if rest[0] == "=" else rest, i)
            value, missing = _separate_value(argv, i + 1, f"-{letter}")
            if value is None:
                return i, missing
            return i + 2, level.add(spec, value, i)
        problem = level.add(spec, None, i)
        if problem is not None:
            return i, problem
        j += 1
    return i + 1, None


def _parse_option(
    argv: Sequence[str], i: int, level: _Level
) -> tuple[int, Failure[UvSyntaxError] | None]:
    if argv[i].startswith("--"):
        return _parse_long(argv, i, level)
    return _parse_short(argv, i, level)


def parse_uv_run(argv: Sequence[str]) -> Result[UvRun, UvSyntaxError]:
    """Parse a `uv run` line as uv 0.13.9 does; any list of strings gives a value, never raises.

    >>> line = parse_uv_run(["uv", "-q", "run", "--with=pytest-xdist", "-p", "3.12", "pytest"])
    >>> [o.name for o in line.unwrap().options], line.unwrap().payload
    (['--with', '--python'], ('pytest',))
    >>> parse_uv_run(["uv", "run", "-mpytest", "tool"]).unwrap().options[1].value
    'ytest'
    >>> parse_uv_run(["uv", "run", "--locked=true", "pytest"]).failure().code
    'uv-unexpected-value'
    """
    parsed = parse_uv_line(argv)
    return parsed if isinstance(parsed, Failure) else Success(parsed)


def parse_uv_line(argv: Sequence[str]) -> UvRun | Failure[UvSyntaxError]:
    """`parse_uv_run` without the `Success` wrapper, for hot loops (gate preparation).

    >>> parse_uv_line(["uv", "run", "--frozen", "pytest"]).names
    frozenset({'--frozen'})
    """
    argv = argv if isinstance(argv, tuple) else tuple(argv)
    n = len(argv)
    i = uv_prefix_length(argv)
    if i == 0:
        return _err("uv-not-run", "this is not a uv command line.")
    top = _Level(is_top=True)
    while True:
        if i >= n:
            return _err(
                "uv-not-run",
                "uv is given no subcommand; write `uv run [OPTIONS] COMMAND...`.",
            )
        token = argv[i]
        if token.startswith("-") and token not in ("-", "--"):
            i, problem = _parse_option(argv, i, top)
            if problem is not None:
                return problem
            continue
        if token != "run":
            return _err(
                "uv-not-run",
                f"`uv {token}` is not `uv run`; only `uv run COMMAND...` gates are supported "
                "(put uv's options after `run`, and nothing but options before it).",
            )
        break
    run_index = i
    i += 1
    level = _Level(is_top=False)
    separator: int | None = None
    while i < n:
        token = argv[i]
        if token == "--":
            separator = i
            i += 1
            break
        if token[:1] == "-" and token != "-":
            if token[1] == "-":
                i, problem = _parse_long(argv, i, level)
            else:
                i, problem = _parse_short(argv, i, level)
            if problem is not None:
                return problem
            continue
        break
    top_options = top.finish()
    if isinstance(top_options, Failure):
        return top_options
    options = level.finish()
    if isinstance(options, Failure):
        return options
    names = top.present.keys() | level.present.keys()
    merged = _merged_conflict(names)
    if merged is not None:
        return merged
    if i >= n:
        return _err(
            "uv-missing-command",
            "`uv run` is given no command; name the command to run after uv's options.",
        )
    if argv[i] == "-" and "--module" in names:
        return _err(
            "uv-invalid-value",
            "uv cannot run a Python module from stdin (`--module -`); name the module.",
            "--module",
        )
    return UvRun(
        argv=argv,
        run_index=run_index,
        payload_index=i,
        separator_index=separator,
        top=top_options,
        options=options,
        names=frozenset(names),
        given=frozenset([o.name for o in level.ordered]),
    )
