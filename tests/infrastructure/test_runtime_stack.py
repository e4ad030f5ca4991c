"""Fine-grained assertions on the stage-1 runtime stack of every environment."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from stacks.config import load_environments
from tests.infrastructure.synth import CDK_JSON

ENVIRONMENTS = {c.name: c for c in load_environments(CDK_JSON["context"]["environments"])}
HAIKU_PROFILE = "us.anthropic.claude-haiku-4-5-20251001-v1:0"


def _resources(template: dict, cfn_type: str) -> dict[str, dict]:
    """The agent runtime's own resources (logical ids under the "Agent" construct) of one type."""
    return {k: v for k, v in template["Resources"].items() if v["Type"] == cfn_type and k.startswith("Agent")}


def _only(template: dict, cfn_type: str) -> dict:
    found = _resources(template, cfn_type)
    assert len(found) == 1, f"expected one {cfn_type}, found {list(found)}"
    return next(iter(found.values()))


def _flatten(value: Any) -> str:
    """Render Fn::Join / Ref so ARNs can be compared as text."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return sep.join(_flatten(p) for p in parts)
    if isinstance(value, dict) and "Ref" in value:
        return f"${{{value['Ref']}}}"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return f"${{{'.'.join(value['Fn::GetAtt'])}}}"
    if isinstance(value, dict) and "Fn::Sub" in value:
        return value["Fn::Sub"]
    return str(value)


def _statements(template: dict) -> list[dict]:
    statements = []
    for policy in _resources(template, "AWS::IAM::Policy").values():
        statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return statements


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


@pytest.fixture(params=sorted(ENVIRONMENTS), scope="module")
def env_name(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def runtime_template(templates: dict, env_name: str) -> dict:
    return templates[f"{env_name}/Runtime"]


def test_runtime_uses_code_zip_on_python_313_with_adot_entrypoint(runtime_template: dict, env_name: str) -> None:
    runtime = _only(runtime_template, "AWS::BedrockAgentCore::Runtime")["Properties"]
    code = runtime["AgentRuntimeArtifact"]["CodeConfiguration"]
    assert code["Runtime"] == "PYTHON_3_13"
    assert code["EntryPoint"] == ["opentelemetry-instrument", "main.py"]
    assert code["Code"]["S3"]["Prefix"].endswith(".zip")
    assert runtime["AgentRuntimeName"] == f"support_agent_{env_name}"
    assert runtime["NetworkConfiguration"] == {"NetworkMode": "PUBLIC"}
    assert runtime["ProtocolConfiguration"] == "HTTP"


def test_runtime_environment_follows_the_contract(runtime_template: dict, env_name: str) -> None:
    config = ENVIRONMENTS[env_name]
    env = _only(runtime_template, "AWS::BedrockAgentCore::Runtime")["Properties"]["EnvironmentVariables"]
    assert env["MODEL_PROVIDER"] == "bedrock"
    assert env["MODEL_ID"] == config.model_id
    assert env["MODEL_REGION"] == config.region
    assert env["AGENT_RETRY_MAX_ATTEMPTS"] == str(config.retry.max_attempts)
    assert env["AGENT_RETRY_MODE"] == config.retry.mode
    assert env["AGENT_HTTP_TIMEOUT_SECONDS"] == str(config.retry.timeout_seconds)
    assert env["AGENT_ENVIRONMENT"] == env_name
    assert (env["AGENT_MAX_TURNS"], env["AGENT_MAX_TOTAL_TOKENS"], env["AGENT_MAX_SECONDS"]) == (
        str(config.limits.max_turns),
        str(config.limits.max_total_tokens),
        str(config.limits.max_seconds),
    )
    # Nothing that looks like a credential is ever passed as an env var (a token *budget* is not a token).
    names = [k for k in env if k != "AGENT_MAX_TOTAL_TOKENS"]
    assert not [k for k in names if any(word in k.upper() for word in ("SECRET", "PASSWORD", "API_KEY", "TOKEN"))]


def test_lifecycle_from_config(runtime_template: dict, env_name: str) -> None:
    config = ENVIRONMENTS[env_name]
    lifecycle = _only(runtime_template, "AWS::BedrockAgentCore::Runtime")["Properties"]["LifecycleConfiguration"]
    assert lifecycle == {
        "IdleRuntimeSessionTimeout": config.idle_timeout_minutes * 60,
        "MaxLifetime": config.max_lifetime_hours * 3600,
    }


def test_one_named_endpoint_per_environment_and_a_canary_where_configured(
    runtime_template: dict, env_name: str
) -> None:
    config = ENVIRONMENTS[env_name]
    endpoints = {
        e["Properties"]["Name"]: e["Properties"]
        for e in _resources(runtime_template, "AWS::BedrockAgentCore::RuntimeEndpoint").values()
    }
    assert set(endpoints) == ({env_name, "canary"} if config.release.canary else {env_name})
    live = endpoints[env_name]
    assert "Fn::GetAtt" in live["AgentRuntimeId"]
    if config.endpoint_version == "latest":
        assert live["AgentRuntimeVersion"]["Fn::GetAtt"][1] == "AgentRuntimeVersion"
    else:
        assert live["AgentRuntimeVersion"] == config.endpoint_version
    if config.release.canary:
        # The canary follows the newest version: the runtime's own version attribute, updated on every deploy.
        assert endpoints["canary"]["AgentRuntimeVersion"]["Fn::GetAtt"][1] == "AgentRuntimeVersion"


def test_trust_policy_is_conditioned_on_account_and_runtime_arn(runtime_template: dict, env_name: str) -> None:
    config = ENVIRONMENTS[env_name]
    role = _only(runtime_template, "AWS::IAM::Role")["Properties"]
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "bedrock-agentcore.amazonaws.com"}
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": config.account}
    source_arn = _flatten(statement["Condition"]["ArnLike"]["aws:SourceArn"])
    assert source_arn.endswith(
        f":bedrock-agentcore:{config.region}:{config.account}:runtime/support_agent_{env_name}-*"
    )
    assert role.get("ManagedPolicyArns") is None


def test_model_invoke_is_scoped_to_the_profile_and_its_routed_models(runtime_template: dict, env_name: str) -> None:
    config = ENVIRONMENTS[env_name]
    invoke = [s for s in _statements(runtime_template) if "bedrock:InvokeModel" in _as_list(s["Action"])]
    assert len(invoke) == 2
    by_sid = {s["Sid"]: s for s in invoke}
    profile_arn = _flatten(by_sid["InvokeInferenceProfile"]["Resource"])
    assert profile_arn.endswith(f":bedrock:{config.region}:{config.account}:inference-profile/{HAIKU_PROFILE}")
    routed = by_sid["InvokeRoutedFoundationModels"]
    assert sorted(_flatten(r).split(":bedrock:")[1] for r in routed["Resource"]) == sorted(
        f"{region}::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0"
        for region in ("us-east-1", "us-east-2", "us-west-1", "us-west-2")
    )
    assert _flatten(routed["Condition"]["StringEquals"]["bedrock:InferenceProfileArn"]) == profile_arn
    for statement in invoke:
        assert sorted(_as_list(statement["Action"])) == ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]


def test_code_read_is_the_one_asset_object_not_the_bucket(runtime_template: dict) -> None:
    s3_statements = [
        s for s in _statements(runtime_template) if any(a.startswith("s3:") for a in _as_list(s["Action"]))
    ]
    assert len(s3_statements) == 1
    (statement,) = s3_statements
    assert statement["Action"] == "s3:GetObject"
    object_arn = _flatten(statement["Resource"])
    code = _only(runtime_template, "AWS::BedrockAgentCore::Runtime")["Properties"]["AgentRuntimeArtifact"][
        "CodeConfiguration"
    ]["Code"]["S3"]
    assert object_arn.endswith(f":s3:::{code['Bucket']}/{code['Prefix']}")
    assert "*" not in object_arn


def test_logs_only_on_this_runtimes_log_groups(runtime_template: dict, env_name: str) -> None:
    log_statements = [
        s for s in _statements(runtime_template) if any(a.startswith("logs:") for a in _as_list(s["Action"]))
    ]
    assert {s["Sid"] for s in log_statements} == {"RuntimeLogGroups", "RuntimeLogStreams", "DescribeLogGroups"}
    for statement in log_statements:
        resource = _flatten(statement["Resource"])
        if statement["Sid"] == "DescribeLogGroups":
            # Documented for the execution role on log-group:* (AgentCore guide, runtime-permissions.html).
            assert statement["Action"] == "logs:DescribeLogGroups" and resource.endswith(":log-group:*")
            continue
        assert f":log-group:/aws/bedrock-agentcore/runtimes/support_agent_{env_name}-*" in resource


def test_wildcard_resources_only_where_aws_offers_nothing_narrower(runtime_template: dict) -> None:
    # The AWS-mandated allow-list: X-Ray segment upload and namespace-conditioned PutMetricData.
    mandated = {
        ("xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords", "xray:PutTraceSegments"),
        ("cloudwatch:PutMetricData",),
    }
    star = [s for s in _statements(runtime_template) if "*" in _as_list(s["Resource"])]
    assert {tuple(sorted(_as_list(s["Action"]))) for s in star} == mandated
    metrics = next(s for s in star if s["Action"] == "cloudwatch:PutMetricData")
    assert metrics["Condition"] == {"StringEquals": {"cloudwatch:namespace": "bedrock-agentcore"}}
    for statement in _statements(runtime_template):
        for action in _as_list(statement["Action"]):
            assert action != "*" and not action.endswith(":*"), statement


def test_runtime_waits_for_every_policy_of_its_role(runtime_template: dict) -> None:
    runtime_id, runtime = next(iter(_resources(runtime_template, "AWS::BedrockAgentCore::Runtime").items()))
    policies = set(_resources(runtime_template, "AWS::IAM::Policy"))
    assert policies <= set(runtime["DependsOn"])


def test_tracing_and_log_delivery_on(runtime_template: dict, env_name: str) -> None:
    template = Template.from_json(runtime_template, skip_cyclical_dependencies_check=True)
    template.has_resource_properties("AWS::Logs::DeliverySource", {"LogType": "TRACES"})
    template.has_resource_properties("AWS::Logs::DeliveryDestination", {"DeliveryDestinationType": "XRAY"})
    template.has_resource_properties("AWS::Logs::DeliverySource", {"LogType": "APPLICATION_LOGS"})
    template.has_resource_properties("AWS::Logs::DeliveryDestination", {"DeliveryDestinationType": "CWL"})


def test_every_log_group_has_the_environments_retention(runtime_template: dict, env_name: str) -> None:
    groups = _resources(runtime_template, "AWS::Logs::LogGroup")
    for group in groups.values():
        assert group["Properties"]["RetentionInDays"] == ENVIRONMENTS[env_name].log_retention_days
    # AgentCore creates /aws/bedrock-agentcore/runtimes/<id>-<endpoint> itself: a CloudFormation-managed group of
    # that name fails with "already exists" (hashicorp/terraform-provider-aws #47630, aws/aws-cdk PR #37997).
    names = [_flatten(g["Properties"].get("LogGroupName", "")) for g in groups.values()]
    assert [n for n in names if n.startswith("/aws/bedrock-agentcore/")] == []


def test_outputs_for_clients_and_e2e(runtime_template: dict) -> None:
    assert {"RuntimeArn", "RuntimeId", "EndpointName", "ApplicationLogGroup"} <= set(runtime_template["Outputs"])


def test_stacks_are_tagged(runtime_template: dict, env_name: str) -> None:
    role = _only(runtime_template, "AWS::IAM::Role")["Properties"]
    assert {"Key": "environment", "Value": env_name} in role["Tags"]


def test_one_stage_per_environment(synthesized) -> None:
    stages = sorted(p.name for p in synthesized.outdir.glob("assembly-*"))
    assert stages == [f"assembly-{name}" for name in sorted(ENVIRONMENTS)]


def test_the_agent_flavour_is_chosen_per_environment_in_cdk_json(tmp_path) -> None:
    """The LangGraph flavour of the support agent from the same folder: its entrypoint, its own lock."""
    from tests.infrastructure.synth import CDK_JSON, synth_app

    dev = {
        **CDK_JSON["context"]["environments"]["dev"],
        "agent": {"entrypoint": "main_langgraph.py", "requirements": "requirements-langgraph.lock"},
    }
    template = synth_app(tmp_path, environments={"dev": dev}).stack_templates()["dev/Runtime"]
    (runtime,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::BedrockAgentCore::Runtime"]
    code = runtime["Properties"]["AgentRuntimeArtifact"]["CodeConfiguration"]
    assert code["EntryPoint"] == ["opentelemetry-instrument", "main_langgraph.py"]
    assert "GATEWAY_URL" in runtime["Metadata"]["agentcore:consumes"]
