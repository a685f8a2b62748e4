"""What each commit between the base and HEAD added: the text the history secret scan reads.

Pushing a branch publishes every commit on it, so a token committed and removed again is
published all the same. Each commit's added text is found as for the worktree
(`describe_content`): for an ordinary commit against its parent; for a merge, only the lines it
added against EVERY parent (what the merge itself wrote, e.g. a conflict resolution), since
each side's own commits are read on their own. The limits bound the work of one check; what
lies beyond them was never scanned, which the policy treats as a scan that did not pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from domain.changes.change_set import AddedHunk
from domain.changes.content import ContentFacts, describe_content

# At most this many commits between the base and HEAD are read, and this many bytes of file
# content and commit text (messages, headers) in all of them; past either limit the scan is
# incomplete.
MAX_HISTORY_COMMITS = 1000
MAX_HISTORY_BYTES = 256 * 1024 * 1024


def _numbered(hunks: Iterable[AddedHunk]) -> dict[int, str]:
    return {
        hunk.start + offset: line
        for hunk in hunks
        for offset, line in enumerate(hunk.text.split("\n"))
    }


def _hunks(lines: dict[int, str]) -> tuple[AddedHunk, ...]:
    """Consecutive numbered lines joined into hunks."""
    found: list[AddedHunk] = []
    run: list[str] = []
    start = previous = 0
    for number in sorted(lines):
        if run and number != previous + 1:
            found.append(AddedHunk(start=start, text="\n".join(run)))
            run = []
        if not run:
            start = number
        run.append(lines[number])
        previous = number
    if run:
        found.append(AddedHunk(start=start, text="\n".join(run)))
    return tuple(found)


def commit_additions(parents: Sequence[bytes | None], new: bytes, size: int) -> ContentFacts:
    """What a commit added to a file whose content is now `new` (the first bytes read of
    `size`), given the file in each parent (None where a parent has no such file).

    >>> facts = commit_additions([b"a\\nb\\n", b"a\\nc\\n"], b"a\\nb\\nc\\nd\\n", 8)
    >>> [(h.start, h.text) for h in facts.scanned], facts.added_line_count
    ([(4, 'd')], 1)
    >>> commit_additions([], b"x\\n", 2).scanned[0].text
    'x'
    """
    each = [describe_content(old, new, size) for old in parents] or [
        describe_content(None, new, size)
    ]
    first = each[0]
    if first.binary or len(each) == 1:
        return first
    lines = _numbered(first.scanned)
    for other in each[1:]:
        added = _numbered(other.scanned)
        lines = {number: line for number, line in lines.items() if number in added}
    return ContentFacts(
        binary=False, scanned=_hunks(lines), added_line_count=len(lines), truncated=first.truncated
    )
