"""The AgentCore Runtime entrypoint: validate the request, resolve the caller, answer with a fresh agent.

``POST /invocations`` with ``{"prompt": "..."}`` -> ``{"response": "..."}``; client errors -> 4xx
``{"error": ...}``; anything unexpected -> 500 with a generic message (details only in the logs).
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from typing import Any

from bedrock_agentcore.runtime import BedrockAgentCoreApp
from starlette.responses import JSONResponse
from strands import Agent
from strands.models import Model
from strands.types.agent import Limits

from agentcore_constructs.kit.auth import JWTVerifier
from agentcore_constructs.kit.guard import RequestGuard

from .identity import LOCAL_ACTOR_ID, CallerIdentity, RequestRejected, resolve_identity
from .memory import create_session_manager
from .model import create_model
from .settings import Settings, load_settings
from .tools import gateway_tools

logger = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "You are a helpful assistant. You work as the customer-support agent for an online shop and help "
    "customers with their orders. To answer about an order, call the order lookup tool with the order id "
    "(format ORD-12345); never invent order details. If a tool fails, say so plainly and suggest trying "
    "again later. Keep answers short."
)
AGENT_ID = "support_agent"
MAX_PROMPT_CHARS = 8000
#: Payload keys a client might use to claim an identity; identity comes only from the verified token.
IGNORED_IDENTITY_KEYS = ("user_id", "actor_id", "userId", "actorId", "session_id", "sessionId")
INTERNAL_ERROR_MESSAGE = "The agent failed to answer this request. Please try again later."
#: Strands stop reasons of a per-invocation limit (strands.types.agent.Limits) or our wall-clock cancel.
_LIMIT_STOPS = {
    "limit_turns": "model turns",
    "limit_total_tokens": "tokens",
    "limit_output_tokens": "output tokens",
    "cancelled": "seconds",
}


class InvocationLimitExceeded(Exception):
    """The request hit a per-invocation limit (turns, tokens, wall time). ``message`` is safe for the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


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


class SupportAgent:
    """Answers one prompt for one caller. Builds a fresh Strands ``Agent`` per call (not safe to share)."""

    def __init__(
        self,
        settings: Settings,
        *,
        model: Model | None = None,
        session_manager_factory: Callable[..., Any] = create_session_manager,
        tools_factory: Callable[[Settings, str | None], list[Any]] = gateway_tools,
    ) -> None:
        self.settings = settings
        # One model per process: model clients are stateless per call and thread-safe.
        self.model = model or create_model(settings)
        self._session_manager_factory = session_manager_factory
        self._tools_factory = tools_factory
        # Requests of one session are serialized so their history writes do not interleave.
        self._session_locks: weakref.WeakValueDictionary[tuple[str, str], _SessionLock] = weakref.WeakValueDictionary()
        self._locks_guard = threading.Lock()

    def _session_lock(self, identity: CallerIdentity) -> _SessionLock:
        with self._locks_guard:
            key = (identity.actor_id, identity.session_id)
            lock = self._session_locks.get(key)
            if lock is None:
                lock = self._session_locks[key] = _SessionLock()
            return lock

    def answer(self, prompt: str, identity: CallerIdentity) -> str:
        session_lock = self._session_lock(identity)
        with session_lock.lock:
            session_manager = self._session_manager_factory(
                self.settings, actor_id=identity.actor_id, session_id=identity.session_id
            )
            agent = Agent(
                model=self.model,
                system_prompt=SYSTEM_PROMPT,
                tools=self._tools_factory(self.settings, identity.bearer_token),
                session_manager=session_manager,
                agent_id=AGENT_ID,
                callback_handler=None,  # no printing to stdout; the response is returned
                # One retry layer: botocore's (AGENT_RETRY_*, model.py). Strands' own model retry (6 attempts by
                # default) would multiply it to ~30 model calls per throttled call.
                retry_strategy=None,
            )
            cancel = threading.Event()
            timer = threading.Timer(self.settings.max_seconds, cancel.set)
            timer.daemon = True
            timer.start()
            try:
                result = agent(
                    prompt,
                    limits=Limits(turns=self.settings.max_turns, total_tokens=self.settings.max_total_tokens),
                    cancel_signal=cancel,
                )
            finally:
                timer.cancel()
                agent.cleanup()
                if session_manager is not None:
                    session_manager.close()
            self._check_limits(result.stop_reason)
            return str(result).strip()

    def _check_limits(self, stop_reason: str) -> None:
        what = _LIMIT_STOPS.get(stop_reason)
        if what is None:
            return
        limit = {
            "model turns": self.settings.max_turns,
            "tokens": self.settings.max_total_tokens,
            "output tokens": self.settings.max_total_tokens,
            "seconds": f"{self.settings.max_seconds:g}",
        }[what]
        logger.warning("Invocation stopped at its per-invocation limit: %s (%s %s)", stop_reason, limit, what)
        # 504 for wall time (a slow dependency; trying again may work), 422 for turns/tokens (the same request
        # would hit the same limit).
        status = 504 if stop_reason == "cancelled" else 422
        raise InvocationLimitExceeded(
            status, f"The request needed more than this agent's limit of {limit} {what} per request; it was stopped."
        )


def configure_logging(level: str) -> None:
    # Own handler on the package logger only: bedrock_agentcore.app already writes its own JSON lines, and
    # configuring the root logger would print those twice.
    package_logger = logging.getLogger("support_agent")
    package_logger.setLevel(level)
    if not package_logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        package_logger.addHandler(handler)


def create_app(settings: Settings | None = None, *, agent: SupportAgent | None = None) -> BedrockAgentCoreApp:
    """Build the Runtime app. ``settings`` default to the environment (raises ``SettingsError`` if invalid)."""
    settings = settings or load_settings()
    configure_logging(settings.log_level)
    support_agent = agent or SupportAgent(settings)
    logger.info(
        "Support agent ready: environment=%s provider=%s memory=%s gateway=%s",
        settings.environment,
        settings.model_provider,
        f"AgentCore Memory {settings.memory_id}"
        if settings.memory_id
        else f"local files in {settings.local_memory_dir}",
        settings.gateway_url or "none",
    )
    app = BedrockAgentCoreApp()
    # Identity and body are checked before any of this module runs (verify, never decode; 4xx for bad input).
    verifier = JWTVerifier.from_config(settings.auth) if settings.auth is not None else None
    app.add_middleware(RequestGuard, verifier=verifier, anonymous_actor=LOCAL_ACTOR_ID)

    # Sync on purpose: the app runs sync handlers in a thread pool, so concurrent sessions do not queue
    # behind one another on a single event loop (Strands and boto calls block).
    @app.entrypoint
    def invoke(payload: Any, context: Any) -> Any:
        try:
            prompt = validate_payload(payload)
            identity = resolve_identity(context)
        except RequestRejected as rejected:
            return JSONResponse({"error": rejected.message}, status_code=rejected.status)
        ignored = [key for key in IGNORED_IDENTITY_KEYS if key in payload]
        if ignored:
            logger.debug("Ignoring identity fields %s in the payload; identity comes from the token", ignored)
        try:
            text = support_agent.answer(prompt, identity)
        except InvocationLimitExceeded as exceeded:
            return JSONResponse({"error": exceeded.message}, status_code=exceeded.status)
        except Exception:
            logger.exception("Invocation failed for session %s", identity.session_id)
            return JSONResponse({"error": INTERNAL_ERROR_MESSAGE}, status_code=500)
        return {"response": text}

    app.state.support_agent = support_agent
    app.state.settings = settings
    return app


_default_app: BedrockAgentCoreApp | None = None


def __getattr__(name: str) -> Any:
    # `from support_agent.app import app` builds the app on first use, so importing this module (tests,
    # tooling) reads no environment and probes no credentials.
    global _default_app
    if name == "app":
        if _default_app is None:
            _default_app = create_app()
        return _default_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
