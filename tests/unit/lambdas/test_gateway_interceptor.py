"""The caller-identity REQUEST interceptor: identity only from the verified token, never from the model."""

from __future__ import annotations

import base64
import json
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway_interceptor.handler import CALLER_ID_ARGUMENT, UNAUTHENTICATED_CODE, caller_from_authorization, lambda_handler
from order_service.tools import CALLER_ID_ARGUMENT as ORDER_SERVICE_CALLER_ID

CONTEXT = SimpleNamespace(function_name="interceptor", memory_limit_in_mb=128, invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:i", aws_request_id="r-1")


def _token(claims: dict) -> str:
    def b64(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{b64({'alg': 'RS256'})}.{b64(claims)}.signature-checked-by-the-gateway"


def _event(body: dict, authorization: str | None) -> dict:
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    return {"interceptorInputVersion": "1.0", "mcp": {"gatewayRequest": {"path": "/mcp", "httpMethod": "POST", "headers": headers, "body": body}}}


def _call(arguments: dict) -> dict:
    return {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "order-service___lookup_order", "arguments": arguments}}


def test_the_reserved_argument_name_matches_the_tools() -> None:
    assert CALLER_ID_ARGUMENT == ORDER_SERVICE_CALLER_ID


def test_caller_from_the_token_overwrites_what_the_model_supplied() -> None:
    result = lambda_handler(_event(_call({"order_id": "ORD-20002", "caller_id": "bob"}), f"Bearer {_token({'sub': 'alice'})}"), CONTEXT)
    body = result["mcp"]["transformedGatewayRequest"]["body"]
    assert body["params"]["arguments"] == {"order_id": "ORD-20002", "caller_id": "alice"}
    assert result["interceptorOutputVersion"] == "1.0"


@pytest.mark.parametrize("authorization", [None, "", "Basic abc", "Bearer not-a-jwt", f"Bearer {_token({'name': 'no sub'})}", f"Bearer {_token({'sub': ''})}"])
def test_tool_calls_without_a_verified_caller_never_reach_the_target(authorization) -> None:
    result = lambda_handler(_event(_call({"order_id": "ORD-12345"}), authorization), CONTEXT)
    assert "transformedGatewayRequest" not in result["mcp"]
    error = result["mcp"]["transformedGatewayResponse"]["body"]
    assert error["id"] == 7 and error["error"]["code"] == UNAUTHENTICATED_CODE


def test_other_methods_pass_through_unchanged() -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    result = lambda_handler(_event(body, None), CONTEXT)
    assert result["mcp"]["transformedGatewayRequest"]["body"] == body


def test_header_name_case_does_not_matter() -> None:
    event = _event(_call({"order_id": "ORD-10001"}), None)
    event["mcp"]["gatewayRequest"]["headers"]["authorization"] = f"Bearer {_token({'sub': 'alice'})}"
    body = lambda_handler(event, CONTEXT)["mcp"]["transformedGatewayRequest"]["body"]
    assert body["params"]["arguments"]["caller_id"] == "alice"


@settings(max_examples=300, deadline=None)
@given(event=st.recursive(st.none() | st.booleans() | st.integers() | st.text(), lambda c: st.lists(c) | st.dictionaries(st.text(), c), max_leaves=20))
def test_malformed_events_never_raise(event) -> None:
    for shaped in (event, {"mcp": event}, {"mcp": {"gatewayRequest": event}}, {"mcp": {"gatewayRequest": {"body": event}}}):
        result = lambda_handler(shaped, CONTEXT)
        assert result["interceptorOutputVersion"] == "1.0"


def test_caller_from_authorization_rejects_garbage() -> None:
    assert caller_from_authorization(f"Bearer {_token({'sub': 'alice'})}") == "alice"
    assert caller_from_authorization("Bearer a.b.c") is None
    assert caller_from_authorization(123) is None
