"""order_service.handler: Gateway contract, Secrets Manager caching, retries/backoff, per-user data, dispatch."""

from __future__ import annotations

import json
import socket
from typing import Any
from unittest import mock

import pytest
from aws_lambda_powertools.utilities.parameters import SecretsProvider

from agentcore_constructs.contract.tools import CALLER_REQUIRED_ENV
from local_dev.gateway import make_lambda_context
from local_dev.upstream import DEV_API_KEY
from order_service import handler, tools, upstream
from order_service.tools import ToolDeclaration


def test_lookup_returns_the_order(configured, invoke, sleeps) -> None:
    result = invoke({"order_id": "ORD-12345"})
    assert result["order_id"] == "ORD-12345"
    assert result["status"] == "shipped"
    [request] = configured.requests
    assert request.path == "/orders/ORD-12345"
    assert request.headers["X-API-Key"] == DEV_API_KEY
    assert "X-Customer-Id" not in request.headers
    assert sleeps.delays == []


def test_tool_name_with_or_without_target_prefix(configured, invoke) -> None:
    assert invoke({"order_id": "ORD-12345"}, target="any-target-name")["status"] == "shipped"
    assert invoke({"order_id": "ORD-12345"}, target="")["status"] == "shipped"


def test_unknown_order_is_not_found(configured, invoke, error_code) -> None:
    result = invoke({"order_id": "ORD-99999"})
    assert error_code(result) == "NOT_FOUND"
    assert result["error"]["message"] == "order ORD-99999 not found"
    assert configured.hits == 1


def test_5xx_is_retried_until_success(configured, invoke, sleeps) -> None:
    configured.fail_next(2, status=500)
    result = invoke({"order_id": "ORD-12345"})
    assert result["status"] == "shipped"
    assert configured.hits == 3  # 2 retries
    assert len(sleeps.delays) == 2


def test_429_is_retried(configured, invoke) -> None:
    configured.fail_next(1, status=429)
    assert invoke({"order_id": "ORD-12345"})["status"] == "shipped"
    assert configured.hits == 2


def test_retries_exhausted_gives_a_clear_retryable_error(configured, invoke, error_code) -> None:
    configured.fail_next(5, status=503)
    result = invoke({"order_id": "ORD-12345"})
    assert error_code(result) == "UPSTREAM_UNAVAILABLE"
    assert "after 3 attempt(s)" in result["error"]["message"]
    assert "HTTP 503" in result["error"]["message"]
    assert result["error"]["retryable"] is True
    assert configured.hits == 3


def test_timeout_is_retried_then_fails_clearly(configured, invoke, error_code) -> None:
    configured.hang_next(3, seconds=5)  # longer than ORDERS_API_TIMEOUT_SECONDS=0.25
    result = invoke({"order_id": "ORD-12345"})
    assert error_code(result) == "UPSTREAM_UNAVAILABLE"
    assert "timed out" in result["error"]["message"]
    assert configured.hits == 3


def test_timeout_then_success(configured, invoke) -> None:
    configured.hang_next(1, seconds=5)
    assert invoke({"order_id": "ORD-12345"})["status"] == "shipped"
    assert configured.hits == 2


def test_connection_errors_are_retried(configured, invoke, error_code, monkeypatch) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    monkeypatch.setenv(tools.ENV_BASE_URL, f"http://127.0.0.1:{closed_port}")
    result = invoke({"order_id": "ORD-12345"})
    assert error_code(result) == "UPSTREAM_UNAVAILABLE"
    assert "connection error" in result["error"]["message"]


@pytest.mark.parametrize("status", [400, 401, 403, 409, 422])
def test_other_4xx_are_not_retried(configured, invoke, error_code, sleeps, status) -> None:
    configured.fail_next(1, status=status)
    result = invoke({"order_id": "ORD-12345"})
    assert error_code(result) == "UPSTREAM_ERROR"
    assert configured.hits == 1
    assert sleeps.delays == []


def test_no_retry_is_started_that_cannot_finish_before_the_lambda_deadline(configured, error_code) -> None:
    configured.fail_next(3, status=503)
    context = make_lambda_context("order-service___lookup_order", timeout_ms=400)  # < 0.25 s timeout + 0.25 s safety
    result = handler.lambda_handler({"order_id": "ORD-12345"}, context)
    assert error_code(result) == "UPSTREAM_UNAVAILABLE"
    assert "after 1 attempt(s)" in result["error"]["message"]
    assert configured.hits == 1


def test_backoff_grows_exponentially_up_to_the_cap(configured, invoke, sleeps, monkeypatch) -> None:
    monkeypatch.setenv(tools.ENV_MAX_ATTEMPTS, "6")
    monkeypatch.setenv(tools.ENV_BACKOFF_BASE_SECONDS, "0.1")
    monkeypatch.setenv(tools.ENV_BACKOFF_MAX_SECONDS, "1.0")
    monkeypatch.setattr(upstream, "_random", lambda: 1.0)  # the top of the jitter range
    configured.fail_next(6, status=503)
    invoke({"order_id": "ORD-12345"})
    assert sleeps.delays == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.0])


def test_backoff_uses_full_jitter_within_bounds(configured, invoke, sleeps, monkeypatch) -> None:
    import random

    rng = random.Random(7)
    monkeypatch.setenv(tools.ENV_MAX_ATTEMPTS, "6")
    monkeypatch.setenv(tools.ENV_BACKOFF_BASE_SECONDS, "0.1")
    monkeypatch.setenv(tools.ENV_BACKOFF_MAX_SECONDS, "10")
    monkeypatch.setattr(upstream, "_random", rng.random)
    for _ in range(20):
        configured.fail_next(6, status=503)
        invoke({"order_id": "ORD-12345"})
    per_retry = [sleeps.delays[i::5] for i in range(5)]
    for retry, delays in enumerate(per_retry):
        assert all(0 <= d <= 0.1 * 2**retry for d in delays)
    assert len(set(sleeps.delays)) == len(sleeps.delays)  # jittered, not fixed
    # the jitter ceiling doubles: the largest sampled delay grows with the retry number
    assert max(per_retry[4]) > 0.1 * 2**3


def test_secret_is_fetched_once_per_container(configured, invoke) -> None:
    with mock.patch.object(SecretsProvider, "_get", autospec=True, side_effect=SecretsProvider._get) as fetch:
        for _ in range(20):
            assert invoke({"order_id": "ORD-12345"})["status"] == "shipped"
    assert fetch.call_count == 1
    assert configured.hits == 20


def test_missing_secret_is_not_configured(configured, invoke, error_code, monkeypatch) -> None:
    monkeypatch.setenv(tools.ENV_API_KEY_SECRET_ARN, "arn:aws:secretsmanager:us-east-1:123456789012:secret:nope")
    result = invoke({"order_id": "ORD-12345"})
    assert error_code(result) == "NOT_CONFIGURED"
    assert "tool not configured" in result["error"]["message"]
    assert configured.hits == 0


@pytest.mark.parametrize(
    "secret_string",
    ["", "   ", "not json", json.dumps(DEV_API_KEY), json.dumps({"api_key": ""}), json.dumps({"key": "x"}), "[]"],
)
def test_malformed_secret_is_not_configured(
    configured, invoke, error_code, aws, monkeypatch, unique_name, secret_string
) -> None:
    if secret_string.strip():
        arn = aws.create_secret(Name=unique_name, SecretString=secret_string)["ARN"]
    else:  # Secrets Manager refuses an empty SecretString; a binary-only secret has none
        arn = aws.create_secret(Name=unique_name, SecretBinary=b"\x00")["ARN"]
    monkeypatch.setenv(tools.ENV_API_KEY_SECRET_ARN, arn)
    assert error_code(invoke({"order_id": "ORD-12345"})) == "NOT_CONFIGURED"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        (tools.ENV_BASE_URL, ""),
        (tools.ENV_BASE_URL, "ftp://x"),
        (tools.ENV_API_KEY_SECRET_ARN, ""),
        (tools.ENV_TIMEOUT_SECONDS, "soon"),
        (tools.ENV_MAX_ATTEMPTS, "0"),
    ],
)
def test_bad_configuration_is_not_configured(configured, invoke, error_code, monkeypatch, name, value) -> None:
    monkeypatch.setenv(name, value)
    assert error_code(invoke({"order_id": "ORD-12345"})) == "NOT_CONFIGURED"


def test_wrong_api_key_is_a_clear_error_without_retries(
    configured, invoke, error_code, aws, monkeypatch, unique_name
) -> None:
    arn = aws.create_secret(Name=unique_name, SecretString=json.dumps({"api_key": "sk-wrong"}))["ARN"]
    monkeypatch.setenv(tools.ENV_API_KEY_SECRET_ARN, arn)
    result = invoke({"order_id": "ORD-12345"})
    assert error_code(result) == "UPSTREAM_ERROR"
    assert "credentials" in result["error"]["message"]
    assert configured.hits == 1


@pytest.mark.parametrize("required", [None, "true", "TRUE"])
def test_with_identity_on_a_call_without_a_verified_caller_never_runs(
    configured, invoke, error_code, monkeypatch, required
) -> None:
    # Unset means required (fail closed); LambdaTool sets "true" whenever the gateway has the caller interceptor.
    if required is None:
        monkeypatch.delenv(CALLER_REQUIRED_ENV)
    else:
        monkeypatch.setenv(CALLER_REQUIRED_ENV, required)
    result = invoke({"order_id": "ORD-10001"})
    assert error_code(result) == "UNAUTHENTICATED" and result["error"]["retryable"] is False
    assert configured.requests == []  # the upstream was never asked: no unfiltered lookup
    assert invoke({"order_id": "ORD-10001", "caller_id": "alice"})["customer_id"] == "alice"


def test_caller_id_filters_to_the_callers_orders(configured, invoke, error_code) -> None:
    assert invoke({"order_id": "ORD-10001", "caller_id": "alice"})["customer_id"] == "alice"
    hidden = invoke({"order_id": "ORD-20002", "caller_id": "alice"})
    assert error_code(hidden) == "NOT_FOUND"
    assert hidden["error"]["message"] == "order ORD-20002 not found"  # same answer as a missing order
    assert [r.headers.get("X-Customer-Id") for r in configured.requests] == ["alice", "alice"]
    assert invoke({"order_id": "ORD-20002", "caller_id": "bob"})["customer_id"] == "bob"


@pytest.mark.parametrize(
    "event",
    [None, [], "ORD-12345", 42, {}, {"order_id": 12345}, {"order_id": "ORD-1"}, {"order_id": "ORD-12345", "x": 1}],
)
def test_malformed_events_are_invalid_argument(configured, invoke, error_code, event) -> None:
    result = invoke(event)
    assert error_code(result) == "INVALID_ARGUMENT"
    assert configured.hits == 0


@pytest.mark.parametrize("tool", ["cancel_order", "lookup_orders", "", "___"])
def test_unknown_tool(configured, invoke, error_code, tool) -> None:
    assert error_code(invoke({"order_id": "ORD-12345"}, tool=tool)) == "UNKNOWN_TOOL"


@pytest.mark.parametrize("client_context", [None, object(), mock.Mock(custom=None), mock.Mock(custom={})])
def test_missing_tool_name_is_a_structured_error(configured, error_code, client_context) -> None:
    context = make_lambda_context("order-service___lookup_order")
    context.client_context = client_context
    assert error_code(handler.lambda_handler({"order_id": "ORD-12345"}, context)) == "UNKNOWN_TOOL"


def test_unexpected_exceptions_become_internal_errors(configured, invoke, error_code, monkeypatch) -> None:
    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(upstream, "call_upstream", boom)
    result = invoke({"order_id": "ORD-12345"})
    assert error_code(result) == "INTERNAL"
    assert "bug" not in result["error"]["message"]


def test_metrics_are_emitted(configured, invoke, capsys) -> None:
    configured.fail_next(1, status=503)
    invoke({"order_id": "ORD-12345"})
    invoke({"order_id": "ORD-99999"})
    blobs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    names = {m["Name"] for b in blobs for d in b["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}
    assert {"ToolInvocations", "OrderLookups", "UpstreamRetries", "ToolErrors"} <= names
    assert all(d["Namespace"] == "AgentCoreTools" for b in blobs for d in b["_aws"]["CloudWatchMetrics"])
    [error] = [b for b in blobs if "ToolErrors" in b]
    assert (error["tool"], error["code"]) == ("lookup_order", "NOT_FOUND")


# --------------------------------------------------------------------------- adding a second tool

NOTE_TOOL = ToolDeclaration(
    name="order_note",
    description="Test-only second tool: returns a note about an order.",
    input_schema={
        "type": "object",
        "properties": {"order_id": {"type": "string", "description": "Order ID"}, "note": {"type": "string"}},
        "required": ["order_id", "note"],
    },
    patterns={"order_id": tools.ORDER_ID_PATTERN},
)


@pytest.fixture
def two_tool_router(monkeypatch: pytest.MonkeyPatch) -> handler.ToolRouter:
    """A second tool = one declaration + one function (plus the existing lookup_order)."""
    router = handler.ToolRouter((*tools.TOOLS, NOTE_TOOL))
    router.tool("lookup_order")(handler.lookup_order)
    router.tool("issue_refund")(handler.issue_refund)

    @router.tool("order_note")
    def order_note(arguments: dict[str, Any]) -> dict[str, Any]:
        return {"order_id": arguments["order_id"], "note": arguments["note"], "for": arguments.get("caller_id")}

    router.check_complete()
    monkeypatch.setattr(handler, "ROUTER", router)
    return router


def test_second_tool_is_dispatched_and_validated(configured, two_tool_router, invoke, error_code) -> None:
    assert invoke({"order_id": "ORD-10001", "note": "hi", "caller_id": "alice"}, tool="order_note") == {
        "order_id": "ORD-10001",
        "note": "hi",
        "for": "alice",
    }
    assert error_code(invoke({"order_id": "ORD-10001"}, tool="order_note")) == "INVALID_ARGUMENT"
    assert invoke({"order_id": "ORD-12345"})["status"] == "shipped"
    assert [t["name"] for t in tools.gateway_tool_schemas(tuple(two_tool_router.declarations.values()))] == [
        "lookup_order",
        "issue_refund",
        "order_note",
    ]


def test_router_refuses_undeclared_or_unimplemented_tools() -> None:
    router = handler.ToolRouter((*tools.TOOLS, NOTE_TOOL))
    router.tool("lookup_order")(handler.lookup_order)
    with pytest.raises(RuntimeError, match=r"\['issue_refund', 'order_note'\]"):
        router.check_complete()
    with pytest.raises(ValueError, match="not declared"):
        router.tool("cancel_order")
    with pytest.raises(ValueError, match="twice"):
        router.tool("lookup_order")(handler.lookup_order)


def test_every_declared_tool_is_implemented() -> None:
    assert set(handler.ROUTER.implementations) == {t.name for t in tools.TOOLS}
