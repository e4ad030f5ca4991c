"""The single declaration of every tool the order service exposes through AgentCore Gateway.

Pure Python, standard library only. Three readers:

* the CDK app renders the GatewayTarget inline tool schema from :func:`gateway_tool_schemas`;
* ``local_dev/gateway.py`` serves the same tools over MCP (``<target>___<tool>``);
* ``handler.py`` validates every invocation against the declaration (:func:`validate_arguments`).

AgentCore Gateway inline schemas (``AWS::BedrockAgentCore::GatewayTarget`` ``SchemaDefinition``) support only
``type``, ``description``, ``properties``, ``required`` and ``items`` -- no ``pattern``, ``enum``, ``minLength`` or
``additionalProperties``. So a declaration carries two parts: the Gateway-visible ``input_schema`` (restricted to
those keywords, checked at import time by the rules ``ToolGateway`` applies, ``contract.tool_schema``) and
handler-only ``patterns`` that the Lambda enforces. The pattern is also spelled out in the property description so
the model sees it.

Reserved arguments (:data:`RESERVED_ARGUMENTS`) are never part of the published schema and never come from the
model: the Gateway request interceptor (stage 4, Identity) injects the verified caller identity as ``caller_id``, the
caller's verified groups as ``caller_groups``, and the agent's runtime session and the model's tool-call id (from the
MCP request's ``_meta``) as ``runtime_session_id`` and ``tool_call_id``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from agentcore_constructs.contract.tool_schema import schema_problems
from agentcore_constructs.contract.tools import (
    CALL_CONTEXT_VALUE_PATTERN,
    CALLER_GROUPS_ARGUMENT,
    CALLER_ID_ARGUMENT,
    RUNTIME_SESSION_ARGUMENT,
    TOOL_CALL_ID_ARGUMENT,
    TOOL_NAME_DELIMITER,
)

#: Gateway target name of this service. Tools are published as ``f"{TARGET_NAME}{TOOL_NAME_DELIMITER}{tool}"``.
TARGET_NAME = "order-service"

# Deployment contract of the order-service Lambda (names of the environment variables the handler reads).
ENV_BASE_URL = "ORDERS_API_BASE_URL"  # required: base URL of the orders API, e.g. https://api.example.com
ENV_API_KEY_SECRET_ARN = "ORDERS_API_KEY_SECRET_ARN"  # required: Secrets Manager secret id/ARN of the API key
ENV_TIMEOUT_SECONDS = "ORDERS_API_TIMEOUT_SECONDS"  # optional, default 3: per-attempt HTTP timeout
ENV_MAX_ATTEMPTS = "ORDERS_API_MAX_ATTEMPTS"  # optional, default 3: total attempts (first try + retries)
ENV_BACKOFF_BASE_SECONDS = "ORDERS_API_BACKOFF_BASE_SECONDS"  # optional, default 0.2: full-jitter base delay
ENV_BACKOFF_MAX_SECONDS = "ORDERS_API_BACKOFF_MAX_SECONDS"  # optional, default 2: cap of one backoff delay
ENV_SECRET_MAX_AGE_SECONDS = "ORDERS_API_KEY_CACHE_SECONDS"  # optional, default 300: secret cache lifetime

#: Secret value format (SecretString): JSON object ``{"api_key": "<non-empty string>"}``.
SECRET_API_KEY_FIELD = "api_key"

#: Reserved arguments the handler accepts in addition to a tool's published schema, with their patterns.
#: Visible ASCII only, so the value is always safe to forward as an HTTP header.
RESERVED_ARGUMENTS: Mapping[str, str] = {
    CALLER_ID_ARGUMENT: r"^[\x21-\x7e]{1,256}$",
    # Space-separated group names (Cognito: 1-128 characters, no whitespace); empty when the caller has none.
    CALLER_GROUPS_ARGUMENT: r"^(?:[^\s]{1,128}(?: [^\s]{1,128}){0,99})?$",
    # Which intended tool call this is: a retry of the call carries the same pair (issue_refund's idempotency key).
    RUNTIME_SESSION_ARGUMENT: CALL_CONTEXT_VALUE_PATTERN,
    TOOL_CALL_ID_ARGUMENT: CALL_CONTEXT_VALUE_PATTERN,
}

#: The Cognito group whose members may issue refunds. The tool checks it, and the Cedar policy
#: (policies/gateway/issue_refund.cedar) gets it as ``{{refund_group}}``; the stack creates the group.
REFUND_GROUP = "support-staff"
#: The largest refund one call may issue, in cents (the tool and the policy's ``{{refund_limit_cents}}``).
REFUND_LIMIT_CENTS = 50_000

ORDER_ID_PATTERN = r"^ORD-\d{5}$"


@dataclass(frozen=True)
class ToolDeclaration:
    """One tool: what the Gateway publishes (name, description, input_schema) plus handler-only constraints.

    ``patterns`` maps a top-level property name to a regular expression its (string) value must fully match
    (``re.fullmatch`` with ``re.ASCII``, so ``\\d`` means 0-9 only).
    """

    name: str
    description: str
    input_schema: Mapping[str, Any]
    patterns: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-zA-Z][a-zA-Z0-9_]{0,63}", self.name) or TOOL_NAME_DELIMITER in self.name:
            raise ValueError(f"invalid tool name {self.name!r}")
        if not self.description.strip():
            raise ValueError(f"tool {self.name!r} needs a description")
        if self.input_schema.get("type") != "object":
            raise ValueError(f"tool {self.name!r}: input_schema must be an object schema")
        _check_gateway_schema(self.input_schema, f"{self.name}.inputSchema")
        properties = self.input_schema.get("properties", {})
        for reserved in RESERVED_ARGUMENTS:
            if reserved in properties:
                raise ValueError(f"tool {self.name!r}: {reserved!r} is reserved for the gateway interceptor")
        for prop, pattern in self.patterns.items():
            if properties.get(prop, {}).get("type") != "string":
                raise ValueError(f"tool {self.name!r}: pattern for non-string or unknown property {prop!r}")
            re.compile(pattern)

    def to_gateway(self) -> dict[str, Any]:
        """The tool in the AgentCore Gateway Lambda-target inline schema shape (and MCP ``Tool`` shape)."""
        return {"name": self.name, "description": self.description, "inputSchema": _plain(self.input_schema)}


def _plain(value: Any) -> Any:
    """Deep copy of a schema as plain dicts/lists (callers may mutate it freely)."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _check_gateway_schema(schema: Mapping[str, Any], where: str) -> None:
    """Refuse a schema AgentCore Gateway's inline SchemaDefinition cannot carry (the rules ``ToolGateway`` applies)."""
    problems = schema_problems(schema, where)
    if problems:
        raise ValueError("; ".join(problems))


#: The ``order_id`` argument every order tool takes (its pattern is :data:`ORDER_ID_PATTERN`).
ORDER_ID_PROPERTY: Mapping[str, Any] = {
    "type": "string",
    "description": "Order ID: 'ORD-' followed by exactly five digits, for example ORD-12345.",
}

LOOKUP_ORDER = ToolDeclaration(
    name="lookup_order",
    description=(
        "Look up the status of one order by its order ID. Returns the order's status, items, total and "
        "shipping details, or an error if the order does not exist or is not visible to the current user."
    ),
    input_schema={
        "type": "object",
        "properties": {
            "order_id": ORDER_ID_PROPERTY,
        },
        "required": ["order_id"],
    },
    patterns={"order_id": ORDER_ID_PATTERN},
)

ISSUE_REFUND = ToolDeclaration(
    name="issue_refund",
    description=(
        "Support staff only: refund part or all of one order to the customer's original payment method. "
        "Every call is one refund: call it once per refund you intend (two calls with the same order, amount and "
        "reason are two refunds). Returns the refund ('replayed': true when it is the answer to an earlier "
        "delivery of the same call, not a new refund), or an error if the caller may not issue refunds, the order "
        "does not exist or the amount is not refundable. If the error says the outcome is unknown, the refund may "
        "have been issued: check the order's refunds before asking for it again."
    ),
    input_schema={
        "type": "object",
        "properties": {
            "order_id": ORDER_ID_PROPERTY,
            "amount_cents": {
                "type": "integer",
                "description": f"Amount to refund in cents of the order's currency, 1 to {REFUND_LIMIT_CENTS}.",
            },
            "reason": {
                "type": "string",
                "description": "Why the refund is issued, in a few words (1 to 200 characters), e.g. 'damaged item'.",
            },
        },
        "required": ["order_id", "amount_cents", "reason"],
    },
    patterns={"order_id": ORDER_ID_PATTERN, "reason": r"^[^\x00-\x1f\x7f]{1,200}$"},
)

#: Every tool of this service, in publication order.
TOOLS: tuple[ToolDeclaration, ...] = (LOOKUP_ORDER, ISSUE_REFUND)


def policy_variables() -> dict[str, str]:
    """The values this service's Cedar policies name as placeholders (besides ``{{gateway_arn}}`` and the scope)."""
    return {"refund_group": REFUND_GROUP, "refund_limit_cents": str(REFUND_LIMIT_CENTS)}


def tools_by_name(tools: tuple[ToolDeclaration, ...] = TOOLS) -> dict[str, ToolDeclaration]:
    names = [t.name for t in tools]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"duplicate tool names: {duplicates}")
    return {t.name: t for t in tools}


def gateway_tool_schemas(tools: tuple[ToolDeclaration, ...] = TOOLS) -> list[dict[str, Any]]:
    """The Gateway inline tool schema list (``ToolSchema.from_inline`` / CFN ``InlinePayload``)."""
    tools_by_name(tools)  # rejects duplicates
    return [t.to_gateway() for t in tools]


def gateway_tool_name(tool_name: str, target_name: str = TARGET_NAME) -> str:
    """The name an MCP client sees through the Gateway: ``<target>___<tool>``."""
    return f"{target_name}{TOOL_NAME_DELIMITER}{tool_name}"


def strip_target_prefix(gateway_name: str) -> str:
    """``order-service___lookup_order`` -> ``lookup_order`` (a name without prefix is returned unchanged)."""
    _, sep, tool = gateway_name.partition(TOOL_NAME_DELIMITER)
    return tool if sep else gateway_name


# --------------------------------------------------------------------------- validation


class ArgumentError(ValueError):
    """Arguments do not match the tool declaration. The message is safe to show to the model."""


def _type_ok(value: Any, expected: str) -> bool:
    if expected == "string":
        return isinstance(value, str)
    if expected == "boolean":
        return isinstance(value, bool)
    if expected == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if expected == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value  # no NaN
    if expected == "array":
        return isinstance(value, list)
    if expected == "object":
        return isinstance(value, dict)
    return False


def _validate(value: Any, schema: Mapping[str, Any], path: str) -> None:
    expected = schema["type"]
    if not _type_ok(value, expected):
        raise ArgumentError(f"{path} must be of type {expected}, got {type(value).__name__}")
    if expected == "object":
        properties = schema.get("properties", {})
        for key in value:
            if not isinstance(key, str) or key not in properties:
                raise ArgumentError(f"{path} has unexpected property {str(key)[:64]!r}")
        for key in schema.get("required", []):
            if key not in value:
                raise ArgumentError(f"{path} is missing required property {key!r}")
        for key, sub in properties.items():
            if key in value:
                _validate(value[key], sub, f"{path}.{key}")
    elif expected == "array" and "items" in schema:
        for i, item in enumerate(value):
            _validate(item, schema["items"], f"{path}[{i}]")


def validate_arguments(declaration: ToolDeclaration, arguments: Any) -> dict[str, Any]:
    """Validate a Gateway Lambda event (the tool arguments) against ``declaration``.

    Accepts exactly the published properties plus the reserved :data:`RESERVED_ARGUMENTS`; rejects unknown keys,
    missing required keys, wrong JSON types and pattern mismatches. Returns a new dict with the arguments.
    Raises :class:`ArgumentError` with a message fit for the model.
    """
    if not isinstance(arguments, dict):
        raise ArgumentError(f"arguments must be a JSON object, got {type(arguments).__name__}")
    public = {k: v for k, v in arguments.items() if k not in RESERVED_ARGUMENTS}
    _validate(public, declaration.input_schema, "arguments")
    for key, pattern in declaration.patterns.items():
        if key in public and not re.fullmatch(pattern, public[key], re.ASCII):
            raise ArgumentError(f"arguments.{key} {public[key][:64]!r} does not match {pattern}")
    for key, pattern in RESERVED_ARGUMENTS.items():
        if key in arguments:
            value = arguments[key]
            if not isinstance(value, str) or not re.fullmatch(pattern, value, re.ASCII):
                raise ArgumentError(f"reserved argument {key!r} is malformed")
    return dict(arguments)
