"""ToolGateway + LambdaTool used as a library."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_bedrockagentcore as agentcore
from aws_cdk.assertions import Template

from agentcore_constructs.gateway import LambdaTool, ToolGateway
from library_tests.support import FIXTURE_TOOL_HANDLER, FIXTURE_TOOLS, new_stack

ECHO_TOOL = {
    "name": "echo",
    "description": "Echo text back",
    "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
}


def _tool(stack: cdk.Stack, name: str) -> LambdaTool:
    return LambdaTool(
        stack,
        name,
        target_name=name,
        tools=[ECHO_TOOL],
        code_root=FIXTURE_TOOLS,
        handler=FIXTURE_TOOL_HANDLER,
    )


def test_a_second_tool_is_one_more_add_call() -> None:
    stack = new_stack()
    gateway = ToolGateway(stack, "Gateway", gateway_name="tools-test")
    gateway.add_lambda_tool(_tool(stack, "order-service"))
    gateway.add_lambda_tool(_tool(stack, "echo-service"))
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::BedrockAgentCore::GatewayTarget", 2)
    template.resource_count_is("AWS::Lambda::Permission", 2)
    with pytest.raises(ValueError, match="already added"):
        gateway.add_lambda_tool(gateway.tools[0])


def test_debug_errors_are_refused_unless_allowed() -> None:
    with pytest.raises(ValueError, match="DEBUG leaks internals"):
        ToolGateway(
            new_stack(), "Gateway", gateway_name="tools-test", exception_level=agentcore.GatewayExceptionLevel.DEBUG
        )
    ToolGateway(
        new_stack(),
        "Gateway",
        gateway_name="tools-test",
        exception_level=agentcore.GatewayExceptionLevel.DEBUG,
        allow_debug_errors=True,
    )


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"target_name": "bad name"}, "target_name 'bad name'"),
        ({"tools": []}, "at least one tool"),
        ({"tools": [{"name": "x"}]}, "lacks"),
        ({"code_root": "/nonexistent"}, "is not a directory"),
        ({"reserved_concurrency": 0}, "reserved_concurrency 0"),
    ],
)
def test_lambda_tool_props_are_validated(props: dict, message: str) -> None:
    base = dict(target_name="t1", tools=[ECHO_TOOL], code_root=FIXTURE_TOOLS, handler=FIXTURE_TOOL_HANDLER)
    with pytest.raises(ValueError, match=message):
        LambdaTool(new_stack(), "Tool", **{**base, **props})


def test_secret_is_created_without_a_value_and_readable_only_by_its_function() -> None:
    stack = new_stack()
    tool = LambdaTool(
        stack,
        "Tool",
        target_name="t1",
        tools=[ECHO_TOOL],
        code_root=FIXTURE_TOOLS,
        handler=FIXTURE_TOOL_HANDLER,
        api_key_secret_env="API_KEY_SECRET_ARN",
    )
    template = Template.from_stack(stack).to_json()
    (secret,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::SecretsManager::Secret"]
    assert "SecretString" not in secret["Properties"]
    assert tool.secret is not None


@pytest.mark.parametrize("interceptor", [False, True])
def test_tools_require_a_caller_exactly_when_the_gateway_has_the_caller_interceptor(interceptor: bool) -> None:
    from agentcore_constructs.python_function import PythonArm64Function

    stack = new_stack()
    gateway = ToolGateway(stack, "Gateway", gateway_name="tools-test")
    gateway.add_lambda_tool(_tool(stack, "order-service"))  # before the interceptor: decided at synth anyway
    if interceptor:
        gateway.add_request_interceptor(
            PythonArm64Function(
                stack,
                "Interceptor",
                code_root=FIXTURE_TOOLS,
                handler=FIXTURE_TOOL_HANDLER,  # a stand-in: which function runs is not what this tests
                service_name="gateway-interceptor",
                description="caller",
            )
        )
    functions = Template.from_stack(stack).find_resources("AWS::Lambda::Function")
    (tool,) = [
        f
        for f in functions.values()
        if f["Properties"]["Handler"] == FIXTURE_TOOL_HANDLER and f["Properties"].get("Description") != "caller"
    ]
    assert tool["Properties"]["Environment"]["Variables"]["AGENT_TOOL_CALLER_REQUIRED"] == (
        "true" if interceptor else "false"
    )


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (
            {"type": "object", "properties": {"status": {"type": "string", "enum": ["open", "shipped"]}}},
            "tool 'echo' inputSchema.properties.status: keyword 'enum' is not accepted by AgentCore's inline tool "
            r"schema \(list the allowed values in the description",
        ),
        (
            {"type": "object", "properties": {"n": {"type": "integer", "minimum": 1, "default": 3}}},
            "inputSchema.properties.n: keyword 'default' .*; tool 'echo' inputSchema.properties.n: keyword 'minimum'",
        ),
        (
            {"type": "object", "properties": {"v": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}},
            "inputSchema.properties.v: keyword 'anyOf'",
        ),
        (
            {"type": "object", "properties": {"v": {"type": ["string", "null"]}}},
            r"type \['string', 'null'\] is a list; AgentCore takes exactly one type \(leave the property out of",
        ),
        ({"type": "object", "properties": {"v": {"type": "null"}}}, "type 'null' must be one of array, boolean"),
        (
            {"type": "object", "properties": {"v": {"type": "array"}}},
            "inputSchema.properties.v: an array needs 'items'",
        ),
        ({"type": "object", "required": ["text"]}, r"'required' names undeclared properties \['text'\]"),
    ],
)
def test_schema_keywords_agentcore_does_not_take_fail_synth_naming_tool_and_path(schema: dict, message: str) -> None:
    tool = {"name": "echo", "description": "Echo", "inputSchema": schema}
    with pytest.raises(ValueError, match=r"LambdaTool Test/Echo \(target echo\): .*" + message):
        LambdaTool(
            new_stack(), "Echo", target_name="echo", tools=[tool], code_root=FIXTURE_TOOLS, handler=FIXTURE_TOOL_HANDLER
        )


def test_an_output_schema_is_checked_and_rendered() -> None:
    stack = new_stack()
    tool = {
        **ECHO_TOOL,
        "outputSchema": {"type": "object", "properties": {"text": {"type": "string"}}},
    }
    gateway = ToolGateway(stack, "Gateway", gateway_name="tools-test")
    gateway.add_lambda_tool(
        LambdaTool(
            stack, "Echo", target_name="echo", tools=[tool], code_root=FIXTURE_TOOLS, handler=FIXTURE_TOOL_HANDLER
        )
    )
    (target,) = Template.from_stack(stack).find_resources("AWS::BedrockAgentCore::GatewayTarget").values()
    (definition,) = target["Properties"]["TargetConfiguration"]["Mcp"]["Lambda"]["ToolSchema"]["InlinePayload"]
    assert definition["OutputSchema"] == {"Type": "object", "Properties": {"text": {"Type": "string"}}}
    with pytest.raises(ValueError, match="keys AgentCore does not take: \\['examples'\\]"):
        LambdaTool(
            stack,
            "Bad",
            target_name="bad",
            tools=[{**ECHO_TOOL, "examples": []}],
            code_root=FIXTURE_TOOLS,
            handler=FIXTURE_TOOL_HANDLER,
        )
