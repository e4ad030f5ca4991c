"""ToolPolicy: Cedar files in, one AgentCore policy each, validated before anything is created."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from agentcore_constructs import LambdaTool, ToolGateway, ToolPolicy
from agentcore_constructs.tool_policy import gateway_cedar_schema, policy_problems
from library_tests.support import new_stack

PERMIT = (
    'permit (principal, action == AgentCore::Action::"t___echo", resource == AgentCore::Gateway::"{{gateway_arn}}");'
)


def _dir(tmp_path: Path, **files: str) -> Path:
    for name, text in files.items():
        (tmp_path / f"{name}.cedar").write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    ("files", "props", "message"),
    [
        ({}, {}, "no .cedar files"),
        ({"two": PERMIT + "\n" + PERMIT.replace("permit", "forbid")}, {}, "holds 2 permit/forbid statements"),
        ({"odd": PERMIT.replace("{{gateway_arn}}", "{{gateway}}")}, {}, r"unknown placeholder \{\{gateway\}\}"),
        ({"one": PERMIT}, {"mode": "AUDIT"}, "mode 'AUDIT' must be one of LOG_ONLY, ENFORCE"),
        ({"one": PERMIT}, {"variables": {"gateway_arn": "x"}}, "filled in by the construct"),
    ],
)
def test_bad_policy_input_fails_before_anything_is_created(tmp_path, files, props, message) -> None:
    stack = new_stack()
    gateway = ToolGateway(stack, "Tools", gateway_name="t-tools")
    with pytest.raises(ValueError, match=message):
        ToolPolicy(stack, "Policy", gateway=gateway, policy_dir=_dir(tmp_path, **files), **props)
    assert not Template.from_stack(stack).find_resources("AWS::BedrockAgentCore::PolicyEngine")


ECHO = {
    "name": "echo",
    "description": "Echo",
    "inputSchema": {
        "type": "object",
        "properties": {"text": {"type": "string"}, "times": {"type": "integer"}},
        "required": ["text"],
    },
}


def _add_tool(stack, gateway: ToolGateway, target_name: str = "t") -> None:
    function = lambda_.Function.from_function_attributes(
        stack,
        f"Fn{target_name}",
        function_arn=f"arn:aws:lambda:us-east-1:123456789012:function:{target_name}",
        same_environment=True,
    )
    gateway.add_lambda_tool(
        LambdaTool(stack, f"Tool{target_name}", target_name=target_name, tools=[ECHO], existing_function=function)
    )


def test_each_file_becomes_a_policy_on_an_engine_the_gateway_uses(tmp_path) -> None:
    stack = new_stack()
    gateway = ToolGateway(stack, "Tools", gateway_name="t-tools")
    _add_tool(stack, gateway)
    ToolPolicy(stack, "Policy", gateway=gateway, policy_dir=_dir(tmp_path, allow_echo=PERMIT), mode="LOG_ONLY")
    template = Template.from_stack(stack)
    (policy,) = template.find_resources("AWS::BedrockAgentCore::Policy").values()
    assert policy["Properties"]["Name"] == "allow_echo"
    (gateway_resource,) = template.find_resources("AWS::BedrockAgentCore::Gateway").values()
    assert gateway_resource["Properties"]["PolicyEngineConfiguration"]["Mode"] == "LOG_ONLY"


@pytest.mark.parametrize(
    ("policy", "finding"),
    [
        (PERMIT.replace("t___echo", "t___echoes"), 'unrecognized action `AgentCore::Action::"t___echoes"`'),
        (PERMIT[:-1] + ' when { context.input.txt == "x" };', "attribute `input.txt`"),
        (PERMIT[:-1] + " when { context.input.text > 3 };", "expected Long but saw String"),
        (PERMIT[:-1] + " when { context.input.times > 3 };", "times"),  # optional argument used without `has`
        (PERMIT[:-1] + ' when { principal.getTag("scope") == "x" };', "access to tag"),
        (PERMIT[:-2], "parse error"),
    ],
)
def test_a_policy_agentcore_would_refuse_fails_synth_naming_the_file(tmp_path, policy, finding) -> None:
    stack = new_stack()
    gateway = ToolGateway(stack, "Tools", gateway_name="t-tools")
    ToolPolicy(stack, "Policy", gateway=gateway, policy_dir=_dir(tmp_path, allow_echo=policy))
    _add_tool(stack, gateway)  # added after the policy: validation runs at synth, on every target
    problems = [problem for construct in stack.node.find_all() for problem in construct.node.validate()]
    assert any("allow_echo.cedar" in p and finding in p for p in problems), problems


def test_valid_policies_pass_and_the_schema_types_arguments_as_agentcore_documents() -> None:
    schema = gateway_cedar_schema({"t___echo": ECHO["inputSchema"]})
    (action,) = [a for name, a in schema["AgentCore"]["actions"].items() if name == "t___echo"]
    attributes = action["appliesTo"]["context"]["attributes"]["input"]["attributes"]
    assert attributes == {"text": {"type": "String", "required": True}, "times": {"type": "Long", "required": False}}
    assert action["memberOf"] == [{"id": "CallTool"}]
    ok = PERMIT.replace("{{gateway_arn}}", "arn")[:-1] + (
        ' when { context.input has times && context.input.times < 3 && principal.hasTag("scope") };'
    )
    assert policy_problems({"ok.cedar": ok}, schema) == []


def test_every_policy_deploys_after_every_target_whatever_the_order_they_were_added(tmp_path) -> None:
    stack = new_stack()
    gateway = ToolGateway(stack, "Tools", gateway_name="t-tools")
    _add_tool(stack, gateway, "t")
    ToolPolicy(stack, "Policy", gateway=gateway, policy_dir=_dir(tmp_path, allow_echo=PERMIT))
    _add_tool(stack, gateway, "u")
    template = Template.from_stack(stack)
    targets = set(template.find_resources("AWS::BedrockAgentCore::GatewayTarget"))
    assert len(targets) == 2
    (policy,) = template.find_resources("AWS::BedrockAgentCore::Policy").values()
    assert targets <= set(policy["DependsOn"])
