"""AgentRuntime used as a library: props validation, artifacts, model access, the env-var contract."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from agentcore_constructs import (
    AgentRuntime,
    CodeArtifact,
    ContainerArtifact,
    InvocationLimits,
    RetryPolicy,
    SessionLifecycle,
    VpcPlacement,
)
from agentcore_constructs.contract import env_vars as env_contract
from agentcore_constructs.props import PropsError
from library_tests.support import FIXTURE_AGENT, LIBRARY_ROOT, new_stack


def _runtime(stack: cdk.Stack, **overrides) -> AgentRuntime:
    props = dict(
        runtime_name="agent_test", source_dir=FIXTURE_AGENT, model_id="eu.anthropic.claude-haiku-4-5-20251001-v1:0"
    )
    props.update(overrides)
    return AgentRuntime(stack, "Agent", **props)


def _statements(template: Template) -> list[dict]:
    return [
        s
        for p in template.find_resources("AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"runtime_name": "my-agent"}, "runtime_name 'my-agent'"),
        ({"endpoint_name": "1st"}, "endpoint_name '1st'"),
        ({"source_dir": "/nonexistent"}, "source_dir '/nonexistent' is not a directory"),
        (
            {"artifact": CodeArtifact(requirements_file="missing.lock")},
            "artifact.requirements_file 'missing.lock' not found",
        ),
        ({"artifact": ContainerArtifact()}, "needs a Dockerfile"),
        ({"retry": RetryPolicy(max_attempts=0)}, "retry.max_attempts 0"),
        ({"retry": RetryPolicy(mode="legacy")}, "retry.mode 'legacy'"),
        ({"limits": InvocationLimits(max_seconds=901)}, "limits.max_seconds 901"),
        ({"lifecycle": SessionLifecycle(idle_timeout_seconds=30)}, "lifecycle.idle_timeout_seconds 30"),
        ({"retry": {"max_attempts": 3}}, "retry must be a RetryPolicy, not dict"),
        ({"model_provider": "openai"}, "model_provider 'openai'"),
        ({"endpoint_version": "v3"}, "endpoint_version 'v3' must be 'latest' or a version number"),
        ({"endpoint_version": "0"}, "endpoint_version '0'"),
    ],
)
def test_invalid_props_fail_early_with_the_prop_name(overrides: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _runtime(new_stack("eu-west-1"), **overrides)


def test_keyword_only_props() -> None:
    with pytest.raises(TypeError):
        AgentRuntime(new_stack("eu-west-1"), "Agent", "agent_test")  # type: ignore[misc]


def test_eu_profile_routes_to_eu_regions_and_overrides_apply() -> None:
    stack = new_stack("eu-west-1")
    _runtime(stack, model_routed_regions=["eu-west-1", "eu-central-1"])
    resolved = json.dumps(stack.resolve(Template.from_stack(stack).to_json()))
    assert "inference-profile/eu.anthropic.claude-haiku-4-5-20251001-v1:0" in resolved
    assert ":bedrock:eu-central-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0" in resolved
    assert ":bedrock:us-east-1::foundation-model" not in resolved


def test_plain_foundation_model_gets_one_statement_without_profile() -> None:
    stack = new_stack("eu-west-1")
    _runtime(stack, model_id="amazon.nova-lite-v1:0")
    invoke = [s for s in _statements(Template.from_stack(stack)) if "bedrock:InvokeModel" in s["Action"]]
    assert len(invoke) == 1
    assert "Condition" not in invoke[0]
    assert "foundation-model/amazon.nova-lite-v1:0" in json.dumps(invoke[0]["Resource"])


def test_container_artifact_is_arm64_and_pull_is_scoped_to_its_repository(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM public.ecr.aws/docker/library/python:3.13-slim\n")
    stack = new_stack("eu-west-1")
    agent = _runtime(stack, source_dir=tmp_path, artifact=ContainerArtifact())
    template = Template.from_stack(stack)
    assert "ContainerConfiguration" in json.dumps(template.find_resources("AWS::BedrockAgentCore::Runtime"))
    assembly = cdk.Stage.of(stack).synth()
    assets = json.loads(Path(assembly.directory, "Test.assets.json").read_text())
    (image,) = assets["dockerImages"].values()
    assert image["source"]["platform"] == "linux/arm64"
    pull = next(s for s in _statements(template) if s.get("Sid") == "PullAgentImage")
    assert "*" not in json.dumps(pull["Resource"])
    assert agent.image_asset is not None and agent.image_asset.image_tag  # content-hash tag: immutable per build


def test_add_environment_accepts_only_contract_variables() -> None:
    stack = new_stack("eu-west-1")
    agent = _runtime(stack)
    agent.add_environment(env_contract.MEMORY_ID, "mem-123")
    Template.from_stack(stack).has_resource_properties(
        "AWS::BedrockAgentCore::Runtime",
        {"EnvironmentVariables": Match.object_like({"MEMORY_ID": "mem-123", "MODEL_PROVIDER": "bedrock"})},
    )
    with pytest.raises(ValueError, match="not part of agentcore_constructs.contract.env_vars"):
        agent.add_environment(env_contract.EnvVar("API_KEY", "me", "nope"), "x")


def test_later_grants_land_in_the_policy_the_runtime_waits_for() -> None:
    stack = new_stack("eu-west-1")
    agent = _runtime(stack)
    agent.add_to_execution_policy(
        iam.PolicyStatement(
            actions=["bedrock-agentcore:CreateEvent"],
            resources=["arn:aws:bedrock-agentcore:eu-west-1:111122223333:memory/m-1"],
        )
    )
    template = Template.from_stack(stack)
    policy_id = stack.get_logical_id(agent.policy.node.default_child)
    assert any(
        s["Action"] == "bedrock-agentcore:CreateEvent"
        for s in template.find_resources("AWS::IAM::Policy")[policy_id]["Properties"]["PolicyDocument"]["Statement"]
    )
    (runtime,) = template.find_resources("AWS::BedrockAgentCore::Runtime").values()
    assert policy_id in runtime["DependsOn"]


def test_l2_account_wide_grants_never_reach_the_role() -> None:
    stack = new_stack("eu-west-1")
    _runtime(stack)
    text = json.dumps(stack.resolve(Template.from_stack(stack).to_json()))
    assert "workload-identity-directory/default/workload-identity/*" not in text
    assert "cdk-hnb659fds-assets-111122223333-eu-west-1/*" not in text
    # The one log-group:* grant is the documented logs:DescribeLogGroups, alone in its statement.
    describe = [s for s in json.loads(text)["Resources"].values() if "log-group:*" in json.dumps(s)]
    assert [s["Properties"]["PolicyDocument"]["Statement"][-1]["Action"] for s in describe] == [
        "logs:DescribeLogGroups"
    ]


@pytest.mark.parametrize(
    ("runtime", "expected"), [("PYTHON_3_12", "3.12"), ("PYTHON_3_13", "3.13"), ("PYTHON_3_14", "3.14")]
)
def test_wheels_are_vendored_for_the_chosen_python(runtime: str, expected: str) -> None:
    from aws_cdk import aws_bedrockagentcore as agentcore

    from agentcore_constructs.runtime.options import python_version

    assert python_version(getattr(agentcore.AgentCoreRuntime, runtime)) == expected
    assert CodeArtifact(python_runtime=getattr(agentcore.AgentCoreRuntime, runtime)).problems() == []
    assert CodeArtifact(python_runtime=agentcore.AgentCoreRuntime.NODE_22).problems() == [
        ("python_runtime", "'NODE_22' is not a Python runtime")
    ]


def test_vpc_network_mode_uses_the_given_subnets_and_an_egress_only_security_group() -> None:
    from aws_cdk import aws_ec2 as ec2

    stack = new_stack("eu-west-1")
    vpc = ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-0123456789abcdef0",
        availability_zones=["eu-west-1a", "eu-west-1b"],
        private_subnet_ids=["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"],
    )
    agent = _runtime(stack, network=VpcPlacement(vpc, subnets=ec2.SubnetSelection(subnets=vpc.private_subnets)))
    template = Template.from_stack(stack).to_json()
    (runtime,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::BedrockAgentCore::Runtime"]
    network = runtime["Properties"]["NetworkConfiguration"]
    assert network["NetworkMode"] == "VPC"
    assert network["NetworkModeConfig"]["Subnets"] == ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"]
    assert agent.security_group is not None
    sg_id = stack.get_logical_id(agent.security_group.node.default_child)  # type: ignore[arg-type]
    assert network["NetworkModeConfig"]["SecurityGroups"] == [{"Fn::GetAtt": [sg_id, "GroupId"]}]
    assert "SecurityGroupIngress" not in template["Resources"][sg_id]["Properties"]


@pytest.mark.parametrize(
    ("version", "served"), [("latest", {"Fn::GetAtt": ["AgentRuntime23CE8C05", "AgentRuntimeVersion"]}), ("7", "7")]
)
def test_the_endpoint_serves_the_pinned_version_or_follows_the_newest(version: str, served: object) -> None:
    stack = new_stack("eu-west-1")
    _runtime(stack, endpoint_version=version)
    (endpoint,) = Template.from_stack(stack).find_resources("AWS::BedrockAgentCore::RuntimeEndpoint").values()
    assert stack.resolve(endpoint["Properties"]["AgentRuntimeVersion"]) == served


def test_package_exports_are_visible_to_type_checkers_and_resolve_at_run_time() -> None:
    import agentcore_constructs

    source = (LIBRARY_ROOT / "agentcore_constructs" / "__init__.py").read_text()
    assert sorted(agentcore_constructs.__all__) == sorted(agentcore_constructs._EXPORTS)
    for name in agentcore_constructs.__all__:
        assert f" {name}" in source.split("if TYPE_CHECKING:")[1].split("__all__")[0], name
        assert getattr(agentcore_constructs, name).__name__ == name


def test_every_bad_prop_is_named_in_one_error_before_anything_is_created(tmp_path: Path) -> None:
    """Several mistakes at once: one PropsError names each, every line in the ``AgentRuntime <path>: <prop>``
    shape, and the construct created nothing (not even the role) before raising."""
    stack = new_stack("eu-west-1")
    with pytest.raises(PropsError) as raised:
        _runtime(
            stack,
            runtime_name="my-agent",
            endpoint_version="v3",
            model_provider="openai",
            platform_version="V9",
            model_id="arn:aws:bedrock:eu-west-1:111122223333:provisioned-model/abc",
            retry=RetryPolicy(max_attempts=0, mode="legacy"),
            limits=InvocationLimits(max_turns=0),
            lifecycle=SessionLifecycle(idle_timeout_seconds=28_800, max_lifetime_seconds=3_600),
            artifact=CodeArtifact(requirements_file="missing.lock"),
        )
    lines = str(raised.value).splitlines()
    assert all(line.startswith("AgentRuntime Test/Agent: ") for line in lines), lines
    named = [line.removeprefix("AgentRuntime Test/Agent: ").split(" ", 1)[0] for line in lines]
    assert sorted(named) == sorted(
        [
            "runtime_name",
            "endpoint_version",
            "platform_version",
            "model_provider",
            "retry.max_attempts",
            "retry.mode",
            "limits.max_turns",
            "lifecycle.idle_timeout_seconds",
            "artifact.requirements_file",
            "model_id",
        ]
    )
    assert raised.value.problems == tuple(line.removeprefix("AgentRuntime Test/Agent: ") for line in lines)
    agent = stack.node.find_child("Agent")
    assert agent.node.children == []


def test_a_vpc_placement_names_its_own_problems(tmp_path: Path) -> None:
    from aws_cdk import aws_ec2 as ec2

    stack = new_stack("eu-west-1")
    vpc = ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-0123456789abcdef0",
        availability_zones=["eu-west-1a"],
        private_subnet_ids=["subnet-0aaaaaaaaaaaaaaa1"],
        public_subnet_ids=["subnet-0ccccccccccccccc3"],
    )
    assert VpcPlacement(vpc).problems() == []
    public = VpcPlacement(vpc, subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC))
    assert [prop for prop, _ in public.problems()] == ["subnets"]
    assert "selects public subnets" in public.problems()[0][1]
    elsewhere = VpcPlacement(vpc, subnets=ec2.SubnetSelection(availability_zones=["eu-west-1b"]))
    assert elsewhere.problems() == [("subnets", "selects no subnet of the VPC")]
    absent = VpcPlacement(vpc, subnets=ec2.SubnetSelection(subnet_group_name="absent"))
    assert [(prop, what.split(":")[0]) for prop, what in absent.problems()] == [("subnets", "cannot be selected")]
    with pytest.raises(PropsError, match="AgentRuntime Test/Agent: network.subnets selects public subnets"):
        _runtime(stack, network=public)


def test_the_late_checks_use_the_same_shape() -> None:
    agent = _runtime(new_stack("eu-west-1"))
    with pytest.raises(PropsError) as raised:
        agent.use_jwt_authorizer(discovery_url="https://issuer.example/.well-known/openid-configuration")
    assert str(raised.value).splitlines() == [
        "AgentRuntime Test/Agent: use_jwt_authorizer allowed_clients/allowed_audiences are both empty: the "
        "authorizer needs at least one allowed client or allowed audience",
        "AgentRuntime Test/Agent: use_jwt_authorizer allowed_scopes is empty: the authorizer needs the scope a "
        "caller's token must carry",
    ]
    with pytest.raises(PropsError, match=r"^AgentRuntime Test/Agent: endpoint_version is 'latest'"):
        agent.add_canary_endpoint()
