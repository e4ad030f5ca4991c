"""A gateway outage must not poison a session: both agent flavours against a loopback MCP gateway that is stopped,
restarted (forgetting its MCP sessions) and started late, through the real MCP client stack.

* a session started while the gateway is down gets a clear 503, not an answer from a model without tools, and
  nothing of that request is written to its history;
* once the gateway is back, the same session has its tools (a failed connection is never cached, nor an empty list);
* a connection that failed (refused, forgotten by a restarted gateway) is dropped and the next request reconnects.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest
from mcp.server.fastmcp import FastMCP

from agentcore_constructs.kit.runtime import TOOLS_UNAVAILABLE_MESSAGE
from local_dev.server import build_local_app, start_local_agent
from tests.loopback import free_loopback_port, loopback_post, serve_asgi_on_loopback

ORDER_PROMPT = "What is order ORD-12345?"
SHIPPED = "[offline model] Order ORD-12345 status: shipped."


class RestartableGateway:
    """An MCP server (Gateway-named order tool) on a fixed loopback port that can be stopped and started again.

    ``stateful``: the server hands out MCP sessions (``Mcp-Session-Id``) and, like any restarted process, forgets
    them on restart (a request with a forgotten session id gets HTTP 404)."""

    def __init__(self, *, stateful: bool = False) -> None:
        self.stateful = stateful
        self.port = free_loopback_port()
        self.url = f"http://127.0.0.1:{self.port}/mcp"
        self._running: contextlib.ExitStack | None = None

    def _app(self):
        server = FastMCP("restartable-gateway", stateless_http=not self.stateful, json_response=True)

        @server.tool(name="OrderService___lookup_order", description="Look up order status by order ID")
        def lookup_order(order_id: str) -> dict:
            return {"order_id": order_id, "status": "shipped"}

        return server.streamable_http_app()

    def start(self) -> None:
        self._running = contextlib.ExitStack()
        # Stopped abruptly, as a crash: open connections (a stateful session's event stream) are not waited for.
        self._running.enter_context(serve_asgi_on_loopback(self._app(), port=self.port, abrupt_stop=True))

    def stop(self) -> None:
        if self._running is not None:
            self._running.close()
            self._running = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def gateway() -> Iterator[RestartableGateway]:
    running = RestartableGateway()
    yield running
    running.stop()


@pytest.fixture
def stateful_gateway() -> Iterator[RestartableGateway]:
    running = RestartableGateway(stateful=True)
    yield running
    running.stop()


@pytest.fixture
def agent_for(tmp_path, make_env) -> Iterator[Callable[[str, RestartableGateway], str]]:
    """``agent_for(flavour, gateway)`` -> the URL of a local agent (identity on) whose GATEWAY_URL is the gateway."""
    stops = []

    def start(flavour: str, gateway: RestartableGateway) -> str:
        env = {**make_env(tmp_path / f"memory-{flavour}"), "GATEWAY_URL": gateway.url}
        url, stop = start_local_agent(app=build_local_app(env, agent=flavour))
        stops.append(stop)
        return url

    yield start
    for stop in stops:
        stop()


@pytest.fixture
def session(identity_headers) -> dict[str, str]:
    """One runtime session of one caller, with one token for all its requests (the kit keeps one gateway
    connection per caller, session and token)."""
    return identity_headers(session=f"outage-{uuid.uuid4()}")


def ask(url: str, session: dict[str, str], prompt: str = ORDER_PROMPT) -> httpx.Response:
    return loopback_post(f"{url}/invocations", json={"prompt": prompt}, headers=session, timeout=60)


def answer_of(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    return response.json()["response"]


def assert_tools_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json() == {"error": TOOLS_UNAVAILABLE_MESSAGE}


@pytest.mark.parametrize("flavour", ["strands", "langgraph"])
def test_a_session_started_while_the_gateway_is_down_gets_503_then_its_tools(flavour, gateway, agent_for, session):
    url = agent_for(flavour, gateway)

    assert_tools_unavailable(ask(url, session))  # not an answer from a model without tools

    gateway.start()
    assert answer_of(ask(url, session)) == SHIPPED  # the failed start was not cached as "no tools"
    # Nothing of the refused request reached the session's history: one earlier turn, the answered one.
    assert "history: 1 earlier user turns" in answer_of(ask(url, session, "hello"))


@pytest.mark.parametrize(
    ("flavour", "during_the_outage"),
    [
        # Strands keeps the session's connection: the turn's tool call fails, the model reports the tool error.
        ("strands", "[offline model] The tool reported an error"),
        # LangGraph connects per request: the turn is refused before it runs.
        ("langgraph", None),
    ],
)
def test_a_gateway_outage_mid_session_does_not_poison_the_session(
    flavour, during_the_outage, gateway, agent_for, session
):
    gateway.start()
    url = agent_for(flavour, gateway)
    assert answer_of(ask(url, session)) == SHIPPED

    gateway.stop()
    first = ask(url, session)
    if during_the_outage is None:
        assert_tools_unavailable(first)
    else:
        assert answer_of(first).startswith(during_the_outage)
    assert_tools_unavailable(ask(url, session))  # the broken connection was dropped; reconnecting fails

    gateway.start()
    assert answer_of(ask(url, session)) == SHIPPED
    assert answer_of(ask(url, session)) == SHIPPED


def test_a_restarted_gateway_that_forgot_the_mcp_session_is_reconnected(stateful_gateway, agent_for, session):
    stateful_gateway.start()
    url = agent_for("strands", stateful_gateway)
    assert answer_of(ask(url, session)) == SHIPPED

    stateful_gateway.restart()  # up again at once, its MCP sessions gone: the cached connection's id answers 404
    assert answer_of(ask(url, session)).startswith("[offline model] The tool reported an error")
    assert answer_of(ask(url, session)) == SHIPPED  # a new MCP session
