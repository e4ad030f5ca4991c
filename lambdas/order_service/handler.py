"""Order service: AgentCore Gateway Lambda target (the seed PoC's ``lookup_order``, without the hardcoded key).

Gateway Lambda contract
    ``event`` is the tool-arguments dict. ``context.client_context.custom["bedrockAgentCoreToolName"]`` is
    ``<target>___<tool>``; the target prefix is stripped and the call dispatched on the tool name.
    Every outcome is a dict: the tool result, or a structured error
    ``{"error": {"code": ..., "message": ..., "retryable": bool}}`` -- never an unhandled exception.

Environment (names in :mod:`order_service.tools`)
    ``ORDERS_API_BASE_URL`` (required), ``ORDERS_API_KEY_SECRET_ARN`` (required),
    ``ORDERS_API_TIMEOUT_SECONDS`` (3), ``ORDERS_API_MAX_ATTEMPTS`` (3), ``ORDERS_API_BACKOFF_BASE_SECONDS`` (0.2),
    ``ORDERS_API_BACKOFF_MAX_SECONDS`` (2), ``ORDERS_API_KEY_CACHE_SECONDS`` (300).

Secret
    SecretString is JSON ``{"api_key": "<key>"}``. Read through Powertools ``parameters.get_secret`` with
    ``max_age`` caching: one Secrets Manager call per container per cache lifetime, not one per invocation.
    A missing, unreadable, malformed or empty secret yields ``NOT_CONFIGURED`` ("tool not configured").

Upstream
    ``GET {ORDERS_API_BASE_URL}/orders/{order_id}`` with ``X-API-Key``; plus ``X-Customer-Id: <caller_id>`` when the
    Gateway interceptor injected the reserved ``caller_id`` argument (the upstream then answers 404 for orders of
    other customers). 5xx, 429, timeouts and connection errors are retried with exponential backoff and full
    jitter; 404 and other 4xx are not.

``issue_refund`` (support staff only)
    ``POST {ORDERS_API_BASE_URL}/orders/{order_id}/refunds`` with ``{"amount_cents", "reason"}``, ``X-Staff-Id:
    <caller_id>`` and an ``Idempotency-Key`` derived from the caller and the arguments: every retry (ours, the
    Gateway's, or the model asking again) of the same refund carries the same key, so the upstream issues it once.
    Refused unless the verified ``caller_groups`` name the refund group (the Cedar policy says the same; this check
    also holds where the policy only logs) and the amount is within the limit.

Adding a tool: one :class:`~order_service.tools.ToolDeclaration` in ``tools.py`` + one ``@ROUTER.tool("name")``
function here. The router refuses to start if a declaration has no implementation or vice versa.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

from aws_lambda_powertools.metrics import MetricUnit

from agentcore_constructs.contract.tools import CALLER_GROUPS_ARGUMENT, CALLER_ID_ARGUMENT
from order_service import upstream
from order_service.errors import (
    FORBIDDEN,
    INTERNAL,
    INVALID_ARGUMENT,
    NOT_CONFIGURED,
    NOT_FOUND,
    REFUSED,
    UNAUTHENTICATED,
    UNKNOWN_TOOL,
    UPSTREAM_ERROR,
    UPSTREAM_UNAVAILABLE,
    ToolError,
)
from order_service.observability import SERVICE, logger, metrics, tracer
from order_service.router import ToolRouter
from order_service.settings import DEV_RUNTIME, DevRuntime, Settings, caller_required, get_api_key, load_settings
from order_service.tools import REFUND_GROUP, REFUND_LIMIT_CENTS, TOOLS

__all__ = [
    "DEV_RUNTIME",
    "INTERNAL",
    "FORBIDDEN",
    "INVALID_ARGUMENT",
    "NOT_CONFIGURED",
    "NOT_FOUND",
    "REFUSED",
    "ROUTER",
    "SERVICE",
    "UNAUTHENTICATED",
    "UNKNOWN_TOOL",
    "UPSTREAM_ERROR",
    "UPSTREAM_UNAVAILABLE",
    "DevRuntime",
    "Settings",
    "ToolError",
    "ToolRouter",
    "caller_required",
    "issue_refund",
    "lambda_handler",
    "lookup_order",
]

MAX_RESPONSE_BYTES = 1_000_000

ROUTER = ToolRouter(TOOLS)


# --------------------------------------------------------------------------- tools


@ROUTER.tool("lookup_order")
def lookup_order(arguments: dict[str, Any]) -> dict[str, Any]:
    order_id: str = arguments["order_id"]
    settings = load_settings()
    headers = {"X-API-Key": get_api_key(settings), "Accept": "application/json"}
    if CALLER_ID_ARGUMENT in arguments:
        headers["X-Customer-Id"] = arguments[CALLER_ID_ARGUMENT]
    status, body = upstream.call_upstream(settings, f"/orders/{quote(order_id, safe='')}", headers)
    if status == 404:
        raise ToolError(NOT_FOUND, f"order {order_id} not found")
    if status in (401, 403):
        logger.error("orders API rejected the service credentials", extra={"status": status})
        raise ToolError(UPSTREAM_ERROR, "the orders API rejected the order service's credentials")
    if status != 200:
        raise ToolError(UPSTREAM_ERROR, f"the orders API rejected the request (HTTP {status})")
    order = _json_object(body)
    metrics.add_metric(name="OrderLookups", unit=MetricUnit.Count, value=1)
    return order


def refund_idempotency_key(caller_id: str, order_id: str, amount_cents: int, reason: str) -> str:
    """The same refund asked again (same caller, order, amount and reason) gets the same key, whoever retries it."""
    canonical = json.dumps(["issue_refund/v1", caller_id, order_id, amount_cents, reason], separators=(",", ":"))
    return "refund-" + hashlib.sha256(canonical.encode()).hexdigest()[:40]


@ROUTER.tool("issue_refund")
def issue_refund(arguments: dict[str, Any]) -> dict[str, Any]:
    caller = arguments.get(CALLER_ID_ARGUMENT)
    if not caller_required() or not isinstance(caller, str):
        # Without the identity stage nothing verified says who is asking (the model could write both arguments).
        raise ToolError(FORBIDDEN, "refunds need a signed-in support staff member")
    if REFUND_GROUP not in str(arguments.get(CALLER_GROUPS_ARGUMENT, "")).split(" "):
        raise ToolError(FORBIDDEN, "only support staff may issue refunds")
    order_id: str = arguments["order_id"]
    amount: int = arguments["amount_cents"]
    reason: str = arguments["reason"]
    if not 1 <= amount <= REFUND_LIMIT_CENTS:
        raise ToolError(INVALID_ARGUMENT, f"amount_cents must be between 1 and {REFUND_LIMIT_CENTS}")
    settings = load_settings()
    headers = {
        "X-API-Key": get_api_key(settings),
        "Accept": "application/json",
        "Content-Type": "application/json",
        "X-Staff-Id": caller,
        upstream.IDEMPOTENCY_KEY_HEADER: refund_idempotency_key(caller, order_id, amount, reason),
    }
    body = json.dumps({"amount_cents": amount, "reason": reason}).encode()
    path = f"/orders/{quote(order_id, safe='')}/refunds"
    status, answer = upstream.call_upstream(settings, path, headers, method="POST", body=body)
    if status == 404:
        raise ToolError(NOT_FOUND, f"order {order_id} not found")
    if status in (401, 403):
        logger.error("orders API rejected the service credentials", extra={"status": status})
        raise ToolError(UPSTREAM_ERROR, "the orders API rejected the order service's credentials")
    if status in (409, 422):
        raise ToolError(REFUSED, f"the orders API refused the refund: {_message_of(answer)}")
    if status not in (200, 201):
        raise ToolError(UPSTREAM_ERROR, f"the orders API rejected the refund (HTTP {status})")
    refund = _json_object(answer)
    metrics.add_metric(name="RefundsIssued", unit=MetricUnit.Count, value=1)
    return refund


def _json_object(body: bytes) -> dict[str, Any]:
    if len(body) > MAX_RESPONSE_BYTES:
        raise ToolError(UPSTREAM_ERROR, "the orders API returned an oversized response")
    try:
        value = json.loads(body)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise ToolError(UPSTREAM_ERROR, "the orders API returned a malformed response")
    return value


def _message_of(body: bytes) -> str:
    """The upstream's own explanation, bounded and printable (it reaches the model)."""
    try:
        message = json.loads(body[:4096]).get("message")
    except (ValueError, AttributeError):
        message = None
    if not isinstance(message, str):
        return "no reason given"
    return "".join(c for c in message if c.isprintable())[:200]


ROUTER.check_complete()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    metrics.add_metric(name="ToolInvocations", unit=MetricUnit.Count, value=1)
    return ROUTER.handle(event, context)
