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

Adding a tool: one :class:`~order_service.tools.ToolDeclaration` in ``tools.py`` + one ``@ROUTER.tool("name")``
function here. The router refuses to start if a declaration has no implementation or vice versa.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from aws_lambda_powertools.metrics import MetricUnit

from agentcore_constructs.contract.tools import CALLER_ID_ARGUMENT
from order_service import upstream
from order_service.errors import (
    INTERNAL,
    INVALID_ARGUMENT,
    NOT_CONFIGURED,
    NOT_FOUND,
    UNAUTHENTICATED,
    UNKNOWN_TOOL,
    UPSTREAM_ERROR,
    UPSTREAM_UNAVAILABLE,
    ToolError,
)
from order_service.observability import SERVICE, logger, metrics, tracer
from order_service.router import ToolRouter
from order_service.settings import DEV_RUNTIME, DevRuntime, Settings, caller_required, get_api_key, load_settings
from order_service.tools import TOOLS

__all__ = [
    "DEV_RUNTIME",
    "INTERNAL",
    "INVALID_ARGUMENT",
    "NOT_CONFIGURED",
    "NOT_FOUND",
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
    if len(body) > MAX_RESPONSE_BYTES:
        raise ToolError(UPSTREAM_ERROR, "the orders API returned an oversized response")
    try:
        order = json.loads(body)
    except ValueError:
        order = None
    if not isinstance(order, dict):
        raise ToolError(UPSTREAM_ERROR, "the orders API returned a malformed response")
    metrics.add_metric(name="OrderLookups", unit=MetricUnit.Count, value=1)
    return order


ROUTER.check_complete()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    metrics.add_metric(name="ToolInvocations", unit=MetricUnit.Count, value=1)
    return ROUTER.handle(event, context)
