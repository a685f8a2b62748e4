"""Claude Code's `--output-format json` and `stream-json` output, normalised line by line.

The final `result` object carries cumulative usage and `total_cost_usd`, so the last one wins.
Without a `result` the run was cut off: the partial usage is then summed over the assistant
messages, each `message.id` once (stream-json prints one line per content block, each repeating
its message's usage), and the cost is unknown. Claude Code 2.1 prints the usage known when the
message started (`output_tokens: 1`), so partial output tokens are a lower bound.
"""

from __future__ import annotations

import msgspec
from returns.pipeline import is_successful

from domain.harness.lines import LineNormaliser, decode_repairing, event_tags
from domain.harness.report import HarnessReport, HarnessUsage
from domain.text.long_json import Visible

MAX_MODELS = 32
# Lines of one message are printed together, so remembering the last few ids suffices to
# dedupe them; older ids keep their usage in the totals. Bounded so memory stays constant.
RECENT_MESSAGE_IDS = 1024
_SYNTHETIC_MODEL = "<synthetic>"  # Claude Code's own placeholder messages, not a model call


class _Usage(msgspec.Struct, frozen=True):
    # Gateways in front of the Messages API print null for the cache counts they do not track.
    input_tokens: int | None = 0
    output_tokens: int | None = 0
    cache_read_input_tokens: int | None = 0
    cache_creation_input_tokens: int | None = 0


_NO_USAGE = _Usage()


class _Message(msgspec.Struct, frozen=True):
    id: str | None = None
    model: str | None = None
    usage: _Usage | None = None
    stop_reason: str | None = None


class _Event(msgspec.Struct, frozen=True, tag_field="type"):
    pass


class _System(_Event, frozen=True, tag="system"):
    subtype: str = ""
    model: str | None = None


class _Assistant(_Event, frozen=True, tag="assistant"):
    message: _Message = msgspec.field(default_factory=_Message)


class _User(_Event, frozen=True, tag="user"):
    pass


class _StreamEvent(_Event, frozen=True, tag="stream_event"):
    pass


class _Result(_Event, frozen=True, tag="result"):
    subtype: str = ""
    is_error: bool = False
    result: str | None = None
    total_cost_usd: float | None = None
    usage: _Usage | None = None
    num_turns: int = 0
    stop_reason: str | None = None
    errors: tuple[object, ...] | None = None
    model_usage: dict[str, msgspec.Raw] = msgspec.field(default_factory=dict, name="modelUsage")


_ClaudeEvent = _System | _Assistant | _User | _StreamEvent | _Result
_DECODER = msgspec.json.Decoder(_ClaudeEvent)
_MESSAGE = msgspec.json.Decoder(_Message)
# What an overlong `result` line must show before it may say the run succeeded.
_VERDICT_MEMBERS = ("is_error", "subtype")
_IGNORED: frozenset[type[_Event]] = frozenset({_User, _StreamEvent})
CLAUDE_EVENT_TYPES = event_tags(_ClaudeEvent)


class ClaudeNormaliser(LineNormaliser[_ClaudeEvent]):
    """Reads Claude Code's result object or stream-json events into a `HarnessReport`.

    >>> n = ClaudeNormaliser()
    >>> n.feed(b'{"type":"result","subtype":"success","is_error":false,"total_cost_usd":0.5}')
    >>> n.finish(0).total_cost_usd
    0.5
    """

    def __init__(self) -> None:
        super().__init__(_DECODER, CLAUDE_EVENT_TYPES)
        self._result: _Result | None = None
        # Why the last result's verdict is unknown (overlong, or unreadable): an error.
        self._result_unread: str | None = None
        # Why a later result may have gone unread (events that could not be read at all): until
        # a result is read after them, the verdict and the cost are unknown.
        self._result_hidden: str | None = None
        self._recent: dict[str, _Usage] = {}
        self._messages = 0
        self._input = 0
        self._output = 0
        self._cache_read = 0
        self._cache_write = 0
        self._retries = 0
        self._compactions = 0
        self._models: set[str] = set()
        self._stop_reason: str | None = None

    @property
    def running_cost_usd(self) -> float | None:
        """The cost of the last `result` seen; Claude Code reports none before it."""
        if self._result is None or self._result_hidden is not None:
            return None
        return self._result.total_cost_usd

    def _apply(self, event: _ClaudeEvent) -> None:
        if type(event) in _IGNORED:  # partial-message stream events can be most of the lines
            return
        if isinstance(event, _Assistant):
            self._assistant(event.message)
        elif isinstance(event, _Result):
            self._result = event
            self._result_unread = self._result_hidden = None
            for model in event.model_usage:
                self._add_model(model)
        elif isinstance(event, _System):
            if event.subtype == "api_retry":
                self._retries += 1
            elif event.subtype == "compact_boundary":
                self._compactions += 1
            elif event.model is not None:
                self._add_model(event.model)

    def _apply_long(self, event_type: str, view: Visible, size: int) -> None:
        """Overlong lines: a result decides only on the verdict members it shows (a cost it does
        not show is unknown, never zero); an assistant line counts the usage it shows."""
        if event_type == "result":
            # Absent members decode to None/defaults, and an unseen verdict fails closed.
            read = self._apply_visible(event_type, view, size)
            if read and not all(view.knows(member) for member in _VERDICT_MEMBERS):
                self._result_unread = (
                    f"the result line of {size} bytes was too long to read whether the run "
                    "succeeded"
                )
        elif event_type == "assistant" and "message" not in view.members:
            inner = view.inner if view.open_key == "message" else None
            decoded = decode_repairing(_MESSAGE, inner.as_object()) if inner is not None else None
            message = decoded.unwrap() if decoded is not None and is_successful(decoded) else None
            # Usage it does not show stays uncounted: a lower bound.
            self._assistant(message if message is not None else _Message())
        else:
            self._apply_visible(event_type, view, size)

    def _unreadable(self, event_type: str, view: Visible, size: int, why: str) -> None:
        """A result the decoder rejects still ended the stream, but its verdict and cost are
        unknown (never an earlier result's); an assistant line still counts as a message."""
        super()._unreadable(event_type, view, size, why)
        if event_type == "result":
            self._result = _Result()  # no cost, no usage: nothing it said is known
            self._result_hidden = None
            self._result_unread = (
                f"the result line of {size} bytes could not be read ({why}): whether the run "
                "succeeded, and what it cost, are unknown"
            )
        elif event_type == "assistant":
            self._assistant(_Message())

    def _events_unread(self, reason: str) -> None:
        """The last result may be among events that could not be read: a result read after them
        decides again (results are cumulative), else the verdict and the cost are unknown."""
        self._result_hidden = self._result_hidden or reason

    def _add_model(self, model: str) -> None:
        if model and model != _SYNTHETIC_MODEL and len(self._models) < MAX_MODELS:
            self._models.add(model)

    def _assistant(self, message: _Message) -> None:
        if message.model is not None:
            self._add_model(message.model)
        if message.stop_reason is not None:
            self._stop_reason = message.stop_reason
        usage = message.usage or _NO_USAGE
        if message.id is None:
            self._messages += 1
            self._add_usage(usage, 1)
            return
        previous = self._recent.pop(message.id, None)
        if previous is None:
            self._messages += 1
        else:
            self._add_usage(previous, -1)  # a later line of the same message: its usage replaces
        self._add_usage(usage, 1)
        self._recent[message.id] = usage
        if len(self._recent) > RECENT_MESSAGE_IDS:
            del self._recent[next(iter(self._recent))]

    def _add_usage(self, usage: _Usage, sign: int) -> None:
        self._input += sign * (usage.input_tokens or 0)
        self._output += sign * (usage.output_tokens or 0)
        self._cache_read += sign * (usage.cache_read_input_tokens or 0)
        self._cache_write += sign * (usage.cache_creation_input_tokens or 0)

    def _report(self, exit_code: int | None) -> HarnessReport:
        """The report: the last `result` decides, and without one the run was cut off."""
        result = self._result
        reasons: list[str] = []
        if self._result_hidden is not None:
            reasons.append(f"{self._result_hidden}: the last result may have been among them")
        elif result is None:
            reasons.append("the stream ended without a result: claude was cut off")
        elif self._result_unread is not None:
            reasons.append(self._result_unread)
        elif result.is_error or result.subtype != "success":
            reasons.append(_result_error(result))
        if exit_code is not None and exit_code != 0:
            reasons.insert(0, f"claude exited with code {exit_code}")
        if result is not None and result.usage is not None:
            usage = _report_usage(result.usage)
        else:
            usage = HarnessUsage(
                input_tokens=self._input,
                output_tokens=self._output,
                cache_read_tokens=self._cache_read,
                cache_write_tokens=self._cache_write,
            )
        cost = self.running_cost_usd
        return HarnessReport(
            harness="claude",
            complete=result is not None,
            is_error=bool(reasons),
            error_message="; ".join(reasons) if reasons else None,
            stop_reason=(result.stop_reason if result is not None else None) or self._stop_reason,
            result_text=result.result if result is not None else None,
            num_turns=result.num_turns if result is not None else self._messages,
            retries=self._retries,
            compactions=self._compactions,
            usage=usage,
            total_cost_usd=cost,
            cost_reported=cost is not None,
            models=tuple(sorted(self._models)),
            unknown_events=self.unknown_events,
            malformed_lines=self.malformed_lines,
            long_lines=self.long_lines,
            deep_lines=self.deep_lines,
        )


def _report_usage(usage: _Usage) -> HarnessUsage:
    return HarnessUsage(
        input_tokens=usage.input_tokens or 0,
        output_tokens=usage.output_tokens or 0,
        cache_read_tokens=usage.cache_read_input_tokens or 0,
        cache_write_tokens=usage.cache_creation_input_tokens or 0,
    )


def _result_error(result: _Result) -> str:
    if result.errors:
        details = "; ".join(str(error) for error in result.errors)
        return f"claude stopped with {result.subtype or 'errors'}: {details}"
    if result.subtype != "success":
        return f"claude stopped with {result.subtype or 'a result without a subtype'}"
    return result.result or "claude reported is_error without a message"
