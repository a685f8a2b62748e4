"""systemd unit files read as systemd.syntax(7) says: sections, assignments, continuations."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from returns.pipeline import is_successful

from domain.loop.unit_file import command_words, last_value, list_values, parse_unit_file


def _values(text: str, key: str) -> list[str]:
    return [a.value for a in parse_unit_file(text).unwrap().assigned("Service", key)]


def test_comments_blank_lines_and_spaces_around_the_equals_sign_are_ignored() -> None:
    text = "# a comment\n; another\n\n[Service]\n  Type = oneshot  \n"
    assert _values(text, "Type") == ["oneshot"]


def test_a_continuation_joins_lines_with_a_space_for_the_backslash() -> None:
    text = "[Service]\nExecStart=/bin/echo a\\\n  b\n"
    assert _values(text, "ExecStart") == ["/bin/echo a   b"]


def test_comment_lines_inside_a_continuation_are_skipped() -> None:
    text = "[Service]\nExecStart=/bin/echo a \\\n# skipped\n; skipped too\nb\nType=oneshot\n"
    assert _values(text, "ExecStart") == ["/bin/echo a  b"]
    assert _values(text, "Type") == ["oneshot"]


def test_an_escaped_backslash_at_the_end_is_no_continuation() -> None:
    text = "[Service]\nEnvironment=A=x\\\\\nType=oneshot\n"
    assert _values(text, "Environment") == ["A=x\\\\"]
    assert _values(text, "Type") == ["oneshot"]


def test_the_line_number_is_the_last_line_of_a_continued_assignment_as_systemd_says() -> None:
    unit = parse_unit_file("[Service]\n\nTimeoutStartSec=1h \\\n 30min\n").unwrap()
    assert (unit.assignments[0].line, unit.assignments[0].value) == (4, "1h   30min")


def test_crlf_line_ends_are_line_ends() -> None:
    assert _values("[Service]\r\nType=oneshot\r\n", "Type") == ["oneshot"]


def test_repeated_sections_keep_their_assignments_in_file_order() -> None:
    text = "[Service]\nType=simple\n[Unit]\nDescription=x\n[Service]\nType=oneshot\n"
    unit = parse_unit_file(text).unwrap()
    winner = last_value(unit, "Service", "Type")
    assert winner is not None
    assert (winner.value, winner.line) == ("oneshot", 6)


def test_an_empty_assignment_resets_a_list_setting() -> None:
    text = "[Service]\nExecStart=/a\nExecStart=\nExecStart=/b\n"
    assert [
        a.value for a in list_values(parse_unit_file(text).unwrap(), "Service", "ExecStart")
    ] == ["/b"]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("Type=oneshot\n", 1),
        ("[Service]\nType oneshot\n", 2),
        ("[Service\nType=oneshot\n", 1),
        ("[]\n", 1),
    ],
)
def test_what_systemd_would_skip_with_a_warning_is_invalid(text: str, line: int) -> None:
    error = parse_unit_file(text).failure()
    assert error.code == "service-unit-invalid"
    assert f"line {line}:" in error.message


@pytest.mark.parametrize(
    ("value", "argv"),
    [
        (
            "/usr/bin/engineering-loop daemon --once",
            ("/usr/bin/engineering-loop", "daemon", "--once"),
        ),
        ("-:+/x/engineering-loop daemon --once", ("/x/engineering-loop", "daemon", "--once")),
        ("!!/x 'a b' \"c d\"", ("/x", "a b", "c d")),
        ("@/x name daemon", ("/x", "daemon")),
    ],
)
def test_command_words_drop_prefixes_and_quotes(value: str, argv: tuple[str, ...]) -> None:
    assert command_words(value).unwrap() == argv


_LINE = st.text(alphabet=st.sampled_from("ab =#;[]\\ \t"), max_size=12)


@given(st.lists(_LINE, max_size=8))
@example(["[S]", "a=b\\", "#c", "d"])
@example(["[S]", "a=\\", ""])
def test_parsing_never_raises_and_keeps_assignments_inside_sections(lines: list[str]) -> None:
    parsed = parse_unit_file("\n".join(lines))
    if not is_successful(parsed):
        assert parsed.failure().code == "service-unit-invalid"
        return
    for assignment in parsed.unwrap().assignments:
        assert "\n" not in assignment.value
        assert assignment.key == assignment.key.strip()
        assert assignment.value == assignment.value.strip()
        assert 1 <= assignment.line <= len(lines)


def test_a_byte_order_mark_at_the_start_is_skipped_as_systemd_does() -> None:
    assert _values("\ufeff[Service]\nType=oneshot\n", "Type") == ["oneshot"]
