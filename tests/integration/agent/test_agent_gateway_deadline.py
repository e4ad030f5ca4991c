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
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import httpx
import pytest
from mcp.server.fastmcp import FastMCP

from agentcore_constructs.contract.invocation import SESSION_HEADER
from local_dev.server import build_local_app, start_local_agent
from tests.loopback import loopback_post, serve_asgi_on_loopback

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


HANG_POINTS = ("initialize", "tools/list", "tools/call")
FLAVOURS = ("strands", "langgraph")
#: Every case (flavour, hang point) runs at once, each agent with its own gateway: the suite waits out the limit once,
#: and every case keeps its own assertions.
CASES = tuple((flavour, hang_on) for flavour in FLAVOURS for hang_on in HANG_POINTS)


@pytest.fixture(scope="module")
def gateways() -> Iterator[dict[tuple[str, str], tuple[str, HangingGateway]]]:
    """One MCP gateway per case; stopped together (each stop waits out uvicorn's shutdown)."""
    servers = [ExitStack() for _ in CASES]
    try:
        served = {}
        for case, stack in zip(CASES, servers, strict=True):
            server = FastMCP("hanging-gateway", stateless_http=True, json_response=True)

            @server.tool(name="OrderService___lookup_order", description="Look up order status by order ID")
            def lookup_order(order_id: str) -> dict:
                return {"order_id": order_id, "status": "shipped"}

            app = HangingGateway(server.streamable_http_app())
            app.reset(case[1])
            port = stack.enter_context(serve_asgi_on_loopback(app))
            served[case] = (f"http://127.0.0.1:{port}/mcp", app)
        yield served
    finally:
        with ThreadPoolExecutor(max_workers=len(servers)) as pool:
            list(pool.map(ExitStack.close, servers))


@pytest.fixture(scope="module")
def agent_urls(gateways, tmp_path_factory, make_env) -> Iterator[dict[tuple[str, str], str]]:
    """One agent per case, of the case's flavour, with the case's gateway."""
    servers = {}
    for case, (gateway_url, _) in gateways.items():
        env = {
            **{
                k: v
                for k, v in make_env(tmp_path_factory.mktemp("deadline-memory")).items()
                if not k.startswith("AUTH_")
            },
            "GATEWAY_URL": gateway_url,
            "AGENT_MAX_SECONDS": str(LIMIT_SECONDS),
        }
        servers[case] = start_local_agent(app=build_local_app(env, agent=case[0]))
    yield {case: server.url for case, server in servers.items()}
    with ThreadPoolExecutor(max_workers=len(servers)) as pool:
        list(pool.map(lambda server: server.stop(), servers.values()))


def _invoke(agent_url: str) -> httpx.Response:
    return loopback_post(
        f"{agent_url}/invocations",
        json={"prompt": "What is order ORD-12345?"},
        headers={SESSION_HEADER: f"deadline-{uuid.uuid4()}"},
        timeout=30,  # an answer at all: the SDK's own timeouts would hold the request 300 s
    )


def test_a_hung_gateway_is_a_504_at_the_wall_limit_and_its_request_is_abandoned(agent_urls, gateways):
    with ThreadPoolExecutor(max_workers=len(CASES)) as pool:
        responses = dict(zip(CASES, pool.map(_invoke, (agent_urls[case] for case in CASES)), strict=True))
    for case, response in responses.items():
        hanging = gateways[case][1]
        assert hanging.hung.is_set(), f"{case}: the gateway never received {case[1]}"
        assert response.status_code == 504, (case, response.text)
        assert response.json() == {"error": TIMED_OUT}, case
        # Structural: the agent closed the hung request rather than leaving it to the SDK's 300 s read timeout.
        assert hanging.abandoned.wait(timeout=10), f"{case}: the agent left the hung request open"
