"""Added lines of a text file are git's lines: split at "\\n" only (see also test_git_agreement)."""

from __future__ import annotations

import pytest

from domain.changes.content import describe_content
from domain.policy.secrets import compile_scanner, scan_hunk

TOKEN = "ghp_" + "Ab3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3hJ5"


def secret_lines(old: bytes | None, new: bytes) -> list[int]:
    scanner = compile_scanner()
    facts = describe_content(old, new, len(new))
    return [f.line for h in facts.scanned for f in scan_hunk(scanner, "f", h)]


@pytest.mark.parametrize("breaker", ["\x0c", "\x0b", "\x1c", "\x1d", "\x1e", "\x85", "\u2028"])
def test_characters_python_splits_at_are_not_line_breaks(breaker: str) -> None:
    new = f'a{breaker}b\nc{breaker}d\nT="{TOKEN}"\n'.encode()
    assert describe_content(None, new, len(new)).added_line_count == 3
    assert secret_lines(None, new) == [3]


def test_crlf_is_one_line_ending_and_the_cr_stays_in_the_line() -> None:
    new = b"p\r\nq\r\nr"
    facts = describe_content(None, new, len(new))
    assert (facts.added_line_count, facts.scanned[0].text) == (3, "p\r\nq\r\nr")


def test_a_lone_cr_is_not_a_line_break() -> None:
    new = f'a\rb\rT="{TOKEN}"\n'.encode()
    assert (describe_content(None, new, len(new)).added_line_count, secret_lines(None, new)) == (
        1,
        [1],
    )


def test_lines_added_after_a_form_feed_line_are_numbered_as_git_numbers_them() -> None:
    old = b"a\x0cb\nc\n"
    new = f'a\x0cb\nc\nT="{TOKEN}"\n'.encode()
    facts = describe_content(old, new, len(new))
    assert ([(h.start, h.text) for h in facts.scanned], facts.added_line_count) == (
        [(3, f'T="{TOKEN}"')],
        1,
    )


def test_a_blank_last_line_counts_once() -> None:
    assert describe_content(None, b"\n", 1).added_line_count == 1
    assert describe_content(None, b"", 0).added_line_count == 0
