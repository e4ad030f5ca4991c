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
    <caller_id>`` and an ``Idempotency-Key`` derived from the verified caller, the runtime session and the model's
    tool-call id (:func:`refund_idempotency_key`; the interceptor writes the last two from the MCP request's
    ``_meta``): every delivery of one tool call (our retries, the agent's MCP client retrying after a lost answer)
    carries the same key, so the upstream issues it once and the result says ``"replayed": true``; two tool calls
    are two refunds, whatever their arguments. Refused unless the verified ``caller_groups`` name the refund group
    (the Cedar policy says the same; this check also holds where the policy only logs), the call carries its session
    and tool-call id (``CALL_CONTEXT_MISSING``) and the amount is within the limit. No answer after the request went
    out is ``OUTCOME_UNKNOWN``: the refund may have been issued, so the model is told to check, not to try again.

Adding a tool: one :class:`~order_service.tools.ToolDeclaration` in ``tools.py`` + one ``@ROUTER.tool("name")``
function here. The router refuses to start if a declaration has no implementation or vice versa.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

from aws_lambda_powertools.metrics import MetricUnit

from agentcore_constructs.contract.tools import (
    CALLER_GROUPS_ARGUMENT,
    CALLER_ID_ARGUMENT,
    RUNTIME_SESSION_ARGUMENT,
    TOOL_CALL_ID_ARGUMENT,
)
from order_service import upstream
from order_service.errors import (
    CALL_CONTEXT_MISSING,
    FORBIDDEN,
    INTERNAL,
    INVALID_ARGUMENT,
    NOT_CONFIGURED,
    NOT_FOUND,
    OUTCOME_UNKNOWN,
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
    "CALL_CONTEXT_MISSING",
    "DEV_RUNTIME",
    "INTERNAL",
    "FORBIDDEN",
    "INVALID_ARGUMENT",
    "NOT_CONFIGURED",
    "NOT_FOUND",
    "OUTCOME_UNKNOWN",
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


def refund_idempotency_key(caller_id: str, runtime_session_id: str, tool_call_id: str) -> str:
    """One key per intended refund: the model's tool call (its id, unique within the agent's runtime session), in
    the verified caller's namespace (a session id is the client's choice, so two users' keys must never meet).

    Every delivery of the same tool call gets the same key; a second tool call gets another, even with the same
    order, amount and reason. The arguments are not part of it: the upstream refuses a key reused with a different
    body (422) rather than answer it with another refund.
    """
    canonical = json.dumps(["issue_refund/v2", caller_id, runtime_session_id, tool_call_id], separators=(",", ":"))
    return "refund-" + hashlib.sha256(canonical.encode()).hexdigest()[:40]


#: What the model is told when a refund may or may not have been issued (never "try again": a new tool call is a
#: new refund).
REFUND_OUTCOME_UNKNOWN = (
    "the refund of {amount} cents on order {order_id} was sent but its outcome is unknown ({detail}); it may have "
    "been issued. Do not retry it: check the order's refunds first, and ask for it again only if it is not there."
)


@ROUTER.tool("issue_refund")
def issue_refund(arguments: dict[str, Any]) -> dict[str, Any]:
    caller = arguments.get(CALLER_ID_ARGUMENT)
    if not caller_required() or not isinstance(caller, str):
        # Without the identity stage nothing verified says who is asking (the model could write both arguments).
        raise ToolError(FORBIDDEN, "refunds need a signed-in support staff member")
    if REFUND_GROUP not in str(arguments.get(CALLER_GROUPS_ARGUMENT, "")).split(" "):
        raise ToolError(FORBIDDEN, "only support staff may issue refunds")
    session, tool_call = arguments.get(RUNTIME_SESSION_ARGUMENT), arguments.get(TOOL_CALL_ID_ARGUMENT)
    if not isinstance(session, str) or not isinstance(tool_call, str):
        # Fail closed: without them a retry could not be told from a second refund (the agent kit's MCP client
        # sends both in _meta; the gateway interceptor writes them here).
        raise ToolError(
            CALL_CONTEXT_MISSING,
            "refund refused: this tool call carries no runtime session id or tool-call id, so it could not be "
            "retried safely; nothing was refunded (the agent's MCP client must send both in the request's _meta)",
        )
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
        upstream.IDEMPOTENCY_KEY_HEADER: refund_idempotency_key(caller, session, tool_call),
    }
    body = json.dumps({"amount_cents": amount, "reason": reason}).encode()
    path = f"/orders/{quote(order_id, safe='')}/refunds"
    try:
        status, answer = upstream.call_upstream(settings, path, headers, method="POST", body=body)
    except ToolError as error:
        if error.code != OUTCOME_UNKNOWN:
            raise
        detail = error.message
        raise ToolError(
            OUTCOME_UNKNOWN, REFUND_OUTCOME_UNKNOWN.format(amount=amount, order_id=order_id, detail=detail)
        ) from None
    if status == 404:
        raise ToolError(NOT_FOUND, f"order {order_id} not found")
    if status in (401, 403):
        logger.error("orders API rejected the service credentials", extra={"status": status})
        raise ToolError(UPSTREAM_ERROR, "the orders API rejected the order service's credentials")
    if status in (409, 422):
        raise ToolError(REFUSED, f"the orders API refused the refund: {_message_of(answer)}")
    if status not in (200, 201):
        raise ToolError(UPSTREAM_ERROR, f"the orders API rejected the refund (HTTP {status})")
    try:
        refund = _json_object(answer)
    except ToolError as unreadable:  # accepted (2xx), but what was issued cannot be read
        detail = f"HTTP {status}, {unreadable.message}"
        raise ToolError(
            OUTCOME_UNKNOWN, REFUND_OUTCOME_UNKNOWN.format(amount=amount, order_id=order_id, detail=detail)
        ) from None
    # Always there, so the model can tell an earlier refund answered again from a new one.
    replayed = refund.get("replayed") is True
    if not replayed:
        metrics.add_metric(name="RefundsIssued", unit=MetricUnit.Count, value=1)
    return {**refund, "replayed": replayed}


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
