"""Streamed answers on ``/invocations``: Server-Sent Events when the caller accepts ``text/event-stream``.

The Runtime's HTTP contract lets ``/invocations`` answer with JSON or with SSE (AgentCore developer guide, "HTTP
protocol contract", "SSE response (streaming)",
https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/runtime-http-protocol-contract.html, and "Stream agent
responses", https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/response-streaming.html). The caller picks
with ``Accept`` (``InvokeAgentRuntime``'s ``accept``, sent as the ``Accept`` header: "The desired MIME type for the
response from the agent runtime", botocore's ``bedrock-agentcore`` service model, ``InvokeAgentRuntimeRequest``).
The framing is the SDK's: ``BedrockAgentCoreApp`` serves an entrypoint's async generator as ``text/event-stream``,
each item one ``data: <json>`` event (``bedrock_agentcore.runtime.app``: ``_stream_with_error_handling``,
``_convert_to_sse``). The events are the contract's (:mod:`agentcore_constructs.contract.streaming`).

:func:`stream_turn` runs the JSON path's turn (same guard, lock, limits and memory writes) on a thread of its own and
hands the adapter's text deltas (``Turn.on_text``; an ``answer`` that never calls it streams its final event only) to
the response as they come. Nothing is sent before the turn's first event, so a turn refused before it (a busy session,
tools unavailable, a budget that cannot cover the first model call) keeps the JSON path's HTTP status. A failure after
the stream started cannot change the status any more: the last event is then an error event with the JSON path's message
and status. A client that leaves the stream cancels the turn like the wall-time limit (the frameworks stop at their next
step); the stored session keeps only complete turns (the adapters' history repair).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import queue
import re
import threading
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from agentcore_constructs.contract.streaming import DELTA_FIELD, ERROR_FIELD, EVENT_STREAM, STATUS_FIELD

if TYPE_CHECKING:
    from agentcore_constructs.kit.runtime import Turn

logger = logging.getLogger(__name__)

#: What a turn hands to its response: text as it is generated, then its answer or its error.
_DELTA, _DONE, _FAILED = "delta", "done", "failed"
Outcome = tuple[str, Any]
#: An RFC 9110 quality value (section 12.4.2): 0 to 1 with at most three decimals.
_QVALUE = re.compile(r"^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$")


def accepts_event_stream(context: Any) -> bool:
    """Whether the request's ``Accept`` lists ``text/event-stream`` with a quality above 0 (RFC 9110, 12.5.1).
    No ``Accept``, ``*/*`` or a malformed quality keeps the JSON answer."""
    headers = getattr(getattr(context, "request", None), "headers", None)
    if headers is None:
        return False
    for value in headers.getlist("accept"):
        for media_range in value.split(","):
            media_type, *parameters = (part.strip() for part in media_range.split(";"))
            if media_type.lower() == EVENT_STREAM and _quality(parameters) > 0:
                return True
    return False


def _quality(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            value = value.strip()
            return float(value) if _QVALUE.match(value) else 0.0
    return 1.0


class _TurnEvents:
    """A turn's outcomes handed from its thread to the response: put from any thread; taken blocking (the
    entrypoint's thread, for the first) or awaited (the response, on the server's event loop)."""

    def __init__(self) -> None:
        self._items: queue.SimpleQueue[Outcome] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._waiter: tuple[asyncio.AbstractEventLoop, asyncio.Event] | None = None

    def put(self, kind: str, value: Any) -> None:
        self._items.put((kind, value))
        with self._lock:
            waiter = self._waiter
        if waiter is not None:
            loop, ready = waiter
            with contextlib.suppress(RuntimeError):  # the server's loop is closed: nobody reads any more
                loop.call_soon_threadsafe(ready.set)

    def get(self) -> Outcome:
        return self._items.get()

    async def next(self) -> Outcome:
        if self._waiter is None:
            with self._lock:
                self._waiter = (asyncio.get_running_loop(), asyncio.Event())
        ready = self._waiter[1]
        while True:
            try:
                return self._items.get_nowait()
            except queue.Empty:
                await ready.wait()
                ready.clear()


FinalBody = Callable[[str, "Turn"], dict[str, Any]]
Failure = Callable[[BaseException, "Turn"], tuple[int, str]]


def stream_turn(run: Callable[[Turn], str], turn: Turn, *, final_body: FinalBody, failure: Failure) -> Any:
    """Answer ``turn`` as Server-Sent Events: ``run(turn)`` (the JSON path's turn) on its own thread, its text deltas
    as they come, then ``final_body(answer, turn)``; or, when it fails, ``failure(error, turn)`` (status, message):
    as the HTTP answer before the first event, as the last event after it."""
    from starlette.responses import JSONResponse

    events = _TurnEvents()
    turn.on_text = lambda text: events.put(_DELTA, text) if text else None

    def work() -> None:
        try:
            answer = run(turn)
        except BaseException as error:  # handed to the response, which maps it like the JSON path
            events.put(_FAILED, error)
        else:
            events.put(_DONE, answer)

    # The request's context (the SDK's request and session ids in its log lines) goes with the turn to its thread.
    context = contextvars.copy_context()
    threading.Thread(target=context.run, args=(work,), name="agent-turn", daemon=True).start()
    first = events.get()
    if first[0] == _FAILED:
        status, message = failure(first[1], turn)
        return JSONResponse({ERROR_FIELD: message}, status_code=status)
    return _events(first, events, turn, final_body, failure)


async def _events(
    first: Outcome, events: _TurnEvents, turn: Turn, final_body: FinalBody, failure: Failure
) -> AsyncIterator[dict[str, Any]]:
    kind, value = first
    try:
        while kind == _DELTA:
            yield {DELTA_FIELD: value}
            kind, value = await events.next()
    finally:
        if kind == _DELTA:  # the client left (the server cancelled or closed the response) before the turn ended
            logger.info("Session %s: the client left the stream; stopping the turn", turn.caller.session_id)
            turn.cancel.set()
    if kind == _DONE:
        try:
            body = final_body(value, turn)
        except Exception as error:  # never the SDK's own error event, which carries the exception's text
            kind, value = _FAILED, error
        else:
            yield body
            return
    status, message = failure(value, turn)
    yield {ERROR_FIELD: message, STATUS_FIELD: status}
