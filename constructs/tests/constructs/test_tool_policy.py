"""ToolPolicy: Cedar files in, one AgentCore policy each, validated before anything is created."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk.assertions import Template

from agentcore_constructs import ToolGateway, ToolPolicy
from tests.conftest import new_stack

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


def test_each_file_becomes_a_policy_on_an_engine_the_gateway_uses(tmp_path) -> None:
    stack = new_stack()
    gateway = ToolGateway(stack, "Tools", gateway_name="t-tools")
    ToolPolicy(stack, "Policy", gateway=gateway, policy_dir=_dir(tmp_path, allow_echo=PERMIT), mode="LOG_ONLY")
    template = Template.from_stack(stack)
    (policy,) = template.find_resources("AWS::BedrockAgentCore::Policy").values()
    assert policy["Properties"]["Name"] == "allow_echo"
    (gateway_resource,) = template.find_resources("AWS::BedrockAgentCore::Gateway").values()
    assert gateway_resource["Properties"]["PolicyEngineConfiguration"]["Mode"] == "LOG_ONLY"
