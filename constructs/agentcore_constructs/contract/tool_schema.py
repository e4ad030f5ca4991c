"""The inline tool-schema rules: what ``ToolGateway`` publishes and what the tool Lambdas declare.

Pure Python, so both the construct (at synth) and the Lambda's own declaration (at import) check a tool against the
same rules. AgentCore Control API reference, ``SchemaDefinition`` (type: string | number | object | array | boolean |
integer; description; items; properties; required;
https://docs.aws.amazon.com/bedrock-agentcore-control/latest/APIReference/API_SchemaDefinition.html), the same as the
CloudFormation ``AWS::BedrockAgentCore::GatewayTarget`` ``SchemaDefinition``
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-bedrockagentcore-gatewaytarget-schemadefinition.html).
Other JSON Schema keywords have no place to go.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: What an inline tool schema node may hold.
SCHEMA_KEYWORDS = frozenset({"type", "description", "properties", "required", "items"})
#: The values of its ``type``.
SCHEMA_TYPES = ("array", "boolean", "integer", "number", "object", "string")
#: A tool declaration's keys (ToolDefinition: name, description, inputSchema, outputSchema), and those it must have.
TOOL_KEYS = frozenset({"name", "description", "inputSchema", "outputSchema"})
REQUIRED_TOOL_KEYS = TOOL_KEYS - {"outputSchema"}
#: The keys whose values are schemas.
SCHEMA_TOOL_KEYS = ("inputSchema", "outputSchema")
_KEYWORD_ADVICE = {
    "enum": "list the allowed values in the description and check them in the handler",
    "const": "state the value in the description and check it in the handler",
    "default": "apply the default in the handler and say so in the description",
    "minimum": "state the bound in the description and check it in the handler",
    "maximum": "state the bound in the description and check it in the handler",
    "pattern": "state the format in the description and check it in the handler",
    "format": "state the format in the description and check it in the handler",
    "anyOf": "use one type and check the alternatives in the handler",
    "oneOf": "use one type and check the alternatives in the handler",
    "allOf": "merge the schemas into one object",
    "$ref": "inline the referenced schema",
    "additionalProperties": "declare the properties; the handler must ignore or refuse unknown ones",
}


def schema_problems(schema: Any, where: str) -> list[str]:
    """Why ``schema`` (one node of a tool's inputSchema/outputSchema, at JSON path ``where``) is not an AgentCore
    inline SchemaDefinition; [] when it is."""
    if not isinstance(schema, Mapping):
        return [f"{where} must be an object, got {type(schema).__name__}"]
    problems = []
    for keyword in sorted(set(schema) - SCHEMA_KEYWORDS):
        advice = _KEYWORD_ADVICE.get(keyword, "remove it")
        problems.append(f"{where}: keyword {keyword!r} is not accepted by AgentCore's inline tool schema ({advice})")
    kind = schema.get("type")
    if isinstance(kind, list):
        problems.append(
            f"{where}: type {kind} is a list; AgentCore takes exactly one type"
            + (" (leave the property out of 'required' instead of allowing null)" if "null" in kind else "")
        )
    elif kind not in SCHEMA_TYPES:
        problems.append(f"{where}: type {kind!r} must be one of {', '.join(SCHEMA_TYPES)}")
    properties = schema.get("properties")
    if properties is not None:
        if kind != "object" or not isinstance(properties, Mapping):
            problems.append(f"{where}: 'properties' needs type 'object' and a map of schemas")
        else:
            for name, child in properties.items():
                problems += schema_problems(child, f"{where}.properties.{name}")
    required = schema.get("required")
    if required is not None:
        declared = set(properties) if isinstance(properties, Mapping) else set()
        if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
            problems.append(f"{where}: 'required' must be a list of property names")
        elif set(required) - declared:
            problems.append(f"{where}: 'required' names undeclared properties {sorted(set(required) - declared)}")
    items = schema.get("items")
    if items is not None:
        if kind != "array":
            problems.append(f"{where}: 'items' needs type 'array'")
        else:
            problems += schema_problems(items, f"{where}.items")
    elif kind == "array":
        problems.append(f"{where}: an array needs 'items'")
    return problems


def tool_problems(tool: Mapping[str, Any]) -> list[str]:
    """Why ``tool`` (one inline ToolDefinition) is not one AgentCore takes; [] when it is."""
    label = f"tool {tool.get('name')!r}"
    problems = []
    missing = REQUIRED_TOOL_KEYS - set(tool)
    if missing:
        problems.append(f"{label} lacks {sorted(missing)}")
    if set(tool) - TOOL_KEYS:
        problems.append(f"{label} has keys AgentCore does not take: {sorted(set(tool) - TOOL_KEYS)}")
    for key in SCHEMA_TOOL_KEYS:
        if key in tool:
            problems += [f"{label} {p}" for p in schema_problems(tool[key], key)]
    return problems
