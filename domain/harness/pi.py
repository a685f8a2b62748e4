"""Pi's JSON mode (`pi --print --mode json`), normalised line by line.

Usage and cost are per message: they are summed over every assistant `message_end`, failed
attempts included; `turn_end` and `agent_end` repeat those messages and are never counted again.
Errors are assistant messages (`stopReason` `error`/`aborted`, or an `errorMessage`), Pi retries
on its own, and JSON mode exits 0 even when every attempt failed, so the verdict comes from the
stream: the last attempt decides, and a stream without a final `agent_end` was cut off.
"""

from __future__ import annotations

import msgspec
from returns.pipeline import is_successful

from domain.harness.lines import UNREADABLE, LineNormaliser, decode_repairing, event_tags
from domain.harness.report import HarnessReport, HarnessUsage
from domain.text.long_json import Visible

# Distinct model names kept for the report; a transcript cannot grow this without bound.
MAX_MODELS = 32
_ERROR_STOPS = frozenset({"error", "aborted"})
# Costs are summed with compensation, then rounded: a pico-dollar is precise enough, and it hides
# the binary noise of decimal prices (0.0054 + 0.0011 = 0.006500000000000001).
COST_DIGITS = 12


class _Cost(msgspec.Struct, frozen=True):
    total: float = 0.0


class _Usage(msgspec.Struct, frozen=True, rename="camel"):
    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0
    cost: _Cost | None = None


_NO_CONTENT = msgspec.Raw(b"[]")


class _Message(msgspec.Struct, frozen=True, rename="camel"):
    role: str = ""
    # Content is only read for the last assistant message; Raw skips it without building objects.
    content: msgspec.Raw = _NO_CONTENT
    model: str | None = None
    usage: _Usage | None = None
    stop_reason: str | None = None
    error_message: str | None = None


class _Role(msgspec.Struct, frozen=True):
    """Only whose message it is: enough to know a message_end we cannot read costs nothing."""

    role: object = None


class _Block(msgspec.Struct, frozen=True):
    type: str = ""
    text: str | None = None


class _Event(msgspec.Struct, frozen=True, tag_field="type", rename="camel"):
    pass


class _Session(_Event, frozen=True, tag="session"):
    pass


class _AgentStart(_Event, frozen=True, tag="agent_start"):
    pass


class _AgentEnd(_Event, frozen=True, tag="agent_end"):
    will_retry: bool = False


class _AgentSettled(_Event, frozen=True, tag="agent_settled"):
    pass


class _TurnStart(_Event, frozen=True, tag="turn_start"):
    pass


class _TurnEnd(_Event, frozen=True, tag="turn_end"):
    pass


class _MessageStart(_Event, frozen=True, tag="message_start"):
    pass


class _MessageUpdate(_Event, frozen=True, tag="message_update"):
    pass


class _MessageEnd(_Event, frozen=True, tag="message_end"):
    message: _Message = msgspec.field(default_factory=_Message)


class _ToolExecutionStart(_Event, frozen=True, tag="tool_execution_start"):
    pass


class _ToolExecutionUpdate(_Event, frozen=True, tag="tool_execution_update"):
    pass


class _ToolExecutionEnd(_Event, frozen=True, tag="tool_execution_end"):
    pass


class _CompactionStart(_Event, frozen=True, tag="compaction_start"):
    pass


class _CompactionEnd(_Event, frozen=True, tag="compaction_end"):
    aborted: bool = False
    will_retry: bool = False
    error_message: str | None = None


class _AutoRetryStart(_Event, frozen=True, tag="auto_retry_start"):
    attempt: int = 0


class _AutoRetryEnd(_Event, frozen=True, tag="auto_retry_end"):
    success: bool = False
    attempt: int = 0
    final_error: str | None = None


class _QueueUpdate(_Event, frozen=True, tag="queue_update"):
    pass


_PiEvent = (
    _Session
    | _AgentStart
    | _AgentEnd
    | _AgentSettled
    | _TurnStart
    | _TurnEnd
    | _MessageStart
    | _MessageUpdate
    | _MessageEnd
    | _ToolExecutionStart
    | _ToolExecutionUpdate
    | _ToolExecutionEnd
    | _CompactionStart
    | _CompactionEnd
    | _AutoRetryStart
    | _AutoRetryEnd
    | _QueueUpdate
)
_DECODER = msgspec.json.Decoder(_PiEvent)
_IGNORED: frozenset[type[_Event]] = frozenset(
    {
        _MessageUpdate,
        _MessageStart,
        _ToolExecutionStart,
        _ToolExecutionUpdate,
        _ToolExecutionEnd,
        _TurnStart,
        _CompactionStart,
        _QueueUpdate,
    }
)
_BLOCKS = msgspec.json.Decoder(tuple[_Block, ...])
_MESSAGE = msgspec.json.Decoder(_Message)
_ROLE = msgspec.json.Decoder(_Role)
PI_EVENT_TYPES = event_tags(_PiEvent)
# What an overlong line must show for its decision (see `domain.text.long_json`): whether Pi will
# retry after it, and for an assistant message its usage and outcome.
_END_MEMBERS = {
    "agent_end": ("willRetry",),
    "compaction_end": ("aborted", "willRetry", "errorMessage"),
}
_ASSISTANT_MEMBERS = ("usage", "stopReason", "model")


class PiNormaliser(LineNormaliser[_PiEvent]):
    """Reads Pi's JSON-mode events into a `HarnessReport`, keeping only counters.

    >>> n = PiNormaliser()
    >>> n.feed(b'{"type":"session","version":3}')
    >>> report = n.finish(1)
    >>> report.is_error, report.complete, report.total_cost_usd
    (True, False, None)
    """

    def __init__(self) -> None:
        super().__init__(_DECODER, PI_EVENT_TYPES)
        self._header = False
        self._agent_started = False
        self._ended = False  # a final agent_end/agent_settled came after the last agent_start
        self._retry_pending = False
        # Why the last agent_end/compaction_end's willRetry is unknown (too long, or unreadable):
        # the run's end is unknown until a later event settles it.
        self._end_unread: str | None = None
        self._retries = 0
        self._turns = 0
        self._compactions = 0
        self._assistant_messages = 0
        self._input = 0
        self._output = 0
        self._cache_read = 0
        self._cache_write = 0
        self._cost = 0.0
        self._cost_error = 0.0  # Neumaier compensation: thousands of small floats stay exact
        self._cost_reported = False
        # Pi prices a model without a price table at $0: tokens used at "zero cost" mean the
        # cost is unknown, not free (a $0 total would read as nothing spent). So do tokens
        # without a price, and an assistant message too long to read its usage.
        self._cost_unknown = False
        self._models: set[str] = set()
        self._stop_reason: str | None = None
        self._last_error: str | None = None
        self._last_content: msgspec.Raw | None = None
        # Why some events could not be read at all: any may have been a priced message.
        self._events_lost: str | None = None
        # Why the running cost became unknown from what could not be read (not a missing price).
        self._cost_lost: str | None = None

    @property
    def running_cost_usd(self) -> float | None:
        """Pi's cost estimate summed over the assistant messages so far."""
        return self._cost + self._cost_error if self._cost_known else None

    @property
    def cost_lost(self) -> str | None:
        """Why the running cost became unknown: events or a message that could not be read.

        >>> n = PiNormaliser()
        >>> n.feed(b'{"type":"agent_start"}'); n.cost_lost is None
        True
        >>> n.feed(b'{"type":"message_end","message":' + b"[" * 100 + b"]" * 100 + b"}")
        >>> n.cost_lost.split(" (")[0]
        'an assistant message_end of 233 bytes could not be read'
        """
        return self._cost_lost

    @property
    def _cost_known(self) -> bool:
        return self._cost_reported and not self._cost_unknown

    def _apply(self, event: _PiEvent) -> None:
        # Message deltas are most of a transcript's lines: one set lookup (cheaper than
        # isinstance over a union) dismisses them. The rest is ordered by frequency.
        if type(event) in _IGNORED:
            return
        if isinstance(event, _MessageEnd):
            if event.message.role == "assistant":
                self._assistant_message(event.message)
        elif isinstance(event, _TurnEnd):
            self._turns += 1
        elif isinstance(event, _AgentStart):
            self._agent_started = True
            self._set_end(ended=False, pending=False)
        elif isinstance(event, _AgentEnd):
            self._set_end(ended=not event.will_retry, pending=event.will_retry)
        elif isinstance(event, _AgentSettled):
            self._set_end(ended=True, pending=False)
        elif isinstance(event, _AutoRetryStart):
            self._retries += 1
            self._set_end(ended=False, pending=True)
        elif isinstance(event, _AutoRetryEnd):
            self._retry_ended(event)
        elif isinstance(event, _CompactionEnd):
            self._compaction_ended(event)
        elif isinstance(event, _Session):
            self._header = True

    def _assistant_message(self, message: _Message) -> None:
        self._assistant_messages += 1
        usage = message.usage
        if usage is not None:
            self._input += usage.input
            self._output += usage.output
            self._cache_read += usage.cache_read
            self._cache_write += usage.cache_write
            tokens = usage.input + usage.output + usage.cache_read + usage.cache_write
            if usage.cost is not None:
                if usage.cost.total == 0 and tokens > 0:
                    self._cost_unknown = True
                self._add_cost(usage.cost.total)
                self._cost_reported = True
            elif tokens > 0:
                self._cost_unknown = True  # tokens spent without a price: the total omits them
        if message.model and len(self._models) < MAX_MODELS:
            self._models.add(message.model)
        self._stop_reason = message.stop_reason
        self._last_content = message.content
        if message.stop_reason in _ERROR_STOPS or message.error_message:
            self._last_error = message.error_message or (
                f"the model call ended with stopReason {message.stop_reason}"
            )
        else:
            self._last_error = None

    def _add_cost(self, cost: float) -> None:
        total = self._cost + cost
        if abs(self._cost) >= abs(cost):
            self._cost_error += (self._cost - total) + cost
        else:
            self._cost_error += (cost - total) + self._cost
        self._cost = total

    def _set_end(self, *, ended: bool, pending: bool, unread: str | None = None) -> None:
        self._ended = ended
        self._retry_pending = pending
        self._end_unread = unread

    def _retry_ended(self, event: _AutoRetryEnd) -> None:
        if event.success:
            self._set_end(ended=self._ended, pending=False)
            return
        self._last_error = (
            event.final_error
            or self._last_error
            or f"pi gave up retrying after attempt {event.attempt}"
        )
        # Giving up ends the run even if the last agent_end announced a retry.
        self._set_end(ended=True, pending=False)

    def _compaction_ended(self, event: _CompactionEnd) -> None:
        if not event.aborted and event.error_message is None:
            self._compactions += 1
        if event.will_retry:
            self._set_end(ended=False, pending=True)

    def _apply_long(self, event_type: str, view: Visible, size: int) -> None:
        """Overlong lines: the repeated messages of agent_end/turn_end never count, but whether
        Pi will retry, and an assistant message's usage and outcome, must be seen to be used."""
        needed = _END_MEMBERS.get(event_type)
        if needed is not None and not all(view.knows(member) for member in needed):
            # A retry may be pending: the run is not shown to have ended (fail closed).
            self._set_end(
                ended=False,
                pending=True,
                unread=f"the last {event_type} of {size} bytes was too long to read whether Pi "
                "would retry",
            )
        elif event_type == "message_end" and "message" not in view.members:
            self._long_message(view.inner if view.open_key == "message" else None, size)
        else:
            self._apply_visible(event_type, view, size)

    def _unreadable(self, event_type: str, view: Visible, size: int, why: str) -> None:
        """A known event whose shape the decoder rejects (a `null` cost: JavaScript's NaN) says
        something unknown: an assistant message's cost and outcome, whether Pi will retry."""
        super()._unreadable(event_type, view, size, why)
        what = f"{event_type} of {size} bytes could not be read ({why})"
        if event_type == "message_end":
            if _message_role(view) in (None, "assistant"):
                self._message_unread(f"an assistant {what}: its usage and outcome are unknown")
        elif event_type in _END_MEMBERS:
            self._set_end(
                ended=False, pending=True, unread=f"the last {what}: whether Pi would retry"
            )
        elif event_type == "auto_retry_end":
            # Whether the retries succeeded is unknown: an error unless a later attempt succeeds.
            self._last_error = f"an {what}: whether Pi's retries succeeded is unknown"
            self._set_end(ended=self._ended, pending=False)
        elif event_type == "auto_retry_start":
            self._apply(_AutoRetryStart())  # a retry starts, whatever its attempt number

    def _long_message(self, message: Visible | None, size: int) -> None:
        role = message.text("role") if message is not None else None
        if role is not None and role != "assistant":
            return  # user and tool-result messages cost nothing
        # An errorMessage too long to keep is still an error message: it only loses its text.
        error_unread = message is not None and message.open_key == "errorMessage"
        if (
            message is not None
            and role is not None
            and all(message.knows(member) for member in _ASSISTANT_MEMBERS)
            and (error_unread or message.knows("errorMessage"))
        ):
            # Without what lies in the unkept middle (usually its content: no result text).
            decoded = decode_repairing(_MESSAGE, message.as_object())
            if is_successful(decoded):
                read = decoded.unwrap()
                if error_unread:
                    read = msgspec.structs.replace(
                        read, error_message=f"an error message of about {size} bytes"
                    )
                self._assistant_message(read)
                return
        self._message_unread(
            f"an assistant message_end of {size} bytes was too long to read its usage and outcome"
        )

    def _events_unread(self, reason: str) -> None:
        """Unread events may hold priced assistant messages and any attempt's outcome: the cost
        is unknown and the run an error, whatever the events read after them say."""
        self._cost_unknown = True
        self._events_lost = self._events_lost or reason
        self._cost_lost = self._cost_lost or reason

    def _message_unread(self, reason: str) -> None:
        """An assistant message whose usage or outcome is unknown: so are the cost and whether
        this attempt succeeded (an error, unless a later attempt succeeds)."""
        self._assistant_messages += 1
        self._cost_unknown = True
        self._cost_lost = self._cost_lost or reason
        self._stop_reason = None
        self._last_content = None
        self._last_error = reason

    def _report(self, exit_code: int | None) -> HarnessReport:
        """The report: the last attempt, the stream's completeness and the exit code decide."""
        complete = self._agent_started and self._ended and not self._retry_pending
        reasons: list[str] = []
        if self._last_error is not None:
            reasons.append(self._last_error)
        if self._events_lost is not None:
            reasons.append(f"{self._events_lost}: their cost and outcome are unknown")
        if not self._agent_started:
            reasons.append(
                "pi printed only its session header: it failed at start-up (a missing API key "
                "or an unknown model?), see its stderr"
                if self._header
                else "pi printed no events"
            )
        elif self._end_unread is not None:
            reasons.append(f"{self._end_unread}: the run is not shown to have ended")
        elif not complete:
            during = " while a retry was pending" if self._retry_pending else ""
            reasons.append(f"the stream ended without a final agent_end{during}: it was cut off")
        elif self._assistant_messages == 0:
            reasons.append("pi finished without any assistant message")
        if exit_code is not None and exit_code != 0:
            reasons.insert(0, f"pi exited with code {exit_code}")
        return HarnessReport(
            harness="pi",
            complete=complete,
            is_error=bool(reasons),
            error_message="; ".join(reasons) if reasons else None,
            stop_reason=self._stop_reason,
            result_text=self._result_text(),
            num_turns=self._turns,
            retries=self._retries,
            compactions=self._compactions,
            usage=HarnessUsage(
                input_tokens=self._input,
                output_tokens=self._output,
                cache_read_tokens=self._cache_read,
                cache_write_tokens=self._cache_write,
            ),
            total_cost_usd=self._total_cost(),
            cost_reported=self._cost_known,
            models=tuple(sorted(self._models)),
            unknown_events=self.unknown_events,
            malformed_lines=self.malformed_lines,
            long_lines=self.long_lines,
            deep_lines=self.deep_lines,
        )

    def _total_cost(self) -> float | None:
        if not self._cost_known:
            return None
        return round(self._cost + self._cost_error, COST_DIGITS)

    def _result_text(self) -> str | None:
        if self._last_content is None:
            return None
        try:
            blocks = _BLOCKS.decode(self._last_content)
        except UNREADABLE:
            return None  # a string or odd content: the last message carried no text blocks
        texts = [block.text for block in blocks if block.type == "text" and block.text is not None]
        return "\n".join(texts) if texts else None


def _message_role(view: Visible) -> str | None:
    """The role of a message_end's message as far as `view` shows it; None when unknown."""
    raw = view.members.get("message")
    if raw is None:
        inner = view.inner if view.open_key == "message" else None
        return inner.text("role") if inner is not None else None
    decoded = decode_repairing(_ROLE, bytes(raw))
    role = decoded.unwrap().role if is_successful(decoded) else None
    return role if isinstance(role, str) else None
