"""Refunds through the whole local chain of `make dev`, as the deployed gateway runs it: JWT authorizer -> the Cedar
policies (ENFORCE) -> the caller interceptor Lambda -> the order service -> the orders API. Staff membership comes only
from the verified token's cognito:groups."""

from __future__ import annotations

import json

import pytest
from mcp import McpError

from local_dev.tool_policy import POLICY_DENIED
from tests.integration.gateway.test_local_gateway_mcp import run_session

REFUND = "order-service___issue_refund"
ARGS = {"order_id": "ORD-20002", "amount_cents": 500, "reason": "one tea arrived broken"}


def call(dev_stack, token: str, arguments: dict):
    headers = {"Authorization": f"Bearer {token}"}
    return run_session(dev_stack.gateway.url, lambda s: s.call_tool(REFUND, arguments), headers=headers)


def denial(dev_stack, token: str, arguments: dict) -> McpError:
    """The JSON-RPC error the call was answered with (the MCP client raises it inside its task group)."""
    try:
        call(dev_stack, token, arguments)
    except BaseException as raised:  # noqa: BLE001 - unwrapped below
        errors = [raised]
        while errors:
            error = errors.pop()
            if isinstance(error, McpError):
                return error
            errors.extend(getattr(error, "exceptions", ()))
        raise
    raise AssertionError("the call was not refused")


def test_support_staff_refund_reaches_the_orders_api_once(dev_stack, upstream):
    token = dev_stack.token_for("sam", extra_claims={"cognito:groups": ["support-staff"]})
    first = json.loads(call(dev_stack, token, ARGS).content[0].text)
    again = json.loads(call(dev_stack, token, ARGS).content[0].text)
    assert first["status"] == "issued" and first["issued_by"] == "sam"
    assert again == {**first, "replayed": True}
    assert len(upstream.refunds) == 1


@pytest.mark.parametrize(
    ("claims", "arguments"),
    [
        ({}, ARGS),  # a customer
        ({"cognito:groups": ["support-staff-trainee"]}, ARGS),
        ({"cognito:groups": ["support-staff"]}, {**ARGS, "amount_cents": 50_001}),
    ],
    ids=["customer", "lookalike-group", "over-the-limit"],
)
def test_the_policy_denies_before_anything_runs(dev_stack, upstream, claims, arguments):
    token = dev_stack.token_for("alice", extra_claims=claims)
    assert denial(dev_stack, token, arguments).error.code == POLICY_DENIED
    assert upstream.requests == []


def test_a_model_claiming_staff_in_the_arguments_changes_nothing(dev_stack, upstream):
    token = dev_stack.token_for("alice")
    denied = denial(dev_stack, token, {**ARGS, "caller_groups": "support-staff", "caller_id": "sam"})
    assert denied.error.code == POLICY_DENIED
    assert upstream.requests == []
