"""The shell examples of the Markdown docs: parsed into blocks, run with bash, compared by pattern.

A fenced block whose info string starts with `console` or `sh` holds examples when its lines start
with `$ `: each such line is a command, the lines up to the next command are its expected stdout
(`...` stands for any text, also across lines; no lines: stdout is not checked), and a trailing
`# exit N` says the exit code it must end with (0 when not said). Words after the language mark a
block: `requires: pi` (needs the harness `scripts/test.sh` installs under `tools/`) or
`skip: REASON` (network, minutes of run time: never run by the tests, and the reason says why).
Lines of a block without `$ ` are a synopsis: only the command names they show are checked.
A `pycon` block is a doctest of the library API, run as one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```", re.S | re.M)
_EXIT = re.compile(r"\s+#\s*exit\s+(?P<code>\d+)\s*$")
_SHELL_LANGUAGES = ("console", "sh")


@dataclass(frozen=True)
class Example:
    """One `$ ` command, the exit code it must end with, its expected stdout (None: unchecked)."""

    command: str
    exit_code: int
    expected: str | None


@dataclass(frozen=True)
class Block:
    """One fenced shell block of a Markdown file, where it starts, and what it is marked with."""

    path: Path
    line: int
    marks: str
    examples: tuple[Example, ...]
    synopsis: tuple[str, ...]

    @property
    def name(self) -> str:
        """`docs/gates.md:42`, for test ids and messages."""
        return f"{self.path.parent.name}/{self.path.name}:{self.line}"


def shell_blocks(path: Path) -> list[Block]:
    """Every `console`/`sh` block of one Markdown file."""
    text = path.read_text()
    blocks = []
    for match in _FENCE.finditer(text):
        language, _, marks = match.group("info").strip().partition(" ")
        if language not in _SHELL_LANGUAGES:
            continue
        line = text.count("\n", 0, match.start()) + 1
        examples, synopsis = _parse_body(match.group("body"))
        blocks.append(Block(path, line, marks.strip(), examples, synopsis))
    return blocks


def _parse_body(body: str) -> tuple[tuple[Example, ...], tuple[str, ...]]:
    examples: list[Example] = []
    synopsis: list[str] = []
    command: str | None = None
    output: list[str] = []

    def close() -> None:
        if command is None:
            return
        found = _EXIT.search(command)
        code = int(found.group("code")) if found else 0
        bare = command[: found.start()] if found else command
        expected = "\n".join(output) if output else None
        examples.append(Example(command=bare, exit_code=code, expected=expected))

    for line in body.splitlines():
        if line.startswith("$ "):
            close()
            command, output = line[2:], []
        elif command is not None:
            output.append(line)
        elif line and not line.startswith("#"):
            synopsis.append(line)
    close()
    return tuple(examples), tuple(synopsis)


def output_matches(expected: str, actual: str) -> bool:
    """True when `actual` is `expected`, each `...` standing for any text (line-end blanks aside).

    >>> output_matches("a ... z", "a b c z\\n")
    True
    """
    wanted = _strip_line_ends(expected)
    pattern = ".*?".join(re.escape(part) for part in wanted.split("..."))
    return re.fullmatch(pattern, _strip_line_ends(actual), flags=re.S) is not None


def _strip_line_ends(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def command_words(line: str) -> tuple[str, ...]:
    """The `engineering-loop` subcommand a synopsis line names: `('gate', 'run')`, or ()."""
    words = line.split()
    if not words or words[0] != "engineering-loop":
        return ()
    names = []
    for word in words[1:3]:
        if not re.fullmatch(r"[a-z][a-z-]*", word):
            break
        names.append(word)
    return tuple(names)


@dataclass(frozen=True)
class Doctest:
    """One `pycon` block of a Markdown file: its text and where it starts."""

    path: Path
    line: int
    text: str

    @property
    def name(self) -> str:
        """`docs/gates.md:66`, for test ids and messages."""
        return f"{self.path.parent.name}/{self.path.name}:{self.line}"


def pycon_blocks(path: Path) -> list[Doctest]:
    """Every `pycon` block of one Markdown file."""
    text = path.read_text()
    return [
        Doctest(path, text.count("\n", 0, match.start()) + 1, match.group("body"))
        for match in _FENCE.finditer(text)
        if match.group("info").strip().split(" ")[0] == "pycon"
    ]
