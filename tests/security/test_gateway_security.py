"""The gateway surface (local MCP gateway: the Gateway's JWT authorizer, tools scope, in front of THE interceptor
code and the order tool): no token but alice's own verified one gets a tool call made as alice, none as bob."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from local_dev.auth import gateway_verifier
from local_dev.gateway import (
    LocalGateway,
    lambda_request_interceptor,
    local_order_service,
    local_target_names,
    start_local_gateway,
)
from local_dev.token_issuer import AGENT_SCOPE
from local_dev.upstream import FakeOrdersAPI, start_fake_orders_api
from tests.loopback import loopback_post
from tests.security.tokens import TOKEN_CASES, VICTIM, forged_tokens, unsigned

TOOL = "order-service___lookup_order"
BOBS_ORDER = "ORD-20002"


@pytest.fixture(scope="module")
def upstream() -> Iterator[FakeOrdersAPI]:
    api = start_fake_orders_api()
    yield api
    api.stop()


@pytest.fixture(scope="module")
def gateway(issuer, upstream) -> Iterator[LocalGateway]:
    verifier = gateway_verifier(issuer.discovery_url)
    running = start_local_gateway(
        [local_order_service(upstream.url)],
        interceptor=lambda_request_interceptor(gateway_verifier(issuer.discovery_url), local_target_names()),
        verifier=verifier,
    )
    yield running
    running.stop()


def tools_call(gateway: LocalGateway, headers: list[tuple[str, str]], order_id: str = BOBS_ORDER) -> httpx.Response:
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": TOOL, "arguments": {"order_id": order_id, "caller_id": VICTIM}},
    }
    base = [("Accept", "application/json, text/event-stream"), ("Content-Type", "application/json")]
    return loopback_post(gateway.url, content=json.dumps(body), headers=base + headers, timeout=10)


@pytest.mark.parametrize("case", TOKEN_CASES)
def test_every_forged_or_broken_token_is_401_and_the_upstream_never_asked(issuer, gateway, upstream, case):
    upstream.reset()
    token = forged_tokens(issuer, wrong_scope=AGENT_SCOPE)[case]
    response = tools_call(gateway, [("Authorization", f"Bearer {token}")])
    assert response.status_code == 401, (case, response.text)
    assert upstream.hits == 0 and "customer_id" not in response.text


def test_two_authorization_headers_are_401(issuer, gateway, upstream):
    upstream.reset()
    forged = unsigned({"alg": "none"}, {"sub": VICTIM})
    response = tools_call(
        gateway, [("Authorization", f"Bearer {issuer.issue_token('alice')}"), ("Authorization", f"Bearer {forged}")]
    )
    assert response.status_code == 401 and upstream.hits == 0


def test_alice_calling_for_bobs_order_gets_not_found_and_the_upstream_only_ever_sees_alice(issuer, gateway, upstream):
    upstream.reset()
    response = tools_call(gateway, [("Authorization", f"bearer {issuer.issue_token('alice')}")])
    assert response.status_code == 200
    result = response.json()["result"]
    assert result["isError"] is True and "not found" in json.dumps(result)
    assert [r.headers.get("X-Customer-Id") for r in upstream.requests] == ["alice"]
