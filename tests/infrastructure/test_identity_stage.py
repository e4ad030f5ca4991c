"""Stage 4 in the real app: hardened Cognito, JWT on Runtime and Gateway, caller interceptor, no secret literals."""

from __future__ import annotations

import json
import re

import pytest

from stacks.config import load_environments
from tests.infrastructure.cfn import of_type, one
from tests.infrastructure.synth import CDK_JSON

ENVIRONMENTS = {c.name: c for c in load_environments(CDK_JSON["context"]["environments"])}
WITH_IDENTITY = sorted(n for n, c in ENVIRONMENTS.items() if c.has_stage("identity"))
WITHOUT_IDENTITY = sorted(n for n, c in ENVIRONMENTS.items() if not c.has_stage("identity"))


def _output_ref(value: dict) -> str:
    """Name of the stateful stack output a cross-stack reference reads."""
    text = json.dumps(value)
    match = re.search(r'"OutputName": "([^"]+)"', text) or re.search(r'"Fn::ImportValue": "([^"]+)"', text)
    assert match, text
    return match.group(1)


def _user_client(stateful: dict) -> tuple[str, dict]:
    (item,) = [
        (k, v)
        for k, v in of_type(stateful, "AWS::Cognito::UserPoolClient").items()
        if v["Properties"]["ClientName"].endswith("-web")
    ]
    return item


def test_config_has_both_kinds_of_environment() -> None:
    assert WITH_IDENTITY and WITHOUT_IDENTITY


@pytest.mark.parametrize("env_name", WITH_IDENTITY)
def test_user_pool_is_hardened(templates: dict, env_name: str) -> None:
    config = ENVIRONMENTS[env_name]
    stateful = templates[f"{env_name}/Stateful"]
    _, pool = one(stateful, "AWS::Cognito::UserPool")
    props = pool["Properties"]
    policy = props["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12 and all(
        policy[k] for k in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols")
    )
    assert props["MfaConfiguration"] == ("ON" if config.identity_mfa == "required" else "OPTIONAL")
    assert props["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert props["UserPoolTier"] == "PLUS"
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert props["UserPoolAddOns"] == {
        "AdvancedSecurityMode": "ENFORCED"
    } or "StandardThreatProtectionMode" in json.dumps(props)
    assert pool["DeletionPolicy"] == "Retain"
    assert props.get("DeletionProtection", "INACTIVE") == ("ACTIVE" if config.protect_stateful else "INACTIVE")


@pytest.mark.parametrize("env_name", WITH_IDENTITY)
def test_user_client_is_code_flow_pkce_without_secret_or_password_auth(templates: dict, env_name: str) -> None:
    stateful = templates[f"{env_name}/Stateful"]
    _, client = _user_client(stateful)
    props = client["Properties"]
    assert props["GenerateSecret"] is False
    assert props["AllowedOAuthFlows"] == ["code"]
    assert "ALLOW_USER_PASSWORD_AUTH" not in props["ExplicitAuthFlows"]
    assert {f"support-agent-{env_name}/invoke", f"support-agent-{env_name}/tools", "openid"} <= set(
        props["AllowedOAuthScopes"]
    )
    _, domain = one(stateful, "AWS::Cognito::UserPoolDomain")
    assert domain["Properties"]["Domain"] == f"support-agent-{env_name}-{ENVIRONMENTS[env_name].account}"
    _, server = one(stateful, "AWS::Cognito::UserPoolResourceServer")
    assert {s["ScopeName"] for s in server["Properties"]["Scopes"]} == {"invoke", "tools"}


@pytest.mark.parametrize("env_name", WITH_IDENTITY)
def test_runtime_and_gateway_trust_this_pool_and_client(templates: dict, env_name: str) -> None:
    runtime_template = templates[f"{env_name}/Runtime"]
    stateful = templates[f"{env_name}/Stateful"]
    pool_id, _ = one(stateful, "AWS::Cognito::UserPool")
    client_id, _ = _user_client(stateful)
    _, runtime = one(runtime_template, "AWS::BedrockAgentCore::Runtime")
    jwt = runtime["Properties"]["AuthorizerConfiguration"]["CustomJWTAuthorizer"]
    assert runtime["Properties"]["RequestHeaderConfiguration"] == {"RequestHeaderAllowlist": ["Authorization"]}
    assert jwt["AllowedScopes"] == [f"support-agent-{env_name}/invoke"]
    assert pool_id in _output_ref(jwt["DiscoveryUrl"]) and "openid-configuration" in json.dumps(jwt["DiscoveryUrl"])
    allowed = [_output_ref(c) for c in jwt["AllowedClients"]]
    assert client_id in allowed[0]
    e2e_clients = [
        k
        for k, v in of_type(stateful, "AWS::Cognito::UserPoolClient").items()
        if v["Properties"]["ClientName"].endswith("-e2e")
    ]
    assert len(allowed) == 1 + len(e2e_clients) and len(e2e_clients) == int(ENVIRONMENTS[env_name].identity_e2e_client)
    _, gateway = one(runtime_template, "AWS::BedrockAgentCore::Gateway")
    assert gateway["Properties"]["AuthorizerType"] == "CUSTOM_JWT"
    gateway_jwt = gateway["Properties"]["AuthorizerConfiguration"]["CustomJWTAuthorizer"]
    assert gateway_jwt["AllowedScopes"] == [f"support-agent-{env_name}/tools"]
    assert gateway_jwt["DiscoveryUrl"] == jwt["DiscoveryUrl"] and gateway_jwt["AllowedClients"] == jwt["AllowedClients"]


@pytest.mark.parametrize("env_name", WITH_IDENTITY)
def test_request_interceptor_gets_headers_and_is_invocable_only_by_this_gateway(templates: dict, env_name: str) -> None:
    template = templates[f"{env_name}/Runtime"]
    gateway_id, gateway = one(template, "AWS::BedrockAgentCore::Gateway")
    (interceptor,) = gateway["Properties"]["InterceptorConfigurations"]
    assert interceptor["InterceptionPoints"] == ["REQUEST"]
    assert interceptor["InputConfiguration"] == {"PassRequestHeaders": True}
    function_id = interceptor["Interceptor"]["Lambda"]["Arn"]["Fn::GetAtt"][0]
    assert template["Resources"][function_id]["Properties"]["Handler"] == "gateway_interceptor.handler.lambda_handler"
    permissions = [
        p
        for p in of_type(template, "AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [function_id, "Arn"]}
    ]
    assert len(permissions) == 1 and permissions[0]["Properties"]["SourceArn"] == {
        "Fn::GetAtt": [gateway_id, "GatewayArn"]
    }


@pytest.mark.parametrize("env_name", WITH_IDENTITY)
def test_e2e_client_only_where_configured_and_never_with_user_password_auth(templates: dict, env_name: str) -> None:
    clients = {
        v["Properties"]["ClientName"]: v["Properties"]
        for v in of_type(templates[f"{env_name}/Stateful"], "AWS::Cognito::UserPoolClient").values()
    }
    e2e = clients.get(f"support-agent-{env_name}-e2e")
    assert (e2e is not None) is ENVIRONMENTS[env_name].identity_e2e_client
    if e2e is not None:
        assert e2e["ExplicitAuthFlows"] == ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
        assert "E2eClientId" in templates[f"{env_name}/Stateful"]["Outputs"]


@pytest.mark.parametrize("env_name", WITH_IDENTITY)
def test_outputs_a_client_needs(templates: dict, env_name: str) -> None:
    assert {"UserPoolId", "UserPoolClientId", "HostedUiDomain", "DiscoveryUrl"} <= set(
        templates[f"{env_name}/Stateful"]["Outputs"]
    )
    assert {"RuntimeArn", "EndpointName", "GatewayUrl"} <= set(templates[f"{env_name}/Runtime"]["Outputs"])


@pytest.mark.parametrize("env_name", WITHOUT_IDENTITY)
def test_runtime_without_identity_is_iam_authorized(templates: dict, env_name: str) -> None:
    _, runtime = one(templates[f"{env_name}/Runtime"], "AWS::BedrockAgentCore::Runtime")
    assert "AuthorizerConfiguration" not in runtime["Properties"]  # IAM (SigV4), the Runtime's default


SECRET_LITERALS = [
    re.compile(r"AKIA[0-9A-Z]{16}"),
    re.compile(r"sk-[A-Za-z0-9]{16,}"),
    re.compile(r'"(?:ClientSecret|SecretString|Password|ApiKey)"\s*:\s*"'),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
]


def test_no_secret_literal_in_any_template(templates: dict) -> None:
    for name, template in templates.items():
        text = json.dumps(template)
        for pattern in SECRET_LITERALS:
            assert not pattern.search(text), f"{name}: {pattern.pattern}"


@pytest.mark.parametrize("env_name", WITH_IDENTITY)
def test_api_sign_ins_get_their_clients_scopes_through_a_v2_pre_token_trigger(templates: dict, env_name: str) -> None:
    # InitiateAuth/AdminInitiateAuth tokens carry no custom scopes by themselves (Cognito guide, "Using the access
    # token"); the JWT authorizers require them, so the pool adds them with a pre token generation trigger (V2_0).
    stateful = templates[f"{env_name}/Stateful"]
    _, pool = one(stateful, "AWS::Cognito::UserPool")
    trigger = pool["Properties"]["LambdaConfig"]["PreTokenGenerationConfig"]
    assert trigger["LambdaVersion"] == "V2_0"
    function_id = trigger["LambdaArn"]["Fn::GetAtt"][0]
    function = stateful["Resources"][function_id]["Properties"]
    assert function["Handler"] == "handler.lambda_handler" and function["Architectures"] == ["arm64"]
    role_id = function["Role"]["Fn::GetAtt"][0]
    grants = [
        s
        for p in of_type(stateful, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if "cognito-idp" in json.dumps(s["Action"])
    ]
    (pool_id,) = of_type(stateful, "AWS::Cognito::UserPool")
    assert grants == [
        {
            "Sid": "ReadClientScopes",
            "Effect": "Allow",
            "Action": "cognito-idp:DescribeUserPoolClient",
            "Resource": {"Fn::GetAtt": [pool_id, "Arn"]},
        }
    ]
    permissions = [p["Properties"] for p in of_type(stateful, "AWS::Lambda::Permission").values()]
    assert any(
        p["Principal"] == "cognito-idp.amazonaws.com" and p["FunctionName"] == {"Fn::GetAtt": [function_id, "Arn"]}
        for p in permissions
    )
