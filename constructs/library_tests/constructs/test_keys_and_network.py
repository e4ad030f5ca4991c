"""Keys and networks handed in are usable where they are used, or synth says why, naming the construct."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Annotations, Match, Template

from agentcore_constructs import AgentMemory, AgentObservability, AgentRuntime, ToolGateway, VpcPlacement
from library_tests.support import FIXTURE_AGENT, new_stack

MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0"


def _runtime(stack: cdk.Stack, construct_id: str = "Agent", **props) -> AgentRuntime:
    return AgentRuntime(stack, construct_id, runtime_name="a1", source_dir=FIXTURE_AGENT, model_id=MODEL, **props)


def _key_statements(stack: cdk.Stack) -> list[dict]:
    (key,) = Template.from_stack(stack).find_resources("AWS::KMS::Key").values()
    return key["Properties"]["KeyPolicy"]["Statement"]


def test_a_key_of_the_app_gets_the_logs_and_alarms_statements_once() -> None:
    key_stack = new_stack()
    key = kms.Key(key_stack, "Key", enable_key_rotation=True)
    app_stack = cdk.Stack(
        key_stack.node.scope,
        "Agents",
        env=cdk.Environment(account="111122223333", region="us-east-1"),
    )
    runtime = _runtime(app_stack, log_encryption_key=key)
    AgentObservability(app_stack, "Obs", runtime=runtime, topic_key=key)
    _runtime(app_stack, "Agent2", log_encryption_key=key)  # a second user of the same key
    sids = [s.get("Sid") for s in _key_statements(key_stack)]
    assert sids.count("AllowCloudWatchLogsEncryption") == 1
    assert sids.count("AllowCloudWatchAlarmsToEncryptedTopics") == 1


@pytest.mark.parametrize("kind", ["alias construct", "imported alias", "alias arn"])
def test_an_alias_is_refused_wherever_a_key_is_taken(kind: str) -> None:
    stack = new_stack()
    alias = {
        "alias construct": lambda: kms.Alias(stack, "Alias", alias_name="alias/agent", target_key=kms.Key(stack, "K")),
        "imported alias": lambda: kms.Alias.from_alias_name(stack, "Alias", "alias/agent"),
        "alias arn": lambda: kms.Key.from_key_arn(stack, "Alias", "arn:aws:kms:us-east-1:111122223333:alias/agent"),
    }[kind]()
    with pytest.raises(ValueError, match="AgentRuntime Test/Agent: log_encryption_key is a KMS alias"):
        _runtime(stack, log_encryption_key=alias)
    with pytest.raises(ValueError, match="AgentMemory Test/Memory: encryption_key is a KMS alias"):
        AgentMemory(stack, "Memory", memory_name="m1", encryption_key=alias)
    with pytest.raises(ValueError, match="ToolGateway Test/Gateway: encryption_key is a KMS alias"):
        ToolGateway(stack, "Gateway", gateway_name="g1", encryption_key=alias)


def test_an_imported_key_warns_naming_the_statement_it_needs() -> None:
    stack = new_stack()
    key = kms.Key.from_key_arn(
        stack, "Key", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    runtime = _runtime(stack, log_encryption_key=key)
    AgentObservability(stack, "Obs", runtime=runtime, topic_key=key)
    annotations = Annotations.from_stack(stack)
    annotations.has_warning("/Test/Agent", Match.string_like_regexp("imported key: its key policy must let logs"))
    annotations.has_warning("/Test/Obs", Match.string_like_regexp("must let cloudwatch.amazonaws.com use it"))


def _vpc(stack: cdk.Stack) -> ec2.IVpc:
    return ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-0123456789abcdef0",
        availability_zones=["us-east-1a", "us-east-1b"],
        private_subnet_ids=["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"],
        public_subnet_ids=["subnet-0ccccccccccccccc3", "subnet-0ddddddddddddddd4"],
    )


def test_public_subnets_fail_synth() -> None:
    stack = new_stack()
    vpc = _vpc(stack)
    with pytest.raises(ValueError, match="AgentRuntime Test/Agent: network.subnets selects public subnets"):
        _runtime(stack, network=VpcPlacement(vpc, subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC)))


def test_by_default_the_private_subnets_and_existing_groups_are_used() -> None:
    stack = new_stack()
    vpc = _vpc(stack)
    group = ec2.SecurityGroup.from_security_group_id(stack, "Sg", "sg-0123456789abcdef0")
    agent = _runtime(stack, network=VpcPlacement(vpc, existing_security_groups=[group]))
    (runtime,) = Template.from_stack(stack).find_resources("AWS::BedrockAgentCore::Runtime").values()
    config = runtime["Properties"]["NetworkConfiguration"]["NetworkModeConfig"]
    assert config == {
        "SecurityGroups": ["sg-0123456789abcdef0"],
        "Subnets": ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"],
    }
    assert agent.security_group is None
    Template.from_stack(stack).resource_count_is("AWS::EC2::SecurityGroup", 0)


def test_an_existing_role_gets_the_scoped_policies_and_a_trust_warning() -> None:
    stack = new_stack()
    role = iam.Role.from_role_arn(stack, "Role", "arn:aws:iam::111122223333:role/platform-agent-role")
    agent = _runtime(stack, existing_role=role)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::Role", 0)
    policies = template.find_resources("AWS::IAM::Policy")
    assert policies and all(p["Properties"]["Roles"] == ["platform-agent-role"] for p in policies.values())
    (runtime,) = template.find_resources("AWS::BedrockAgentCore::Runtime").values()
    assert "platform-agent-role" in str(runtime["Properties"]["RoleArn"])
    assert agent.role is role
    Annotations.from_stack(stack).has_warning(
        "/Test/Agent", Match.string_like_regexp("existing_role: its trust policy must allow bedrock-agentcore")
    )
