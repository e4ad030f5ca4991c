"""Every stage for a LangGraph agent: the same contract and the same guarantees as :mod:`.strands`, with LangGraph's
own maintained integrations. Serve your own graph, as you would wrap a Strands ``Agent``:

    from langchain.agents import create_agent
    from agentcore_constructs.kit.langgraph import AgentCoreApp, AgentCoreChatModel, GatewayToolsMiddleware

    agent = create_agent(AgentCoreChatModel(), system_prompt="You are a helpful assistant.",
                         middleware=[GatewayToolsMiddleware()])
    AgentCoreApp(agent).run()

:class:`AgentCoreApp` takes

* a compiled graph (LangChain's ``create_agent(...)``, or your own ``StateGraph`` with a ``messages`` channel): served
  as it is, its model and tools its own; :class:`AgentCoreChatModel` is the model the constructs configure, and
  :class:`GatewayToolsMiddleware` gives a ``create_agent`` graph the gateway's tools;
* or a function ``build_graph(model, tools) -> graph``, called per request with the configured model and the tools
  (yours and the gateway's): for a graph of your own that should call the gateway's tools;
* or ``system_prompt=`` and ``tools=``: the kit builds ``create_agent(model, tools, system_prompt=...)`` itself.

Per request the kit runs the graph with

* the caller and session the request guard verified (:mod:`.identity`);
* memory, as the graph's checkpointer (the graph's own is replaced): langgraph-checkpoint-aws's
  ``AgentCoreMemorySaver`` when ``MEMORY_ID`` is set (thread = the session, actor = the verified caller), else a file
  per actor and session under ``LOCAL_MEMORY_DIR`` that survives a restart (:mod:`.langgraph_checkpointer`,
  bounded); a turn that never finished is dropped by the next one, which stores the repaired history
  (:mod:`.langgraph_history`: no orphan tool call or result reaches the model);
* the gateway's tools as LangChain tools through langchain-mcp-adapters, with the caller's token forwarded (JWT
  gateway) or SigV4 (IAM gateway), bounded retries and failures mapped to tool errors (:mod:`.gateway`); a gateway
  that cannot be reached refuses the request with 503 (never an answer without tools);
* the model from ``MODEL_ID`` (langchain-aws ``ChatBedrockConverse`` with the contract's single retry layer), or the
  offline driver (``MODEL_PROVIDER=offline``);
* the per-invocation limits: model turns (model calls counted, plus a graph-step bound), tokens (checked before each
  model call against the model's max tokens, and after it) and wall time (checked between steps, and bounding every
  gateway request), mapped to 422/504 by :mod:`.runtime`.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Any

from langchain.agents import create_agent
from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, ToolMessage
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import RunnableBinding, RunnableConfig
from langchain_core.utils.function_calling import convert_to_openai_tool
from langgraph.errors import GraphRecursionError
from langgraph.prebuilt.tool_node import ToolCallRequest
from langgraph.pregel import Pregel
from pydantic import PrivateAttr

from agentcore_constructs.kit.gateway import GatewayLink, gateway_auth, mcp_http_client_factory, tool_call_meta
from agentcore_constructs.kit.identity import CallerIdentity
from agentcore_constructs.kit.langgraph_checkpointer import LocalCheckpointSaver
from agentcore_constructs.kit.langgraph_history import turn_input
from agentcore_constructs.kit.model import boto_client_config, log_model_choice
from agentcore_constructs.kit.offline_model import OfflineDriver, text_pieces
from agentcore_constructs.kit.runtime import (
    InvocationLimitExceeded,
    Limits,
    ToolsUnavailable,
    Turn,
    check_token_budget,
    create_app,
    gateway_failure,
    serve,
)
from agentcore_constructs.kit.settings import Settings, load_settings

logger = logging.getLogger(__name__)

# =============================================================================================================
# Model
# =============================================================================================================


def create_chat_model(settings: Settings) -> BaseChatModel:
    """The chat model named by ``settings.model_provider``: Bedrock Converse with the contract's retries, or the
    offline driver."""
    log_model_choice(settings)
    if settings.model_provider == "offline":
        return OfflineChatModel()
    from langchain_aws import ChatBedrockConverse

    return ChatBedrockConverse(
        model=settings.model_id,
        region_name=settings.model_region,
        config=boto_client_config(settings),
    )


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else [content]
    return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in parts)


def to_converse(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    """LangChain messages as Bedrock Converse-shaped dicts (what the offline driver reads); system prompts dropped."""
    converted: list[dict[str, Any]] = []
    for message in messages:
        if isinstance(message, HumanMessage):
            converted.append({"role": "user", "content": [{"text": _text(message.content)}]})
        elif isinstance(message, AIMessage):
            blocks: list[dict[str, Any]] = [{"text": _text(message.content)}] if _text(message.content) else []
            blocks += [
                {"toolUse": {"toolUseId": call["id"], "name": call["name"], "input": call["args"]}}
                for call in message.tool_calls
            ]
            converted.append({"role": "assistant", "content": blocks})
        elif isinstance(message, ToolMessage):
            result = {
                "toolUseId": message.tool_call_id,
                "status": "error" if message.status == "error" else "success",
                "content": [{"text": _text(message.content)}],
            }
            converted.append({"role": "user", "content": [{"toolResult": result}]})
    return converted


class OfflineChatModel(BaseChatModel):
    """The offline driver (:mod:`.offline_model`) as a LangChain chat model with tool calling (not an LLM). Streamed
    (``astream``, LangGraph's "messages" mode), its text comes word by word, each word ``token_delay`` seconds after
    the one before."""

    #: The most tokens a call may generate, as a real model's ``max_tokens`` (the token budget checks it).
    max_tokens: int | None = None
    token_delay: float = 0.0

    @property
    def _llm_type(self) -> str:
        return "agentcore-offline-driver"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Any:
        return self.bind(tools=[convert_to_openai_tool(tool) for tool in tools], **kwargs)

    def _generate(
        self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        specs = [{"name": tool["function"]["name"]} for tool in kwargs.get("tools") or []]
        block = OfflineDriver().decide(to_converse(messages), specs)
        usage = {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}
        if "toolUse" in block:
            use = block["toolUse"]
            message = AIMessage(
                content="",
                tool_calls=[{"id": use["toolUseId"], "name": use["name"], "args": use["input"]}],
                usage_metadata=usage,
            )
        else:
            message = AIMessage(content=block["text"], usage_metadata=usage)
        return ChatResult(generations=[ChatGeneration(message=message)])

    async def _astream(
        self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None, **kwargs: Any
    ) -> AsyncIterator[ChatGenerationChunk]:
        # The answer _generate decides (so a subclass that overrides it streams what it would answer), in pieces.
        message = self._generate(messages, stop, **kwargs).generations[0].message
        assert isinstance(message, AIMessage)
        for piece in text_pieces(_text(message.content)):
            if self.token_delay:
                await asyncio.sleep(self.token_delay)
            yield ChatGenerationChunk(message=AIMessageChunk(content=piece))
        calls = [
            tool_call_chunk(name=call["name"], args=json.dumps(call["args"]), id=call["id"], index=index)
            for index, call in enumerate(message.tool_calls)
        ]
        yield ChatGenerationChunk(
            message=AIMessageChunk(content="", tool_call_chunks=calls, usage_metadata=message.usage_metadata)
        )


#: The model and the gateway's tools of the request being answered (set by :class:`LangGraphAgentRunner` around
#: the run; a context variable, so concurrent requests never see each other's).
_REQUEST_MODEL: contextvars.ContextVar[BaseChatModel | None] = contextvars.ContextVar("agentcore_model", default=None)
_REQUEST_GATEWAY_TOOLS: contextvars.ContextVar[tuple[Any, ...]] = contextvars.ContextVar(
    "agentcore_gateway_tools", default=()
)
#: The key under which :meth:`AgentCoreChatModel.bind_tools` keeps the tools until a call picks the model.
_TOOL_BINDING = "agentcore_tool_binding"


class AgentCoreChatModel(BaseChatModel):
    """The model the constructs configure, for a graph you build yourself: each call goes to the model of the request
    the kit is answering (``MODEL_ID`` through ``ChatBedrockConverse`` with the contract's retries, or the offline
    driver with ``MODEL_PROVIDER=offline``; the one a test passes as ``model=``).

    Nothing is created when it is constructed (safe at import, e.g. for snapshot starts); outside a request (a
    script calling the graph) it uses :func:`create_chat_model` on the environment's settings. Tools bound with
    :meth:`bind_tools` are bound to the configured model at each call."""

    _fallback: BaseChatModel | None = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "agentcore-configured-model"

    def configured_model(self) -> BaseChatModel:
        model = _REQUEST_MODEL.get()
        if model is not None:
            return model
        if self._fallback is None:
            self._fallback = create_chat_model(load_settings())
        return self._fallback

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Any:
        return self.bind(**{_TOOL_BINDING: (list(tools), kwargs)})

    def _resolve(self, kwargs: dict[str, Any]) -> tuple[BaseChatModel, dict[str, Any]]:
        """The configured model and its call arguments, with the bound tools bound to it by its own ``bind_tools``."""
        model, rest = self.configured_model(), dict(kwargs)
        binding = rest.pop(_TOOL_BINDING, None)
        if binding is None:
            return model, rest
        tools, tool_kwargs = binding
        bound = model.bind_tools(tools, **tool_kwargs)
        if not isinstance(bound, RunnableBinding) or not isinstance(bound.bound, BaseChatModel):
            raise TypeError(
                f"{type(model).__name__}.bind_tools returned {type(bound).__name__}, not a bound chat model"
            )
        return bound.bound, {**bound.kwargs, **rest}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> Any:
        # What the token budget reads (``ls_max_tokens``) is the configured model's.
        model, rest = self._resolve(kwargs)
        return model._get_ls_params(stop=stop, **rest)

    def _generate(
        self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        model, rest = self._resolve(kwargs)
        return model._generate(messages, stop=stop, run_manager=run_manager, **rest)

    async def _agenerate(
        self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        model, rest = self._resolve(kwargs)
        return await model._agenerate(messages, stop=stop, run_manager=run_manager, **rest)

    def _should_stream(self, *, async_api: bool, run_manager: Any = None, **kwargs: Any) -> bool:
        model, rest = self._resolve(kwargs)
        return model._should_stream(async_api=async_api, run_manager=run_manager, **rest)

    def _stream(
        self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None, **kwargs: Any
    ) -> Iterator[ChatGenerationChunk]:
        model, rest = self._resolve(kwargs)
        yield from model._stream(messages, stop=stop, run_manager=run_manager, **rest)

    async def _astream(
        self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None, **kwargs: Any
    ) -> AsyncIterator[ChatGenerationChunk]:
        model, rest = self._resolve(kwargs)
        async for chunk in model._astream(messages, stop=stop, run_manager=run_manager, **rest):
            yield chunk


# =============================================================================================================
# Memory (stage 2)
# =============================================================================================================


def create_checkpointer(settings: Settings) -> Any:
    """AgentCore Memory (langgraph-checkpoint-aws) when ``MEMORY_ID`` is set, else files under ``LOCAL_MEMORY_DIR``."""
    if settings.memory_id:
        from langgraph_checkpoint_aws import AgentCoreMemorySaver

        return AgentCoreMemorySaver(
            settings.memory_id, region_name=settings.model_region, config=boto_client_config(settings)
        )
    return LocalCheckpointSaver(settings.local_memory_dir)


def thread_config(settings: Settings, caller: CallerIdentity) -> dict[str, Any]:
    """The checkpoint keys of a caller's session: AgentCore Memory keeps actors apart itself (actorId); the local
    saver (and any other saver passed in) only knows thread ids, so the actor is part of it."""
    if settings.memory_id:
        return {"thread_id": caller.session_id, "actor_id": caller.actor_id}
    return {"thread_id": f"{caller.actor_id}/{caller.session_id}", "actor_id": caller.actor_id}


# =============================================================================================================
# Gateway tools (stage 3)
# =============================================================================================================


def call_context_interceptor(session: Any, session_id: str | None) -> Any:
    """A langchain-mcp-adapters tool interceptor that makes the ``tools/call`` itself, with the runtime session and the
    model's tool-call id in ``_meta`` (:func:`~.gateway.tool_call_meta`).

    The adapters' own call passes no ``_meta`` (0.3.2: ``session.call_tool(name, args, progress_callback=...)``), so
    this one does the same call plus ``meta``. The tool-call id is ``ToolRuntime.tool_call_id``, which LangGraph's
    ``ToolNode`` injects into the adapter tool's ``runtime`` argument; a tool invoked outside a ``ToolNode`` has no
    runtime, its call carries no tool-call id, and a tool that needs one (a refund) refuses it.
    """

    from langgraph.prebuilt import ToolRuntime

    async def intercept(request: Any, handler: Any) -> Any:
        runtime = request.runtime
        meta = tool_call_meta(session_id, runtime.tool_call_id if isinstance(runtime, ToolRuntime) else None)
        return await session.call_tool(request.name, request.args, meta=meta or None)

    return intercept


@contextlib.asynccontextmanager
async def gateway_tools(
    settings: Settings, bearer_token: str | None, turn: Turn | None = None, session_id: str | None = None
) -> AsyncIterator[list[Any]]:
    """The gateway's tools as LangChain tools (langchain-mcp-adapters) on one MCP session for the whole request (no
    reconnect per tool call), or [] without ``GATEWAY_URL``. Every gateway request ends by ``turn``'s deadline
    (:class:`~.gateway.GatewayLink`). A gateway whose tools cannot be listed refuses the request, and one that fails
    during the run ends it: 503 (:class:`~.runtime.ToolsUnavailable`), or 504 when the turn's time ran out; never an
    answer without tools. Every ``tools/call`` carries ``session_id`` (default: the turn's) and the model's tool-call
    id in ``_meta`` (:func:`call_context_interceptor`)."""
    if not settings.gateway_url:
        yield []
        return
    from langchain_mcp_adapters.client import MultiServerMCPClient
    from langchain_mcp_adapters.tools import load_mcp_tools

    link = GatewayLink()
    if turn is not None:
        link.begin_turn(turn.deadline, turn.cancel)
    connection: dict[str, Any] = {
        "transport": "streamable_http",
        "url": settings.gateway_url,
        "timeout": max(1.0, settings.http_timeout_seconds),
        "httpx_client_factory": mcp_http_client_factory(gateway_auth(settings, bearer_token), link),
    }
    client = MultiServerMCPClient({"gateway": connection})  # type: ignore[dict-item]
    listed = False
    try:
        # A failed gateway request ends the mcp client's transport, and with it this block (its cancellation
        # surfaces here as the transport's error): while listing, or in the middle of the run.
        async with client.session("gateway") as session:
            interceptor = call_context_interceptor(session, session_id or (turn.caller.session_id if turn else None))
            tools = list(await load_mcp_tools(session, tool_interceptors=[interceptor]))
            listed = True
            yield tools
    except Exception as error:
        if listed and not link.failed:
            own = _sole_error(error)  # the run's own error (a limit, a model failure)
            raise own from own.__cause__
        if turn is None:
            raise ToolsUnavailable() from error
        raise gateway_failure(turn, settings.gateway_url, error) from error


def _sole_error(error: Exception) -> Exception:
    """The run's error as it was raised: the mcp transport's task group wraps whatever leaves it in an exception
    group (anyio), which would hide a limit's 422/504 behind a 500."""
    while isinstance(error, ExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    return error


class GatewayToolsMiddleware(AgentMiddleware):
    """Gives a LangChain ``create_agent`` graph the gateway's tools of the request the kit is answering (the caller's
    token forwarded, :func:`gateway_tools`): ``create_agent(model, tools, middleware=[GatewayToolsMiddleware()])``.

    LangChain's dynamic tools: ``wrap_model_call`` offers them to the model next to the graph's own, and
    ``wrap_tool_call`` hands the ``ToolNode`` the tool for a call it has no tool for (langchain 1.5.0,
    ``langchain/agents/factory.py``: "Option 2: Handle dynamic tools in middleware"; langgraph-prebuilt 1.1.3,
    ``ToolCallRequest.tool`` is None for an unregistered tool, and ``ToolNode._inject_tool_args`` injects the
    ``ToolRuntime`` into such a tool too, so the tool-call id reaches ``_meta``). A gateway tool named like one of the
    graph's own is not offered (the graph's wins). Outside a kit request, and without ``GATEWAY_URL``, it adds
    nothing."""

    @staticmethod
    def _offered(request: ModelRequest) -> ModelRequest:
        gateway = _REQUEST_GATEWAY_TOOLS.get()
        if not gateway:
            return request
        own = {tool["name"] if isinstance(tool, dict) else tool.name for tool in request.tools}
        shadowed = sorted(tool.name for tool in gateway if tool.name in own)
        if shadowed:
            logger.warning("Gateway tools named like the graph's own are not offered: %s", ", ".join(shadowed))
        return request.override(tools=[*request.tools, *(tool for tool in gateway if tool.name not in own)])

    @staticmethod
    def _routed(request: ToolCallRequest) -> ToolCallRequest:
        if request.tool is not None:
            return request
        by_name = {tool.name: tool for tool in _REQUEST_GATEWAY_TOOLS.get()}
        tool = by_name.get(request.tool_call["name"])
        return request.override(tool=tool) if tool is not None else request

    def wrap_model_call(self, request: ModelRequest, handler: Callable[[ModelRequest], ModelResponse]) -> Any:
        return handler(self._offered(request))

    async def awrap_model_call(
        self, request: ModelRequest, handler: Callable[[ModelRequest], Awaitable[ModelResponse]]
    ) -> Any:
        return await handler(self._offered(request))

    def wrap_tool_call(self, request: ToolCallRequest, handler: Callable[[ToolCallRequest], Any]) -> Any:
        return handler(self._routed(request))

    async def awrap_tool_call(self, request: ToolCallRequest, handler: Callable[[ToolCallRequest], Any]) -> Any:
        return await handler(self._routed(request))


# =============================================================================================================
# Limits
# =============================================================================================================
#: Graph steps allowed per model turn: a ``create_agent`` turn is two (model, tools), and each middleware hook
#: (``before_model``, ``after_model``) is one more. Only a graph that loops without calling the model reaches it.
STEPS_PER_MODEL_TURN = 8


class _Budget(BaseCallbackHandler):
    """Stops the run when the turn's model turns, token budget or wall time are spent (checked at every model and
    tool step, and at every token of a streamed model call). Model calls are counted, whatever shape the graph has."""

    raise_error = True

    def __init__(self, turn: Turn) -> None:
        self.turn = turn
        self.tokens = 0
        self.model_calls = 0

    def _check_time(self) -> None:
        if self.turn.expired:
            raise self.turn.out_of_time()

    def on_chat_model_start(self, *args: Any, **kwargs: Any) -> None:
        self._check_time()
        if self.model_calls >= self.turn.limits.turns:
            raise InvocationLimitExceeded.for_limit("model turns", self.turn.limits.turns)
        # The model's max output tokens, as LangChain reports it for tracing (``ls_max_tokens``: the bound
        # ``max_tokens`` or the model's own); refused before the call when the budget cannot cover it.
        max_tokens = (kwargs.get("metadata") or {}).get("ls_max_tokens")
        check_token_budget(self.tokens, max_tokens if isinstance(max_tokens, int) else None, self.turn.limits)
        self.model_calls += 1

    def on_tool_start(self, *args: Any, **kwargs: Any) -> None:
        self._check_time()

    def on_llm_new_token(self, *args: Any, **kwargs: Any) -> None:
        # A streamed model call (a streamed turn): stopped mid-answer when the time is up or the client left.
        self._check_time()

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        for generations in response.generations:
            for generation in generations:
                usage = getattr(getattr(generation, "message", None), "usage_metadata", None) or {}
                self.tokens += int(usage.get("total_tokens", 0))
        if self.tokens > self.turn.limits.total_tokens:
            raise InvocationLimitExceeded.for_limit("tokens", self.turn.limits.total_tokens)


# =============================================================================================================
# The graph per request
# =============================================================================================================
#: ``build_graph(model, tools) -> graph``: your graph from the configured model and the tools (yours and the
#: gateway's), called per request.
GraphBuilder = Callable[[BaseChatModel, list[Any]], Any]
#: A compiled LangGraph graph (``CompiledStateGraph`` is one).
CompiledGraph = Pregel[Any, Any, Any, Any]


def with_checkpointer(graph: Any, checkpointer: Any) -> CompiledGraph:
    """``graph`` (a compiled LangGraph graph with a ``messages`` channel) storing its state in ``checkpointer``.

    A compiled graph cannot be compiled again; ``Pregel.copy(update=...)`` (langgraph 1.2, ``pregel/main.py``) is
    the same graph with the attribute replaced, the one ``compile(checkpointer=...)`` sets. The graph's own
    checkpointer, if any, is replaced: memory follows the constructs' ``MEMORY_ID`` and the verified caller."""
    if not isinstance(graph, Pregel):
        raise TypeError(
            f"Expected a compiled LangGraph graph (create_agent(...) or StateGraph(...).compile()), "
            f"got {type(graph).__name__}"
        )
    if "messages" not in graph.channels:
        raise TypeError("The graph has no 'messages' channel: the kit sends the prompt and reads the answer there")
    if graph.checkpointer not in (None, False, True) and graph.checkpointer is not checkpointer:
        logger.warning(
            "The graph's own checkpointer (%s) is replaced by the kit's (%s)",
            type(graph.checkpointer).__name__,
            type(checkpointer).__name__,
        )
    return graph.copy(update={"checkpointer": checkpointer})


async def run_graph(
    graph: Any, graph_input: Any, config: RunnableConfig | dict[str, Any], on_text: Callable[[str], None] | None
) -> Any:
    """The graph's final state: ``ainvoke``; with ``on_text`` (a streamed turn), ``astream`` instead, handing
    ``on_text`` the text of the AI messages as the models generate them.

    LangGraph's "messages" stream mode yields (message chunk, metadata) for every LLM token of any node, and the
    messages a node returns without streaming; "values" yields the state after each step, the last being what
    ``ainvoke`` returns (LangGraph docs, "Streaming", "Supported stream modes" and "Stream subgraph outputs",
    https://docs.langchain.com/oss/python/langgraph/streaming). Subgraphs included, so a graph that nests agents
    streams too; only the root graph's state is the answer. The run is the same (same steps, same checkpoints); only
    the models are called through their streaming API (Bedrock's ConverseStream: the model grant includes
    ``bedrock:InvokeModelWithResponseStream``)."""
    if on_text is None:
        return await graph.ainvoke(graph_input, config)
    state = None
    async for namespace, mode, chunk in graph.astream(
        graph_input, config, stream_mode=["messages", "values"], subgraphs=True
    ):
        if mode == "values":
            if not namespace:
                state = chunk
        elif isinstance(chunk[0], AIMessage):  # AIMessageChunk included; tool results and inputs are not answers
            on_text(_text(chunk[0].content))
    return state


class LangGraphAgentRunner:
    """Answers one :class:`~.runtime.Turn` with the graph: its state in the checkpointer, the gateway's tools for
    this caller.

    ``graph``: a compiled graph, served as it is (its own model and tools; :class:`AgentCoreChatModel` and
    :class:`GatewayToolsMiddleware` give it the configured model and the gateway's tools); or a
    :data:`GraphBuilder` called per request with the model and the tools (``tools`` + the gateway's); default:
    LangChain's ``create_agent`` with ``system_prompt`` and ``tools``."""

    def __init__(
        self,
        settings: Settings,
        *,
        graph: Any = None,
        system_prompt: str | None = None,
        tools: Sequence[Any] = (),
        model: BaseChatModel | None = None,
        checkpointer: Any = None,
    ) -> None:
        if isinstance(graph, Pregel) and (system_prompt is not None or tools):
            raise TypeError(
                "A compiled graph has its own prompt and tools: pass them to create_agent(...), or pass "
                "build_graph(model, tools) instead of the graph"
            )
        if graph is not None and not isinstance(graph, Pregel) and not callable(graph):
            hint = ": compile it first, AgentCoreApp(builder.compile())" if hasattr(graph, "compile") else ""
            raise TypeError(f"Expected a compiled graph or build_graph(model, tools), got {type(graph).__name__}{hint}")
        self.settings = settings
        self.model = model or create_chat_model(settings)
        self.checkpointer = checkpointer if checkpointer is not None else create_checkpointer(settings)
        self._system_prompt = system_prompt
        self._local_tools = list(tools)
        self._graph: CompiledGraph | None = (
            with_checkpointer(graph, self.checkpointer) if isinstance(graph, Pregel) else None
        )
        self._build_graph: GraphBuilder = graph if self._graph is None and graph is not None else self._default_graph

    def _default_graph(self, model: BaseChatModel, tools: list[Any]) -> Any:
        # LangChain's agent factory, which replaces LangGraph's deprecated ``create_react_agent`` ("LangGraph v1
        # migration guide", https://docs.langchain.com/oss/python/migrate/langgraph-v1).
        return create_agent(model, tools, system_prompt=self._system_prompt)

    def graph_for(self, gateway: list[Any]) -> CompiledGraph:
        """The graph that answers a request with the gateway's tools ``gateway``, storing into the checkpointer."""
        if self._graph is not None:
            return self._graph
        return with_checkpointer(self._build_graph(self.model, [*self._local_tools, *gateway]), self.checkpointer)

    @contextlib.contextmanager
    def serving(self, gateway: list[Any]) -> Iterator[None]:
        """The request's model and gateway tools, for :class:`AgentCoreChatModel` and :class:`GatewayToolsMiddleware`
        in the graph."""
        model = _REQUEST_MODEL.set(self.model)
        tools = _REQUEST_GATEWAY_TOOLS.set(tuple(gateway))
        try:
            yield
        finally:
            _REQUEST_GATEWAY_TOOLS.reset(tools)
            _REQUEST_MODEL.reset(model)

    def run_config(self, turn: Turn) -> RunnableConfig:
        """The graph's config for ``turn``: the caller's thread, the limits."""
        return {
            "configurable": thread_config(self.settings, turn.caller),
            "recursion_limit": STEPS_PER_MODEL_TURN * turn.limits.turns + 1,
            "callbacks": [_Budget(turn)],
            "run_id": uuid.uuid4(),
        }

    def ask(self, prompt: str, caller: CallerIdentity) -> str:
        """Answer ``prompt`` for ``caller`` outside a request (scripts, tests)."""
        return self.answer(Turn(prompt=prompt, caller=caller, settings=self.settings, limits=Limits.of(self.settings)))

    def answer(self, turn: Turn) -> str:
        return asyncio.run(self._answer(turn))

    async def _answer(self, turn: Turn) -> str:
        async with gateway_tools(self.settings, turn.caller.bearer_token, turn) as remote_tools:
            return await self._run(turn, remote_tools)

    async def _run(self, turn: Turn, gateway: list[Any]) -> str:
        graph = self.graph_for(gateway)
        config = self.run_config(turn)
        with self.serving(gateway):
            try:
                graph_input = {"messages": await self._turn_input(graph, config, turn.prompt)}
                state = await run_graph(graph, graph_input, config, turn.on_text)
            except GraphRecursionError:
                raise InvocationLimitExceeded.for_limit("model turns", turn.limits.turns) from None
        final = state["messages"][-1]
        return _text(final.content).strip()

    async def _turn_input(self, graph: Any, config: RunnableConfig, prompt: str) -> list[BaseMessage]:
        """The prompt, with the stored history repaired when a turn never finished (stored by this turn's input)."""
        state = await graph.aget_state(config)
        stored = (state.values or {}).get("messages", []) if state else []
        update = turn_input(stored, prompt)
        if len(update) > 1:
            logger.warning("Dropping an unfinished turn from the history (%d messages kept)", len(update) - 2)
        return update


class AgentCoreApp:
    """A LangGraph agent on AgentCore Runtime with every stage the constructs provide.

    ``AgentCoreApp(graph)``: your compiled graph (``create_agent(...)``, or a ``StateGraph`` with a ``messages``
    channel), served as it is with the kit's memory as its checkpointer; build it with :class:`AgentCoreChatModel`
    for the configured model and :class:`GatewayToolsMiddleware` for the gateway's tools.
    ``AgentCoreApp(build_graph)``: ``build_graph(model, tools) -> graph`` per request, with the configured model and
    the tools (``tools`` + the gateway's). ``AgentCoreApp(system_prompt=..., tools=...)``: LangChain's
    ``create_agent`` with them. :meth:`run` serves it; :meth:`create_app` builds the ASGI app (tests, local stacks)."""

    def __init__(
        self,
        graph: CompiledGraph | GraphBuilder | None = None,
        *,
        system_prompt: str | None = None,
        tools: Sequence[Any] = (),
    ) -> None:
        self.runner_kwargs: dict[str, Any] = {"graph": graph, "system_prompt": system_prompt, "tools": tools}

    def runner(self, settings: Settings, **overrides: Any) -> LangGraphAgentRunner:
        return LangGraphAgentRunner(settings, **{**self.runner_kwargs, **overrides})

    def create_app(self, settings: Settings | None = None, *, logger_name: str = "agentcore_constructs") -> Any:
        settings = settings or load_settings()
        runner = self.runner(settings)
        app = create_app(runner.answer, settings, logger_name=logger_name)
        app.state.runner = runner
        return app

    def run(self, port: int | None = None) -> None:
        """Serve on 8080 (the Runtime's port); ``port``/``PORT`` for local runs."""
        serve(self.create_app(), port)


__all__ = [
    "AgentCoreApp",
    "AgentCoreChatModel",
    "GatewayToolsMiddleware",
    "GraphBuilder",
    "LangGraphAgentRunner",
    "OfflineChatModel",
    "create_chat_model",
    "create_checkpointer",
    "gateway_tools",
    "thread_config",
    "with_checkpointer",
]
