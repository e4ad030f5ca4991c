"""The local gateway over real MCP (streamable HTTP + ClientSession) in front of the order-service handler."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any

import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from local_dev.gateway import LocalGateway, local_order_service, start_local_gateway, strip_caller_id
from local_dev.upstream import FakeOrdersAPI, start_fake_orders_api
from order_service import tools
from tests.loopback import loopback_mcp_client

pytestmark = pytest.mark.xdist_group("local_gateway")

TOOL = "order-service___lookup_order"


@pytest.fixture(scope="session")
def gateway() -> Iterator[LocalGateway]:
    """Default wiring: the gateway starts (and owns) the fake orders API; default interceptor."""
    gw = start_local_gateway()
    yield gw
    gw.stop()


def header_caller_interceptor(
    headers: Mapping[str, str], tool_name: str, arguments: dict[str, Any], meta: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Stand-in for stage 4: identity from a (here unverified, test-only) request header, never from the model."""
    arguments = strip_caller_id(headers, tool_name, arguments)
    if "x-test-caller" in headers:
        arguments["caller_id"] = headers["x-test-caller"]
    return arguments


@pytest.fixture(scope="session")
def identity_gateway() -> Iterator[tuple[LocalGateway, FakeOrdersAPI]]:
    upstream = start_fake_orders_api()
    gw = start_local_gateway([local_order_service(upstream.url)], interceptor=header_caller_interceptor)
    yield gw, upstream
    gw.stop()
    upstream.stop()


def run_session(
    url: str, body: Callable[[ClientSession], Awaitable[Any]], headers: dict[str, str] | None = None
) -> Any:
    async def main() -> Any:
        async with loopback_mcp_client(headers=headers) as http:
            async with streamable_http_client(url, http_client=http) as (read, write, _):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    return await body(session)

    return asyncio.run(main())


def text_of(result: Any) -> str:
    [content] = result.content
    return content.text


def test_list_tools_serves_the_declarations_under_gateway_names(gateway: LocalGateway) -> None:
    listed = run_session(gateway.url, lambda s: s.list_tools())
    by_name = {t.name: t for t in listed.tools}
    assert set(by_name) == {tools.gateway_tool_name(t.name) for t in tools.TOOLS}
    declared = tools.gateway_tool_schemas()[0]
    assert by_name[TOOL].inputSchema == declared["inputSchema"]
    assert by_name[TOOL].description == declared["description"]


def test_call_tool_returns_the_shipped_order(gateway: LocalGateway) -> None:
    result = run_session(gateway.url, lambda s: s.call_tool(TOOL, {"order_id": "ORD-12345"}))
    assert not result.isError
    order = json.loads(text_of(result))
    assert (order["order_id"], order["status"]) == ("ORD-12345", "shipped")


@pytest.mark.parametrize(
    "arguments", [{"order_id": "12345"}, {"order_id": 12345}, {}, {"order_id": "ORD-12345", "x": 1}]
)
def test_malformed_arguments_are_an_error_result(gateway: LocalGateway, arguments: dict[str, Any]) -> None:
    result = run_session(gateway.url, lambda s: s.call_tool(TOOL, arguments))
    assert result.isError
    assert "order_id" in text_of(result) or "unexpected property" in text_of(result)


def test_unknown_order_is_an_error_result(gateway: LocalGateway) -> None:
    result = run_session(gateway.url, lambda s: s.call_tool(TOOL, {"order_id": "ORD-99999"}))
    assert result.isError
    assert text_of(result) == "order ORD-99999 not found"


def test_unknown_tool_is_an_error_result(gateway: LocalGateway) -> None:
    result = run_session(gateway.url, lambda s: s.call_tool("order-service___cancel_order", {"order_id": "ORD-12345"}))
    assert result.isError


def test_model_supplied_caller_id_is_stripped_by_default(gateway: LocalGateway) -> None:
    gateway.upstream.reset()
    result = run_session(gateway.url, lambda s: s.call_tool(TOOL, {"order_id": "ORD-20002", "caller_id": "alice"}))
    assert not result.isError  # caller_id dropped: no customer filter, bob's order visible in dev
    assert json.loads(text_of(result))["customer_id"] == "bob"
    assert [r.headers.get("X-Customer-Id") for r in gateway.upstream.requests] == [None]


def test_interceptor_identity_overrides_model_supplied_caller_id(identity_gateway) -> None:
    gw, upstream = identity_gateway
    upstream.reset()

    async def calls(session: ClientSession) -> list[Any]:
        return [
            await session.call_tool(TOOL, {"order_id": "ORD-20002", "caller_id": "bob"}),  # model claims to be bob
            await session.call_tool(TOOL, {"order_id": "ORD-10001"}),
        ]

    hidden, own = run_session(gw.url, calls, headers={"X-Test-Caller": "alice"})
    assert hidden.isError and text_of(hidden) == "order ORD-20002 not found"
    assert not own.isError and json.loads(text_of(own))["customer_id"] == "alice"
    assert [r.headers.get("X-Customer-Id") for r in upstream.requests] == ["alice", "alice"]
