"""AgentCore Gateway REQUEST interceptor: write the verified caller into every tool call of our targets.

Per-user tool permissions (stage 4). The Gateway's CUSTOM_JWT authorizer sits in front, but this function does not
depend on which header value a proxy verified: it verifies the bearer token it is handed itself
(``agentcore_constructs.kit.auth``: signature against the issuer's JWKS, ``iss``, ``client_id``, ``token_use``,
``exp``/``nbf``, the tools scope) and writes the verified ``sub`` into ``params.arguments.caller_id`` and the verified
``cognito:groups`` (space-separated; empty when none) into ``params.arguments.caller_groups`` of every ``tools/call``
to one of our targets, replacing anything the model supplied. Likewise the agent's runtime session and the model's
tool-call id, which the agent kit's MCP client sends in ``params._meta`` (``RUNTIME_SESSION_META``,
``TOOL_CALL_ID_META``), become ``params.arguments.runtime_session_id`` and ``params.arguments.tool_call_id`` (or are
removed when ``_meta`` has none): the model never names them, so it cannot replay another call's refund.

Fails closed, never raises: a body that is not one JSON-RPC request object (a batch, a string, bytes, null, no
``method``), an ambiguous ``Authorization`` (two values, in any letter case) or any failure at all is answered
with a JSON-RPC error; a ``tools/call`` of ours without a verified caller, or with a malformed ``_meta`` value,
never reaches the target. The gateway's
built-in search tool (``x_amz_bedrock_agentcore_search``) and tools of targets that are not ours pass through
untouched, as do other MCP methods (initialize, tools/list, ...).

Contract (AgentCore Gateway interceptors, MCP targets): input ``{"interceptorInputVersion": "1.0", "mcp":
{"gatewayRequest": {"headers": {...}, "body": <JSON-RPC>}}}`` (headers present because the gateway is configured
with ``passRequestHeaders``); output ``{"interceptorOutputVersion": "1.0", "mcp": {"transformedGatewayRequest":
{"body": ...}}}`` or, to stop the call, ``{"mcp": {"transformedGatewayResponse": {"statusCode", "body"}}}``.

Configuration (set by the construct): ``AUTH_DISCOVERY_URL``, ``AUTH_ALLOWED_CLIENTS``, ``AUTH_REQUIRED_SCOPE``
(the gateway's tools scope) and ``AGENT_TOOL_TARGETS`` (space-separated names of our targets).
"""

from __future__ import annotations

import copy
import os
import re
from typing import Any

from aws_lambda_powertools import Logger

from agentcore_constructs.contract.identity import GROUPS_CLAIM
from agentcore_constructs.contract.tools import (
    CALL_CONTEXT_VALUE_PATTERN,
    CALLER_GROUPS_ARGUMENT,
    CALLER_ID_ARGUMENT,
    INTERCEPTED_TARGETS_ENV,
    RUNTIME_SESSION_ARGUMENT,
    RUNTIME_SESSION_META,
    TOOL_CALL_ID_ARGUMENT,
    TOOL_CALL_ID_META,
    TOOL_NAME_DELIMITER,
)
from agentcore_constructs.kit.auth import JWTVerifier, TokenRejected, VerifierConfig, bearer_token, single_authorization

#: JSON-RPC server-defined error codes.
UNAUTHENTICATED_CODE = -32001
INVALID_REQUEST_CODE = -32600
INVALID_PARAMS_CODE = -32602
INTERNAL_ERROR_CODE = -32603

logger = Logger(service="gateway-interceptor")

_verifier: JWTVerifier | None = None


def verifier() -> JWTVerifier:
    """The token verifier of this container (discovery document and JWKS cached across invocations)."""
    global _verifier
    if _verifier is None:
        config = VerifierConfig.from_env()
        if config is None:
            raise TokenRejected("The interceptor has no identity configuration; tool calls are refused")
        _verifier = JWTVerifier.from_config(config, timeout=3.0)
    return _verifier


def our_targets() -> frozenset[str]:
    return frozenset((os.environ.get(INTERCEPTED_TARGETS_ENV) or "").split())


def _output(body: Any) -> dict[str, Any]:
    return {"interceptorOutputVersion": "1.0", "mcp": {"transformedGatewayRequest": {"body": body}}}


def _error(request_id: Any, code: int, message: str) -> dict[str, Any]:
    safe_id = request_id if isinstance(request_id, (str, int)) and not isinstance(request_id, bool) else None
    body = {"jsonrpc": "2.0", "id": safe_id, "error": {"code": code, "message": message}}
    return {"interceptorOutputVersion": "1.0", "mcp": {"transformedGatewayResponse": {"statusCode": 200, "body": body}}}


def _authorization(headers: Any) -> str | None:
    """The one Authorization value of the request (names compared case-insensitively; two values are refused)."""
    if not isinstance(headers, dict):
        return None
    values: list[str] = []
    for name, value in headers.items():
        if isinstance(name, str) and name.lower() == "authorization":
            if isinstance(value, list):
                values.extend(v for v in value if isinstance(v, str))
            elif isinstance(value, str):
                values.append(value)
            else:
                raise TokenRejected("Malformed Authorization header")
    return single_authorization(values)


def verified_groups(claims: Any) -> str:
    """The verified groups claim as the space-separated ``caller_groups`` value ("" without the claim).

    Cognito group names have no whitespace (Cognito API reference, CreateGroup: ``GroupName`` pattern
    ``[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+``), so the joined form is unambiguous; anything else in the claim is refused.
    """
    groups = claims.get(GROUPS_CLAIM) if isinstance(claims, dict) else None
    if groups is None:
        return ""
    if not isinstance(groups, list) or not all(
        isinstance(g, str) and g and not any(c.isspace() for c in g) for g in groups
    ):
        raise TokenRejected(f"Malformed {GROUPS_CLAIM} claim")
    return " ".join(groups)


#: ``_meta`` key -> the reserved argument its value becomes.
CALL_CONTEXT: dict[str, str] = {
    RUNTIME_SESSION_META: RUNTIME_SESSION_ARGUMENT,
    TOOL_CALL_ID_META: TOOL_CALL_ID_ARGUMENT,
}


class MalformedCallContext(ValueError):
    """``params._meta`` carries a session or tool-call id that is not one visible-ASCII string."""


def call_context(params: dict[str, Any]) -> dict[str, str]:
    """The reserved session / tool-call arguments named by ``params._meta`` (only those present).

    ``_meta`` is the MCP request's metadata object (MCP specification, "General fields": ``_meta``); the Gateway
    hands the interceptor the JSON-RPC request as ``gatewayRequest.body`` (AgentCore developer guide, "Types of
    interceptors": https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-interceptors-types.html).
    NOT VERIFIED against a deployed gateway: that ``body`` keeps ``params._meta`` of a ``tools/call`` (the guide's
    example is a ``tools/list`` without params; its MCP 2026-07-28 support puts the protocol version in every
    request's ``_meta``, "Use an AgentCore gateway"). Were it dropped, refunds fail closed (``CALL_CONTEXT_MISSING``).
    """
    meta = params.get("_meta")
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise MalformedCallContext("params._meta must be an object")
    context: dict[str, str] = {}
    for key, argument in CALL_CONTEXT.items():
        if key not in meta:
            continue
        value = meta[key]
        if not isinstance(value, str) or not re.fullmatch(CALL_CONTEXT_VALUE_PATTERN, value, re.ASCII):
            raise MalformedCallContext(f"params._meta[{key!r}] must be 1-256 visible ASCII characters")
        context[argument] = value
    return context


def is_ours(tool_name: Any, targets: frozenset[str]) -> bool:
    """Whether a gateway tool name (``<target>___<tool>``) belongs to one of our targets."""
    if not isinstance(tool_name, str):
        return False
    target, separator, tool = tool_name.partition(TOOL_NAME_DELIMITER)
    return bool(separator and tool) and target in targets


def intercept(
    event: Any, *, token_verifier: JWTVerifier | None = None, targets: frozenset[str] | None = None
) -> dict[str, Any]:
    """The interceptor's answer to ``event``; ``token_verifier``/``targets`` default to this container's (env)."""
    request = (
        event.get("mcp", {}).get("gatewayRequest")
        if isinstance(event, dict) and isinstance(event.get("mcp"), dict)
        else None
    )
    if not isinstance(request, dict):
        return _error(None, INVALID_REQUEST_CODE, "Invalid request: no gateway request in the interceptor event")
    body = request.get("body")
    if not isinstance(body, dict) or body.get("jsonrpc") != "2.0" or not isinstance(body.get("method"), str):
        return _error(None, INVALID_REQUEST_CODE, "Invalid request: expected one JSON-RPC 2.0 request object")
    request_id = body.get("id")
    params = body.get("params")
    targets = our_targets() if targets is None else targets
    if body["method"] != "tools/call" or not isinstance(params, dict) or not is_ours(params.get("name"), targets):
        return _output(body)  # not a call to one of our tools (e.g. the built-in search tool): untouched
    try:
        claims = (token_verifier or verifier()).verify(bearer_token(_authorization(request.get("headers"))))
        caller, groups = claims["sub"], verified_groups(claims)
    except TokenRejected as rejected:
        logger.info("Refused a tool call without a verified caller", extra={"reason": rejected.reason})
        return _error(request_id, UNAUTHENTICATED_CODE, f"No verified caller on this tool call: {rejected.reason}")
    try:
        context = call_context(params)
    except MalformedCallContext as malformed:
        return _error(request_id, INVALID_PARAMS_CODE, f"Invalid params: {malformed}")
    transformed = copy.deepcopy(body)
    arguments = transformed["params"].get("arguments")
    if not isinstance(arguments, dict):
        arguments = {}
    supplied = {CALLER_ID_ARGUMENT: caller, CALLER_GROUPS_ARGUMENT: groups, **context}
    for name in (CALLER_ID_ARGUMENT, CALLER_GROUPS_ARGUMENT, *CALL_CONTEXT.values()):
        if name in arguments and arguments[name] != supplied.get(name):
            logger.warning(f"Replaced a {name} the client supplied", extra={"tool": params.get("name")})
    reserved = set(CALL_CONTEXT.values())  # what _meta does not name is removed, never taken from the arguments
    transformed["params"]["arguments"] = {
        **{k: v for k, v in arguments.items() if k not in reserved},
        **supplied,
    }
    return _output(transformed)


@logger.inject_lambda_context
def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    try:
        return intercept(event)
    except Exception:  # the contract: every input gets a structured answer, never an unhandled error
        logger.exception("Interceptor failure; the request is refused")
        return _error(None, INTERNAL_ERROR_CODE, "The gateway interceptor could not process this request")
