"""Line handling shared by the harness normalisers: typed decoding, counting what cannot be read."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Generic, TypeVar, get_args

import msgspec

from domain.bounded_lines import Line, LongLine
from domain.harness_report import HarnessReport
from domain.json_document import Document, DocumentAssembler, NotADocument, opens_document
from domain.long_json import Visible, read_long

EventT = TypeVar("EventT")

# msgspec raises UnicodeDecodeError (not DecodeError) for invalid UTF-8 inside a string it keeps.
UNREADABLE = (msgspec.DecodeError, UnicodeDecodeError)


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


class LineNormaliser(ABC, Generic[EventT]):
    """Feeds lines through one typed decoder; subclasses apply the events they understand.

    The typed decoder is the fast path: it reads only the fields a harness's rules need and skips
    the rest (message deltas, tool output) without building Python objects. Lines it rejects take
    the slow path once, to be classified as blank, a JSON array of events (Claude's `--verbose`
    json form), an unknown event type, or malformed.
    """

    def __init__(self, decoder: msgspec.json.Decoder[EventT], known_types: frozenset[str]) -> None:
        self._decoder = decoder
        self._known_types = known_types
        self.unknown_events = 0
        self.malformed_lines = 0
        self.long_lines = 0
        # Before the first line that is not blank: it may open one multi-line JSON document.
        self._first = True
        self._document: DocumentAssembler | None = None

    def feed(self, line: Line) -> None:
        """Consume one line of output (without its newline; a trailing `\\r` is JSON whitespace).

        A `LongLine` (only its ends were kept) is decided from what its ends show. When the
        first line opens a JSON object or array it does not close (a pretty-printed `json`
        output), the lines are read as that one document (`domain.json_document`).
        """
        if self._first or self._document is not None:
            self._feed_document_line(line)
            return
        self._feed_line(line)

    def finish(self, exit_code: int | None) -> HarnessReport:
        """The report for everything fed so far; `exit_code` None means it is not known."""
        if self._document is not None:  # the input ended inside the document
            self._settle(self._document.abandon())
            self._document = None
        return self._report(exit_code)

    def _feed_document_line(self, line: Line) -> None:
        if self._document is None:
            if isinstance(line, bytes) and not line.strip():
                return  # blank lines before the first event are nothing
            self._first = False
            if isinstance(line, bytes) and opens_document(line):
                self._document = DocumentAssembler(line)
            else:
                self._feed_line(line)
            return
        outcome = self._document.add(line)
        if outcome is not None:
            self._document = None
            self._settle(outcome)

    def _settle(self, outcome: Document | NotADocument) -> None:
        if isinstance(outcome, Document):
            self._feed_line(outcome.value)
            return
        self.malformed_lines += outcome.lost
        for line in outcome.lines:
            self._feed_line(line)

    def _feed_line(self, line: Line) -> None:
        if isinstance(line, LongLine):
            self._feed_long(line)
            return
        try:
            event = self._decoder.decode(line)
        except UNREADABLE:
            self._classify(line, nested=False)
            return
        self._apply(event)

    @property
    @abstractmethod
    def running_cost_usd(self) -> float | None:
        """The cost reported so far, or None when the harness has reported none yet."""

    @abstractmethod
    def _report(self, exit_code: int | None) -> HarnessReport:
        """The harness's report for everything fed so far."""

    @abstractmethod
    def _apply(self, event: EventT) -> None:
        """Update the counters for one decoded event."""

    def _feed_long(self, line: LongLine) -> None:
        self.long_lines += 1
        view = read_long(line.head, line.tail)
        if view.kind == "array":
            # The elements in the ends are read; those in the unkept middle are lost.
            for element in view.items:
                self._feed_element(bytes(element))
            return
        event_type = view.text("type")
        if view.kind == "unreadable" or event_type is None:
            self.malformed_lines += 1
        elif event_type not in self._known_types:
            self.unknown_events += 1
        else:
            self._apply_long(event_type, view, line.size)

    def _apply_long(self, event_type: str, view: Visible, size: int) -> None:
        """Apply an overlong event from its visible members.

        This default suits events whose every member may be missing: a subclass must take over
        for each event whose decision needs a member the ends may not show (absent members take
        the struct's default, which must never be read as a fact).
        """
        del event_type, size
        self._apply_visible(view)

    def _apply_visible(self, view: Visible) -> None:
        try:
            event = self._decoder.decode(view.as_object())
        except UNREADABLE:
            self.malformed_lines += 1
            return
        self._apply(event)

    def _classify(self, line: bytes, *, nested: bool) -> None:
        if not nested and not line.strip():
            return  # blank lines are not events; every file ends with one after splitting
        try:
            shape = _SHAPE.decode(line)
        except UNREADABLE:
            self.malformed_lines += 1
            return
        if isinstance(shape, list):
            if nested:
                self.malformed_lines += 1
                return
            for element in shape:
                self._feed_element(bytes(element))
            return
        if isinstance(shape.type, str) and shape.type not in self._known_types:
            self.unknown_events += 1
        else:
            self.malformed_lines += 1

    def _feed_element(self, element: bytes) -> None:
        try:
            event = self._decoder.decode(element)
        except UNREADABLE:
            self._classify(element, nested=True)
            return
        self._apply(event)
