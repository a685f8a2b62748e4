"""What the kept ends of an overlong JSON line show: its complete members, and where the gap is.

A `LongLine` keeps the first and last bytes of one JSON value. Read forward from the start of
the head and backward from the end of the tail, both ends are exact: the head starts outside any
string, the tail ends outside any string, and backward a quote is a string's delimiter exactly
when an even number of backslashes precedes it. So every member complete in either end is known
for certain, and so is the member the unkept middle begins in (`open_key`, from the head).

What the ends cannot show is whether another member hides in the middle: that takes the scan of
the middle's bytes (`domain.text.json_middle.Middle`). When the middle never left a value and passed
no comma between its members, it lies inside the one member the head stops in, and the value is
`whole`: a member seen in neither end is absent. When it did, or no scan is known, a member seen
in neither end is unknown, and whatever a decision needs and `knows` cannot confirm must be
treated as unknown, never as a default.
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

import msgspec

from domain.text.depth import MAX_JSON_DEPTH, exceeds_depth
from domain.text.json_middle import Middle

_WS = b" \t\r\n"
_SCALAR = b"0123456789+-.eEtrufalsn"  # the bytes of numbers, true, false and null
_QUOTE, _BACKSLASH, _COLON, _COMMA = 0x22, 0x5C, 0x3A, 0x2C
_OPENERS, _CLOSERS = b"{[", b"}]"
_STRUCTURAL = re.compile(rb'["{}\[\]]')
_KEY = msgspec.json.Decoder(str)
# msgspec raises UnicodeDecodeError (not DecodeError) for invalid UTF-8 inside a string it keeps.
_UNREADABLE = (msgspec.DecodeError, UnicodeDecodeError)
# How deep `inner` views go: the harnesses' decisions need two levels (`message` in an event).
MAX_LEVELS = 3

# The kind of value the unkept middle lies in, as one end shows it: "between" when an end stops
# between members, "key" when it stops in a member's name (neither agrees with anything).
GapKind = Literal["object", "array", "string", "scalar", "between", "key"]


class Visible(msgspec.Struct, frozen=True, kw_only=True):
    """What the ends of one overlong JSON value show (`kind` "unreadable": not a JSON value).

    An object shows `members` (from both ends) and `open_key`, the member the middle starts in;
    an array shows `items` (complete in the head) and `last_items` (complete in the tail). When
    the middle starts in a container, `inner` is that container's view. `whole`: the middle lies
    inside that one member or element, so nothing else is hidden.
    """

    kind: Literal["object", "array", "unreadable"]
    members: dict[str, msgspec.Raw] = msgspec.field(default_factory=dict)
    items: tuple[msgspec.Raw, ...] = ()
    last_items: tuple[msgspec.Raw, ...] = ()
    open_key: str | None = None
    inner: Visible | None = None
    whole: bool = False

    def knows(self, key: str) -> bool:
        """True when member `key` is established: seen, or shown absent (see `whole`)."""
        return key in self.members or (self.whole and key != self.open_key)

    def text(self, key: str) -> str | None:
        """Member `key` when it is a visible string, else None."""
        raw = self.members.get(key)
        if raw is None:
            return None
        try:
            return _KEY.decode(raw)
        except _UNREADABLE:
            return None

    def as_object(self) -> bytes:
        """The visible members as one JSON object, for a typed decoder (absent ones are absent)."""
        pairs = (msgspec.json.encode(key) + b":" + bytes(raw) for key, raw in self.members.items())
        return b"{" + b",".join(pairs) + b"}"


class _End(NamedTuple):
    """What one end (head or tail) shows of the outermost value."""

    kind: Literal["object", "array"]
    members: dict[str, msgspec.Raw]
    items: list[msgspec.Raw]
    open_key: str | None
    gap: GapKind
    # Head: where the value holding the gap starts; tail: where it ends (exclusive). None when
    # the end stops between members or in a name.
    gap_at: int | None


_NOT_JSON = -1  # a position result: the bytes are not JSON


def read_long(
    head: bytes, tail: bytes | None, middle: Middle | None = None, *, levels: int = MAX_LEVELS
) -> Visible:
    """Read the ends of one overlong JSON value, and what `middle` says lies between them.

    `tail` None reads the head alone; `middle` None (no scan) leaves unseen members unknown.

    >>> head, tail = b'{"type":"agent_end","messages":[{"role":"user"', b'"}],"willRetry":false}'
    >>> v = read_long(head, tail, Middle(depth=3, separated=True))  # commas inside `messages`
    >>> v.text("type"), v.open_key, v.whole, bytes(v.members["willRetry"])
    ('agent_end', 'messages', True, b'false')
    >>> v.knows("willRetry"), v.knows("other"), v.knows("messages")
    (True, True, False)
    >>> hidden = read_long(head, tail, Middle(depth=1, separated=True))  # a member between
    >>> hidden.whole, hidden.knows("other"), read_long(head, tail).knows("other")
    (False, False, False)
    >>> bytes(read_long(b'{"n":1,"a":[1,', b'2],"n":2}').members["n"])  # the last one printed
    b'2'
    """
    return _read(head, tail, middle, 1, levels)


def _read(
    head: bytes, tail: bytes | None, middle: Middle | None, level: int, levels: int
) -> Visible:
    """`read_long` of a value at nesting `level` (1: the line's own value)."""
    start = _read_head(head)
    if start is None:
        return Visible(kind="unreadable")
    end = _read_tail(tail) if tail is not None else None
    if tail is not None and (end is None or end.kind != start.kind):
        return Visible(kind="unreadable")
    members = dict(start.members)
    last_items: tuple[msgspec.Raw, ...] = ()
    whole = False
    if end is not None:
        # A member printed twice takes its last value, as msgspec reads a short line: the tail's.
        members.update(end.members)
        last_items = tuple(reversed(end.items))
        whole = _only_the_open_member_is_hidden(start, middle, level)
    inner = None
    if levels > 1 and start.gap in ("object", "array") and start.gap_at is not None:
        # The container the head stops in reaches the tail when the middle never closed it.
        inner_tail = None
        if (
            tail is not None
            and end is not None
            and end.gap == start.gap
            and end.gap_at is not None
            and middle is not None
            and middle.depth > level
        ):
            inner_tail = tail[: end.gap_at]
        inner_middle = middle if inner_tail is not None else None
        inner = _read(head[start.gap_at :], inner_tail, inner_middle, level + 1, levels - 1)
    return Visible(
        kind=start.kind,
        members=members,
        items=tuple(start.items),
        last_items=last_items,
        open_key=start.open_key,
        inner=inner,
        whole=whole,
    )


def _only_the_open_member_is_hidden(start: _End, middle: Middle | None, level: int) -> bool:
    """True when the middle lies inside the member (or element) the head stops in."""
    if middle is None or middle.depth < level:
        return False  # unscanned, or the value closed in the middle: anything could follow
    if middle.depth == level and middle.separated:
        return False  # a comma between two of this value's members passed unseen
    if start.kind == "object":
        return start.open_key is not None  # a member whose name the head shows
    return start.gap not in ("between", "key")  # an element the head shows begin


_MEMBERS = msgspec.json.Decoder(dict[str, msgspec.Raw])


def read_whole(data: bytes) -> Visible:
    """A JSON object held whole, as a view that shows every member (the last of a repeated one).

    >>> v = read_whole(b'{"type":"x","n":1,"n":2}')
    >>> v.text("type"), bytes(v.members["n"]), v.knows("other"), read_whole(b"[1]").kind
    ('x', b'2', True, 'unreadable')
    """
    if exceeds_depth(data):
        return read_shallow(data)
    try:
        members = _MEMBERS.decode(data)
    except _UNREADABLE:
        return Visible(kind="unreadable")
    return Visible(kind="object", members=members, whole=True)


def read_shallow(data: bytes, limit: int = MAX_JSON_DEPTH) -> Visible:
    """A JSON value held whole but nested too deep to decode, as a view of its shallow parts.

    An object shows its members nested at most `limit` levels (the last of a repeated one); a
    deeper one is unknown, and then `whole` is False. An array shows all its elements in `items`,
    each to be measured again before it is decoded. Nothing deep is ever decoded here.

    >>> v = read_shallow(b'{"type":"x","deep":[[[1]]],"n":2}', limit=2)
    >>> v.text("type"), sorted(v.members), v.knows("deep"), v.knows("other"), v.whole
    ('x', ['n', 'type'], False, False, False)
    >>> [bytes(item) for item in read_shallow(b'[{"a":[[1]]}, 2 ]').items]
    [b'{"a":[[1]]}', b'2']
    >>> read_shallow(b'{"type":"x",').kind, read_shallow(b'[[[').kind, read_shallow(b'{"a":1]').kind
    ('unreadable', 'unreadable', 'unreadable')
    """
    body = data.rstrip(_WS)
    closer = body[-1:]
    # Without its closer the value never ends, and its last member ends at the added space.
    start = _read_head(body[:-1] + b" ") if closer in (b"}", b"]") else None
    if start is None or start.gap != "between" or (start.kind == "object") != (closer == b"}"):
        return Visible(kind="unreadable")
    if start.kind == "array":
        return Visible(kind="array", items=tuple(start.items), whole=True)
    members = {
        key: raw for key, raw in start.members.items() if not exceeds_depth(bytes(raw), limit)
    }
    return Visible(kind="object", members=members, whole=len(members) == len(start.members))


def _gap_kind_at_start(byte: int) -> GapKind:
    if byte == _QUOTE:
        return "string"
    if byte in _OPENERS:
        return "object" if byte == _OPENERS[0] else "array"
    return "scalar"


def _gap_kind_at_end(byte: int) -> GapKind:
    if byte == _QUOTE:
        return "string"
    if byte in _CLOSERS:
        return "object" if byte == _CLOSERS[0] else "array"
    return "scalar"


# -- forward, from the start of the head


def _skip_ws(buf: bytes, i: int) -> int:
    while i < len(buf) and buf[i] in _WS:
        i += 1
    return i


def _string_end(buf: bytes, i: int) -> int | None:
    """Just past the string opening at `i`; None when it runs past the end."""
    j = i + 1
    while True:
        j = buf.find(b'"', j)
        if j < 0:
            return None
        k = j
        while buf[k - 1] == _BACKSLASH:
            k -= 1
        if (j - k) % 2 == 0:
            return j + 1
        j += 1


def _value_end(buf: bytes, i: int) -> int | None:
    """Just past the value starting at `i`; None when it runs past the end; -1: not JSON."""
    first = buf[i]
    if first == _QUOTE:
        return _string_end(buf, i)
    if first in _OPENERS:
        depth = 0
        j = i
        while True:
            found = _STRUCTURAL.search(buf, j)
            if found is None:
                return None
            j = found.start()
            if buf[j] == _QUOTE:
                after = _string_end(buf, j)
                if after is None:
                    return None
                j = after
                continue
            depth += 1 if buf[j] in _OPENERS else -1
            j += 1
            if depth == 0:
                return j
    j = i
    while j < len(buf) and buf[j] in _SCALAR:
        j += 1
    if j == i:
        return _NOT_JSON
    return None if j == len(buf) else j


def _read_head(buf: bytes) -> _End | None:
    """The members complete in the head and the one the gap starts in; None: not JSON, or the
    value ends inside the head (then it was not one overlong value)."""
    i = _skip_ws(buf, 0)
    if i >= len(buf) or buf[i] not in _OPENERS:
        return None
    is_object = buf[i] == _OPENERS[0]
    kind: Literal["object", "array"] = "object" if is_object else "array"
    members: dict[str, msgspec.Raw] = {}
    items: list[msgspec.Raw] = []

    def stop(gap: GapKind, key: str | None = None, at: int | None = None) -> _End:
        return _End(kind, members, items, key, gap, at)

    i += 1
    while True:
        i = _skip_ws(buf, i)
        if i >= len(buf):
            return stop("between")
        if buf[i] in _CLOSERS:
            return None
        key: str | None = None
        if is_object:
            if buf[i] != _QUOTE:
                return None
            key_end = _string_end(buf, i)
            if key_end is None:
                return stop("key")
            try:
                key = _KEY.decode(buf[i:key_end])
            except _UNREADABLE:
                return None
            i = _skip_ws(buf, key_end)
            if i < len(buf) and buf[i] != _COLON:
                return None
            i = _skip_ws(buf, i + 1)
            if i >= len(buf):
                return stop("key", key)
        value_end = _value_end(buf, i)
        if value_end is None:
            return stop(_gap_kind_at_start(buf[i]), key, i)
        if value_end == _NOT_JSON:
            return None
        if key is not None:
            members[key] = msgspec.Raw(buf[i:value_end])
        else:
            items.append(msgspec.Raw(buf[i:value_end]))
        i = _skip_ws(buf, value_end)
        if i >= len(buf):
            return stop("between")
        if buf[i] != _COMMA:
            return None  # a closer ends the value inside the head; anything else is not JSON
        i += 1


# -- backward, from the end of the tail


def _skip_ws_back(buf: bytes, p: int) -> int:
    """The end (exclusive) of the last non-space byte before `p`."""
    while p > 0 and buf[p - 1] in _WS:
        p -= 1
    return p


def _string_start_back(buf: bytes, p: int) -> int | None:
    """Where the string ending at `p` (exclusive) opens; None when that is before the tail."""
    j = p - 1
    while True:
        j = buf.rfind(b'"', 0, j)
        if j < 0:
            return None
        k = j
        while k > 0 and buf[k - 1] == _BACKSLASH:
            k -= 1
        if k == 0:
            return None  # the tail starts in this run of backslashes (or at this quote)
        if (j - k) % 2 == 0:
            return j


def _value_start_back(buf: bytes, p: int) -> int | None:
    """Where the value ending at `p` (exclusive) starts; None: before the tail; -1: not JSON."""
    last = buf[p - 1]
    if last == _QUOTE:
        return _string_start_back(buf, p)
    if last in _CLOSERS:
        depth = 0
        j = p - 1
        while j >= 0:
            byte = buf[j]
            if byte == _QUOTE:
                opening = _string_start_back(buf, j + 1)
                if opening is None:
                    return None
                j = opening - 1
                continue
            if byte in _CLOSERS:
                depth += 1
            elif byte in _OPENERS:
                depth -= 1
                if depth == 0:
                    return j
            j -= 1
        return None
    j = p - 1
    while j >= 0 and buf[j] in _SCALAR:
        j -= 1
    if j == p - 1:
        return _NOT_JSON
    return None if j < 0 else j + 1


def _read_tail(buf: bytes) -> _End | None:
    """The members complete in the tail and where the gap ends; None: not the end of a JSON
    object or array, or the value starts inside the tail."""
    p = _skip_ws_back(buf, len(buf))
    if p == 0 or buf[p - 1] not in _CLOSERS:
        return None
    is_object = buf[p - 1] == _CLOSERS[0]
    kind: Literal["object", "array"] = "object" if is_object else "array"
    members: dict[str, msgspec.Raw] = {}
    items: list[msgspec.Raw] = []

    def stop(gap: GapKind, at: int | None = None) -> _End:
        return _End(kind, members, items, None, gap, at)

    p -= 1
    while True:
        q = _skip_ws_back(buf, p)
        if q == 0:
            return stop("between")
        if buf[q - 1] in _OPENERS:
            return None
        start = _value_start_back(buf, q)
        if start is None:
            return stop(_gap_kind_at_end(buf[q - 1]), q)
        if start == _NOT_JSON:
            return None
        value = msgspec.Raw(buf[start:q])
        p = start
        if is_object:
            colon = _skip_ws_back(buf, start)
            if colon == 0:
                return stop("key")
            if buf[colon - 1] != _COLON:
                return None
            name_end = _skip_ws_back(buf, colon - 1)
            if name_end == 0 or buf[name_end - 1] != _QUOTE:
                return stop("key") if name_end == 0 else None
            name_start = _string_start_back(buf, name_end)
            if name_start is None:
                return stop("key")
            try:
                key = _KEY.decode(buf[name_start:name_end])
            except _UNREADABLE:
                return None
            members.setdefault(key, value)  # read backward: the first seen is the last printed
            p = name_start
        else:
            items.append(value)
        r = _skip_ws_back(buf, p)
        if r == 0:
            return stop("between")
        if buf[r - 1] != _COMMA:
            return None  # an opener starts the value inside the tail; anything else is not JSON
        p = r - 1
