"""Stage 3 in the real app: gateway, Lambda tool target, upstream gaps closed (aws-cdk #38780, #36826)."""

from __future__ import annotations

import json

import pytest

from order_service.tools import gateway_tool_schemas
from stacks.config import load_environments
from tests.infrastructure.cfn import of_type, one
from tests.infrastructure.synth import CDK_JSON

ENVIRONMENTS = {c.name: c for c in load_environments(CDK_JSON["context"]["environments"])}
WITH_GATEWAY = sorted(n for n, c in ENVIRONMENTS.items() if c.has_stage("gateway"))
WITHOUT_GATEWAY = sorted(n for n, c in ENVIRONMENTS.items() if not c.has_stage("gateway"))


def _pascal_keys(value, *, names_are_data: bool = False):
    """CloudFormation spelling of a Gateway schema: keywords PascalCase, property names untouched."""
    if isinstance(value, dict):
        return {
            (k if names_are_data else k[0].upper() + k[1:]): _pascal_keys(
                v, names_are_data=(k == "properties" and not names_are_data)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_pascal_keys(v) for v in value]
    return value


def _order_function(template: dict) -> tuple[str, dict]:
    (item,) = [
        (k, v)
        for k, v in of_type(template, "AWS::Lambda::Function").items()
        if v["Properties"]["Handler"].startswith("order_service.")
    ]
    return item


def test_config_has_both_kinds_of_environment() -> None:
    assert WITH_GATEWAY and WITHOUT_GATEWAY


@pytest.mark.parametrize("env_name", WITH_GATEWAY)
def test_gateway_is_mcp_semantic_iam_with_cmk_and_no_debug(templates: dict, env_name: str) -> None:
    template = templates[f"{env_name}/Runtime"]
    _, gateway = one(template, "AWS::BedrockAgentCore::Gateway")
    props = gateway["Properties"]
    assert props["ProtocolType"] == "MCP"
    assert props["ProtocolConfiguration"] == {"Mcp": {"SearchType": "SEMANTIC"}}
    # JWT from the identity stage when it is on, AWS_IAM otherwise: never NONE.
    assert props["AuthorizerType"] == ("CUSTOM_JWT" if ENVIRONMENTS[env_name].has_stage("identity") else "AWS_IAM")
    assert "ExceptionLevel" not in props  # generic errors to clients, never DEBUG
    # The environment's one customer-managed key, from the stateful stack.
    assert "EnvironmentKey" in json.dumps(props["KmsKeyArn"])


@pytest.mark.parametrize("env_name", WITH_GATEWAY)
def test_target_schema_is_the_one_declared_in_tools_py(templates: dict, env_name: str) -> None:
    _, target = one(templates[f"{env_name}/Runtime"], "AWS::BedrockAgentCore::GatewayTarget")
    inline = target["Properties"]["TargetConfiguration"]["Mcp"]["Lambda"]["ToolSchema"]["InlinePayload"]
    assert inline == _pascal_keys([dict(t) for t in gateway_tool_schemas()])
    assert target["Properties"]["Name"] == "order-service"


@pytest.mark.parametrize("env_name", WITH_GATEWAY)
def test_gateway_role_trust_is_conditioned(templates: dict, env_name: str) -> None:
    config = ENVIRONMENTS[env_name]
    template = templates[f"{env_name}/Runtime"]
    _, gateway = one(template, "AWS::BedrockAgentCore::Gateway")
    role_id = gateway["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    (statement,) = template["Resources"][role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": config.account}
    assert statement["Condition"]["ArnLike"]["aws:SourceArn"].endswith(f":gateway/support-tools-{env_name}-*")


@pytest.mark.parametrize("env_name", WITH_GATEWAY)
def test_invoke_only_the_target_function_with_permission_and_ordering(templates: dict, env_name: str) -> None:
    template = templates[f"{env_name}/Runtime"]
    gateway_id, gateway = one(template, "AWS::BedrockAgentCore::Gateway")
    function_id, _ = _order_function(template)
    role_id = gateway["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    role_policies = {
        k: v for k, v in of_type(template, "AWS::IAM::Policy").items() if {"Ref": role_id} in v["Properties"]["Roles"]
    }
    invoke = [
        s
        for p in role_policies.values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") == "InvokeOrderService"
    ]
    assert invoke == [
        {
            "Action": "lambda:InvokeFunction",
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [function_id, "Arn"]},
            "Sid": "InvokeOrderService",
        }
    ]
    ((permission_id, permission),) = [
        (k, v)
        for k, v in of_type(template, "AWS::Lambda::Permission").items()
        if v["Properties"]["FunctionName"] == {"Fn::GetAtt": [function_id, "Arn"]}
    ]
    assert permission["Properties"]["Principal"] == "bedrock-agentcore.amazonaws.com"
    assert permission["Properties"]["SourceArn"] == {"Fn::GetAtt": [gateway_id, "GatewayArn"]}
    assert permission["Properties"]["FunctionName"] == {"Fn::GetAtt": [function_id, "Arn"]}
    _, target = one(template, "AWS::BedrockAgentCore::GatewayTarget")
    assert {permission_id, *role_policies} <= set(target["DependsOn"])


@pytest.mark.parametrize("env_name", WITH_GATEWAY)
def test_lambda_tool_is_arm64_traced_retained_logs_and_reads_only_its_secret(templates: dict, env_name: str) -> None:
    config = ENVIRONMENTS[env_name]
    template = templates[f"{env_name}/Runtime"]
    _, function = _order_function(template)
    props = function["Properties"]
    assert props["Architectures"] == ["arm64"] and props["Runtime"] == "python3.14"
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert props.get("ReservedConcurrentExecutions") == config.tool_reserved_concurrency
    secret_id, secret = one(template, "AWS::SecretsManager::Secret")
    assert "SecretString" not in secret["Properties"]  # the value is set out of band
    env = props["Environment"]["Variables"]
    assert env["ORDERS_API_KEY_SECRET_ARN"] == {"Ref": secret_id}
    assert env["ORDERS_API_BASE_URL"] == config.orders_api_base_url
    log_group_id = props["LoggingConfig"]["LogGroup"]["Ref"]
    assert template["Resources"][log_group_id]["Properties"]["RetentionInDays"] == config.log_retention_days
    secret_statements = [
        s
        for p in of_type(template, "AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if "secretsmanager:GetSecretValue" in json.dumps(s["Action"])
    ]
    assert secret_statements and all(s["Resource"] == {"Ref": secret_id} for s in secret_statements)


@pytest.mark.parametrize("env_name", WITH_GATEWAY)
def test_runtime_gets_gateway_url_and_invoke_on_this_gateway(templates: dict, env_name: str) -> None:
    template = templates[f"{env_name}/Runtime"]
    gateway_id, _ = one(template, "AWS::BedrockAgentCore::Gateway")
    _, runtime = one(template, "AWS::BedrockAgentCore::Runtime")
    assert runtime["Properties"]["EnvironmentVariables"]["GATEWAY_URL"] == {"Fn::GetAtt": [gateway_id, "GatewayUrl"]}
    statements = [
        s
        for p in of_type(template, "AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") == "InvokeToolGateway"
    ]
    assert statements == [
        {
            "Action": "bedrock-agentcore:InvokeGateway",
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [gateway_id, "GatewayArn"]},
            "Sid": "InvokeToolGateway",
        }
    ]


@pytest.mark.parametrize("env_name", WITHOUT_GATEWAY)
def test_no_gateway_without_the_stage(templates: dict, env_name: str) -> None:
    assert not of_type(templates[f"{env_name}/Runtime"], "AWS::BedrockAgentCore::Gateway")


@pytest.mark.parametrize("env_name", WITH_GATEWAY)
def test_gateway_role_uses_the_key_only_through_agentcore(templates: dict, env_name: str) -> None:
    template = templates[f"{env_name}/Runtime"]
    (statement,) = [
        s
        for p in of_type(template, "AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") == "UseGatewayKey"
    ]
    assert sorted(statement["Action"]) == ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"]
    assert "EnvironmentKey" in json.dumps(statement["Resource"])
    via = statement["Condition"]["StringEquals"]["kms:ViaService"]
    assert "bedrock-agentcore." in json.dumps(via)


@pytest.mark.parametrize("env_name", WITH_GATEWAY)
def test_tools_refuse_calls_without_a_verified_caller_when_identity_is_on(templates: dict, env_name: str) -> None:
    _, function = _order_function(templates[f"{env_name}/Runtime"])
    required = function["Properties"]["Environment"]["Variables"]["AGENT_TOOL_CALLER_REQUIRED"]
    assert required == ("true" if ENVIRONMENTS[env_name].has_stage("identity") else "false")
