"""Line handling shared by the harness normalisers: typed decoding, counting what cannot be read."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from typing import Any, Generic, TypeVar, get_args

import msgspec
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from domain.harness.report import HarnessReport
from domain.text.bounded_lines import Line, LongLine
from domain.text.depth import MAX_JSON_DEPTH, exceeds_depth
from domain.text.json_document import Document, DocumentAssembler, NotADocument, opens_document
from domain.text.long_json import Visible, read_long, read_shallow, read_whole

EventT = TypeVar("EventT")
T = TypeVar("T")

# msgspec raises UnicodeDecodeError (not DecodeError) for invalid UTF-8 inside a string it keeps.
UNREADABLE = (msgspec.DecodeError, UnicodeDecodeError)

# Why a value nested too deep to decode was not read (`domain.text.depth`).
TOO_DEEP = f"it nests deeper than {MAX_JSON_DEPTH} levels"

# A surrogate escape: a valid pair (group 1, kept) or a lone half (replaced).
_SURROGATE_ESCAPE = re.compile(
    rb"(\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2})|\\u[dD][89a-fA-F][0-9a-fA-F]{2}"
)


def _pair_or_replacement(match: re.Match[bytes]) -> bytes:
    return match.group(1) or rb"\ufffd"


def repaired_text(data: bytes) -> bytes | None:
    r"""`data` with what only text can hold wrong made U+FFFD, or None when nothing needs it.

    That is invalid UTF-8, and lone surrogate escapes: JavaScript's `JSON.stringify` prints
    them (a string cut between the halves of an emoji), and msgspec refuses them anywhere, even
    in a value it skips. Numbers, names and structure are never touched.

    >>> repaired_text(b'{"t":"a\\ud800b","u":"\\ud83d\\ude00"}')
    b'{"t":"a\\ufffdb","u":"\\ud83d\\ude00"}'
    >>> repaired_text(b'{"t":"a\xffb"}'), repaired_text(b'{"t":"ok"}')
    (b'{"t":"a\xef\xbf\xbdb"}', None)
    """
    fixed = data
    try:
        data.decode()
    except UnicodeDecodeError:
        fixed = data.decode("utf-8", "replace").encode()
    if b"\\u" in fixed:
        fixed = _SURROGATE_ESCAPE.sub(_pair_or_replacement, fixed)
    return None if fixed == data else fixed


def decode_repairing(decoder: msgspec.json.Decoder[T], data: bytes) -> Result[T, str]:
    r"""Decode `data`, repairing its text (`repaired_text`) before giving up with the reason.

    Data nested deeper than `MAX_JSON_DEPTH` is refused undecoded (`TOO_DEEP`).

    >>> decode_repairing(msgspec.json.Decoder(str), b'"a\\udc00"').unwrap().encode()
    b'a\xef\xbf\xbd'
    >>> decode_repairing(msgspec.json.Decoder(int), b'null').failure()
    'Expected `int`, got `null`'
    >>> decode_repairing(msgspec.json.Decoder(object), b"[" * 5000).failure()
    'it nests deeper than 64 levels'
    """
    if exceeds_depth(data):
        return Failure(TOO_DEEP)
    try:
        return Success(decoder.decode(data))
    except UNREADABLE as exc:
        why = str(exc)
    repaired = repaired_text(data)
    if repaired is None:
        return Failure(why)
    try:
        return Success(decoder.decode(repaired))
    except UNREADABLE as exc:
        return Failure(str(exc))


def event_tags(union: Any) -> frozenset[str]:
    """The `type` tags of a union of tagged event structs, so known types never drift from it.

    >>> class E(msgspec.Struct, tag_field="type"): pass
    >>> class A(E, tag="a"): pass
    >>> class B(E, tag="b"): pass
    >>> sorted(event_tags(A | B))
    ['a', 'b']
    """
    return frozenset(str(member.__struct_config__.tag) for member in get_args(union))


class _Envelope(msgspec.Struct, frozen=True):
    """Just enough of a JSON object to tell an unknown event from a malformed known one."""

    type: object = None


_SHAPE = msgspec.json.Decoder(_Envelope | list[msgspec.Raw])
# How every pretty-printer starts a document: its opening bracket alone on the first line.
_BARE_OPENERS = (b"{", b"[")


class LineNormaliser(ABC, Generic[EventT]):
    """Feeds lines through one typed decoder; subclasses apply the events they understand.

    The typed decoder is the fast path: it reads only the fields a harness's rules need and skips
    the rest (message deltas, tool output) without building Python objects. Lines it rejects take
    the slow path once, to be classified as blank, a JSON array of events (Claude's `--verbose`
    json form), an unknown event type, a known event whose text needed repair
    (`repaired_text`), or a known event whose shape we cannot read: that one is counted
    malformed and handed to `_unreadable`, since what it said is unknown, never nothing.
    """

    def __init__(self, decoder: msgspec.json.Decoder[EventT], known_types: frozenset[str]) -> None:
        self._decoder = decoder
        self._known_types = known_types
        self.unknown_events = 0
        self.malformed_lines = 0
        self.long_lines = 0
        self.deep_lines = 0
        # Before the first line that is not blank, or right after a multi-line JSON document:
        # the next line may open one (any line that leaves an object or array open).
        self._first = True
        self._document: DocumentAssembler | None = None

    def feed(self, line: Line) -> None:
        """Consume one line of output (without its newline; a trailing `\\r` is JSON whitespace).

        A `LongLine` (only its ends were kept) is decided from what its ends show. When the
        first line opens a JSON object or array it does not close (a pretty-printed `json`
        output), the lines are read as that one document (`domain.text.json_document`), and so is
        each such document after it (`jq .` prints a stream that way). Among JSON lines, a line
        that is only `{` or `[` opens one too: every pretty-printer starts a document so, and no
        event line is cut off that early.
        """
        if self._first or self._document is not None:
            self._feed_document_line(line)
            return
        self._feed_line(line, may_open=True)

    def finish(self, exit_code: int | None) -> HarnessReport:
        """The report for everything fed so far; `exit_code` None means it is not known."""
        if self._document is not None:  # the input ended inside the document
            self._settle(self._document.abandon())
            self._document = None
        return self._report(exit_code)

    def _feed_document_line(self, line: Line) -> None:
        if self._document is None:
            if isinstance(line, bytes) and not line.strip():
                return  # blank lines before an event or a document are nothing
            self._first = False
            if isinstance(line, bytes) and opens_document(line):
                self._document = DocumentAssembler(line)
            else:
                self._feed_line(line)
            return
        outcome = self._document.add(line)
        if outcome is not None:
            self._document = None
            # After a whole document, another may follow; after lines that were none, the
            # input is JSON lines.
            self._first = isinstance(outcome, Document)
            self._settle(outcome)

    def _settle(self, outcome: Document | NotADocument) -> None:
        if isinstance(outcome, Document):
            if isinstance(outcome.value, LongLine):
                self._feed_long(outcome.value, assembled=True)
            else:
                self._feed_line(outcome.value)
            return
        self.malformed_lines += outcome.lost
        if outcome.lost:
            self._events_unread(
                f"{outcome.lost} lines that opened a JSON document were too many to keep, and "
                "were not read"
            )
        for line in outcome.lines:
            self._feed_line(line)

    def _feed_line(self, line: Line, *, may_open: bool = False) -> None:
        if isinstance(line, LongLine):
            self._feed_long(line)
            return
        if exceeds_depth(line):
            self._feed_deep(line)
            return
        try:
            event = self._decoder.decode(line)
        except UNREADABLE as exc:
            if may_open and line.strip() in _BARE_OPENERS:
                self._document = DocumentAssembler(line)  # a pretty-printed value
            else:
                self._classify(line, nested=False, why=str(exc))
            return
        self._apply(event)

    @property
    @abstractmethod
    def running_cost_usd(self) -> float | None:
        """The cost reported so far, or None when the harness has reported none yet."""

    @property
    def cost_lost(self) -> str | None:
        """Why the running cost can no longer be known from the input read so far, or None.

        Only a harness that reports cost as it goes can lose it mid-run; the others never had a
        running cost to lose.
        """
        return None

    @abstractmethod
    def _report(self, exit_code: int | None) -> HarnessReport:
        """The harness's report for everything fed so far."""

    @abstractmethod
    def _apply(self, event: EventT) -> None:
        """Update the counters for one decoded event."""

    @abstractmethod
    def _events_unread(self, reason: str) -> None:
        """Events were in the input but could not be read at all (`reason`): whatever they said
        about the cost or the verdict is unknown, and must fail closed."""

    def _feed_long(self, line: LongLine, *, assembled: bool = False) -> None:
        self.long_lines += 1
        view = read_long(line.head, line.tail, line.middle)
        if view.kind == "array":
            self._feed_long_array(view, line.size)
        elif view.kind == "object":
            self._feed_long_event(view, line.size)
        elif assembled:
            # Lines gathered as one document that turns out to be none: they were events.
            self.malformed_lines += 1
            self._events_unread(
                f"lines gathered as a JSON document of {line.size} bytes were no JSON value, "
                "and were not read"
            )
        else:
            self._read_cut(line.head, line.size, "its ends are not those of one JSON value")

    def _feed_long_array(self, view: Visible, size: int) -> None:
        """The events of an overlong array (Claude's `--verbose` json form on one line)."""
        for element in view.items:
            self._feed_element(bytes(element))
        if view.whole and view.inner is not None:
            self._feed_long_event(view.inner, size)  # the one element the middle lies in
        elif view.whole:
            self.malformed_lines += 1  # a string or a number: no event
        else:
            self._events_unread(
                f"the events in the middle of an overlong JSON array of {size} bytes were not kept"
            )
        for element in view.last_items:
            self._feed_element(bytes(element))

    def _feed_long_event(self, view: Visible, size: int) -> None:
        event_type = view.text("type")
        if view.kind != "object" or event_type is None:
            self.malformed_lines += 1
            if view.kind == "object" and not view.knows("type"):
                self._events_unread(f"an overlong line of {size} bytes did not show its type")
        elif event_type not in self._known_types:
            self.unknown_events += 1
        else:
            self._apply_long(event_type, view, size)

    def _read_cut(self, head: bytes, size: int, why: str) -> None:
        """A line that is no JSON value, read from its start: a known event cut off mid-print
        (a killed harness) is one we cannot read and fails closed, and so does a JSON value
        begun without showing what it is (one printed over lines we did not assemble)."""
        view = read_long(head, None)
        event_type = view.text("type")
        if view.kind == "unreadable":
            self.malformed_lines += 1  # not the start of a JSON object or array
        elif event_type is not None and event_type in self._known_types:
            self._unreadable(event_type, view, size, f"{why}: it was cut off")
        elif event_type is not None and view.kind == "object":
            self.unknown_events += 1
        else:
            self.malformed_lines += 1
            self._events_unread(f"a line of {size} bytes began a JSON value that was not read")

    def _apply_long(self, event_type: str, view: Visible, size: int) -> None:
        """Apply an overlong event from its visible members.

        This default suits events whose every member may be missing: a subclass must take over
        for each event whose decision needs a member the ends may not show (absent members take
        the struct's default, which must never be read as a fact).
        """
        self._apply_visible(event_type, view, size)

    def _apply_visible(self, event_type: str, view: Visible, size: int) -> bool:
        """Decode and apply the visible members; False (and `_unreadable`) when they cannot be."""
        decoded = decode_repairing(self._decoder, view.as_object())
        if not is_successful(decoded):
            self._unreadable(event_type, view, size, decoded.failure())
            return False
        self._apply(decoded.unwrap())
        return True

    def _unreadable(self, event_type: str, view: Visible, size: int, why: str) -> None:
        """A known event of `size` bytes whose shape the decoder rejected (`why`): malformed.

        A subclass must fail closed on each event its verdict or cost rests on: what that event
        said is unknown, so neither the struct's defaults nor an earlier event may stand in.
        `view` shows what could be read of its members.
        """
        del event_type, view, size, why
        self.malformed_lines += 1

    def _classify(self, line: bytes, *, nested: bool, why: str) -> None:
        if not nested and not line.strip():
            return  # blank lines are not events; every file ends with one after splitting
        repaired = repaired_text(line)
        if repaired is not None:
            try:
                event = self._decoder.decode(repaired)
            except UNREADABLE as exc:
                line, why = repaired, str(exc)
            else:
                self._apply(event)
                return
        try:
            shape = _SHAPE.decode(line)
        except UNREADABLE:
            self._read_cut(line, len(line), "it is no JSON value")
            return
        if isinstance(shape, list):
            if nested:
                self.malformed_lines += 1
                return
            for element in shape:
                self._feed_element(bytes(element))
            return
        if not isinstance(shape.type, str):
            self.malformed_lines += 1
        elif shape.type not in self._known_types:
            self.unknown_events += 1
        else:
            self._unreadable(shape.type, read_whole(line), len(line), why)

    def _feed_deep(self, line: bytes, *, nested: bool = False) -> None:
        """A value nested too deep to decode (`domain.text.depth`), read from its shallow members.

        It is malformed, counted in `deep_lines`, and fails closed as an undecodable line does: a
        known event is unreadable (`_unreadable`: what it said of the verdict or cost is
        unknown), and so are the events of a value that does not show its type. An array's
        events (Claude's `--verbose` json form) are read one by one, each measured again.
        """
        view = read_shallow(line)
        if view.kind == "array" and not nested:
            for element in view.items:
                self._feed_element(bytes(element))
            return
        self.deep_lines += 1
        event_type = view.text("type")
        if view.kind != "object" or event_type is None:
            self.malformed_lines += 1
            if not nested and not (view.kind == "object" and view.knows("type")):
                self._events_unread(f"a line of {len(line)} bytes was not read: {TOO_DEEP}")
        elif event_type not in self._known_types:
            self.unknown_events += 1
        else:
            self._unreadable(event_type, view, len(line), TOO_DEEP)

    def _feed_element(self, element: bytes) -> None:
        if exceeds_depth(element):
            self._feed_deep(element, nested=True)
            return
        try:
            event = self._decoder.decode(element)
        except UNREADABLE as exc:
            self._classify(element, nested=True, why=str(exc))
            return
        self._apply(event)
