"""Stage 1, the agent side: the AgentCore Runtime entrypoint around any framework's agent.

:func:`create_app` turns ``answer(turn) -> str`` into the Runtime's HTTP contract (``POST /invocations``,
``GET /ping``) with everything that is not the agent's business done once:

* identity first: the request guard (:mod:`.guard`) verifies the bearer token (or refuses it when no identity is
  configured) and bounds the body before any agent code runs; the caller and session come from what it verified
  (:mod:`.identity`), never from the payload;
* the payload: a JSON object with a non-empty string ``prompt`` of at most :data:`MAX_PROMPT_CHARS`, else 400 with
  a message safe for the client;
* one request at a time per (caller, session), so a conversation's history writes never interleave;
* ``GET /ping`` says ``HealthyBusy`` while any turn runs in the process (:func:`busy`), so the Runtime does not
  reclaim the session as idle in the middle of a long turn;
* the per-invocation limits of the contract (:class:`Limits`): the adapter stops at them and raises
  :class:`InvocationLimitExceeded` (422 turns/tokens, 504 wall time); the token budget is checked before each
  model call (:func:`check_token_budget`), the wall time bounds the gateway's requests too;
* a configured tool gateway that cannot be reached: 503 (:class:`ToolsUnavailable`), never an answer without tools;
* a turn the adapter could not store (``turn.memory_saved = False``: a full or read-only disk, AgentCore Memory
  failing) still returns its answer, flagged with the contract's ``X-Agent-Memory: not-saved`` header and
  ``"memory": "not-saved"`` field, and counted in the ``TurnsNotSaved`` metric (:mod:`.metrics`);
* anything unexpected: 500 with a generic message; details only in the logs;
* a caller that accepts ``text/event-stream`` gets the same turn as Server-Sent Events: text deltas as the model
  generates them, then the JSON path's body (or its error, with the status, when the turn fails after the first
  event) (:mod:`.streaming`).

Framework adapters build on it (:mod:`.strands`, :mod:`.langgraph`); any other framework writes its own
``answer`` with the neutral parts (:mod:`.memory`, :mod:`.gateway`, :mod:`.model`).
"""

from __future__ import annotations

import logging
import random
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from agentcore_constructs.contract import env_vars as contract
from agentcore_constructs.contract import memory as memory_contract
from agentcore_constructs.kit.auth import JWTVerifier
from agentcore_constructs.kit.guard import RequestGuard, RequestRejected
from agentcore_constructs.kit.identity import LOCAL_ACTOR_ID, CallerIdentity, resolve_identity
from agentcore_constructs.kit.metrics import emit_count
from agentcore_constructs.kit.settings import Settings, load_settings
from agentcore_constructs.kit.streaming import accepts_event_stream, stream_turn

logger = logging.getLogger(__name__)

MAX_PROMPT_CHARS = 8000
#: Payload keys a client might use to claim an identity; identity comes only from the verified token.
IGNORED_IDENTITY_KEYS = ("user_id", "actor_id", "userId", "actorId", "session_id", "sessionId")
INTERNAL_ERROR_MESSAGE = "The agent failed to answer this request. Please try again later."
TOOLS_UNAVAILABLE_MESSAGE = "The agent's tools are unavailable right now. Please try again later."


class InvocationLimitExceeded(Exception):
    """The request hit a per-invocation limit (turns, tokens, wall time). ``message`` is safe for the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    @classmethod
    def for_limit(cls, what: str, limit: object) -> InvocationLimitExceeded:
        # 504 for wall time (a slow dependency; trying again may work), 422 for turns/tokens (the same request
        # would hit the same limit).
        status = 504 if what == "seconds" else 422
        return cls(
            status, f"The request needed more than this agent's limit of {limit} {what} per request; it was stopped."
        )


class ToolsUnavailable(Exception):
    """The tool gateway is configured but its tools could not be listed: the request is refused before the model
    runs, instead of an answer from a model that silently has no tools. ``message`` is safe for the client.

    503 Service Unavailable, not 502: the agent is not a proxy handing on an invalid upstream answer (RFC 9110,
    15.6.3), it cannot serve the request right now and trying again later may work (RFC 9110, 15.6.4,
    https://www.rfc-editor.org/rfc/rfc9110#section-15.6.4)."""

    status = 503

    def __init__(self) -> None:
        super().__init__(TOOLS_UNAVAILABLE_MESSAGE)
        self.message = TOOLS_UNAVAILABLE_MESSAGE


@dataclass(frozen=True)
class Limits:
    """The contract's per-invocation limits (AGENT_MAX_TURNS / _TOTAL_TOKENS / _SECONDS)."""

    turns: int
    total_tokens: int
    seconds: float

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(settings.max_turns, settings.max_total_tokens, settings.max_seconds)


@dataclass
class Turn:
    """One request: the prompt, who asks in which session (verified), the settings and the limits."""

    prompt: str
    caller: CallerIdentity
    settings: Settings
    limits: Limits
    #: Set when the wall-clock limit is reached; adapters pass it to their framework's cancellation.
    cancel: threading.Event = field(default_factory=threading.Event)
    started: float = field(default_factory=time.monotonic)
    #: Adapters set False when this turn's conversation state could not be stored; the answer is returned, flagged.
    memory_saved: bool = True
    #: Set when the answer is streamed (:mod:`.streaming`): adapters hand it the answer's text as the model generates
    #: it. None on the JSON path.
    on_text: Callable[[str], None] | None = None

    @property
    def deadline(self) -> float:
        return self.started + self.limits.seconds

    @property
    def expired(self) -> bool:
        """Whether the wall-clock limit is reached (the timer fired, or the deadline passed a moment before it)."""
        return self.cancel.is_set() or time.monotonic() >= self.deadline

    def out_of_time(self) -> InvocationLimitExceeded:
        return InvocationLimitExceeded.for_limit("seconds", f"{self.limits.seconds:g}")


def check_token_budget(used: int, max_output_tokens: int | None, limits: Limits) -> None:
    """Before a model call: refuse it (422) unless the tokens spent so far plus the most the call may generate (the
    model's configured max tokens) stay within the budget. Without a known max, only a spent budget is refused.

    The call's input is not counted in advance (it is only an estimate before the call); the frameworks' own
    checks after each call still stop a run whose input pushed it over."""
    if used >= limits.total_tokens or used + (max_output_tokens or 0) > limits.total_tokens:
        if max_output_tokens is not None and max_output_tokens > limits.total_tokens:
            logger.warning(
                "The model's max tokens (%d) exceed the per-request token budget (%d), so every model call is "
                "refused: lower the model's max_tokens or raise %s",
                max_output_tokens,
                limits.total_tokens,
                contract.MAX_TOTAL_TOKENS.name,
            )
        raise InvocationLimitExceeded.for_limit("tokens", limits.total_tokens)


def gateway_failure(turn: Turn, gateway_url: str, error: BaseException) -> Exception:
    """What a turn whose gateway tools could not be listed answers: 504 when its time ran out (a hung gateway),
    else 503 (:class:`ToolsUnavailable`)."""
    if turn.expired:
        logger.warning("Gateway %s did not answer within the request's time limit (%s)", gateway_url, error)
        return turn.out_of_time()
    logger.warning(
        "Gateway %s unavailable (%s: %s); refusing the request (503)", gateway_url, type(error).__name__, error
    )
    return ToolsUnavailable()


def validate_payload(payload: Any) -> str:
    """Return the prompt, or raise :class:`RequestRejected` (400) with a message safe for the client."""
    if not isinstance(payload, dict):
        raise RequestRejected(400, f"Request body must be a JSON object, got {type(payload).__name__}")
    if "prompt" not in payload:
        raise RequestRejected(400, "Missing required field 'prompt'")
    prompt = payload["prompt"]
    if not isinstance(prompt, str):
        raise RequestRejected(400, f"Field 'prompt' must be a string, got {type(prompt).__name__}")
    if not prompt.strip():
        raise RequestRejected(400, "Field 'prompt' must not be empty")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise RequestRejected(400, f"Field 'prompt' is longer than {MAX_PROMPT_CHARS} characters")
    return prompt


class _SessionLock:
    __slots__ = ("lock", "__weakref__")

    def __init__(self) -> None:
        self.lock = threading.Lock()


class SessionLocks:
    """One lock per (actor, session), released when no request holds it."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[tuple[str, str], _SessionLock] = weakref.WeakValueDictionary()
        self._guard = threading.Lock()

    def lock(self, caller: CallerIdentity) -> _SessionLock:
        with self._guard:
            key = (caller.actor_id, caller.session_id)
            lock = self._locks.get(key)
            if lock is None:
                lock = self._locks[key] = _SessionLock()
            return lock


class _ReseedOnce:
    """Reseeds :mod:`random` from fresh entropy on the process's first request.

    On platform version V2 every instance is restored from one snapshot taken before any request, so each starts
    with the same ``random`` state and would draw the same numbers (retry jitter in the kit and in botocore would
    march in step across instances). AgentCore developer guide, "Optimize your agent for AgentCore Runtime V2": "The
    random module is likewise seeded at startup, so restored instances repeat the same sequence."
    """

    def __init__(self) -> None:
        self._done = False
        self._lock = threading.Lock()

    def __call__(self) -> None:
        if self._done:
            return
        with self._lock:
            if not self._done:
                random.seed()  # os.urandom after the restore: fresh on every instance
                self._done = True


@contextmanager
def busy(app: Any, name: str = "invocation") -> Iterator[None]:
    """``GET /ping`` answers ``HealthyBusy`` while the block runs, and ``Healthy`` again once no block runs (also when
    it raised or was cancelled). For any work of a turn: a whole invocation (:func:`create_app` does it), a streamed
    answer while its generator runs (``with busy(app, "stream"): yield ...``), background work after answering.

    AgentCore's contract: the Runtime terminates a session that stays idle (``/ping`` says ``Healthy``) for the
    idle session timeout; one whose ``/ping`` says ``HealthyBusy`` stays up beyond it (AgentCore developer guide,
    "Handle asynchronous and long running agents",
    https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/runtime-long-run.html). The SDK's own tracking
    does it (``add_async_task``/``complete_async_task`` on ``BedrockAgentCoreApp``; its automatic status counts
    only those tasks, not a running synchronous handler). ``time_of_last_update`` must move only when the status
    changes (same page), so the change is recorded when it happens, not when the next ping notices it."""
    task_id = app.add_async_task(name)
    app.get_current_ping_status()  # records the change to HealthyBusy now (the SDK records it when it is read)
    try:
        yield
    finally:
        app.complete_async_task(task_id)
        app.get_current_ping_status()  # and the change back to Healthy, when this was the last one


def configure_logging(level: str, package: str) -> None:
    # Own handler on the agent's package logger only: bedrock_agentcore.app already writes its own JSON lines, and
    # configuring the root logger would print those twice.
    package_logger = logging.getLogger(package)
    package_logger.setLevel(level)
    if not package_logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        package_logger.addHandler(handler)


Answer = Callable[[Turn], str]


def answer_body(text: str, turn: Turn) -> dict[str, Any]:
    """The JSON path's body for an answered turn (and the last event of a streamed one): the answer, flagged as not
    stored (the contract's field) when the adapter could not store the turn, which also counts one ``TurnsNotSaved``.
    """
    if turn.memory_saved:
        return {"response": text}
    logger.warning("Session %s: the turn was answered but not stored; the client is told so", turn.caller.session_id)
    emit_count(
        memory_contract.MEMORY_NOT_SAVED_METRIC, {memory_contract.ENVIRONMENT_DIMENSION: turn.settings.environment}
    )
    return {"response": text, memory_contract.MEMORY_STATUS_FIELD: memory_contract.MEMORY_NOT_SAVED}


def failure_reply(error: BaseException, turn: Turn) -> tuple[int, str]:
    """The HTTP status and client-safe message of a turn that failed (logged here; details only in the logs)."""
    if isinstance(error, InvocationLimitExceeded):
        logger.warning("Invocation stopped at its per-invocation limit: %s", error.message)
        return error.status, error.message
    if isinstance(error, ToolsUnavailable):
        return error.status, error.message
    logger.error("Invocation failed for session %s", turn.caller.session_id, exc_info=error)
    return 500, INTERNAL_ERROR_MESSAGE


def serve(app: Any, port: int | None = None) -> None:
    """Serve ``app`` on 8080 (the Runtime's port); ``port``, the first argument or ``PORT`` for local runs."""
    import os
    import sys

    chosen = port or (int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("PORT", "8080")))
    app.run(port=chosen)


def create_app(answer: Answer, settings: Settings | None = None, *, logger_name: str = "agentcore_constructs") -> Any:
    """The Runtime app (``bedrock_agentcore.runtime.BedrockAgentCoreApp``) answering with ``answer``.

    ``settings`` default to the environment (``SettingsError`` names every bad variable). ``app.state.settings``
    holds them."""
    from bedrock_agentcore.runtime import BedrockAgentCoreApp
    from starlette.responses import JSONResponse

    settings = settings or load_settings()
    configure_logging(settings.log_level, logger_name)
    app = BedrockAgentCoreApp()
    # Identity and body are checked before any agent code runs (verify, never decode; 4xx for bad input).
    verifier = JWTVerifier.from_config(settings.auth) if settings.auth is not None else None
    app.add_middleware(RequestGuard, verifier=verifier, anonymous_actor=LOCAL_ACTOR_ID)
    locks = SessionLocks()
    limits = Limits.of(settings)
    reseed = _ReseedOnce()

    # Sync on purpose: the app runs sync handlers in a thread pool, so concurrent sessions do not queue behind one
    # another on one event loop (framework and boto calls block).
    @app.entrypoint
    def invoke(payload: Any, context: Any) -> Any:
        reseed()
        try:
            prompt = validate_payload(payload)
            caller = resolve_identity(context)
        except RequestRejected as rejected:
            return JSONResponse({"error": rejected.message}, status_code=rejected.status)
        ignored = [key for key in IGNORED_IDENTITY_KEYS if key in payload]
        if ignored:
            logger.debug("Ignoring identity fields %s in the payload; identity comes from the token", ignored)
        turn = Turn(prompt=prompt, caller=caller, settings=settings, limits=limits)
        if accepts_event_stream(context):
            return stream_turn(run_turn, turn, final_body=answer_body, failure=failure_reply)
        try:
            text = run_turn(turn)
        except Exception as error:
            status, message = failure_reply(error, turn)
            return JSONResponse({"error": message}, status_code=status)
        body = answer_body(text, turn)
        if not turn.memory_saved:
            headers = {memory_contract.MEMORY_STATUS_HEADER: memory_contract.MEMORY_NOT_SAVED}
            return JSONResponse(body, headers=headers)
        return body

    def run_turn(turn: Turn) -> str:
        """The turn under its session's lock and wall-clock timer: the JSON and the streamed answer alike. ``/ping``
        says HealthyBusy for as long as it runs (a streamed answer's handler returns at its first event, the turn
        goes on)."""
        timer = threading.Timer(limits.seconds, turn.cancel.set)
        timer.daemon = True
        try:
            with busy(app), locks.lock(turn.caller).lock:
                turn.started = time.monotonic()  # the deadline the gateway's requests honour is the timer's
                timer.start()
                return answer(turn)
        finally:
            timer.cancel()

    app.state.settings = settings
    return app
