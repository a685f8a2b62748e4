"""Acceptance criteria read from an issue body: the `Acceptance...` section's list items.

A Markdown heading (ATX `#`..`######` or setext) whose title is or starts with `Acceptance`, in
any case, opens the section; the next heading of the same or a higher level closes it. Inside,
every list item (`-`, `*`, `+`, `- [ ]`/`- [x]`, `1.`, `1)`, `a)`), at any nesting depth, is one
criterion, its continuation lines joined. Lines inside a code fence (``` or ~~~, three or more,
closed by a fence of the same character at least as long, per CommonMark) are never headings or
items. HTML comments are removed first: hidden text never becomes a criterion.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal

import msgspec

GENERIC_CRITERIA: tuple[str, ...] = (
    "The change does what the issue's title and body ask for, and nothing else.",
    "Every gate of the repository passes on the change.",
    "Tests cover the changed behaviour, and no existing test is weakened or removed.",
)

# Bounds so a hostile body cannot flood the prompt or the pull request body.
MAX_CRITERIA = 50
MAX_CRITERION_CHARS = 500

# Linear on any line: the title takes the rest of the line and trailing blanks and the closing
# `#`s are cut in Python (a lazy title before `[ \t]*$`, or a search for `[ \t]+#+[ \t]*$`,
# is quadratic on a heading holding a long run of blanks).
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*))?$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_THEMATIC = re.compile(r"^ {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_FENCE = re.compile(r"^( *)(`{3,}|~{3,})(.*)$")
_ITEM = re.compile(r"^( *)([-*+]|[0-9]{1,9}[.)]|[A-Za-z]\))(?:[ \t]+(.*)|[ \t]*)$")
_CHECKBOX = re.compile(r"^\[[ xX]\](?:[ \t]+|$)")
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_SPACE = re.compile(r"\s+")


class Heading(msgspec.Struct, frozen=True, kw_only=True):
    """A Markdown heading: its level (1-6) and its title text."""

    level: int
    title: str


class AcceptanceCriteria(msgspec.Struct, frozen=True, kw_only=True):
    """The criteria a reviewer checks; `source` says whether the issue stated them."""

    items: tuple[str, ...]
    source: Literal["issue", "generic"]


def strip_html_comments(text: str) -> str:
    """Remove every HTML comment, an unclosed one up to the end of the text.

    >>> strip_html_comments("a<!-- hidden -->b<!-- never closed")
    'ab'
    """
    return _COMMENT.sub("", text)


def _heading_title(content: str | None) -> str:
    """An ATX heading's title: without its closing `#`s (all `#`, or after a blank).

    >>> _heading_title("Title ## "), _heading_title("C#"), _heading_title("##")
    ('Title', 'C#', '')
    """
    title = (content or "").rstrip(" \t")
    opened = title.rstrip("#")
    if opened != title and (not opened or opened[-1] in " \t"):
        title = opened
    return title.strip()


def _is_acceptance(title: str) -> bool:
    return title.casefold().startswith("acceptance")


def _normalise(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


Event = tuple[Literal["heading"], Heading] | tuple[Literal["item"], str]


class _Reader:
    """Reads a body line by line, keeping the open fence, paragraph and list item."""

    def __init__(self) -> None:
        # The open fence: its character, its length, how far its closing fence may be indented.
        self.fence: tuple[str, int, int] | None = None
        self.paragraph: list[str] = []
        # The list item being read: its words so far and the column its content starts at.
        self.item: tuple[list[str], int] | None = None
        self.after_blank = False

    def finish(self) -> list[Event]:
        """End the open list item (if any) and the paragraph; return the finished item."""
        self.paragraph = []
        if self.item is None:
            return []
        words = _normalise(" ".join(self.item[0]))
        self.item = None
        return [("item", words)]

    def in_fence(self, line: str) -> bool:
        """True when `line` belongs to an open fence (its closing line included)."""
        if self.fence is None:
            return False
        char, length, most = self.fence
        closing = line.lstrip(" ")
        if (
            len(line) - len(closing) <= most
            and closing.startswith(char * length)
            and not closing.rstrip(" \t").strip(char)
        ):
            self.fence = None
        return True

    def opens_fence(self, line: str, nested: int) -> bool:
        """Open a fence when `line` is an opening fence (a backtick one has no backtick after)."""
        opened = _FENCE.match(line)
        if not opened or len(opened.group(1)) > nested + 3:
            return False
        marks = opened.group(2)
        if marks[0] == "`" and "`" in opened.group(3):
            return False
        self.fence = (marks[0], len(marks), nested + 3)
        return True

    def read(self, line: str) -> list[Event]:
        """The events that `line` finishes."""
        if self.in_fence(line):
            return []
        indent = len(line) - len(line.lstrip(" "))
        nested = self.item[1] if self.item is not None else 0
        if self.opens_fence(line, nested):
            return self.finish()
        atx = _ATX.match(line)
        if atx:
            heading = Heading(level=len(atx.group(1)), title=_heading_title(atx.group(2)))
            return [*self.finish(), ("heading", heading)]
        setext = _SETEXT.match(line)
        if setext and self.paragraph and self.item is None:
            level = 1 if setext.group(1)[0] == "=" else 2
            title = _normalise(" ".join(self.paragraph))
            self.paragraph = []
            return [("heading", Heading(level=level, title=title))]
        if _THEMATIC.match(line):
            return self.finish()
        listed = _ITEM.match(line)
        if listed and (indent <= nested + 3 or self.item is not None):
            events = self.finish()
            text = _CHECKBOX.sub("", listed.group(3) or "", count=1)
            self.item = ([text], len(listed.group(1)) + len(listed.group(2)) + 1)
            self.after_blank = False
            return events
        if not line.strip():
            self.after_blank = True
            self.paragraph = []
            return []
        return self.text(line, indent)

    def text(self, line: str, indent: int) -> list[Event]:
        """A plain line: continues the open item, or a paragraph (ending the item)."""
        if self.item is not None and (not self.after_blank or indent >= self.item[1]):
            self.item[0].append(line.strip())
            self.after_blank = False
            return []
        events = self.finish() if self.item is not None else []
        self.after_blank = False
        if indent <= 3 or self.paragraph:
            self.paragraph.append(line.strip())
        return events


def _events(body: str) -> Iterator[Event]:
    """Headings and finished list items of `body`, in document order, code fences skipped."""
    reader = _Reader()
    for line in body.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        yield from reader.read(line.expandtabs(4))
    yield from reader.finish()


def headings(body: str) -> tuple[Heading, ...]:
    """Every heading of a Markdown text, code fences skipped.

    >>> [h.title for h in headings("# A\\n```\\n# not a heading\\n```\\nB\\n---\\n")]
    ['A', 'B']
    """
    return tuple(event[1] for event in _events(body) if event[0] == "heading")


def stated_criteria(body: str) -> tuple[str, ...]:
    """The list items of every `Acceptance...` section, deduplicated (ignoring case and spacing),
    in order, bounded in number and length; empty when the body states none.

    >>> stated_criteria("## Acceptance\\n- [ ] fast\\n  still fast\\n1) small\\n# End\\n- x")
    ('fast still fast', 'small')
    """
    level: int | None = None
    found: dict[str, str] = {}
    for event in _events(strip_html_comments(body)):
        if event[0] == "heading":
            heading = event[1]
            if level is None or heading.level <= level:
                level = heading.level if _is_acceptance(heading.title) else None
        elif level is not None and event[1]:
            text = event[1]
            if len(text) > MAX_CRITERION_CHARS:
                text = text[: MAX_CRITERION_CHARS - 1] + "…"
            found.setdefault(text.casefold(), text)
    return tuple(found.values())[:MAX_CRITERIA]


def acceptance_criteria(body: str) -> AcceptanceCriteria:
    """The issue's acceptance criteria, or three generic ones when it states none.

    >>> acceptance_criteria("### ACCEPTANCE\\n* works").items
    ('works',)
    >>> acceptance_criteria("No section here.").source
    'generic'
    """
    stated = stated_criteria(body)
    if stated:
        return AcceptanceCriteria(items=stated, source="issue")
    return AcceptanceCriteria(items=GENERIC_CRITERIA, source="generic")
