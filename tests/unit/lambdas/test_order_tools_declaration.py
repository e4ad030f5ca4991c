"""tools.py: the single tool declaration, its Gateway rendering and the argument validation."""

from __future__ import annotations

import json

import pytest

from agentcore_constructs.contract.tool_schema import SCHEMA_KEYWORDS
from order_service import tools
from order_service.tools import ArgumentError, ToolDeclaration, validate_arguments

GATEWAY_KEYWORDS = SCHEMA_KEYWORDS


def _keywords(schema: dict) -> set[str]:
    found = set(schema)
    for sub in schema.get("properties", {}).values():
        found |= _keywords(sub)
    if "items" in schema:
        found |= _keywords(schema["items"])
    return found


def test_lookup_order_is_rendered_in_the_gateway_inline_schema_shape() -> None:
    spec, _refund = tools.gateway_tool_schemas()
    assert spec == {
        "name": "lookup_order",
        "description": tools.LOOKUP_ORDER.description,
        "inputSchema": {
            "type": "object",
            "properties": {
                "order_id": {
                    "type": "string",
                    "description": spec["inputSchema"]["properties"]["order_id"]["description"],
                }
            },
            "required": ["order_id"],
        },
    }
    assert "ORD-12345" in spec["inputSchema"]["properties"]["order_id"]["description"]
    json.dumps(spec)  # plain JSON, ready for CloudFormation


def test_published_schemas_use_only_keywords_gateway_supports_and_hide_reserved_arguments() -> None:
    for spec in tools.gateway_tool_schemas():
        assert _keywords(spec["inputSchema"]) <= GATEWAY_KEYWORDS
        assert tools.CALLER_ID_ARGUMENT not in spec["inputSchema"]["properties"]
        assert tools.CALLER_GROUPS_ARGUMENT not in spec["inputSchema"]["properties"]


def test_rendering_returns_copies() -> None:
    tools.gateway_tool_schemas()[0]["inputSchema"]["properties"].clear()
    assert tools.gateway_tool_schemas()[0]["inputSchema"]["properties"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"input_schema": {"type": "object", "properties": {"a": {"type": "string", "pattern": "x"}}}},
            "'pattern' is not accepted by AgentCore's inline tool schema",
        ),
        ({"input_schema": {"type": "object", "properties": {"caller_id": {"type": "string"}}}}, "reserved"),
        ({"input_schema": {"type": "object", "properties": {}, "required": ["a"]}}, "undeclared properties"),
        ({"input_schema": {"type": "string"}}, "object schema"),
        (
            {"input_schema": {"type": "object", "properties": {"a": {"type": "integer"}}}, "patterns": {"a": "x"}},
            "pattern",
        ),
        ({"name": "bad___name"}, "invalid tool name"),
    ],
)
def test_invalid_declarations_are_rejected_at_import_time(kwargs: dict, message: str) -> None:
    base = {"name": "t", "description": "d", "input_schema": {"type": "object", "properties": {}}}
    with pytest.raises(ValueError, match=message):
        ToolDeclaration(**{**base, **kwargs})


def test_duplicate_tool_names_are_rejected() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        tools.gateway_tool_schemas((tools.LOOKUP_ORDER, tools.LOOKUP_ORDER))


def test_gateway_naming() -> None:
    assert tools.gateway_tool_name("lookup_order") == "order-service___lookup_order"
    assert tools.strip_target_prefix("order-service___lookup_order") == "lookup_order"
    assert tools.strip_target_prefix("lookup_order") == "lookup_order"


@pytest.mark.parametrize(
    "arguments",
    [
        {"order_id": "ORD-12345"},
        {"order_id": "ORD-00000", "caller_id": "alice"},
        {"order_id": "ORD-99999", "caller_id": "3f2a9c1e-0b7d-4e1a-9a55-1c2d3e4f5a6b"},
    ],
)
def test_valid_arguments(arguments: dict) -> None:
    assert validate_arguments(tools.LOOKUP_ORDER, arguments) == arguments


@pytest.mark.parametrize(
    "arguments",
    [
        None,
        [],
        "ORD-12345",
        {},
        {"order_id": 12345},
        {"order_id": None},
        {"order_id": "ORD-1234"},
        {"order_id": "ORD-123456"},
        {"order_id": "ord-12345"},
        {"order_id": "ORD-12345\n"},
        {"order_id": "ORD-١٢٣٤٥"},  # non-ASCII digits
        {"order_id": "ORD-12345", "extra": 1},
        {"order_id": "ORD-12345", "caller_id": ""},
        {"order_id": "ORD-12345", "caller_id": 7},
        {"order_id": "ORD-12345", "caller_id": "alice\r\nX-Injected: 1"},
        {"order_id": "ORD-12345", "caller_id": "x" * 257},
    ],
)
def test_invalid_arguments(arguments: object) -> None:
    with pytest.raises(ArgumentError):
        validate_arguments(tools.LOOKUP_ORDER, arguments)


def test_type_checks_cover_every_gateway_type() -> None:
    declaration = ToolDeclaration(
        name="typed",
        description="d",
        input_schema={
            "type": "object",
            "properties": {
                "n": {"type": "number"},
                "i": {"type": "integer"},
                "b": {"type": "boolean"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "o": {"type": "object", "properties": {"k": {"type": "string"}}},
            },
        },
    )
    ok = {"n": 1.5, "i": 2, "b": True, "tags": ["a"], "o": {"k": "v"}}
    assert validate_arguments(declaration, ok) == ok
    for bad in (
        {"i": True},
        {"i": 1.0},
        {"n": "1"},
        {"n": float("nan")},
        {"b": 1},
        {"tags": ["a", 1]},
        {"o": {"x": 1}},
    ):
        with pytest.raises(ArgumentError):
            validate_arguments(declaration, bad)


def test_a_declaration_is_checked_by_the_rules_the_gateway_applies() -> None:
    """The Lambda's import-time check and ToolGateway's synth-time check are one function: same refusal, same advice."""
    from agentcore_constructs.contract.tool_schema import schema_problems

    schema = {"type": "object", "properties": {"tags": {"type": "array"}, "kind": {"type": "string", "enum": ["a"]}}}
    with pytest.raises(ValueError) as refused:
        ToolDeclaration(name="tagged", description="Tags.", input_schema=schema)
    assert str(refused.value) == "; ".join(schema_problems(schema, "tagged.inputSchema"))
    assert "an array needs 'items'" in str(refused.value) and "check them in the handler" in str(refused.value)
