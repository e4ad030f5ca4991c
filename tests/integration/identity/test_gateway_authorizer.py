"""The local gateway with identity on: the Gateway's JWT authorizer (tools scope) in front of MCP, and THE
interceptor Lambda (lambdas/gateway_interceptor) applied in-process to every tools/call."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import McpError

from gateway_interceptor import handler as interceptor_handler
from local_dev.auth import gateway_verifier
from local_dev.gateway import InterceptorRejected, lambda_request_interceptor, start_local_gateway
from local_dev.token_issuer import AGENT_SCOPE, TOOLS_SCOPE
from order_service import tools
from tests.loopback import loopback_mcp_client, loopback_post

pytestmark = pytest.mark.xdist_group("identity")

TOOL = "order-service___lookup_order"
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}},
}


def run_session(url: str, body: Callable[[ClientSession], Awaitable[Any]], token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else None

    async def main() -> Any:
        async with loopback_mcp_client(headers=headers) as http:
            async with streamable_http_client(url, http_client=http) as (read, write, _):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    return await body(session)

    return asyncio.run(main())


def raw_post(url: str, token: str | None) -> httpx.Response:
    headers = {"Accept": "application/json, text/event-stream"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return loopback_post(url, json=INITIALIZE, headers=headers, timeout=10)


def test_mcp_request_without_a_token_is_401(stack):
    response = raw_post(stack.gateway.url, None)
    assert response.status_code == 401
    assert "Missing Authorization header" in response.json()["error"]


def test_token_without_the_tools_scope_is_401(stack):
    response = raw_post(stack.gateway.url, stack.token_for("alice", scope=["openid", AGENT_SCOPE]))
    assert response.status_code == 401
    assert f"lacks the required scope '{TOOLS_SCOPE}'" in response.json()["error"]


def test_token_of_another_client_is_401(stack):
    response = raw_post(stack.gateway.url, stack.token_for("alice", client_id="m2m-client"))
    assert response.status_code == 401 and "client is not allowed" in response.json()["error"]


def test_tools_scope_alone_is_enough_for_the_gateway(stack):
    response = raw_post(stack.gateway.url, stack.token_for("alice", scope=[TOOLS_SCOPE]))
    assert response.status_code == 200


def test_model_supplied_caller_id_is_overwritten_with_the_verified_sub(stack, upstream):
    token = stack.token_for("alice")
    result = run_session(
        stack.gateway.url, lambda s: s.call_tool(TOOL, {"order_id": "ORD-20002", "caller_id": "bob"}), token
    )
    assert result.isError and "not found" in result.content[0].text
    result = run_session(
        stack.gateway.url, lambda s: s.call_tool(TOOL, {"order_id": "ORD-10001", "caller_id": "bob"}), token
    )
    assert not result.isError and json.loads(result.content[0].text)["order_id"] == "ORD-10001"
    assert [r.headers.get("X-Customer-Id") for r in upstream.requests] == ["alice", "alice"]


def test_tools_list_passes_the_interceptor_unchanged(stack):
    listed = run_session(stack.gateway.url, lambda s: s.list_tools(), stack.token_for("bob"))
    assert [t.name for t in listed.tools] == [tools.gateway_tool_name(t.name) for t in tools.TOOLS]
    for tool in listed.tools:  # the reserved arguments are never published
        assert "caller_id" not in json.dumps(tool.inputSchema) and "caller_groups" not in json.dumps(tool.inputSchema)


# --------------------------------------------------------------------------- the hook is the Lambda, verbatim


def test_the_hook_runs_the_interceptor_lambdas_code_with_the_interceptor_event(stack, monkeypatch):
    seen: list[dict] = []
    real = interceptor_handler.intercept

    def recording(event, **kwargs):
        seen.append(event)
        return real(event, **kwargs)

    monkeypatch.setattr(interceptor_handler, "intercept", recording)
    intercept = lambda_request_interceptor(gateway_verifier(stack.issuer.discovery_url), ["order-service"])
    token = stack.token_for("alice")
    arguments = intercept({"authorization": f"Bearer {token}"}, TOOL, {"order_id": "ORD-1", "caller_id": "bob"})
    assert arguments == {"order_id": "ORD-1", "caller_id": "alice", "caller_groups": ""}
    [event] = seen
    assert event["interceptorInputVersion"] == "1.0"
    request = event["mcp"]["gatewayRequest"]
    assert request["headers"]["authorization"] == f"Bearer {token}"
    assert request["body"]["method"] == "tools/call"
    assert request["body"]["params"] == {"name": TOOL, "arguments": {"order_id": "ORD-1", "caller_id": "bob"}}


def test_the_hook_raises_the_lambdas_json_rpc_error_without_a_verified_caller(stack):
    intercept = lambda_request_interceptor(gateway_verifier(stack.issuer.discovery_url), ["order-service"])
    unsigned = (
        ".".join(
            base64.urlsafe_b64encode(json.dumps(p).encode()).rstrip(b"=").decode()
            for p in ({"alg": "none"}, {"sub": "bob"})
        )
        + ".c2ln"
    )
    for headers in ({}, {"authorization": f"Bearer {unsigned}"}):
        with pytest.raises(InterceptorRejected) as rejected:
            intercept(headers, TOOL, {"order_id": "ORD-10001"})
        assert rejected.value.code == interceptor_handler.UNAUTHENTICATED_CODE
        assert "No verified caller" in rejected.value.message


def test_gateway_without_an_authorizer_still_refuses_tool_calls_without_a_caller(stack):
    """The interceptor alone (no JWT check in front) answers a tokenless tools/call with its JSON-RPC error."""
    interceptor = lambda_request_interceptor(gateway_verifier(stack.issuer.discovery_url), ["order-service"])
    with start_local_gateway(interceptor=interceptor) as gateway:
        with pytest.raises(BaseException) as raised:
            run_session(gateway.url, lambda s: s.call_tool(TOOL, {"order_id": "ORD-12345"}), None)
        assert gateway.upstream.hits == 0
    error = _find(raised.value, McpError)
    assert error is not None, raised.value
    assert error.error.code == interceptor_handler.UNAUTHENTICATED_CODE
    assert "No verified caller" in error.error.message


def _find(error: BaseException, kind: type) -> Any:
    """``error`` itself or the first ``kind`` inside (nested) exception groups."""
    if isinstance(error, kind):
        return error
    for inner in getattr(error, "exceptions", ()):
        found = _find(inner, kind)
        if found is not None:
            return found
    return None
