"""ToolGateway + LambdaTool used as a library."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_bedrockagentcore as agentcore
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Template

from agentcore_constructs.gateway import LambdaTool, ToolFunction, ToolGateway
from agentcore_constructs.props import PropsError
from agentcore_constructs.python_function import PythonArm64Function
from library_tests.support import FIXTURE_TOOL_HANDLER, FIXTURE_TOOLS, new_runtime, new_stack

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
        function=ToolFunction(code_root=FIXTURE_TOOLS, handler=FIXTURE_TOOL_HANDLER),
    )


def test_a_second_tool_is_one_more_add_call() -> None:
    stack = new_stack()
    gateway = ToolGateway(stack, "Gateway", gateway_name="tools-test")
    gateway.add_lambda_tool(_tool(stack, "order-service"))
    gateway.add_lambda_tool(_tool(stack, "echo-service"))
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::BedrockAgentCore::GatewayTarget", 2)
    template.resource_count_is("AWS::Lambda::Permission", 2)
    with pytest.raises(PropsError, match="^ToolGateway Test/Gateway: tool target 'order-service' is already added"):
        gateway.add_lambda_tool(gateway.tools[0])


def test_debug_errors_are_refused_unless_allowed() -> None:
    with pytest.raises(PropsError, match="^ToolGateway Test/Gateway: exception_level DEBUG leaks internals"):
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
        ({"tools": []}, "tools must declare at least one tool"),
        ({"tools": [{"name": "x"}]}, r"tools entry 'x' lacks \['description', 'inputSchema'\]"),
        ({"code_root": "/nonexistent"}, "function.code_root '/nonexistent' is not a directory"),
        ({"reserved_concurrency": 0}, "function.reserved_concurrency 0 must be >= 1"),
        ({"timeout_seconds": 901}, r"function.timeout_seconds 901 must be a whole number of seconds within 1..900"),
        ({"memory_size": 64}, r"function.memory_size 64 must be a whole number of MB within 128..10240"),
    ],
)
def test_lambda_tool_props_are_validated(props: dict, message: str) -> None:
    function_keys = {"code_root", "reserved_concurrency", "timeout_seconds", "memory_size"}
    function = ToolFunction(
        **{
            "code_root": FIXTURE_TOOLS,
            "handler": FIXTURE_TOOL_HANDLER,
            **{k: props.pop(k) for k in function_keys & set(props)},
        }
    )
    base = dict(target_name="t1", tools=[ECHO_TOOL], function=function)
    with pytest.raises(PropsError, match="^LambdaTool Test/Tool: " + message):
        LambdaTool(new_stack(), "Tool", **{**base, **props})


def test_secret_is_created_without_a_value_and_readable_only_by_its_function() -> None:
    stack = new_stack()
    tool = LambdaTool(
        stack,
        "Tool",
        target_name="t1",
        tools=[ECHO_TOOL],
        function=ToolFunction(code_root=FIXTURE_TOOLS, handler=FIXTURE_TOOL_HANDLER),
        api_key_secret_env="API_KEY_SECRET_ARN",
    )
    template = Template.from_stack(stack).to_json()
    (secret,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::SecretsManager::Secret"]
    assert "SecretString" not in secret["Properties"]
    assert tool.secret is not None


@pytest.mark.parametrize("interceptor", [False, True])
def test_tools_require_a_caller_exactly_when_the_gateway_has_the_caller_interceptor(interceptor: bool) -> None:
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
            "inputSchema.properties.status: keyword 'enum' is not accepted by AgentCore's inline tool "
            r"schema \(list the allowed values in the description",
        ),
        (
            {"type": "object", "properties": {"n": {"type": "integer", "minimum": 1, "default": 3}}},
            "inputSchema.properties.n: keyword 'default' .*\nLambdaTool Test/Echo: tools entry 'echo' "
            "inputSchema.properties.n: keyword 'minimum'",
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
    with pytest.raises(PropsError, match=r"LambdaTool Test/Echo: tools entry 'echo' .*" + message):
        LambdaTool(
            new_stack(),
            "Echo",
            target_name="echo",
            tools=[tool],
            function=ToolFunction(code_root=FIXTURE_TOOLS, handler=FIXTURE_TOOL_HANDLER),
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
            stack,
            "Echo",
            target_name="echo",
            tools=[tool],
            function=ToolFunction(code_root=FIXTURE_TOOLS, handler=FIXTURE_TOOL_HANDLER),
        )
    )
    (target,) = Template.from_stack(stack).find_resources("AWS::BedrockAgentCore::GatewayTarget").values()
    (definition,) = target["Properties"]["TargetConfiguration"]["Mcp"]["Lambda"]["ToolSchema"]["InlinePayload"]
    assert definition["OutputSchema"] == {"Type": "object", "Properties": {"text": {"Type": "string"}}}
    with pytest.raises(PropsError, match="tools entry 'echo' has keys AgentCore does not take: \\['examples'\\]"):
        LambdaTool(
            stack,
            "Bad",
            target_name="bad",
            tools=[{**ECHO_TOOL, "examples": []}],
            function=ToolFunction(code_root=FIXTURE_TOOLS, handler=FIXTURE_TOOL_HANDLER),
        )


def test_every_bad_lambda_tool_prop_is_named_in_one_error_before_anything_is_created() -> None:
    stack = new_stack()
    with pytest.raises(PropsError) as error:
        LambdaTool(
            stack,
            "Tool",
            target_name="bad name",
            tools=[{"name": "x"}],
            function=ToolFunction(code_root=FIXTURE_TOOLS, handler="echo_tool.handler.missing", memory_size=64),
            function_props={"architecture": None},
            secret_encryption_key=kms.Alias.from_alias_name(stack, "Alias", "alias/team"),
        )
    lines = str(error.value).splitlines()
    assert all(line.startswith("LambdaTool Test/Tool: ") for line in lines), lines
    assert [line.split(" ")[2] for line in lines] == [
        "target_name",
        "tools",
        "function.handler",
        "function.memory_size",
        "function_props",
        "secret_encryption_key",
    ]
    assert stack.node.find_child("Tool").node.children == []  # nothing was created


def test_every_bad_gateway_prop_is_named_in_one_error() -> None:
    stack = new_stack()
    with pytest.raises(PropsError) as error:
        ToolGateway(
            stack,
            "Gateway",
            gateway_name="bad_name",
            exception_level=agentcore.GatewayExceptionLevel.DEBUG,
            encryption_key=kms.Alias.from_alias_name(stack, "Alias", "alias/team"),
        )
    lines = str(error.value).splitlines()
    assert all(line.startswith("ToolGateway Test/Gateway: ") for line in lines), lines
    assert [line.split(" ")[2] for line in lines] == ["gateway_name", "exception_level", "encryption_key"]
    assert stack.node.find_child("Gateway").node.children == []


def test_a_gateway_takes_one_interceptor_and_a_runtime_one_gateway() -> None:
    stack = new_stack()
    gateway = ToolGateway(stack, "Gateway", gateway_name="tools-test")
    other = ToolGateway(stack, "Other", gateway_name="other-tools")

    def interceptor(name: str) -> PythonArm64Function:
        return PythonArm64Function(
            stack,
            name,
            code_root=FIXTURE_TOOLS,
            handler=FIXTURE_TOOL_HANDLER,
            service_name="gateway-interceptor",
            description=name,
        )

    gateway.add_request_interceptor(interceptor("First"))
    with pytest.raises(PropsError, match="^ToolGateway Test/Gateway: interceptor Test/Second: the gateway already"):
        gateway.add_request_interceptor(interceptor("Second"))
    runtime = new_runtime(stack)
    gateway.connect_to(runtime)
    with pytest.raises(PropsError, match="^ToolGateway Test/Other: runtime Test/Agent is already connected"):
        other.connect_to(runtime)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, []),
        ({"timeout_seconds": 1, "memory_size": 128, "reserved_concurrency": 1}, []),
        ({"timeout_seconds": 900, "memory_size": 10_240}, []),
        ({"code_root": "/nonexistent"}, ["code_root"]),
        ({"handler": "lambda_handler"}, ["handler"]),
        ({"handler": "echo_tool.handler.missing"}, ["handler"]),
        ({"timeout_seconds": 0}, ["timeout_seconds"]),
        ({"timeout_seconds": 901}, ["timeout_seconds"]),
        ({"timeout_seconds": True}, ["timeout_seconds"]),
        ({"memory_size": 127}, ["memory_size"]),
        ({"memory_size": 10_241}, ["memory_size"]),
        ({"reserved_concurrency": 0}, ["reserved_concurrency"]),
        ({"memory_size": 64, "reserved_concurrency": -1}, ["memory_size", "reserved_concurrency"]),
    ],
)
def test_tool_function_names_each_value_lambda_refuses(changes: dict, expected: list[str]) -> None:
    function = ToolFunction(**{"code_root": FIXTURE_TOOLS, "handler": FIXTURE_TOOL_HANDLER, **changes})
    assert [prop for prop, _ in function.problems()] == expected
