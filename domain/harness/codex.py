"""Codex's `codex exec --json` events, normalised line by line.

`turn.completed.usage` is the thread's running total, so the last one is taken, never a sum;
its `input_tokens` include the cached ones, which the report separates out. A top-level `error`
line is a notice (Codex also uses it for reconnects), not the end; `turn.failed` is final.
Codex prints no cost at all.
"""

from __future__ import annotations

import msgspec

from domain.harness.lines import LineNormaliser, event_tags
from domain.harness.report import HarnessReport, HarnessUsage
from domain.text.long_json import Visible

_RECONNECT_PREFIX = "reconnecting"


class _Usage(msgspec.Struct, frozen=True):
    input_tokens: int = 0
    cached_input_tokens: int = 0
    cache_write_input_tokens: int = 0  # Codex 0.169 prints it; older releases do not
    # `reasoning_output_tokens` is part of `output_tokens` (as in the Responses API): not added.
    output_tokens: int = 0


class _Error(msgspec.Struct, frozen=True):
    message: str = ""


class _Item(msgspec.Struct, frozen=True):
    type: str = ""
    text: str | None = None
    message: str | None = None


class _Event(msgspec.Struct, frozen=True, tag_field="type"):
    pass


class _ThreadStarted(_Event, frozen=True, tag="thread.started"):
    pass


class _TurnStarted(_Event, frozen=True, tag="turn.started"):
    pass


class _TurnCompleted(_Event, frozen=True, tag="turn.completed"):
    usage: _Usage | None = None


class _TurnFailed(_Event, frozen=True, tag="turn.failed"):
    error: _Error | None = None


class _ItemStarted(_Event, frozen=True, tag="item.started"):
    pass


class _ItemUpdated(_Event, frozen=True, tag="item.updated"):
    pass


class _ItemCompleted(_Event, frozen=True, tag="item.completed"):
    item: _Item = msgspec.field(default_factory=_Item)


class _StreamError(_Event, frozen=True, tag="error"):
    message: str = ""


_CodexEvent = (
    _ThreadStarted
    | _TurnStarted
    | _TurnCompleted
    | _TurnFailed
    | _ItemStarted
    | _ItemUpdated
    | _ItemCompleted
    | _StreamError
)
_DECODER = msgspec.json.Decoder(_CodexEvent)
_IGNORED: frozenset[type[_Event]] = frozenset({_ItemStarted, _ItemUpdated, _ThreadStarted})
CODEX_EVENT_TYPES = event_tags(_CodexEvent)


class CodexNormaliser(LineNormaliser[_CodexEvent]):
    """Reads Codex's exec events into a `HarnessReport`; the cost is always unknown.

    >>> n = CodexNormaliser()
    >>> n.feed(b'{"type":"turn.completed","usage":{"input_tokens":9,"cached_input_tokens":4}}')
    >>> n.finish(0).usage.input_tokens, n.finish(0).total_cost_usd
    (5, None)
    """

    def __init__(self) -> None:
        super().__init__(_DECODER, CODEX_EVENT_TYPES)
        self._usage: _Usage | None = None
        self._turn_open = False
        self._finals = 0
        self._failure: str | None = None  # the message of a final turn.failed, None on success
        self._notice: str | None = None  # the last non-final error, for a cut-off stream
        self._retries = 0
        self._result_text: str | None = None
        # Why the last final turn event may have gone unread (events that could not be read at
        # all): until one is read after them, how the run ended is unknown.
        self._final_hidden: str | None = None

    @property
    def running_cost_usd(self) -> float | None:
        """Always None: Codex reports no cost."""
        return None

    def _apply(self, event: _CodexEvent) -> None:
        if type(event) in _IGNORED:  # one set lookup dismisses the frequent item deltas
            return
        if isinstance(event, _ItemCompleted):
            self._item_completed(event.item)
        elif isinstance(event, _TurnStarted):
            self._turn_open = True
        elif isinstance(event, _TurnCompleted):
            self._turn_open = False
            self._finals += 1
            self._failure = self._final_hidden = None
            if event.usage is not None:
                self._usage = event.usage
        elif isinstance(event, _TurnFailed):
            self._turn_open = False
            self._finals += 1
            self._final_hidden = None
            message = event.error.message if event.error is not None else ""
            self._failure = message or "codex reported turn.failed without a message"
        elif isinstance(event, _StreamError):
            self._notice = event.message or "codex printed an error line without a message"
            if event.message.lower().startswith(_RECONNECT_PREFIX):
                self._retries += 1

    def _apply_long(self, event_type: str, view: Visible, size: int) -> None:
        """Overlong lines: a completed item is a final answer or a long command output; an
        answer whose text the ends do not show leaves no result text rather than an older one."""
        if event_type == "item.completed" and "item" not in view.members:
            item = view.inner if view.open_key == "item" else None
            kind = item.text("type") if item is not None else None
            if kind in (None, "agent_message"):
                self._result_text = None
            elif kind == "error":
                self._notice = f"codex printed an error item of {size} bytes, too long to read"
        else:
            self._apply_visible(event_type, view, size)

    def _unreadable(self, event_type: str, view: Visible, size: int, why: str) -> None:
        """A final turn event the decoder rejects ends the turn in failure (how it ended and its
        usage are unknown); an unreadable item may have been the answer."""
        super()._unreadable(event_type, view, size, why)
        if event_type in ("turn.completed", "turn.failed"):
            self._turn_open = False
            self._finals += 1
            self._final_hidden = None
            self._failure = (
                f"codex printed a {event_type} of {size} bytes that could not be read ({why}): "
                "how the turn ended, and its usage, are unknown"
            )
        elif event_type == "item.completed":
            self._result_text = None  # no older answer may stand in for it
        elif event_type == "error":
            self._notice = f"codex printed an error line of {size} bytes that could not be read"

    def _events_unread(self, reason: str) -> None:
        """The last answer and the last final turn event may be among events that could not be
        read: no older answer stands in, and a final event read after them decides again."""
        self._result_text = None
        self._final_hidden = self._final_hidden or reason

    def _item_completed(self, item: _Item) -> None:
        if item.type == "agent_message" and item.text is not None:
            self._result_text = item.text
        elif item.type == "error" and item.message:
            self._notice = item.message

    def _report(self, exit_code: int | None) -> HarnessReport:
        """The report: the last final turn event decides; without one the run was cut off."""
        complete = self._finals > 0 and not self._turn_open
        reasons: list[str] = []
        if self._final_hidden is not None:
            reasons.append(
                f"{self._final_hidden}: the last turn.completed or turn.failed may have been "
                "among them"
            )
        elif not complete:
            last = f" (last error: {self._notice})" if self._notice else ""
            reasons.append(f"the stream ended without turn.completed or turn.failed{last}")
        elif self._failure is not None:
            reasons.append(self._failure)
        if exit_code is not None and exit_code != 0:
            reasons.insert(0, f"codex exited with code {exit_code}")
        usage = self._usage or _Usage()
        return HarnessReport(
            harness="codex",
            complete=complete,
            is_error=bool(reasons),
            error_message="; ".join(reasons) if reasons else None,
            stop_reason=None,
            result_text=self._result_text,
            num_turns=self._finals,
            retries=self._retries,
            compactions=0,
            usage=HarnessUsage(
                input_tokens=max(usage.input_tokens - usage.cached_input_tokens, 0),
                output_tokens=usage.output_tokens,
                cache_read_tokens=usage.cached_input_tokens,
                cache_write_tokens=usage.cache_write_input_tokens,
            ),
            total_cost_usd=None,
            cost_reported=False,
            models=(),
            unknown_events=self.unknown_events,
            malformed_lines=self.malformed_lines,
            long_lines=self.long_lines,
            deep_lines=self.deep_lines,
        )
