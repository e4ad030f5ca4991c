"""AgentMemory used as a library."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Template

from agentcore_constructs import AgentMemory
from agentcore_constructs.memory import AGENT_DATA_PLANE_ACTIONS
from library_tests.support import new_runtime, new_stack


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"memory_name": "my-memory"}, "memory_name 'my-memory'"),
        ({"memory_name": "ok", "event_expiry": cdk.Duration.days(3)}, "event_expiry 3 days"),
        ({"memory_name": "ok", "event_expiry": cdk.Duration.days(400)}, "event_expiry 400 days"),
    ],
)
def test_invalid_props(props: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AgentMemory(new_stack("us-west-2"), "Memory", **props)


def test_defaults_create_a_rotating_key_and_retain_everything() -> None:
    stack = new_stack("us-west-2")
    AgentMemory(stack, "Memory", memory_name="m1")
    template = Template.from_stack(stack)
    template.has_resource("AWS::KMS::Key", {"Properties": {"EnableKeyRotation": True}, "DeletionPolicy": "Retain"})
    template.has_resource(
        "AWS::BedrockAgentCore::Memory", {"Properties": {"EventExpiryDuration": 30}, "DeletionPolicy": "Retain"}
    )


def test_bring_your_own_key() -> None:
    stack = new_stack("us-west-2")
    key = kms.Key(stack, "Mine", enable_key_rotation=True)
    memory = AgentMemory(stack, "Memory", memory_name="m1", encryption_key=key)
    assert memory.key is key
    Template.from_stack(stack).resource_count_is("AWS::KMS::Key", 1)


def test_grant_to_adds_exact_actions_and_memory_id_in_the_same_stack() -> None:
    stack = new_stack("us-west-2")
    memory = AgentMemory(stack, "Memory", memory_name="m1")
    runtime = new_runtime(stack)
    memory.grant_to(runtime)
    template = Template.from_stack(stack).to_json()
    memory_logical_id = next(
        k for k, v in template["Resources"].items() if v["Type"] == "AWS::BedrockAgentCore::Memory"
    )
    statements = [
        s
        for p in template["Resources"].values()
        if p["Type"] == "AWS::IAM::Policy"
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") == "UseAgentMemory"
    ]
    assert statements == [
        {
            "Sid": "UseAgentMemory",
            "Effect": "Allow",
            "Action": list(AGENT_DATA_PLANE_ACTIONS),
            "Resource": {"Fn::GetAtt": [memory_logical_id, "MemoryArn"]},
        }
    ]
    (cfn_runtime,) = [v for v in template["Resources"].values() if v["Type"] == "AWS::BedrockAgentCore::Runtime"]
    assert cfn_runtime["Properties"]["EnvironmentVariables"]["MEMORY_ID"] == {
        "Fn::GetAtt": [memory_logical_id, "MemoryId"]
    }
