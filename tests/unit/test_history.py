"""`commit_additions`: what one commit added to a file, against each of its parents."""

from __future__ import annotations

from domain.changes.history import commit_additions


def _lines(parents: list[bytes | None], new: bytes) -> list[tuple[int, str]]:
    facts = commit_additions(parents, new, len(new))
    return [
        (hunk.start + offset, text)
        for hunk in facts.scanned
        for offset, text in enumerate(hunk.text.split("\n"))
    ]


def test_an_ordinary_commit_adds_what_its_parent_lacks() -> None:
    assert _lines([b"a\nb\n"], b"a\nx\nb\ny\n") == [(2, "x"), (4, "y")]


def test_a_new_file_and_a_root_commit_add_every_line() -> None:
    assert _lines([None], b"a\nb\n") == _lines([], b"a\nb\n") == [(1, "a"), (2, "b")]


def test_a_merge_adds_only_what_no_parent_had() -> None:
    ours, theirs = b"a\nours\n", b"a\ntheirs\n"
    assert _lines([ours, theirs], b"a\nours\ntheirs\nresolved\n") == [(4, "resolved")]


def test_a_merge_of_a_file_one_parent_lacks_adds_what_the_other_lacks() -> None:
    assert _lines([None, b"a\n"], b"a\nnew\n") == [(2, "new")]


def test_a_binary_file_is_scanned_whole_even_in_a_merge() -> None:
    facts = commit_additions([b"\x00old", b"\x00other"], b"\x00token", 6)
    assert facts.binary
    assert "token" in facts.scanned[0].text
