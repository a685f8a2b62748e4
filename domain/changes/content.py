"""What a changed file's bytes mean for the policy: binary or text, and the text to scan.

Adapters only fetch bytes (at most `MAX_SCANNED_BYTES` of a file); these functions decide. Text
files contribute their added lines (line-diffed against the old content). Binary files (git's
own test: a NUL byte among the first `BINARY_PROBE_BYTES`) have no added lines, but all their
content is still scanned: decoded as latin-1 (every byte is one character, so ASCII secrets stay
intact and newlines keep their line numbers), and once more with the NUL bytes removed, which
turns UTF-16 text back into readable ASCII. A binary file counts no added lines for
`max_added_lines`.
"""

from __future__ import annotations

import difflib

import msgspec

from domain.changes.change_set import AddedHunk

# git's binary heuristic looks at this many leading bytes.
BINARY_PROBE_BYTES = 8000
# At most this much of one file is read for the line diff and the secret scan; a larger file is
# hashed in full, but its scan is incomplete (the `secret-scan-incomplete` violation).
MAX_SCANNED_BYTES = 64 * 1024 * 1024
# No text file a gate checks (`gate check-files`) is legitimately this large.
MAX_CHECKED_FILE_BYTES = 64 * 1024 * 1024


class ContentFacts(msgspec.Struct, frozen=True, kw_only=True):
    """What the policy needs of one file's new content."""

    binary: bool
    # Text to scan for secrets, with the line number each hunk starts at.
    scanned: tuple[AddedHunk, ...] = ()
    added_line_count: int = 0
    truncated: bool = False


def content_looks_binary(head: bytes) -> bool:
    """True when the first bytes of a file hold a NUL, git's own test for binary content.

    >>> content_looks_binary(b"\\x89PNG\\r\\n\\x1a\\n\\x00\\x00"), content_looks_binary(b"text")
    (True, False)
    """
    return b"\x00" in head[:BINARY_PROBE_BYTES]


def _text_lines(data: bytes) -> list[str]:
    """The lines of `data` as git counts them: split at "\\n" only, a "\\r" before it kept.

    `str.splitlines` would also break at form feeds, `\\x1c`-`\\x1e`, `\\x85`, `\\u2028` and
    `\\u2029`, so added-line counts and secret line numbers would disagree with `git diff`.

    >>> _text_lines(b"a\\x0cb\\r\\nc\\x1dd\\nlast")
    ['a\\x0cb\\r', 'c\\x1dd', 'last']
    >>> _text_lines(b""), _text_lines(b"\\n")
    ([], [''])
    """
    lines = data.decode("utf-8", errors="replace").split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def _added_hunks(old: bytes | None, new: bytes) -> tuple[tuple[AddedHunk, ...], int]:
    """Added lines of `new` relative to `old` (None: every line is added)."""
    new_lines = _text_lines(new)
    if old is None:
        if not new_lines:
            return (), 0
        return (AddedHunk(start=1, text="\n".join(new_lines)),), len(new_lines)
    # autojunk may over-report added lines in huge files; over-reporting is the safe side.
    matcher = difflib.SequenceMatcher(None, _text_lines(old), new_lines)
    hunks = []
    count = 0
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag in ("insert", "replace"):
            hunks.append(AddedHunk(start=j1 + 1, text="\n".join(new_lines[j1:j2])))
            count += j2 - j1
    return tuple(hunks), count


def describe_content(old: bytes | None, new: bytes, size: int) -> ContentFacts:
    """Binary or text, the text to scan and the added-line count of `new` (the first bytes read).

    `old` is the previous content of a regular file (None when there was none); `size` is the
    whole new file's size, so a file larger than what was read is marked truncated.

    >>> facts = describe_content(None, b"\\x00\\ntoken", 8)
    >>> facts.binary, facts.added_line_count, [h.start for h in facts.scanned]
    (True, 0, [1, 1])
    >>> describe_content(b"a\\n", b"a\\nb\\n", 4).scanned[0].text
    'b'
    """
    truncated = size > len(new)
    if content_looks_binary(new):
        text = new.decode("latin-1")
        scanned = [AddedHunk(start=1, text=text)]
        if "\x00" in text:
            scanned.append(AddedHunk(start=1, text=text.replace("\x00", "")))
        return ContentFacts(binary=True, scanned=tuple(scanned), truncated=truncated)
    previous = None if old is None or content_looks_binary(old) else old
    hunks, count = _added_hunks(previous, new)
    return ContentFacts(binary=False, scanned=hunks, added_line_count=count, truncated=truncated)
