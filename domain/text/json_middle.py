"""What the unkept middle of an overlong JSON line held, learned as its bytes stream past.

An overlong line keeps only its ends (`domain.text.bounded_lines`), and ends alone cannot tell one
big value from several members with a small one between them (a `willRetry` between two long
arrays). But every byte passes the splitter once, so a scan of the bytes it drops can keep, in
constant memory, the two facts that settle it: how shallow the nesting got in the middle
(`depth`, the fewest containers open at any point of it) and whether a comma passed at that
depth (`separated`). `domain.text.long_json` reads from them exactly which members the ends cannot
show.

The scan works a chunk at a time with C-speed byte operations: escapes go first (a backslash
and the byte after it), so every quote left delimits a string; then all but quotes, brackets
and commas; then the strings with what they enclose; then balanced groups, which change neither
fact. The few brackets left are walked byte by byte. It trusts the bytes to be JSON, as the
ends show the line to be: a harness's serialiser writes nothing else.
"""

from __future__ import annotations

import re

import msgspec

_NOT_STRUCTURE = bytes(byte for byte in range(256) if byte not in b'"{}[],')
_STRING = re.compile(rb'"[^"]*"')  # once escapes are gone: a string, or what it held of these
_OPENERS = b"{["
_COMMA = 0x2C
# Passes that remove balanced groups, one nesting level each; past them (JSON nested deeper
# within one chunk) the rest is walked byte by byte: slower, still linear.
_REDUCTIONS = 32
# The most bytes worked on at once: each step copies its input, so a bigger piece is sliced.
_PIECE = 1024 * 1024


class Middle(msgspec.Struct, frozen=True, kw_only=True):
    """What the unkept middle of an overlong JSON line held.

    `depth` is the fewest containers open at any point of it (1: inside the outermost value
    only), `separated` whether a comma passed at that depth, between two of its members.
    """

    depth: int
    separated: bool


class MiddleScanner:
    """Scans one JSON line in order: `skim` the kept head, then `scan` the dropped middle.

    >>> scanner = MiddleScanner()
    >>> scanner.skim(b'{"type":"agent_end","messages":[{"a":"}"')
    >>> scanner.scan(b',"b":[1,2]},{"c":"\\\\",')
    >>> scanner.scan(b'"}]')
    >>> scanner.middle()
    Middle(depth=1, separated=False)
    >>> scanner.scan(b',"willRetry":true,"more":[')
    >>> scanner.middle()
    Middle(depth=1, separated=True)
    """

    def __init__(self) -> None:
        self._in_string = False
        self._escaped = False  # the last byte was a backslash that escapes the next one
        self._depth = 0
        self._least: int | None = None  # None until the middle starts
        self._separated = False

    def skim(self, data: bytes) -> None:
        """Take the next bytes of the kept head: only the state they leave matters."""
        structure = self._structure(data)
        opened = structure.count(b"{") + structure.count(b"[")
        self._depth += opened - structure.count(b"}") - structure.count(b"]")

    def scan(self, data: bytes | bytearray | memoryview) -> None:
        """Take the next bytes of the unkept middle."""
        if self._least is None:
            self._least = self._depth
        with memoryview(data) as view:
            for start in range(0, len(view), _PIECE):
                self._scan_piece(bytes(view[start : start + _PIECE]))

    def _scan_piece(self, data: bytes) -> None:
        structure = self._structure(data)
        depth = self._depth
        least = depth if self._least is None else self._least
        if self._separated:
            # Commas no longer matter unless the piece goes below the least depth: brackets
            # alone are fewer to reduce (most pieces of a long `messages` array end here).
            lowest = depth
            for byte in _reduced(structure.translate(None, b","), groups=(b"{}", b"[]")):
                depth += 1 if byte in _OPENERS else -1
                lowest = min(lowest, depth)
            if lowest >= least:
                self._depth = depth
                return
            depth = self._depth
        separated = self._separated
        for byte in _reduced(structure):
            if byte == _COMMA:
                separated = separated or depth == least
            elif byte in _OPENERS:
                depth += 1
            else:
                depth -= 1
                if depth < least:
                    least, separated = depth, False
        self._depth, self._least, self._separated = depth, least, separated

    def middle(self) -> Middle:
        """What the middle held so far (an empty middle hides nothing)."""
        least = self._depth if self._least is None else self._least
        return Middle(depth=least, separated=self._separated)

    def _structure(self, data: bytes) -> bytes:
        """The brackets and commas of `data` that lie outside strings; keeps the string state."""
        if self._escaped and data:
            # The escaped byte: dropped when it is one that the steps below would have paired
            # with the backslash, so that where a chunk ends never changes the result.
            self._escaped = False
            if data[:1] in (b'"', b"\\"):
                data = data[1:]
        if b"\\" in data:
            # Pairs of backslashes first, then escaped quotes: every quote left is a delimiter.
            data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
            self._escaped = data.endswith(b"\\")
        kept = data.translate(None, _NOT_STRUCTURE)
        if b'"' not in kept:
            return b"" if self._in_string else kept
        if self._in_string:
            kept = b'"' + kept
        # Two adjacent quotes removed move no byte to the other side of a string boundary: most
        # strings go this way, and the rest, pair by pair, with the brackets they enclose.
        kept = _STRING.sub(b"", kept.replace(b'""', b""))
        opening = kept.find(b'"')
        self._in_string = opening >= 0
        return kept[:opening] if self._in_string else kept


def _reduced(structure: bytes, groups: tuple[bytes, ...] = (b"{}", b"[]", b"{,}", b"[,]")) -> bytes:
    """`structure` without balanced groups and with runs of commas made one: neither changes
    the least depth or whether a comma passed at it.

    >>> _reduced(b',{,[{,},{}],,}],,{[')
    b',],{['
    """
    for _ in range(_REDUCTIONS):
        before = len(structure)
        while b",," in structure:
            structure = structure.replace(b",,", b",")
        for group in groups:
            structure = structure.replace(group, b"")
        if len(structure) == before:
            break
    return structure
