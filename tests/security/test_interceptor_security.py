"""The gateway interceptor Lambda (its real handler, configured like the construct does): it verifies the token it
is handed, fails closed on anything that is not one JSON-RPC request, never raises, and leaves what is not ours alone.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentcore_constructs.contract import env_vars
from agentcore_constructs.contract.tools import INTERCEPTED_TARGETS_ENV, RUNTIME_SESSION_META, TOOL_CALL_ID_META
from gateway_interceptor import handler
from local_dev.token_issuer import AGENT_SCOPE, DEFAULT_CLIENT_ID, TOOLS_SCOPE
from tests.security.tokens import TOKEN_CASES, VICTIM, forged_tokens, unsigned

CONTEXT = SimpleNamespace(
    function_name="interceptor",
    memory_limit_in_mb=128,
    invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:i",
    aws_request_id="r-1",
)
TOOL = "order-service___lookup_order"


@pytest.fixture(autouse=True)
def configured(issuer, monkeypatch):
    monkeypatch.setenv(env_vars.AUTH_DISCOVERY_URL.name, issuer.discovery_url)
    monkeypatch.setenv(env_vars.AUTH_ALLOWED_CLIENTS.name, DEFAULT_CLIENT_ID)
    monkeypatch.setenv(env_vars.AUTH_REQUIRED_SCOPE.name, TOOLS_SCOPE)
    monkeypatch.setenv(INTERCEPTED_TARGETS_ENV, "order-service")
    monkeypatch.setattr(handler, "_verifier", None)


def event(body: Any, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"interceptorInputVersion": "1.0", "mcp": {"gatewayRequest": {"headers": headers or {}, "body": body}}}


def call(name: str = TOOL, **arguments: Any) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": 7,
        "method": "tools/call",
        "params": {"name": name, "arguments": {"order_id": "ORD-20002", **arguments}},
    }


def refused(result: dict[str, Any], code: int = handler.UNAUTHENTICATED_CODE) -> bool:
    response = result["mcp"].get("transformedGatewayResponse")
    return "transformedGatewayRequest" not in result["mcp"] and response["body"]["error"]["code"] == code


@pytest.mark.parametrize("case", TOKEN_CASES)
def test_a_forged_or_broken_token_never_reaches_the_target_as_bob(issuer, case):
    token = forged_tokens(issuer, wrong_scope=AGENT_SCOPE)[case]
    result = handler.lambda_handler(event(call(caller_id=VICTIM), {"Authorization": f"Bearer {token}"}), CONTEXT)
    assert refused(result), (case, result)
    assert result["mcp"]["transformedGatewayResponse"]["body"]["id"] == 7


def test_a_verified_token_overwrites_the_caller_the_model_claimed(issuer):
    result = handler.lambda_handler(
        event(call(caller_id=VICTIM), {"authorization": f"Bearer {issuer.issue_token('alice')}"}), CONTEXT
    )
    assert result["mcp"]["transformedGatewayRequest"]["body"]["params"]["arguments"] == {
        "order_id": "ORD-20002",
        "caller_id": "alice",
        "caller_groups": "",
    }


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer {alice}", "authorization": "Bearer {forged}"},
        {"authorization": "Bearer {forged}", "AUTHORIZATION": "Bearer {alice}"},
        {"Authorization": ["Bearer {alice}", "Bearer {forged}"]},
    ],
)
def test_two_authorization_values_are_refused(issuer, headers):
    alice, forged = issuer.issue_token("alice"), unsigned({"alg": "none"}, {"sub": VICTIM})
    filled = {
        k: (
            [x.format(alice=alice, forged=forged) for x in v]
            if isinstance(v, list)
            else v.format(alice=alice, forged=forged)
        )
        for k, v in headers.items()
    }
    assert refused(handler.lambda_handler(event(call(), filled), CONTEXT))


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_scheme_matching_is_case_insensitive(issuer, scheme):
    result = handler.lambda_handler(
        event(call(), {"Authorization": f"{scheme} {issuer.issue_token('alice')}"}), CONTEXT
    )
    assert result["mcp"]["transformedGatewayRequest"]["body"]["params"]["arguments"]["caller_id"] == "alice"


@pytest.mark.parametrize(
    "body",
    [
        [call()],
        [],
        "tools/call",
        b"{}",
        None,
        42,
        {"method": "tools/call"},
        {"jsonrpc": "1.0", "method": "tools/call"},
        {"jsonrpc": "2.0"},
    ],
    ids=["batch", "empty batch", "string", "bytes", "null", "number", "no jsonrpc", "wrong version", "no method"],
)
def test_anything_but_one_json_rpc_request_object_is_refused(issuer, body):
    result = handler.lambda_handler(event(body, {"Authorization": f"Bearer {issuer.issue_token('alice')}"}), CONTEXT)
    assert refused(result, handler.INVALID_REQUEST_CODE)


def test_deeply_nested_arguments_get_a_structured_answer(issuer):
    nested: Any = "x"
    for _ in range(5000):
        nested = [nested]
    result = handler.lambda_handler(
        event(call(deep=nested), {"Authorization": f"Bearer {issuer.issue_token('alice')}"}), CONTEXT
    )
    assert result["interceptorOutputVersion"] == "1.0"
    assert (
        "transformedGatewayResponse" in result["mcp"]
        or result["mcp"]["transformedGatewayRequest"]["body"]["params"]["arguments"]["caller_id"] == "alice"
    )


@pytest.mark.parametrize("name", ["x_amz_bedrock_agentcore_search", "other-team-service___do_thing"])
def test_the_builtin_search_tool_and_foreign_targets_pass_through_untouched(name):
    body = call(name=name, caller_id="whatever")
    result = handler.lambda_handler(event(body), CONTEXT)
    assert result["mcp"]["transformedGatewayRequest"]["body"] == body


def test_without_identity_configuration_every_tool_call_of_ours_is_refused(issuer, monkeypatch):
    monkeypatch.delenv(env_vars.AUTH_DISCOVERY_URL.name)
    monkeypatch.delenv(env_vars.AUTH_ALLOWED_CLIENTS.name)
    monkeypatch.delenv(env_vars.AUTH_REQUIRED_SCOPE.name)
    assert refused(
        handler.lambda_handler(event(call(), {"Authorization": f"Bearer {issuer.issue_token('alice')}"}), CONTEXT)
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text() | st.binary(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
        max_leaves=30,
    )
)
def test_nothing_ever_raises(body):
    for shaped in (body, event(body), {"mcp": body}, {"mcp": {"gatewayRequest": body}}):
        assert handler.lambda_handler(shaped, CONTEXT)["interceptorOutputVersion"] == "1.0"


@pytest.mark.parametrize(
    ("claimed", "expected"),
    [(None, ""), (["support-staff"], "support-staff"), (["auditors", "support-staff"], "auditors support-staff")],
)
def test_only_the_verified_groups_claim_reaches_the_tool(issuer, claimed, expected):
    # The model claims staff; only the token's own cognito:groups counts.
    extra = {} if claimed is None else {"cognito:groups": claimed}
    token = issuer.issue_token("alice", extra_claims=extra)
    result = handler.lambda_handler(
        event(call(caller_groups="support-staff admins"), {"authorization": f"Bearer {token}"}), CONTEXT
    )
    arguments = result["mcp"]["transformedGatewayRequest"]["body"]["params"]["arguments"]
    assert (arguments["caller_id"], arguments["caller_groups"]) == ("alice", expected)


@pytest.mark.parametrize("claimed", ["support-staff", ["support staff"], [""], [1], {"a": "b"}, ["ok", None]])
def test_a_groups_claim_that_is_not_a_list_of_names_is_refused(issuer, claimed):
    token = issuer.issue_token("alice", extra_claims={"cognito:groups": claimed})
    result = handler.lambda_handler(event(call(), {"authorization": f"Bearer {token}"}), CONTEXT)
    assert refused(result), result


def with_meta(body: dict[str, Any], meta: Any) -> dict[str, Any]:
    return {**body, "params": {**body["params"], "_meta": meta}}


CALL_META = {RUNTIME_SESSION_META: "session-0123456789abcdef0123456789ab", TOOL_CALL_ID_META: "tooluse_abc"}


def test_the_session_and_tool_call_id_come_from_meta_and_replace_the_models(issuer):
    # The model writes the arguments; it tries to replay another call's refund by naming its ids.
    body = with_meta(call(runtime_session_id="victim-session", tool_call_id="tooluse_victim"), CALL_META)
    result = handler.lambda_handler(event(body, {"authorization": f"Bearer {issuer.issue_token('alice')}"}), CONTEXT)
    transformed = result["mcp"]["transformedGatewayRequest"]["body"]["params"]
    assert transformed["arguments"] == {
        "order_id": "ORD-20002",
        "caller_id": "alice",
        "caller_groups": "",
        "runtime_session_id": CALL_META[RUNTIME_SESSION_META],
        "tool_call_id": "tooluse_abc",
    }
    assert transformed["_meta"] == CALL_META  # the request is otherwise as sent


@pytest.mark.parametrize("meta", [None, {}, {"traceparent": "00-abc-def-01"}], ids=["no-meta", "empty", "other"])
def test_without_them_in_meta_the_models_session_and_tool_call_id_are_removed(issuer, meta):
    body = call(runtime_session_id="victim-session", tool_call_id="tooluse_victim")
    if meta is not None:
        body = with_meta(body, meta)
    result = handler.lambda_handler(event(body, {"authorization": f"Bearer {issuer.issue_token('alice')}"}), CONTEXT)
    arguments = result["mcp"]["transformedGatewayRequest"]["body"]["params"]["arguments"]
    assert "runtime_session_id" not in arguments and "tool_call_id" not in arguments
    assert arguments["caller_id"] == "alice"


@pytest.mark.parametrize(
    "meta",
    [
        "tooluse_abc",
        ["tooluse_abc"],
        {TOOL_CALL_ID_META: ""},
        {TOOL_CALL_ID_META: 7},
        {TOOL_CALL_ID_META: ["tooluse_abc"]},
        {TOOL_CALL_ID_META: "tool use"},
        {RUNTIME_SESSION_META: "x" * 257},
        {RUNTIME_SESSION_META: "session\nforged"},
    ],
)
def test_a_malformed_session_or_tool_call_id_in_meta_is_refused(issuer, meta):
    body = with_meta(call(), meta)
    result = handler.lambda_handler(event(body, {"authorization": f"Bearer {issuer.issue_token('alice')}"}), CONTEXT)
    assert refused(result, handler.INVALID_PARAMS_CODE), result
