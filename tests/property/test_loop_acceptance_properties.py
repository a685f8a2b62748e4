"""The acceptance parser agrees with a CommonMark parser (markdown-it) on generated issue bodies."""

from __future__ import annotations

import re
from dataclasses import dataclass

from hypothesis import example, given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from domain.loop.acceptance import Heading, headings, stated_criteria

WORDS = st.lists(st.text(alphabet="abcxyzQ", min_size=1, max_size=5), min_size=1, max_size=4).map(
    " ".join
)
TITLES = st.sampled_from(
    ["Acceptance", "acceptance criteria", "ACCEPTANCE tests:", "Context", "Notes", "Accept"]
)
MARKERS = st.sampled_from(["-", "*", "+", "1.", "1)"])
CHECKBOXES = st.sampled_from(["", "[ ] ", "[x] ", "[X] "])


@dataclass(frozen=True)
class Item:
    marker: str
    checkbox: str
    text: str
    continuation: tuple[str, str] | None
    children: tuple[Item, ...]


def _items(depth: int) -> st.SearchStrategy[Item]:
    continuation = st.none() | st.tuples(st.sampled_from(["lazy", "indented", "paragraph"]), WORDS)
    children = st.lists(_items(depth + 1), max_size=2).map(tuple) if depth < 2 else st.just(())
    return st.builds(Item, MARKERS, CHECKBOXES, WORDS, continuation, children)


def _render_item(item: Item, indent: int) -> list[str]:
    column = indent + len(item.marker) + 1
    lines = [" " * indent + f"{item.marker} {item.checkbox}{item.text}"]
    if item.continuation is not None:
        kind, words = item.continuation
        if kind == "lazy":
            lines.append(words)
        elif kind == "indented":
            lines.append(" " * column + words)
        else:
            lines += ["", " " * column + words]
    for child in item.children:
        lines += _render_item(child, column)
    return lines


def _heading(level: int, title: str, style: str) -> list[str]:
    if style == "setext" and level <= 2:
        return [title, "=" * 3 if level == 1 else "-" * 4]
    closing = " ##" if style == "closed" else ""
    return ["#" * level + " " + title + closing]


def _fence(char: str, length: int, body: list[str], closing: str) -> list[str]:
    lines = [char * length + ("text" if closing == "info" else ""), *body]
    if closing == "longer":
        lines.append(char * (length + 2))
    elif closing in {"same", "info"}:
        lines.append(char * length)
    elif closing == "other-char-then-same":
        lines += [("~" if char == "`" else "`") * (length + 1), char * length]
    return lines


HEADING = st.builds(
    _heading, st.integers(1, 6), TITLES, st.sampled_from(["atx", "closed", "setext"])
)
LIST = st.lists(_items(0), min_size=1, max_size=3).map(
    lambda items: [line for item in items for line in _render_item(item, 0)]
)
FENCE_BODY = st.lists(
    st.sampled_from(["## Acceptance", "- fake item", "# Acceptance criteria", "```", "text"]),
    max_size=4,
)
FENCE = st.builds(
    _fence,
    st.sampled_from(["`", "~"]),
    st.integers(3, 5),
    FENCE_BODY,
    st.sampled_from(["same", "longer", "info", "other-char-then-same"]),
)
PARAGRAPH = WORDS.map(lambda words: [words])
DOCUMENT = st.lists(st.one_of(HEADING, LIST, FENCE, PARAGRAPH), max_size=8).map(
    lambda blocks: "\n\n".join("\n".join(block) for block in blocks)
)

_SPACE = re.compile(r"\s+")
_CHECKBOX = re.compile(r"^\[[ xX]\](?:[ \t]+|$)")


def _reference_headings(document: str) -> tuple[Heading, ...]:
    tokens = MarkdownIt("commonmark").parse(document)
    return tuple(
        Heading(level=int(token.tag[1]), title=_SPACE.sub(" ", tokens[index + 1].content).strip())
        for index, token in enumerate(tokens)
        if token.type == "heading_open"
    )


def _reference_criteria(document: str) -> tuple[str, ...]:
    """Criteria as CommonMark reads them: each list item's own paragraphs, joined."""
    tokens = MarkdownIt("commonmark").parse(document)
    level: int | None = None
    slots: list[list[str] | None] = []
    open_items: list[tuple[int, list[str] | None]] = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            title = tokens[index + 1].content
            this = int(token.tag[1])
            if level is None or this <= level:
                level = (
                    this
                    if _SPACE.sub(" ", title).strip().casefold().startswith("acceptance")
                    else None
                )
        elif token.type == "list_item_open":
            parts: list[str] | None = [] if level is not None else None
            slots.append(parts)
            open_items.append((token.level, parts))
        elif token.type == "list_item_close":
            open_items.pop()
        elif token.type == "inline" and open_items and tokens[index - 1].type == "paragraph_open":
            item_level, parts = open_items[-1]
            if parts is not None and tokens[index - 1].level == item_level + 1:
                parts.append(token.content)
    found: dict[str, str] = {}
    for parts in slots:
        if parts:
            first = _CHECKBOX.sub("", parts[0].lstrip(), count=1)
            text = _SPACE.sub(" ", " ".join([first, *parts[1:]])).strip()
            if text:
                found.setdefault(text.casefold(), text)
    return tuple(found.values())


@given(DOCUMENT)
@example("```\n## Acceptance\n```\n\n- not a criterion")
@example("~~~~\n```\n## Acceptance\n~~~\n- still code\n~~~~\n\n# Acceptance\n\n- real")
def test_headings_are_the_ones_commonmark_sees(document: str) -> None:
    assert headings(document) == _reference_headings(document)


@given(DOCUMENT)
@example("## Acceptance\n\n- a\n  - b\n    lazy\n\n```\n- fake\n```\n\n1) c")
@example("# Acceptance\n\n* [x] done\n\n  more words\n\n## Details\n\n+ nested section item")
def test_criteria_are_the_acceptance_list_items_commonmark_sees(document: str) -> None:
    assert stated_criteria(document) == _reference_criteria(document)


@given(st.lists(WORDS, min_size=1, max_size=5), st.sampled_from(["`", "~"]), st.integers(3, 6))
def test_a_fenced_acceptance_section_is_never_read(
    items: list[str], char: str, length: int
) -> None:
    fenced = [char * length, "## Acceptance", *(f"- {item}" for item in items), char * length]
    assert stated_criteria("\n".join(fenced)) == ()


@given(st.lists(WORDS, min_size=1, max_size=5))
def test_repeated_criteria_appear_once(items: list[str]) -> None:
    body = "## Acceptance\n" + "\n".join(f"- {item}\n* {item.upper()}" for item in items)
    criteria = stated_criteria(body)
    assert len(criteria) == len({item.casefold() for item in items})
    assert len({c.casefold() for c in criteria}) == len(criteria)
