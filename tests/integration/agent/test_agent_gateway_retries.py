"""Transient gateway failures and SigV4, through the real MCP client stack (Strands MCPClient -> mcp / httpx).

A fake gateway (MCP server on loopback) sits behind :class:`FaultyGateway`, an ASGI wrapper that records every
request and answers HTTP 503 for the next N requests of a given JSON-RPC method. The agent must retry those
with backoff and, when the retries run out, hand the model a tool error instead of failing the invocation.
"""

from __future__ import annotations

import hmac
import json
import re
import threading
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.credentials import ReadOnlyCredentials
from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError

from agentcore_constructs.contract.invocation import SESSION_HEADER
from agentcore_constructs.kit.gateway import GatewayAuth, SigV4Signer
from local_dev.server import start_local_agent
from tests.loopback import loopback_post, serve_asgi_on_loopback

TOOL = "OrderService___lookup_order"
#: The first request of a connection on mcp 2.x (it falls back to ``initialize`` for older servers).
HANDSHAKE = "initialize"
ORDERS = {"ORD-12345": "shipped"}
# Obviously fake credentials (the AWS documentation's example key pair).
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "FAKE-SESSION-TOKEN-for-tests-only"


@dataclass
class Seen:
    method: str  # JSON-RPC method ("" for non-JSON requests, e.g. GET)
    http_method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int | None = None


class FaultyGateway:
    """ASGI wrapper: records requests; ``fail(method, n)`` answers the next ``n`` such POSTs with 503."""

    def __init__(self, app) -> None:
        self.app = app
        self.seen: list[Seen] = []
        self._faults: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()

    def fail(self, method: str, n: int = 1) -> None:
        with self._lock:
            self._faults[method] += n

    def reset(self) -> None:
        with self._lock:
            self._faults.clear()
            self.seen.clear()

    def calls(self, method: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.method == method]

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        chunks = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        try:
            method = json.loads(body).get("method", "") if body else ""
        except (ValueError, AttributeError):
            method = ""
        query = scope.get("query_string", b"").decode()
        seen = Seen(
            method=method,
            http_method=scope["method"],
            path=scope["path"] + (f"?{query}" if query else ""),
            headers={k.decode().lower(): v.decode() for k, v in scope["headers"]},
            body=body,
        )
        with self._lock:
            self.seen.append(seen)
            inject = self._faults.get(method, 0) > 0
            if inject:
                self._faults[method] -= 1
        if inject:
            seen.status = 503
            payload = b'{"message": "injected: service unavailable"}'
            await send(
                {
                    "type": "http.response.start",
                    "status": 503,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(payload)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": payload})
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
def gateway() -> Iterator[tuple[str, FaultyGateway]]:
    server = FastMCP("faulty-gateway", stateless_http=True, json_response=True)

    @server.tool(name=TOOL, description="Look up order status by order ID")
    def lookup_order(order_id: str) -> dict:
        if order_id not in ORDERS:
            raise ToolError(f"order {order_id} not found")
        return {"order_id": order_id, "status": ORDERS[order_id]}

    app = FaultyGateway(server.streamable_http_app())
    with serve_asgi_on_loopback(app) as port:
        yield f"http://127.0.0.1:{port}/mcp", app


@pytest.fixture
def faulty(gateway) -> Iterator[FaultyGateway]:
    gateway[1].reset()
    yield gateway[1]
    gateway[1].reset()


@pytest.fixture(scope="module")
def agent_url(gateway, tmp_path_factory, make_env) -> Iterator[str]:
    # No identity here (retries, not identity, are under test): the agent calls the loopback gateway unauthenticated.
    env = {
        **{k: v for k, v in make_env(tmp_path_factory.mktemp("retry-memory")).items() if not k.startswith("AUTH_")},
        "GATEWAY_URL": gateway[0],
        "AGENT_RETRY_MAX_ATTEMPTS": "3",
    }
    url, stop = start_local_agent(env=env)
    yield url
    stop()


def ask(url: str, prompt: str, session: str | None = None) -> str:
    response = loopback_post(
        f"{url}/invocations",
        json={"prompt": prompt},
        headers={SESSION_HEADER: session or f"retry-{uuid.uuid4()}"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return response.json()["response"]


def test_a_503_on_the_tool_call_is_retried_and_answered(agent_url, faulty, caplog):
    faulty.fail("tools/call", 1)
    with caplog.at_level("WARNING", logger="agentcore_constructs.kit.gateway"):
        answer = ask(agent_url, "What is order ORD-12345?")
    assert "Order ORD-12345 status: shipped" in answer
    assert [c.status for c in faulty.calls("tools/call")] == [503, None]
    assert any("HTTP 503 (attempt 1/3); retrying" in r.getMessage() for r in caplog.records)


def test_a_503_while_connecting_is_retried_too(agent_url, faulty):
    faulty.fail(HANDSHAKE, 1)
    faulty.fail("tools/list", 1)
    answer = ask(agent_url, "What is order ORD-12345?")
    assert "Order ORD-12345 status: shipped" in answer
    assert [c.status for c in faulty.calls(HANDSHAKE)] == [503, None]
    assert [c.status for c in faulty.calls("tools/list")] == [503, None]


def test_a_gateway_failing_past_the_retries_is_a_tool_error_for_the_model(agent_url, faulty):
    faulty.fail("tools/call", 10)
    answer = ask(agent_url, "What is order ORD-12345?")
    assert answer.startswith("[offline model] The tool reported an error: Tool execution failed")
    assert len(faulty.calls("tools/call")) == 3  # AGENT_RETRY_MAX_ATTEMPTS, first try included
    # The call may have run before the gateway failed (a refund issued): the model must check, not call again.
    assert "the tool call's outcome is unknown (it may have run)" in answer and "try again" not in answer


def test_a_connection_the_gateway_failed_is_replaced_on_the_next_request(agent_url, faulty):
    session = f"replace-{uuid.uuid4()}"
    assert "Order ORD-12345 status: shipped" in ask(agent_url, "What is order ORD-12345?", session)
    faulty.fail("tools/call", 3)  # every attempt of one call
    assert ask(agent_url, "What is order ORD-12345?", session).startswith("[offline model] The tool reported an error")
    assert "Order ORD-12345 status: shipped" in ask(agent_url, "What is order ORD-12345?", session)
    assert len(faulty.calls(HANDSHAKE)) == 2  # the failed connection was dropped, not reused
    assert len(faulty.calls("tools/list")) == 2


def test_a_tool_error_reaches_the_model_once_without_retries(agent_url, faulty):
    answer = ask(agent_url, "Where is ORD-99999?")
    assert "The tool reported an error" in answer and "ORD-99999 not found" in answer
    assert len(faulty.calls("tools/call")) == 1


# --------------------------------------------------------------------------- SigV4 through the MCP client stack

_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/\d{8}/(?P<region>[a-z0-9-]+)/(?P<service>[a-z-]+)/aws4_request, "
    r"SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})$"
)


def verify_sigv4(seen: Seen, base_url: str) -> str:
    """Recompute the signature from the received request with botocore; returns the SignedHeaders list."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    match = _AUTH.match(seen.headers.get("authorization", ""))
    assert match, f"{seen.method or seen.http_method}: no SigV4 header: {seen.headers.get('authorization')!r}"
    assert (match["key"], match["region"], match["service"]) == (ACCESS_KEY, "us-west-2", "bedrock-agentcore")
    assert seen.headers["x-amz-security-token"] == SESSION_TOKEN
    headers = {name: seen.headers[name] for name in match["signed"].split(";")}
    request = AWSRequest(method=seen.http_method, url=base_url + seen.path, data=seen.body, headers=headers)
    request.context["timestamp"] = seen.headers["x-amz-date"]
    signer = SigV4Auth(ReadOnlyCredentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN), "bedrock-agentcore", "us-west-2")
    expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    assert hmac.compare_digest(match["signature"], expected), f"{seen.method}: signature does not verify"
    return match["signed"]


class FakeCredentials:
    def get_frozen_credentials(self) -> ReadOnlyCredentials:
        return ReadOnlyCredentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)


def test_every_mcp_request_is_sigv4_signed_including_retries(gateway, faulty):
    from strands.tools.mcp import MCPClient

    url = gateway[0]
    base_url = url.rsplit("/mcp", 1)[0]
    faulty.fail("tools/call", 1)
    auth = GatewayAuth(
        signer=SigV4Signer("us-west-2", credentials_provider=FakeCredentials), max_attempts=3, backoff_base_seconds=0.01
    )
    client = MCPClient(url=url, auth_provider=auth, startup_timeout=30)
    with client:
        tools = client.list_tools_sync()
        assert [t.tool_name for t in tools] == [TOOL]
        result: Any = client.call_tool_sync("t-1", TOOL, {"order_id": "ORD-12345"})
    assert result["status"] == "success", result
    posts = [s for s in faulty.seen if s.http_method == "POST"]
    assert {HANDSHAKE, "tools/list", "tools/call"} <= {s.method for s in posts}
    assert [c.status for c in faulty.calls("tools/call")] == [503, None]
    for seen in posts:
        signed = verify_sigv4(seen, base_url).split(";")
        assert {"host", "content-type", "x-amz-date", "x-amz-security-token"} <= set(signed)


def test_one_mcp_session_serves_every_request_of_a_runtime_session(agent_url, faulty):
    session = f"reuse-{uuid.uuid4()}"
    for _ in range(3):
        assert "Order ORD-12345 status: shipped" in ask(agent_url, "What is order ORD-12345?", session)
    assert len(faulty.calls(HANDSHAKE)) == 1 and len(faulty.calls("tools/list")) == 1
    assert len(faulty.calls("tools/call")) == 3
    ask(agent_url, "What is order ORD-12345?")  # another runtime session: its own MCP session
    assert len(faulty.calls(HANDSHAKE)) == 2
