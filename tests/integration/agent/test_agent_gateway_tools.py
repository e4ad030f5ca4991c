"""The GATEWAY_URL hook: the agent uses a real MCP server (streamable HTTP) as its tool gateway.

A minimal stand-in for the AgentCore Gateway (the full local gateway lives in local_dev/gateway.py): one
Gateway-named tool, ``OrderService___lookup_order``, and a record of the Authorization headers it received.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from mcp.server.fastmcp import Context, FastMCP
from mcp.server.fastmcp.exceptions import ToolError

from agentcore_constructs.contract.tools import TOOL_CALL_ID_META
from agentcore_constructs.kit.identity import CallerIdentity
from agentcore_constructs.kit.langgraph import (
    AgentCoreApp,
    AgentCoreChatModel,
    GatewayToolsMiddleware,
    LangGraphAgentRunner,
    OfflineChatModel,
)
from agentcore_constructs.kit.runtime import TOOLS_UNAVAILABLE_MESSAGE, InvocationLimitExceeded
from agentcore_constructs.kit.settings import load_settings
from local_dev.server import build_local_app, start_local_agent
from tests.loopback import loopback_post, serve_asgi_on_loopback

ORDERS = {"ORD-12345": "shipped"}
#: The ``_meta`` of every ``tools/call`` the fake gateway received.
CALL_META: list[dict[str, Any]] = []


class HeaderRecorder:
    def __init__(self, app) -> None:
        self.app = app
        self.authorizations: list[str | None] = []

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
            self.authorizations.append(headers.get("authorization"))
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def fake_gateway() -> Iterator[tuple[str, HeaderRecorder]]:
    server = FastMCP("fake-gateway", stateless_http=True, json_response=True)

    @server.tool(name="OrderService___lookup_order", description="Look up order status by order ID")
    def lookup_order(order_id: str, ctx: Context) -> dict:
        meta = ctx.request_context.meta
        CALL_META.append(meta.model_dump(by_alias=True) if meta is not None else {})
        if order_id not in ORDERS:
            raise ToolError(f"order {order_id} not found")  # a deliberate, client-visible tool error
        return {"order_id": order_id, "status": ORDERS[order_id]}

    app = HeaderRecorder(server.streamable_http_app())
    with serve_asgi_on_loopback(app) as port:
        yield f"http://127.0.0.1:{port}/mcp", app


@pytest.fixture(scope="module")
def agent_with_gateway(fake_gateway, tmp_path_factory, make_env) -> Iterator[str]:
    env = {**make_env(tmp_path_factory.mktemp("gw-memory")), "GATEWAY_URL": fake_gateway[0]}
    url, stop = start_local_agent(env=env)
    yield url
    stop()


def post(url: str, prompt: str, headers: dict[str, str]) -> str:
    response = loopback_post(f"{url}/invocations", json={"prompt": prompt}, headers=headers, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()["response"]


def test_order_lookup_goes_through_the_gateway_with_the_callers_token(
    agent_with_gateway, fake_gateway, identity_headers
):
    headers = identity_headers(actor="alice", session=f"gw-{uuid.uuid4()}")
    answer = post(agent_with_gateway, "What is order ORD-12345?", headers)
    assert "Order ORD-12345 status: shipped" in answer
    assert headers["Authorization"] in fake_gateway[1].authorizations


def _users_graph_with_middleware() -> AgentCoreApp:
    return AgentCoreApp(create_agent(AgentCoreChatModel(), system_prompt="t", middleware=[GatewayToolsMiddleware()]))


def _users_graph_builder() -> AgentCoreApp:
    return AgentCoreApp(lambda model, tools: create_agent(model, tools, system_prompt="t"))


@pytest.mark.parametrize("app", [_users_graph_with_middleware, _users_graph_builder], ids=["middleware", "build_graph"])
def test_a_users_own_graph_calls_the_gateways_tools_with_the_callers_token(
    app, fake_gateway, tmp_path, make_env, identity_headers
):
    env = {**make_env(tmp_path / "memory"), "GATEWAY_URL": fake_gateway[0]}
    url, stop = start_local_agent(app=build_local_app(env, app()))
    headers = identity_headers(actor="alice", session=f"gw-{uuid.uuid4()}")
    try:
        answer = post(url, "What is order ORD-12345?", headers)
    finally:
        stop()
    assert answer == "[offline model] Order ORD-12345 status: shipped."
    assert fake_gateway[1].authorizations[-1] == headers["Authorization"]
    # The tool ran inside the graph's ToolNode: the call carries the model's tool-call id (refunds need it).
    assert CALL_META[-1].get(TOOL_CALL_ID_META, "").startswith("offline-")


def test_tool_failure_reaches_the_model_as_a_tool_error(agent_with_gateway, identity_headers):
    answer = post(agent_with_gateway, "Where is ORD-99999?", identity_headers(session=f"gw-{uuid.uuid4()}"))
    assert "error" in answer and "ORD-99999 not found" in answer


def test_an_unreachable_gateway_refuses_the_request_instead_of_answering_without_tools(
    tmp_path, make_env, identity_headers
):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    env = {**make_env(tmp_path / "memory"), "GATEWAY_URL": f"http://127.0.0.1:{closed_port}/mcp"}
    url, stop = start_local_agent(env=env)
    try:
        response = loopback_post(
            f"{url}/invocations",
            json={"prompt": "What is order ORD-12345?"},
            headers=identity_headers(session=f"gw-{uuid.uuid4()}"),
            timeout=60,
        )
    finally:
        stop()
    assert response.status_code == 503  # outages in depth: test_agent_gateway_outage.py
    assert response.json() == {"error": TOOLS_UNAVAILABLE_MESSAGE}


class AsksForTheToolForever(BaseChatModel):
    """Requests the gateway's lookup tool on every call: a run that only a limit ends."""

    @property
    def _llm_type(self) -> str:
        return "asks-for-the-tool-forever"

    def bind_tools(self, tools: Any, **kwargs: Any) -> Any:
        return self

    def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> ChatResult:
        call = {"id": f"c{len(messages)}", "name": "OrderService___lookup_order", "args": {"order_id": "ORD-12345"}}
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content="", tool_calls=[call]))])


@pytest.mark.parametrize(
    ("model", "env", "stopped_at"),
    [
        (AsksForTheToolForever(), {"AGENT_MAX_TURNS": "2"}, "2 model turns"),
        (OfflineChatModel(max_tokens=5000), {"AGENT_MAX_TOTAL_TOKENS": "1000"}, "1000 tokens"),
    ],
)
def test_a_langgraph_limit_keeps_its_422_while_the_gateway_session_is_open(
    fake_gateway, tmp_path, model, env, stopped_at
):
    # The mcp transport's task group wraps what leaves it in an exception group; the limit must still be a 422.
    settings = load_settings(
        {"MODEL_PROVIDER": "offline", "LOCAL_MEMORY_DIR": str(tmp_path), "GATEWAY_URL": fake_gateway[0], **env},
        credentials_available=lambda: False,
    )
    runner = LangGraphAgentRunner(settings, model=model)
    with pytest.raises(InvocationLimitExceeded) as stopped:
        runner.ask("What is order ORD-12345?", CallerIdentity(actor_id="alice", session_id=f"gw-{uuid.uuid4()}"))
    assert stopped.value.status == 422 and stopped_at in stopped.value.message
