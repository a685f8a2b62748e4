"""systemd unit files read as systemd reads them (systemd.syntax(7)), for what `service-check`
needs: sections, `Key=Value` assignments in file order, continuation lines and comments.

Which assignment wins is the reader's question, not the parser's: most settings take the last
one, list settings (`ExecStart=`) add each one and an empty assignment resets the list, and a
value a setting cannot parse is ignored by systemd with a warning. The parser keeps every
assignment with its line number so each reader can apply its setting's rule.
"""

from __future__ import annotations

import re
import shlex

import msgspec
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

_COMMENT = "#;"
# systemd's read_line ends a line at `\n`, `\r\n` or a lone `\r`.
_LINE_END = re.compile(r"\r\n|\r|\n")
_SPACE = " \t\n\r"
# systemd refuses longer lines (LONG_LINE_MAX, 1 MiB); so does `service-check`.
MAX_LINE_CHARS = 1024 * 1024


class Assignment(msgspec.Struct, frozen=True, kw_only=True):
    """One `Key=Value` line (continuations joined) in a section, with the number of its last
    line, as systemd's warnings give it."""

    section: str
    key: str
    value: str
    line: int


class UnitFile(msgspec.Struct, frozen=True, kw_only=True):
    """Every assignment of a unit file, in file order (repeated sections stay apart in order)."""

    assignments: tuple[Assignment, ...]

    def assigned(self, section: str, key: str) -> tuple[Assignment, ...]:
        """Every assignment of `key` in `section`, in file order.

        >>> unit = parse_unit_file("[Service]\\nType=simple\\nType=oneshot\\n").unwrap()
        >>> [a.value for a in unit.assigned("Service", "Type")]
        ['simple', 'oneshot']
        """
        return tuple(a for a in self.assignments if a.section == section and a.key == key)

    def has_section(self, section: str) -> bool:
        """Whether any assignment stands in `section`."""
        return any(a.section == section for a in self.assignments)


class UnitFileError(msgspec.Struct, frozen=True, kw_only=True, tag="unit-file-error"):
    """The text is not a unit file systemd would read whole (`service-unit-invalid`)."""

    code: str
    message: str


def _invalid(line: int, what: str) -> Failure[UnitFileError]:
    return Failure(
        UnitFileError(
            code="service-unit-invalid",
            message=f"line {line}: {what}; systemd would ignore it with a warning, so fix the "
            "unit file (see systemd.syntax(7)).",
        )
    )


def _ends_in_escape(text: str) -> bool:
    """Whether `text` ends in an unescaped backslash (a continuation)."""
    count = len(text) - len(text.rstrip("\\"))
    return count % 2 == 1


def _logical_lines(text: str) -> Result[list[tuple[int, str]], UnitFileError]:
    """The non-blank, non-comment lines, continuations joined, each with its last line number."""
    lines: list[tuple[int, str]] = []
    pending: str | None = None
    last = 0
    # systemd skips a UTF-8 byte order mark at the start of the file.
    for number, raw in enumerate(_LINE_END.split(text.removeprefix("\ufeff")), start=1):
        if len(raw) > MAX_LINE_CHARS:
            return _invalid(number, "the line is longer than 1 MiB")
        stripped = raw.strip(_SPACE)
        if stripped and stripped[0] in _COMMENT:
            continue
        last = number
        # As systemd: a continued line is appended as it stands, leading blanks and all.
        joined = raw if pending is None else pending + raw
        if _ends_in_escape(joined):
            pending = joined[:-1] + " "
            continue
        pending = None
        if joined.strip(_SPACE):
            lines.append((number, joined.strip(_SPACE)))
    # systemd reads a continuation cut off by the end of the file as it stands.
    if pending is not None and pending.strip(_SPACE):
        lines.append((last, pending.strip(_SPACE)))
    return Success(lines)


def parse_unit_file(text: str) -> Result[UnitFile, UnitFileError]:
    """Read the sections and assignments of a unit file.

    A line ending in a backslash continues on the next line (the backslash becomes a space);
    comment lines inside a continuation are skipped, as systemd does.

    >>> text = "# c\\n[Service]\\nExecStart=/bin/echo a \\\\\\n ; note\\n  b\\n"
    >>> parse_unit_file(text).unwrap().assignments[0].value
    '/bin/echo a    b'
    >>> parse_unit_file("Type=oneshot\\n").failure().code
    'service-unit-invalid'
    """
    lines = _logical_lines(text)
    if not is_successful(lines):
        return Failure(lines.failure())
    assignments: list[Assignment] = []
    section: str | None = None
    for number, line in lines.unwrap():
        if line.startswith("["):
            if not line.endswith("]") or len(line) < 3 or "]" in line[1:-1]:
                return _invalid(number, f"{line!r} is not a section header such as [Service]")
            section = line[1:-1]
            continue
        if "=" not in line:
            return _invalid(number, f"{line!r} is missing '='")
        if section is None:
            return _invalid(number, "an assignment stands before the first [Section]")
        key, value = line.split("=", 1)
        assignments.append(
            Assignment(
                section=section, key=key.strip(_SPACE), value=value.strip(_SPACE), line=number
            )
        )
    return Success(UnitFile(assignments=tuple(assignments)))


def last_value(unit: UnitFile, section: str, key: str) -> Assignment | None:
    """The assignment of a single-valued setting that wins: the last one (None when none).

    >>> unit = parse_unit_file("[Service]\\nType=simple\\nType=oneshot\\n").unwrap()
    >>> last_value(unit, "Service", "Type").value, last_value(unit, "Service", "User")
    ('oneshot', None)
    """
    found = unit.assigned(section, key)
    return found[-1] if found else None


def list_values(unit: UnitFile, section: str, key: str) -> tuple[Assignment, ...]:
    """The entries of a list setting: each assignment adds one, an empty one resets the list.

    >>> text = "[Service]\\nExecStart=/a\\nExecStart=\\nExecStart=/b\\nExecStart=/c\\n"
    >>> [a.value for a in list_values(parse_unit_file(text).unwrap(), "Service", "ExecStart")]
    ['/b', '/c']
    """
    entries: list[Assignment] = []
    for assignment in unit.assigned(section, key):
        if assignment.value:
            entries.append(assignment)
        else:
            entries.clear()
    return tuple(entries)


# systemd's prefixes before an Exec*= command's path (systemd.service(5), "Command lines").
_EXEC_PREFIXES = "@-:+!"


def command_words(value: str) -> Result[tuple[str, ...], str]:
    """The argv of an `ExecStart=` value: its special prefixes dropped, quotes removed.

    >>> command_words('-/opt/el/bin/engineering-loop daemon --once --config "/etc/e l.toml"')
    <Success: ('/opt/el/bin/engineering-loop', 'daemon', '--once', '--config', '/etc/e l.toml')>
    >>> command_words("@/usr/bin/engineering-loop el daemon --once")
    <Success: ('/usr/bin/engineering-loop', 'daemon', '--once')>
    >>> command_words('/bin/echo "unclosed').failure()
    'its quotes are not balanced'
    """
    rest = value.lstrip(_SPACE)
    prefixes = ""
    while rest[:1] and rest[0] in _EXEC_PREFIXES:
        prefixes, rest = prefixes + rest[0], rest[1:]
    try:
        words = tuple(shlex.split(rest, comments=False, posix=True))
    except ValueError:
        return Failure("its quotes are not balanced")
    if "@" in prefixes:
        # `@PATH ARGV0 ARGS`: the second word is only what the process sees as its name.
        words = words[:1] + words[2:]
    if not words:
        return Failure("it names no command")
    return Success(words)
