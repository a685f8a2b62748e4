"""Escaping repository and agent text for a GitHub Markdown body (pure).

Text from the repository, the issue or the agent must not render HTML, mention (ping) anyone,
reference or close another issue, or break out of the structure around it. Prose is escaped
character by character; code is put in spans and fences longer than any backtick run inside.
"""

from __future__ import annotations

import re

# A zero-width joiner after `@` or `#` keeps the text readable but stops GitHub from linking a
# login (a notification) or an issue (a cross-reference, or a closing keyword's target).
ZWJ = "\u200d"

_PUNCTUATION = frozenset("\\`*_[]()!|~")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
_MENTION_OR_REFERENCE = re.compile(r"([@#])(?=[A-Za-z0-9])")
# Closing keywords (close, closes, closed, fix..., resolve...) lose their power with a joiner.
_CLOSING = re.compile(
    r"\b(c)(los(?:e|es|ed))\b|\b(f)(ix(?:|es|ed))\b|\b(r)(esolv(?:e|es|ed))\b", re.I
)


def _unkeyword(match: re.Match[str]) -> str:
    groups = [g for g in match.groups() if g is not None]
    return groups[0] + ZWJ + groups[1]


def escape_text(text: str) -> str:
    """`text` as one line of inert Markdown: no HTML, emphasis, links, mentions or references.

    >>> escape_text("<img src=x> @alice fixes #3 *now*")
    '&lt;img src=x&gt; @\\u200dalice f\\u200dixes #\\u200d3 \\\\*now\\\\*'
    """
    line = " ".join(text.split())
    escaped = "".join(
        _ENTITIES.get(char) or (f"\\{char}" if char in _PUNCTUATION else char) for char in line
    )
    # At the start of a line `#` would open a heading, `-`, `+` or `1.` a list item, `=` a
    # setext underline: escaped with a backslash (any ASCII punctuation may be).
    if escaped[:1] in {"#", "+", "-", "="}:
        escaped = "\\" + escaped
    escaped = re.sub(r"^([0-9]+)\.", r"\1\\.", escaped)
    escaped = _CLOSING.sub(_unkeyword, escaped)
    return _MENTION_OR_REFERENCE.sub(lambda m: m.group(1) + ZWJ, escaped)


# An inline code span as CommonMark reads one on a single line: a backtick run, then the
# nearest run of the same length (neither run touching another backtick).
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")


def escape_inline(text: str) -> str:
    """`text` as one line of inert Markdown that keeps its inline code spans as code.

    A code span renders no HTML, link, mention or reference, so its content stays as written
    (a closing keyword in it still loses its power); the prose around it is `escape_text`'s.

    >>> escape_inline("`f(x_1)` returns <b>2</b> for @bob, `closes #4`")
    '`f(x_1)` returns &lt;b&gt;2&lt;/b&gt; for @\u200dbob, `c\u200dloses #4`'
    >>> escape_inline("an unclosed ` tick and `` a `` span")
    'an unclosed \\\\` tick and `` a `` span'
    """
    line = " ".join(text.split())
    parts: list[str] = []
    done = 0
    for match in _CODE_SPAN.finditer(line):
        parts.append(_prose(line[done : match.start()]))
        parts.append(match.group(1) + _CLOSING.sub(_unkeyword, match.group(2)) + match.group(1))
        done = match.end()
    parts.append(_prose(line[done:]))
    return "".join(parts)


def _prose(piece: str) -> str:
    """A piece of a line between code spans, escaped, its edge spaces kept."""
    if not piece.strip():
        return piece
    lead = " " if piece[0] == " " else ""
    trail = " " if piece[-1] == " " else ""
    return lead + escape_text(piece) + trail


def code_span(text: str, *, in_table: bool = False) -> str:
    """`text` as an inline code span that nothing inside can close (on one line; in a table,
    with `|` escaped as GFM requires even inside code).

    >>> code_span("a `b` c"), code_span("x|y", in_table=True)
    ('`` a `b` c ``', '`x\\\\|y`')
    """
    line = text.replace("\r", " ").replace("\n", " ")
    if in_table:
        line = line.replace("|", "\\|")
    runs = [len(run) for run in re.findall(r"`+", line)]
    ticks = "`" * (1 + max(runs, default=0))
    if not line.strip():
        return f"{ticks} {line or ' '} {ticks}"
    padded = f" {line} " if runs or line.startswith(" ") else line
    return f"{ticks}{padded}{ticks}"


def fenced(text: str, info: str = "text") -> str:
    """`text` as a fenced code block whose fence is longer than any backtick run inside.

    >>> print(fenced("x\\n````\\ny"))
    `````text
    x
    ````
    y
    `````
    """
    # Line endings as CommonMark reads them, and NUL as it shows it, so what is shown is `text`.
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
    runs = [len(run) for run in re.findall(r"`+", text)]
    fence = "`" * max(3, 1 + max(runs, default=0))
    body = text if text.endswith("\n") or not text else text + "\n"
    return f"{fence}{info}\n{body}{fence}"
