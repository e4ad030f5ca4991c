"""Conversation memory: one Strands session manager per (actor, session), and a fail-open guard around it.

* ``MEMORY_ID`` set -> AgentCore Memory (short-term events + long-term namespaces), boto retries with backoff.
* ``MEMORY_ID`` unset -> a local file store under ``LOCAL_MEMORY_DIR/<actor>/`` so different actors never
  share a directory and history survives a restart.

Memory is an enhancement, not a dependency: if the backend fails at setup or mid-request (after boto's own
retries), :class:`ResilientSessionManager` logs a WARNING and the agent answers without history.
"""

from __future__ import annotations

import inspect
import logging
import threading
from typing import TYPE_CHECKING, Any, cast

from strands.session import FileSessionManager
from strands.session.session_manager import SessionManager

from agentcore_constructs.contract import memory as memory_contract
from agentcore_constructs.kit.history import repair_in_place

from .model import boto_client_config
from .settings import Settings

if TYPE_CHECKING:
    import boto3
    from strands.hooks import HookRegistry
    from strands.types.content import Message

logger = logging.getLogger(__name__)

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
            inner = FileSessionManager(session_id=session_id, storage_dir=str(settings.local_memory_dir / actor_id))
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
        wrapped: Any
        if inspect.iscoroutinefunction(callback):

            async def wrapped(event: Any) -> None:
                if owner.degraded:
                    return
                try:
                    await callback(event)
                except Exception as error:
                    owner._failed(operation, error)

        else:

            def wrapped(event: Any) -> None:
                if owner.degraded:
                    return
                try:
                    callback(event)
                except Exception as error:
                    if is_initialization:
                        event.agent.messages.clear()  # never answer from a half-loaded history
                    owner._failed(operation, error)

        self._registry.add_callback(event_type, wrapped, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._registry, name)
