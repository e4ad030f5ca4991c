"""A tool service's declarations (Gateway inline-schema form, checked by ``contract.tool_schema``) as the
``aws_bedrockagentcore`` L2's ``ToolSchema``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import aws_bedrockagentcore as agentcore

from agentcore_constructs.contract import tool_schema

#: AgentCore's inline SchemaDefinition type names -> the L2's enum (the rules themselves: contract.tool_schema).
_SCHEMA_TYPES = {name: getattr(agentcore.SchemaDefinitionType, name.upper()) for name in tool_schema.SCHEMA_TYPES}


def schema_definition(schema: Mapping[str, Any]) -> agentcore.SchemaDefinition:
    return agentcore.SchemaDefinition(
        type=_SCHEMA_TYPES[schema["type"]],
        description=schema.get("description"),
        properties={k: schema_definition(v) for k, v in schema["properties"].items()}
        if "properties" in schema
        else None,
        required=list(schema["required"]) if "required" in schema else None,
        items=schema_definition(schema["items"]) if "items" in schema else None,
    )


def inline_tool_schema(tools: Sequence[Mapping[str, Any]]) -> agentcore.ToolSchema:
    return agentcore.ToolSchema.from_inline(
        [
            agentcore.ToolDefinition(
                name=t["name"],
                description=t["description"],
                input_schema=schema_definition(t["inputSchema"]),
                output_schema=schema_definition(t["outputSchema"]) if "outputSchema" in t else None,
            )
            for t in tools
        ]
    )
