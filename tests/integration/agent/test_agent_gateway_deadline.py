"""The per-request wall-time limit bounds the gateway too: a gateway that takes the request and never answers
(while connecting, listing the tools or running a tool) makes the turn answer 504 at the agent's limit, and the agent
abandons the hung request, instead of waiting for the MCP SDK's own timeouts (a 300 s read timeout, Strands' startup
timeout). Both agent flavours, through the real MCP client stack.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator

import httpx
import pytest
from mcp.server.fastmcp import FastMCP

from agentcore_constructs.contract.invocation import SESSION_HEADER
from local_dev.server import build_local_app, start_local_agent
from tests.loopback import serve_asgi_on_loopback

LIMIT_SECONDS = 3
TIMED_OUT = f"The request needed more than this agent's limit of {LIMIT_SECONDS} seconds per request; it was stopped."


class HangingGateway:
    """ASGI wrapper around an MCP server: a POST of the JSON-RPC method ``hang_on`` is read and never answered.
    ``hung`` is set when such a request arrived, ``abandoned`` when its client gave up on it (closed it)."""

    def __init__(self, app) -> None:
        self.app = app
        self.hang_on: str | None = None
        self.hung = threading.Event()
        self.abandoned = threading.Event()

    def reset(self, hang_on: str) -> None:
        self.hang_on = hang_on
        self.hung.clear()
        self.abandoned.clear()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if json.loads(body).get("method") == self.hang_on:
            self.hung.set()
            while (await receive())["type"] != "http.disconnect":
                pass
            self.abandoned.set()
            return
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


@pytest.fixture(scope="module")
def gateway() -> Iterator[tuple[str, HangingGateway]]:
    server = FastMCP("hanging-gateway", stateless_http=True, json_response=True)

    @server.tool(name="OrderService___lookup_order", description="Look up order status by order ID")
    def lookup_order(order_id: str) -> dict:
        return {"order_id": order_id, "status": "shipped"}

    app = HangingGateway(server.streamable_http_app())
    with serve_asgi_on_loopback(app) as port:
        yield f"http://127.0.0.1:{port}/mcp", app


@pytest.fixture(scope="module", params=["strands", "langgraph"])
def agent_url(request, gateway, tmp_path_factory, make_env) -> Iterator[str]:
    env = {
        **{k: v for k, v in make_env(tmp_path_factory.mktemp("deadline-memory")).items() if not k.startswith("AUTH_")},
        "GATEWAY_URL": gateway[0],
        "AGENT_MAX_SECONDS": str(LIMIT_SECONDS),
    }
    url, stop = start_local_agent(app=build_local_app(env, agent=request.param))
    yield url
    stop()


@pytest.mark.parametrize("hang_on", ["initialize", "tools/list", "tools/call"])
def test_a_hung_gateway_is_a_504_at_the_wall_limit_and_its_request_is_abandoned(agent_url, gateway, hang_on):
    hanging = gateway[1]
    hanging.reset(hang_on)
    response = httpx.post(
        f"{agent_url}/invocations",
        json={"prompt": "What is order ORD-12345?"},
        headers={SESSION_HEADER: f"deadline-{uuid.uuid4()}"},
        timeout=30,  # an answer at all: the SDK's own timeouts would hold the request 300 s
    )
    assert hanging.hung.is_set(), f"the gateway never received {hang_on}"
    assert response.status_code == 504, response.text
    assert response.json() == {"error": TIMED_OUT}
    # Structural: the agent closed the hung request rather than leaving it to the SDK's 300 s read timeout.
    assert hanging.abandoned.wait(timeout=10)
