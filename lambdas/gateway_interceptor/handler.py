"""AgentCore Gateway REQUEST interceptor: write the verified caller into every tool call.

Per-user tool permissions (stage 4). The Gateway's CUSTOM_JWT authorizer has already validated the caller's
access token (signature, issuer, client, scope, expiry) before interceptors run; this function only *reads* its
``sub`` claim and writes it into ``params.arguments.caller_id`` of every ``tools/call``, replacing anything the
model supplied. A tools/call without a usable caller never reaches a target: the interceptor answers with a
JSON-RPC error instead. Other MCP methods (initialize, tools/list, ...) pass through unchanged.

Contract (AgentCore Gateway interceptors, MCP targets): input ``{"interceptorInputVersion": "1.0", "mcp":
{"gatewayRequest": {"headers": {...}, "body": <JSON-RPC>}}}`` (headers present because the gateway is configured
with ``passRequestHeaders``); output ``{"interceptorOutputVersion": "1.0", "mcp": {"transformedGatewayRequest":
{"body": ...}}}`` or, to stop the call, ``{"mcp": {"transformedGatewayResponse": {"statusCode", "body"}}}``.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from typing import Any

from aws_lambda_powertools import Logger

from agentcore_constructs.contract.tools import CALLER_ID_ARGUMENT

_SUB = re.compile(r"^[\x21-\x7e]{1,256}$")
#: JSON-RPC server-defined error code for "no verified caller".
UNAUTHENTICATED_CODE = -32001

logger = Logger(service="gateway-interceptor")


def caller_from_authorization(value: Any) -> str | None:
    """The ``sub`` of an already-verified ``Bearer`` JWT, or None when absent or unusable."""
    if not isinstance(value, str) or not value.startswith("Bearer "):
        return None
    parts = value[len("Bearer ") :].strip().split(".")
    if len(parts) != 3:
        return None
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, json.JSONDecodeError):
        return None
    sub = claims.get("sub") if isinstance(claims, dict) else None
    return sub if isinstance(sub, str) and _SUB.match(sub) else None


def apply_caller(body: Any, caller: str | None) -> tuple[dict | None, dict | None]:
    """Return (transformed request body, None) or (None, JSON-RPC error response body)."""
    if not isinstance(body, dict) or body.get("method") != "tools/call":
        return body, None
    request_id = body.get("id")
    if caller is None:
        error = {"code": UNAUTHENTICATED_CODE, "message": "No verified caller on this request; tool calls need a user token."}
        return None, {"jsonrpc": "2.0", "id": request_id, "error": error}
    transformed = copy.deepcopy(body)
    params = transformed.get("params")
    if not isinstance(params, dict):
        params = transformed["params"] = {}
    arguments = params.get("arguments")
    if not isinstance(arguments, dict):
        arguments = {}
    if CALLER_ID_ARGUMENT in arguments and arguments[CALLER_ID_ARGUMENT] != caller:
        logger.warning("Replaced a caller_id the client supplied", extra={"tool": params.get("name")})
    params["arguments"] = {**arguments, CALLER_ID_ARGUMENT: caller}
    return transformed, None


def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


@logger.inject_lambda_context
def lambda_handler(event: dict, context: Any) -> dict:
    request = _mapping(_mapping(_mapping(event).get("mcp")).get("gatewayRequest"))
    headers = {str(k).lower(): v for k, v in _mapping(request.get("headers")).items()}
    body, error = apply_caller(request.get("body"), caller_from_authorization(headers.get("authorization")))
    if error is not None:
        logger.info("Rejected a tool call without a verified caller")
        return {"interceptorOutputVersion": "1.0", "mcp": {"transformedGatewayResponse": {"statusCode": 200, "body": error}}}
    return {"interceptorOutputVersion": "1.0", "mcp": {"transformedGatewayRequest": {"body": body}}}
