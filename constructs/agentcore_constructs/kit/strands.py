"""Every stage for a Strands agent: wrap it, and the agent reads memory, gateway tools, identity, the model and the
limits from the constructs' environment contract.

    from agentcore_constructs.kit.strands import AgentCoreApp
    AgentCoreApp(Agent(system_prompt="You are a helpful assistant.")).run()

Per request the kit builds a fresh Strands ``Agent`` from the template (its system prompt, tools and state; the model
comes from ``MODEL_ID``) with

* the caller and session the request guard verified (:mod:`.identity`);
* memory: the AgentCore Memory session manager for that actor and session when ``MEMORY_ID`` is set, else files
  under ``LOCAL_MEMORY_DIR/<actor>`` (a half-created session repaired: :class:`RecoveringFileSessionManager`);
  fail-open (:class:`ResilientSessionManager`) and with the history repaired; a turn it could not store is
  answered and flagged "not-saved" (:mod:`.runtime`);
* the gateway's tools over MCP when ``GATEWAY_URL`` is set, with the caller's token forwarded (JWT gateway) or SigV4
  (IAM gateway) and bounded retries (:mod:`.gateway`); one connection per runtime session, dropped when it fails;
  a gateway that cannot be reached refuses the request with 503 (never an answer without tools);
* the model from ``MODEL_ID`` with the contract's single retry layer, or the offline driver (``MODEL_PROVIDER``);
* the per-invocation limits (turns, tokens, wall time) mapped to 422/504 (:mod:`.runtime`): the token budget is
  checked before each model call, the wall time bounds the gateway's requests too.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import inspect
import json
import logging
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterable, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from pydantic import BaseModel, ValidationError
from strands import Agent
from strands.models import Model
from strands.session import FileSessionManager
from strands.session.session_manager import SessionManager
from strands.types.agent import Limits as StrandsLimits
from strands.types.content import Messages
from strands.types.exceptions import EventLoopException, SessionException
from strands.types.session import Session, SessionType
from strands.types.streaming import StreamEvent
from strands.types.tools import ToolSpec

from agentcore_constructs.contract import memory as memory_contract
from agentcore_constructs.kit.gateway import (
    GatewayLink,
    gateway_auth,
    is_loopback,
    mcp_http_client_factory,
    tool_call_meta,
)
from agentcore_constructs.kit.history import repair_in_place
from agentcore_constructs.kit.identity import CallerIdentity
from agentcore_constructs.kit.model import boto_client_config, log_model_choice
from agentcore_constructs.kit.offline_model import PREFIX, OfflineDriver, text_pieces
from agentcore_constructs.kit.runtime import (
    InvocationLimitExceeded,
    Limits,
    Turn,
    check_token_budget,
    create_app,
    gateway_failure,
    serve,
)
from agentcore_constructs.kit.settings import Settings, load_settings

if TYPE_CHECKING:
    import boto3
    from strands.hooks import HookRegistry
    from strands.types.content import Message

logger = logging.getLogger(__name__)
T = TypeVar("T", bound=BaseModel)

# =============================================================================================================
# Model
# =============================================================================================================


def create_model(settings: Settings) -> Model:
    """The model named by ``settings.model_provider``: Bedrock with the contract's retries, or the offline driver."""
    log_model_choice(settings)
    if settings.model_provider == "offline":
        return OfflineToolCallingModel()
    from strands.models import BedrockModel

    return BedrockModel(
        model_id=settings.model_id,
        region_name=settings.model_region,
        boto_client_config=boto_client_config(settings),
    )


class OfflineToolCallingModel(Model):
    """The offline driver (:mod:`.offline_model`) behind the Strands ``Model`` interface (not an LLM). Text streams
    word by word, each word ``token_delay`` seconds after the one before (0: no delay)."""

    def __init__(self, *, token_delay: float = 0.0, **config: Any) -> None:
        self._config: dict[str, Any] = {"model_id": "offline-tool-calling-driver", **config}
        self.driver = OfflineDriver()
        self.token_delay = token_delay

    def update_config(self, **model_config: Any) -> None:
        self._config.update(model_config)

    def get_config(self) -> dict[str, Any]:
        return dict(self._config)

    def decide(self, messages: Messages, tool_specs: list[ToolSpec] | None) -> Any:
        return self.driver.decide(cast(Any, messages), cast(Any, tool_specs))

    async def stream(
        self,
        messages: Messages,
        tool_specs: list[ToolSpec] | None = None,
        system_prompt: str | None = None,
        **kwargs: Any,
    ) -> AsyncIterable[StreamEvent]:
        block = self.decide(messages, tool_specs)
        yield {"messageStart": {"role": "assistant"}}
        if "toolUse" in block:
            tool_use = block["toolUse"]
            yield {
                "contentBlockStart": {
                    "start": {"toolUse": {"toolUseId": tool_use["toolUseId"], "name": tool_use["name"]}}
                }
            }
            yield {"contentBlockDelta": {"delta": {"toolUse": {"input": json.dumps(tool_use["input"])}}}}
            yield {"contentBlockStop": {}}
            yield {"messageStop": {"stopReason": "tool_use"}}
        else:
            yield {"contentBlockStart": {"start": {}}}
            for piece in text_pieces(block["text"]):
                if self.token_delay:
                    await asyncio.sleep(self.token_delay)
                yield {"contentBlockDelta": {"delta": {"text": piece}}}
            yield {"contentBlockStop": {}}
            yield {"messageStop": {"stopReason": "end_turn"}}
        yield {
            "metadata": {
                "usage": {"inputTokens": 0, "outputTokens": 0, "totalTokens": 0},
                "metrics": {"latencyMs": 0},
            }
        }

    async def structured_output(
        self, output_model: type[T], prompt: Messages, system_prompt: str | None = None, **kwargs: Any
    ) -> AsyncGenerator[dict[str, T | Any], None]:
        # The driver cannot invent data: it only fills models whose fields all have defaults.
        try:
            yield {"output": output_model.model_validate({})}
        except ValidationError as error:
            raise ValueError(
                f"{PREFIX} structured output is only supported for models whose fields all have defaults: {error}"
            ) from error


# =============================================================================================================
# Memory (stage 2)
# =============================================================================================================

#: AgentCore Memory namespaces the agent reads long-term context from ({actorId}/{sessionId} are filled
#: in by the library with str.format): the ones the AgentMemory construct's strategies write, from the contract.
LONG_TERM_NAMESPACES = memory_contract.LONG_TERM_NAMESPACES

# boto3 Sessions are not thread-safe; client creation from the shared one is serialized (no network I/O).
_boto_session_lock = threading.Lock()
_shared_boto_session: boto3.Session | None = None


def _default_boto_session() -> boto3.Session:
    global _shared_boto_session
    import boto3

    if _shared_boto_session is None:
        _shared_boto_session = boto3.Session()
    return _shared_boto_session


def create_session_manager(
    settings: Settings,
    *,
    actor_id: str,
    session_id: str,
    boto_session: boto3.Session | None = None,
) -> ResilientSessionManager | None:
    """Build the session manager for one request; ``None`` (answer without history) if setup fails."""
    try:
        if settings.memory_id:
            inner = _agentcore_session_manager(settings, actor_id, session_id, boto_session)
        else:
            inner = RecoveringFileSessionManager(
                session_id=session_id, storage_dir=str(settings.local_memory_dir / actor_id)
            )
    except Exception as error:
        logger.warning(
            "Memory backend unavailable at setup (%s: %s); answering without history",
            type(error).__name__,
            error,
        )
        return None
    return ResilientSessionManager(inner)


def _agentcore_session_manager(
    settings: Settings, actor_id: str, session_id: str, boto_session: boto3.Session | None
) -> SessionManager:
    from bedrock_agentcore.memory.integrations.strands.config import AgentCoreMemoryConfig, RetrievalConfig
    from bedrock_agentcore.memory.integrations.strands.session_manager import AgentCoreMemorySessionManager

    assert settings.memory_id is not None  # only called with AgentCore Memory configured
    config = AgentCoreMemoryConfig(
        memory_id=settings.memory_id,
        session_id=session_id,
        actor_id=actor_id,
        retrieval_config={
            namespace: RetrievalConfig(top_k=5, relevance_score=0.3) for namespace in LONG_TERM_NAMESPACES
        },
    )
    with _boto_session_lock:
        return AgentCoreMemorySessionManager(
            config,
            boto_session=boto_session or _default_boto_session(),
            # AGENT_RETRY_MODE (default adaptive: client-side rate limiting on top of the backoff, which suits
            # Memory's per-account throttling) and AGENT_RETRY_MAX_ATTEMPTS, like every AWS call of the agent.
            boto_client_config=boto_client_config(settings),
        )


class RecoveringFileSessionManager(FileSessionManager):
    """Strands' file session manager, repairing a half-created session instead of refusing it for good.

    A disk that is full or read-only (or a process killed) between Strands creating ``session_<id>/`` and writing its
    ``session.json`` leaves a directory that Strands reads as "no session" and then refuses to create ("Session ...
    already exists"): every later turn of that session would run without memory. Here a missing or unreadable
    ``session.json`` is written anew (it holds only the session's id, type and timestamps); the agents and their
    messages next to it are kept and loaded as before. A ``session.json`` that is a symlink is never written through.
    """

    def read_session(self, session_id: str, **kwargs: Any) -> Session | None:
        session_dir = Path(self._get_session_path(session_id))
        try:
            session = super().read_session(session_id, **kwargs)
        except (SessionException, ValueError, KeyError, TypeError, AttributeError) as error:
            logger.warning("Session %s has an unreadable session.json (%s)", session_id, type(error).__name__)
            session = None
        if session is None and session_dir.is_dir():
            session = Session(session_id=session_id, session_type=SessionType.AGENT)
            self._write_file(str(session_dir / "session.json"), session.to_dict())
            logger.warning("Repaired session %s: wrote its missing or unreadable session.json", session_id)
        return session


class ResilientSessionManager(SessionManager):
    """Delegates to a real session manager; the first failure degrades to "no memory" for this request.

    After a failure nothing more is read or written: writing into a session whose state was not loaded
    would overwrite stored messages.
    """

    def __init__(self, inner: SessionManager) -> None:
        self.inner = inner
        self.session_id = inner.session_id
        self.degraded = False

    def _failed(self, operation: str, error: Exception) -> None:
        self.degraded = True
        logger.warning(
            "Memory backend failed during %s for session %s (%s: %s); continuing without memory for this request",
            operation,
            self.session_id,
            type(error).__name__,
            error,
        )

    def _guard(self, operation: str, call: Any, *args: Any, **kwargs: Any) -> None:
        if self.degraded:
            return
        try:
            call(*args, **kwargs)
        except Exception as error:
            self._failed(operation, error)

    def register_hooks(self, registry: HookRegistry, **kwargs: Any) -> None:
        from strands.hooks import AgentInitializedEvent

        # The inner manager registers its own callbacks (AgentCore adds long-term retrieval); each is guarded.
        self.inner.register_hooks(cast("HookRegistry", _GuardedRegistry(registry, self)), **kwargs)
        # Runs after the inner manager loaded the history (initialization callbacks run in registration order).
        registry.add_callback(AgentInitializedEvent, lambda event: self.repair_history(event.agent))

    def initialize(self, agent: Any, **kwargs: Any) -> None:
        if self.degraded:
            return
        try:
            self.inner.initialize(agent, **kwargs)
        except Exception as error:
            agent.messages.clear()  # never answer from a half-loaded history
            self._failed("initialize", error)
            return
        self.repair_history(agent)

    def repair_history(self, agent: Any) -> None:
        """Keep only complete turns: a request killed mid-turn left a dangling user message or tool call."""
        dropped = repair_in_place(agent.messages)
        if dropped:
            logger.warning("Dropped %d message(s) of an interrupted turn from session %s", dropped, self.session_id)

    def append_message(self, message: Message, agent: Any, **kwargs: Any) -> None:
        self._guard("append_message", self.inner.append_message, message, agent, **kwargs)

    def redact_latest_message(self, redact_message: Message, agent: Any, **kwargs: Any) -> None:
        self._guard("redact_latest_message", self.inner.redact_latest_message, redact_message, agent, **kwargs)

    def sync_agent(self, agent: Any, **kwargs: Any) -> None:
        self._guard("sync_agent", self.inner.sync_agent, agent, **kwargs)

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close is not None:
            self._guard("close", close)


class _GuardedRegistry:
    """Hook-registry proxy that wraps every callback of the inner session manager with the fail-open guard."""

    def __init__(self, registry: HookRegistry, owner: ResilientSessionManager) -> None:
        self._registry = registry
        self._owner = owner

    def add_callback(self, event_type: Any, callback: Any, **kwargs: Any) -> None:
        owner = self._owner
        operation = f"hook {getattr(event_type, '__name__', event_type)}"
        is_initialization = getattr(event_type, "__name__", "") == "AgentInitializedEvent"

        async def guarded_async(event: Any) -> None:
            if owner.degraded:
                return
            try:
                await callback(event)
            except Exception as error:
                owner._failed(operation, error)

        def guarded(event: Any) -> None:
            if owner.degraded:
                return
            try:
                callback(event)
            except Exception as error:
                if is_initialization:
                    event.agent.messages.clear()  # never answer from a half-loaded history
                owner._failed(operation, error)

        wrapped = guarded_async if inspect.iscoroutinefunction(callback) else guarded
        self._registry.add_callback(event_type, wrapped, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._registry, name)


# =============================================================================================================
# Gateway tools (stage 3)
# =============================================================================================================
class _PlaintextLoopbackFilter(logging.Filter):
    """Drop Strands' "sending oauth credentials over plaintext http" warning for loopback URLs only (the local
    gateway); any other URL keeps the warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "plaintext http" not in str(record.msg):
            return True
        args = record.args if isinstance(record.args, tuple) else ()
        return not (args and isinstance(args[0], str) and is_loopback(args[0]))


_filter_installed = False


def _gateway_client(
    settings: Settings, bearer_token: str | None, link: GatewayLink | None = None, session_id: str | None = None
) -> Any:
    """A Strands ``MCPClient`` for ``settings.gateway_url`` (not connected yet); ``link``: see :mod:`.gateway`. Every
    ``tools/call`` carries ``session_id`` and the model's ``toolUseId`` in ``_meta`` (:func:`~.gateway.tool_call_meta`).
    """
    global _filter_installed
    from mcp.client.streamable_http import streamablehttp_client

    if not _filter_installed:
        logging.getLogger("strands.tools.mcp.mcp_client").addFilter(_PlaintextLoopbackFilter())
        _filter_installed = True
    url = settings.gateway_url
    assert url is not None  # only called with a gateway configured
    factory = mcp_http_client_factory(gateway_auth(settings, bearer_token), link)
    timeout = max(1.0, settings.http_timeout_seconds)
    return gateway_mcp_client_class()(
        lambda: streamablehttp_client(url, timeout=timeout, httpx_client_factory=factory),
        startup_timeout=max(1, int(settings.http_timeout_seconds)),
        session_id=session_id,
    )


def gateway_tools(settings: Settings, bearer_token: str | None, session_id: str | None = None) -> list[Any]:
    """The gateway as a Strands tool provider (``MCPClient``), or [] without ``GATEWAY_URL``.

    A gateway unreachable at connection time fails the agent's tool loading (never an agent silently without its
    tools); a call the gateway still fails after the retries is an error tool result
    (:class:`~.gateway.GatewayHttpClient`). The kit's runner uses :class:`GatewaySessions` instead."""
    if not settings.gateway_url:
        return []
    return [_gateway_client(settings, bearer_token, session_id=session_id)]


@dataclass
class _Connection:
    """One runtime session's MCP connection to the gateway."""

    client: Any  # strands.tools.mcp.MCPClient
    link: GatewayLink
    used: float
    #: Listed once per connection, and only from a successful listing (a failed one is never cached as "no tools").
    tools: list[Any] | None = None
    busy: bool = False

    @property
    def broken(self) -> bool:
        # The link sees every failed request; a connection the mcp client itself closed (e.g. an unreadable answer)
        # is caught by Strands' own liveness check (a private method: checked defensively).
        alive = getattr(self.client, "_is_session_active", None)
        return self.link.failed or (self.tools is not None and callable(alive) and not alive())


@functools.cache
def gateway_mcp_client_class() -> type[Any]:
    """Strands' ``MCPClient`` whose tool calls carry the runtime session and the model's tool-use id in ``_meta``
    (built on first use: importing the MCP client costs start-up time an agent without a gateway does not pay).

    Strands hands every model tool call to ``call_tool_async`` with its ``toolUseId`` (``MCPAgentTool.stream``); the
    id goes into the request's ``_meta``, merged over any ``meta`` the caller passes."""
    from strands.tools.mcp import MCPClient
    from strands.tools.mcp.mcp_types import MCPToolResult

    class GatewayMCPClient(MCPClient):
        def __init__(self, *args: Any, session_id: str | None = None, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.runtime_session_id = session_id

        def _meta_for(self, tool_use_id: str, meta: dict[str, Any] | None) -> dict[str, Any]:
            return {**(meta or {}), **tool_call_meta(self.runtime_session_id, tool_use_id)}

        async def call_tool_async(
            self,
            tool_use_id: str,
            name: str,
            arguments: dict[str, Any] | None = None,
            read_timeout_seconds: timedelta | None = None,
            meta: dict[str, Any] | None = None,
            progress_callback: Any = None,
            *,
            cancel_signal: threading.Event | None = None,
        ) -> MCPToolResult:
            return await super().call_tool_async(
                tool_use_id,
                name,
                arguments,
                read_timeout_seconds,
                self._meta_for(tool_use_id, meta),
                progress_callback,
                cancel_signal=cancel_signal,
            )

        def call_tool_sync(
            self,
            tool_use_id: str,
            name: str,
            arguments: dict[str, Any] | None = None,
            read_timeout_seconds: timedelta | None = None,
            meta: dict[str, Any] | None = None,
            progress_callback: Any = None,
            *,
            cancel_signal: threading.Event | None = None,
        ) -> MCPToolResult:
            return super().call_tool_sync(
                tool_use_id,
                name,
                arguments,
                read_timeout_seconds,
                self._meta_for(tool_use_id, meta),
                progress_callback,
                cancel_signal=cancel_signal,
            )

    return GatewayMCPClient


class GatewaySessions:
    """One gateway MCP connection per runtime session, kept across its requests (no reconnect and tool listing per
    request). Keyed by caller, session and token (a refreshed token opens a new connection); at most
    ``max_sessions``, each dropped after ``idle_seconds`` unused, or as soon as a request on it failed (refused,
    reset, timed out, an error answer, a forgotten MCP session), so the next request reconnects.

    :meth:`checkout` connects and lists the tools within the turn's deadline; a gateway that cannot be reached
    refuses the turn (503, or 504 when its time ran out) instead of an agent without tools."""

    def __init__(self, settings: Settings, *, max_sessions: int = 64, idle_seconds: float = 900.0) -> None:
        self._settings = settings
        self._max_sessions = max_sessions
        self._idle_seconds = idle_seconds
        self._connections: dict[tuple[str, str, str], _Connection] = {}
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def checkout(self, turn: Turn) -> Iterator[list[Any]]:
        """The gateway's tools for ``turn`` (its caller's connection, held for the turn), or [] without a gateway."""
        if not self._settings.gateway_url:
            yield []
            return
        caller = turn.caller
        key = (caller.actor_id, caller.session_id, hashlib.sha256((caller.bearer_token or "").encode()).hexdigest())
        connection = self._acquire(key, caller.bearer_token)
        try:
            connection.link.begin_turn(turn.deadline, turn.cancel)
            if connection.tools is None:
                connection.tools = self._list_tools(connection, turn)
            yield connection.tools
        finally:
            self._release(key, connection)

    def _acquire(self, key: tuple[str, str, str], bearer_token: str | None) -> _Connection:
        now = time.monotonic()
        with self._lock:
            stale = [
                k
                for k, c in self._connections.items()
                if not c.busy and (c.broken or now - c.used > self._idle_seconds)
            ]
            closing = [self._connections.pop(k) for k in stale]
            connection = self._connections.get(key)
            if connection is None:
                idle = sorted((c.used, k) for k, c in self._connections.items() if not c.busy)
                while len(self._connections) >= self._max_sessions and idle:
                    closing.append(self._connections.pop(idle.pop(0)[1]))
                link = GatewayLink()
                client = _gateway_client(self._settings, bearer_token, link, session_id=key[1])
                connection = _Connection(client, link, now)
                self._connections[key] = connection
            connection.busy = True
            connection.used = now
        _close_in_background(closing)
        return connection

    def _release(self, key: tuple[str, str, str], connection: _Connection) -> None:
        with self._lock:
            connection.busy = False
            if not connection.broken:
                return
            if self._connections.get(key) is connection:
                del self._connections[key]
        _close_in_background([connection])

    def _list_tools(self, connection: _Connection, turn: Turn) -> list[Any]:
        client = connection.client
        try:
            client.start()
            tools: list[Any] = []
            page = client.list_tools_sync()
            tools.extend(page)
            while page.pagination_token is not None:
                page = client.list_tools_sync(page.pagination_token)
                tools.extend(page)
        except Exception as error:
            connection.link.fail(f"{type(error).__name__}: {error}")  # closed when the turn releases it
            raise gateway_failure(turn, self._settings.gateway_url or "", error) from error
        return tools

    def close(self) -> None:
        with self._lock:
            closing = list(self._connections.values())
            self._connections.clear()
        _close_in_background(closing)


def _close_in_background(connections: list[_Connection]) -> None:
    """Stop MCP clients off the request path: stopping joins the client's thread, which a hung request holds
    until its own timeout."""
    if not connections:
        return

    def close() -> None:
        for connection in connections:
            try:
                connection.client.stop(None, None, None)
            except Exception as error:  # a broken connection: dropping it is the point
                logger.debug("Closing a gateway connection failed: %s", error)

    threading.Thread(target=close, name="gateway-close", daemon=True).start()


# =============================================================================================================
# The agent per request
# =============================================================================================================
#: Strands stop reasons of a per-invocation limit (strands.types.agent.Limits) or the wall-clock cancel.
_LIMIT_STOPS = {
    "limit_turns": "model turns",
    "limit_total_tokens": "tokens",
    "limit_output_tokens": "output tokens",
    "cancelled": "seconds",
}


class _TokenBudget:
    """Strands hook provider: before each model call, the turn's token budget must cover the tokens spent so far
    plus the most the call may generate (the model's ``max_tokens``), else the call is refused (422) before it is
    made. Strands' own ``total_tokens`` limit only stops the loop after a call went over."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits

    def register_hooks(self, registry: HookRegistry, **kwargs: Any) -> None:
        from strands.hooks import BeforeModelCallEvent

        registry.add_callback(BeforeModelCallEvent, self.before_model_call)

    def before_model_call(self, event: Any) -> None:
        invocation = event.agent.event_loop_metrics.latest_agent_invocation
        used = int(invocation.usage.get("totalTokens", 0)) if invocation is not None else 0
        max_tokens = event.agent.model.get_config().get("max_tokens")
        check_token_budget(used, max_tokens if isinstance(max_tokens, int) else None, self.limits)


def text_callback(turn: Turn) -> Callable[..., None] | None:
    """The Strands callback handler that hands a streamed turn its text deltas (``Turn.on_text``), or None.

    Callback handlers receive the events of ``Agent.stream_async`` (``Agent.__call__`` consumes it); text deltas are
    the events with ``data``, "Text chunk from the model's output" (Strands user guide, "Streaming Events",
    https://strandsagents.com/latest/documentation/docs/user-guide/concepts/streaming/overview). The JSON and the
    streamed path thus run the same call, with the same session writes."""
    on_text = turn.on_text
    if on_text is None:
        return None

    def handle(**event: Any) -> None:
        data = event.get("data")
        if isinstance(data, str):
            on_text(data)

    return handle


class StrandsAgentRunner:
    """Answers one :class:`~.runtime.Turn` with a fresh Strands ``Agent`` (not safe to share across requests).

    ``agent_kwargs`` are the template's: ``system_prompt``, ``tools`` (local tools; the gateway's are added),
    ``agent_id``... The factories are injectable for tests."""

    def __init__(
        self,
        settings: Settings,
        *,
        model: Model | None = None,
        session_manager_factory: Callable[..., Any] | None = None,
        tools_factory: Callable[[Settings, str | None], list[Any]] | None = None,
        **agent_kwargs: Any,
    ) -> None:
        self.settings = settings
        # One model per process: model clients are stateless per call and thread-safe.
        self.model = model or create_model(settings)
        self._session_manager_factory = session_manager_factory or create_session_manager
        self._tools_factory = tools_factory
        #: The gateway's MCP clients, one per runtime session (unless a ``tools_factory`` is given).
        self.gateway_sessions = GatewaySessions(settings)
        self._agent_kwargs = agent_kwargs

    def _gateway_tools(self, turn: Turn) -> contextlib.AbstractContextManager[list[Any]]:
        if self._tools_factory is not None:
            return contextlib.nullcontext(self._tools_factory(self.settings, turn.caller.bearer_token))
        return self.gateway_sessions.checkout(turn)

    def ask(self, prompt: str, caller: CallerIdentity) -> str:
        """Answer ``prompt`` for ``caller`` outside a request (scripts, tests): a :class:`~.runtime.Turn` with the
        contract's limits, no wall-clock timer."""
        return self.answer(Turn(prompt=prompt, caller=caller, settings=self.settings, limits=Limits.of(self.settings)))

    def answer(self, turn: Turn) -> str:
        # The gateway's tools first: a gateway that cannot be reached refuses the turn before any history is read
        # or written (ToolsUnavailable, 503), never an agent that answers without its tools.
        with self._gateway_tools(turn) as remote_tools:
            return self._run(turn, remote_tools)

    def _run(self, turn: Turn, remote_tools: list[Any]) -> str:
        caller = turn.caller
        session_manager = self._session_manager_factory(
            self.settings, actor_id=caller.actor_id, session_id=caller.session_id
        )
        kwargs = dict(self._agent_kwargs)
        local_tools = list(kwargs.pop("tools", None) or [])
        hooks = [*(kwargs.pop("hooks", None) or []), _TokenBudget(turn.limits)]
        agent = Agent(
            model=self.model,
            tools=[*local_tools, *remote_tools],
            session_manager=session_manager,
            callback_handler=text_callback(turn),  # no printing to stdout; text deltas only when streaming
            # One retry layer: botocore's (AGENT_RETRY_*). Strands' own model retry (6 attempts by default) would
            # multiply it to ~30 model calls per throttled call.
            retry_strategy=None,
            hooks=hooks,
            **kwargs,
        )
        try:
            result = agent(
                turn.prompt,
                limits=StrandsLimits(turns=turn.limits.turns, total_tokens=turn.limits.total_tokens),
                cancel_signal=turn.cancel,
            )
        except EventLoopException as error:
            if isinstance(error.__cause__, InvocationLimitExceeded):  # the token budget refused a model call
                raise error.__cause__ from None
            raise
        finally:
            agent.cleanup()
            if session_manager is not None:
                session_manager.close()
        # No session manager (its setup failed) or one that gave up: this turn is not in the conversation.
        turn.memory_saved = session_manager is not None and not getattr(session_manager, "degraded", False)
        self._check_limits(result.stop_reason, turn.limits)
        return str(result).strip()

    @staticmethod
    def _check_limits(stop_reason: str, limits: Limits) -> None:
        what = _LIMIT_STOPS.get(stop_reason)
        if what is None:
            return
        limit = {
            "model turns": limits.turns,
            "tokens": limits.total_tokens,
            "output tokens": limits.total_tokens,
            "seconds": f"{limits.seconds:g}",
        }[what]
        raise InvocationLimitExceeded.for_limit("seconds" if stop_reason == "cancelled" else what, limit)


#: What the kit takes from a template ``Agent`` (the rest is per request: model, session, tools of the gateway).
_TEMPLATE_ATTRIBUTES = ("system_prompt", "agent_id", "name", "description")


class AgentCoreApp:
    """A Strands agent on AgentCore Runtime with every stage the constructs provide.

    Pass a template ``Agent`` (its system prompt, local tools, id and name are used; its model is replaced by the
    contract's ``MODEL_ID`` model) or the same as keywords (``system_prompt=``, ``tools=``, any ``Agent`` keyword).
    :meth:`run` serves it; :meth:`create_app` builds the ASGI app (tests, local stacks)."""

    def __init__(self, agent: Agent | None = None, **agent_kwargs: Any) -> None:
        if agent is not None:
            template = {name: getattr(agent, name) for name in _TEMPLATE_ATTRIBUTES if getattr(agent, name, None)}
            template["tools"] = list(agent.tool_registry.registry.values())
            agent_kwargs = {**template, **agent_kwargs}
        self.agent_kwargs = agent_kwargs

    def runner(self, settings: Settings, **overrides: Any) -> StrandsAgentRunner:
        return StrandsAgentRunner(settings, **{**self.agent_kwargs, **overrides})

    def create_app(self, settings: Settings | None = None, *, logger_name: str = "agentcore_constructs") -> Any:
        settings = settings or load_settings()
        runner = self.runner(settings)
        app = create_app(runner.answer, settings, logger_name=logger_name)
        app.state.runner = runner
        logger.info(
            "Agent ready: environment=%s memory=%s gateway=%s identity=%s",
            settings.environment,
            f"AgentCore Memory {settings.memory_id}" if settings.memory_id else f"files in {settings.local_memory_dir}",
            settings.gateway_url or "none",
            "JWT" if settings.auth else "none",
        )
        return app

    def run(self, port: int | None = None) -> None:
        """Serve on 8080 (the Runtime's port); ``port``/``PORT`` for local runs."""
        serve(self.create_app(), port)


__all__ = [
    "AgentCoreApp",
    "CallerIdentity",
    "OfflineToolCallingModel",
    "RecoveringFileSessionManager",
    "ResilientSessionManager",
    "StrandsAgentRunner",
    "create_model",
    "create_session_manager",
    "gateway_tools",
]
