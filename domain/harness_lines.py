"""Line handling shared by the harness normalisers: typed decoding, counting what cannot be read."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Generic, TypeVar, get_args

import msgspec

from domain.harness_report import HarnessReport

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

    def feed(self, line: bytes) -> None:
        """Consume one line of output (without its newline; a trailing `\\r` is JSON whitespace)."""
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
    def finish(self, exit_code: int | None) -> HarnessReport:
        """The report for everything fed so far; `exit_code` None means it is not known."""

    @abstractmethod
    def _apply(self, event: EventT) -> None:
        """Update the counters for one decoded event."""

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
