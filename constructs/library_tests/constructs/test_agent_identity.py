"""AgentIdentity and OutboundOAuth2 used as a library."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from agentcore_constructs import AgentIdentity, OutboundOAuth2
from library_tests.support import NO_BUNDLING, new_runtime, new_stack


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"domain_prefix": "Support_Agent"}, "domain_prefix 'Support_Agent'"),
        ({"domain_prefix": "my-cognito-app"}, "without aws, amazon, cognito"),
        ({"callback_urls": []}, "callback_urls must not be empty"),
        ({"access_token_validity": cdk.Duration.days(2)}, "access_token_validity 2880 min"),
        ({"user_groups": ["support staff"]}, "user_groups entry 'support staff' is not a Cognito group name"),
        ({"user_groups": [""]}, "user_groups entry '' is not"),
        ({"user_groups": ["x" * 129]}, "is not a Cognito group name"),
        ({"user_groups": ["a", "a"]}, "lists a group twice"),
    ],
)
def test_invalid_props(props: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AgentIdentity(new_stack(), "Identity", **{"name": "t", "domain_prefix": "t-111122223333", **props})


def test_user_groups_are_created_in_the_pool_for_the_groups_claim() -> None:
    stack = new_stack()
    identity = AgentIdentity(stack, "Identity", name="t", domain_prefix="t-111122223333", user_groups=["support-staff"])
    template = Template.from_stack(stack)
    pool_id = stack.resolve(identity.user_pool.user_pool_id)
    template.resource_count_is("AWS::Cognito::UserPoolGroup", 1)
    template.has_resource_properties(
        "AWS::Cognito::UserPoolGroup", {"GroupName": "support-staff", "UserPoolId": pool_id}
    )
    assert set(identity.groups) == {"support-staff"}


def test_protect_runtime_sets_jwt_and_header_allowlist_in_the_same_stack() -> None:
    stack = new_stack()
    identity = AgentIdentity(stack, "Identity", name="t", domain_prefix="t-111122223333")
    runtime = new_runtime(stack)
    identity.protect_runtime(runtime)
    template = Template.from_stack(stack).to_json()
    (cfn,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::BedrockAgentCore::Runtime"]
    jwt = cfn["Properties"]["AuthorizerConfiguration"]["CustomJWTAuthorizer"]
    client_id = next(k for k, v in template["Resources"].items() if v["Type"] == "AWS::Cognito::UserPoolClient")
    assert jwt["AllowedClients"] == [{"Ref": client_id}]
    assert cfn["Properties"]["RequestHeaderConfiguration"] == {"RequestHeaderAllowlist": ["Authorization"]}


def test_a_jwt_runtime_may_exchange_tokens_for_its_own_workload_identity_only() -> None:
    """AWS's documented execution role (runtime-permissions.html, GetAgentAccessToken) for the Runtime's token
    exchange; never ForUserId (it mints a token for any user id named)."""
    iam_only = new_stack()
    new_runtime(iam_only)
    assert "GetWorkloadAccessToken" not in json.dumps(Template.from_stack(iam_only).to_json())  # no token exchange
    stack = new_stack()
    runtime = new_runtime(stack)
    AgentIdentity(stack, "Identity", name="t", domain_prefix="t-111122223333").protect_runtime(runtime)
    template = Template.from_stack(stack).to_json()
    statements = [
        s
        for r in template["Resources"].values()
        if r["Type"] == "AWS::IAM::Policy"
        for s in r["Properties"]["PolicyDocument"]["Statement"]
    ]
    (grant,) = [s for s in statements if s.get("Sid") == "GetWorkloadAccessTokenForJwt"]
    assert grant["Action"] == "bedrock-agentcore:GetWorkloadAccessTokenForJWT"
    resources = json.dumps(grant["Resource"])
    assert "workload-identity-directory/default" in resources
    assert f"workload-identity/{runtime.runtime_name}-*" in resources
    assert "ForUserId" not in json.dumps(statements)


def test_outbound_provider_references_the_secret_and_grants_only_what_token_retrieval_needs() -> None:
    stack = new_stack()
    runtime = new_runtime(stack)
    outbound = OutboundOAuth2(
        stack,
        "Crm",
        provider_name="crm",
        discovery_url="https://login.example.com/.well-known/openid-configuration",
        client_id="client-123",
        scopes=["api"],
    )
    outbound.grant_to(runtime)
    template = Template.from_stack(stack).to_json()
    (provider,) = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::BedrockAgentCore::OAuth2CredentialProvider"
    ]
    config = provider["Properties"]["Oauth2ProviderConfigInput"]["CustomOauth2ProviderConfig"]
    assert config["ClientSecretSource"] == "EXTERNAL"
    assert "ClientSecret" not in config and set(config["ClientSecretConfig"]) == {"SecretId", "JsonKey"}
    (secret,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::SecretsManager::Secret"]
    assert "SecretString" not in secret["Properties"]
    sids = {
        s.get("Sid")
        for r in template["Resources"].values()
        if r["Type"] == "AWS::IAM::Policy"
        for s in r["Properties"]["PolicyDocument"]["Statement"]
    }
    assert {"GetWorkloadAccessToken", "GetOutboundOAuth2Token", "ReadOutboundClientSecret"} <= sids
    (cfn,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::BedrockAgentCore::Runtime"]
    assert cfn["Properties"]["EnvironmentVariables"]["OUTBOUND_OAUTH_PROVIDER"] == "crm"
    assert "workload-identity/*" not in json.dumps(template)


def test_outbound_validation() -> None:
    with pytest.raises(ValueError, match="must be https"):
        OutboundOAuth2(new_stack(), "X", provider_name="crm", discovery_url="http://x", client_id="c")


def test_outbound_secret_has_the_json_shape_the_provider_reads_and_return_urls_reach_the_workload_identity() -> None:
    from cdk_nag import AwsSolutionsChecks

    app = cdk.App(context=NO_BUNDLING)
    stack = cdk.Stack(app, "Test", env=cdk.Environment(account="111122223333", region="us-east-1"))
    runtime = new_runtime(stack)
    outbound = OutboundOAuth2(
        stack,
        "Crm",
        provider_name="crm",
        discovery_url="https://login.example.com/.well-known/openid-configuration",
        client_id="client-123",
        return_urls=["https://app.example.com/oauth/return"],
    )
    outbound.grant_to(runtime)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    template = Template.from_stack(stack).to_json()
    (secret,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::SecretsManager::Secret"]
    generator = secret["Properties"]["GenerateSecretString"]
    assert (generator["SecretStringTemplate"], generator["GenerateStringKey"]) == ("{}", "client_secret")
    (provider,) = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::BedrockAgentCore::OAuth2CredentialProvider"
    ]
    assert (
        provider["Properties"]["Oauth2ProviderConfigInput"]["CustomOauth2ProviderConfig"]["ClientSecretConfig"][
            "JsonKey"
        ]
        == "client_secret"
    )
    calls = {
        json.dumps(r["Properties"]["Create"]) for r in template["Resources"].values() if r["Type"] == "Custom::AWS"
    }
    (lookup,) = [c for c in calls if "GetAgentRuntime" in c]
    (update,) = [c for c in calls if "UpdateWorkloadIdentity" in c]
    assert "workloadIdentityDetails.workloadIdentityArn" in lookup
    assert "https://app.example.com/oauth/return" in update and "workloadIdentityDetails.workloadIdentityArn" in update
    grants = {
        s["Action"]: s["Resource"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::IAM::Policy"
        for s in r["Properties"]["PolicyDocument"]["Statement"]
        if s["Action"] in ("bedrock-agentcore:GetAgentRuntime", "bedrock-agentcore:UpdateWorkloadIdentity")
    }
    assert set(grants) == {"bedrock-agentcore:GetAgentRuntime", "bedrock-agentcore:UpdateWorkloadIdentity"}
    assert "*" not in json.dumps(grants)
    with pytest.raises(ValueError, match="return_urls"):
        OutboundOAuth2(
            new_stack(),
            "X",
            provider_name="crm",
            discovery_url="https://x",
            client_id="c",
            return_urls=["http://evil.example.com"],
        )
