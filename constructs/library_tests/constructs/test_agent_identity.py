"""AgentIdentity and OutboundOAuth2 used as a library."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cognito as cognito
from aws_cdk.assertions import Template

from agentcore_constructs import AgentIdentity, OAuthScopes, OutboundOAuth2, UserClientSettings, UserPoolSettings
from agentcore_constructs.props import PropsError
from library_tests.support import NO_BUNDLING, new_runtime, new_stack


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"domain_prefix": "Support_Agent"}, "domain_prefix 'Support_Agent'"),
        ({"domain_prefix": "my-cognito-app"}, "domain_prefix 'my-cognito-app' .* without aws, amazon, cognito"),
        ({"client": UserClientSettings(callback_urls=[])}, "client.callback_urls must not be empty"),
        (
            {"client": UserClientSettings(access_token_minutes=2880)},
            r"client.access_token_minutes 2880 must be a whole number of minutes within 5..1440",
        ),
        ({"user_groups": ["support staff"]}, "user_groups entry 'support staff' is not a Cognito group name"),
        ({"user_groups": [""]}, "user_groups entry '' is not"),
        ({"user_groups": ["x" * 129]}, "user_groups entry 'x+' is not a Cognito group name"),
        ({"user_groups": ["a", "a"]}, "user_groups lists a group twice"),
        ({"user_groups": "support-staff"}, "user_groups must be a list of group names, not one string"),
        ({"scopes": OAuthScopes(agent_scope_name="same", tools_scope_name="same")}, "scopes.tools_scope_name must"),
        ({"name": "has space"}, "name 'has space' is the default scopes.resource_server_id"),
    ],
)
def test_invalid_props(props: dict, message: str) -> None:
    with pytest.raises(PropsError, match="AgentIdentity Test/Identity: " + message):
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
    with pytest.raises(PropsError, match="OutboundOAuth2 Test/X: discovery_url 'http://x' must be https"):
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
    with pytest.raises(PropsError, match="OutboundOAuth2 Test/X: return_urls 'http://evil.example.com' must be"):
        OutboundOAuth2(
            new_stack(),
            "X",
            provider_name="crm",
            discovery_url="https://x",
            client_id="c",
            return_urls=["http://evil.example.com"],
        )


def _lines(error: pytest.ExceptionInfo[PropsError]) -> list[str]:
    return str(error.value).splitlines()


def test_every_bad_identity_prop_is_named_in_one_error_before_anything_is_created() -> None:
    stack = new_stack()
    with pytest.raises(PropsError) as error:
        AgentIdentity(
            stack,
            "Identity",
            name="t",
            domain_prefix="Bad_Prefix",
            scopes=OAuthScopes(agent_scope_name="a/b"),
            pool=UserPoolSettings(mfa_required="no"),  # type: ignore[arg-type]
            client=UserClientSettings(callback_urls=["http://app.example.com/cb"], refresh_token_days=0),
            user_groups=["a", "a"],
            user_pool_props={"mfa_typo": True},
        )
    lines = _lines(error)
    assert all(line.startswith("AgentIdentity Test/Identity: ") for line in lines), lines
    props = [line.removeprefix("AgentIdentity Test/Identity: ").split(" ")[0] for line in lines]
    assert props == [
        "domain_prefix",
        "scopes.agent_scope_name",
        "pool.mfa_required",
        "client.callback_urls",
        "client.refresh_token_days",
        "user_groups",
        "user_pool_props",
    ]
    assert stack.node.find_child("Identity").node.children == []  # nothing was created


def test_pool_and_client_settings_are_for_what_the_identity_creates() -> None:
    stack = new_stack()
    pool = cognito.UserPool.from_user_pool_id(stack, "Pool", "us-east-1_AbCdEfGhI")
    client = cognito.UserPoolClient.from_user_pool_client_id(stack, "Client", "abc123")
    with pytest.raises(PropsError) as error:
        AgentIdentity(
            stack,
            "Identity",
            name="t",
            existing_user_pool=pool,
            pool=UserPoolSettings(mfa_required=False),
            existing_user_pool_client=client,
            client=UserClientSettings(),
        )
    assert _lines(error) == [
        "AgentIdentity Test/Identity: pool and existing_user_pool are alternatives: pass one (pool configures the "
        "resource the construct creates; with existing_user_pool it creates none)",
        "AgentIdentity Test/Identity: client and existing_user_pool_client are alternatives: pass one (client "
        "configures the resource the construct creates; with existing_user_pool_client it creates none)",
    ]


def test_the_settings_reach_the_pool_and_client() -> None:
    stack = new_stack()
    AgentIdentity(
        stack,
        "Identity",
        name="t",
        domain_prefix="t-111122223333",
        scopes=OAuthScopes(resource_server_id="ledger", agent_scope_name="ask"),
        pool=UserPoolSettings(mfa_required=False, deletion_protection=False),
        client=UserClientSettings(
            callback_urls=["https://app.example.com/cb"], access_token_minutes=15, refresh_token_days=2
        ),
    )
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::Cognito::UserPool", {"MfaConfiguration": "OPTIONAL", "DeletionProtection": "INACTIVE"}
    )
    template.has_resource_properties(
        "AWS::Cognito::UserPoolClient",
        {
            "CallbackURLs": ["https://app.example.com/cb"],
            "AccessTokenValidity": 15,
            "RefreshTokenValidity": 2880,
            "AllowedOAuthScopes": ["openid", "email", "ledger/ask", "ledger/tools"],
        },
    )


def test_a_runtime_takes_one_inbound_identity() -> None:
    stack = new_stack()
    runtime = new_runtime(stack)
    first = AgentIdentity(stack, "First", name="a", domain_prefix="a-111122223333")
    second = AgentIdentity(stack, "Second", name="b", domain_prefix="b-111122223333")
    first.protect_runtime(runtime)
    with pytest.raises(PropsError, match="^AgentIdentity Test/Second: runtime Test/Agent already requires a JWT"):
        second.protect_runtime(runtime)


def test_every_bad_outbound_prop_is_named_in_one_error() -> None:
    with pytest.raises(PropsError) as error:
        OutboundOAuth2(
            new_stack(),
            "Crm",
            provider_name="crm provider",
            discovery_url="http://login.example.com",
            client_id="",
            scopes=["api read"],
            return_urls=["http://evil.example.com"],
        )
    lines = _lines(error)
    assert all(line.startswith("OutboundOAuth2 Test/Crm: ") for line in lines), lines
    assert [line.split(" ")[2] for line in lines] == [
        "provider_name",
        "discovery_url",
        "client_id",
        "scopes",
        "return_urls",
    ]


def test_a_runtime_takes_one_outbound_provider() -> None:
    stack = new_stack()
    runtime = new_runtime(stack)
    settings = {"discovery_url": "https://login.example.com/.well-known/openid-configuration", "client_id": "c"}
    OutboundOAuth2(stack, "Crm", provider_name="crm", **settings).grant_to(runtime)
    with pytest.raises(PropsError, match="^OutboundOAuth2 Test/Erp: runtime Test/Agent already gets tokens"):
        OutboundOAuth2(stack, "Erp", provider_name="erp", **settings).grant_to(runtime)


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        (OAuthScopes(), []),
        (OAuthScopes(resource_server_id="team", agent_scope_name="ask", tools_scope_name="tools"), []),
        (OAuthScopes(resource_server_id="has space"), ["resource_server_id"]),
        (OAuthScopes(resource_server_id=""), ["resource_server_id"]),
        (OAuthScopes(agent_scope_name="a/b", tools_scope_name='t"'), ["agent_scope_name", "tools_scope_name"]),
        (OAuthScopes(agent_scope_name="x", tools_scope_name="x"), ["tools_scope_name"]),
        (UserPoolSettings(), []),
        (UserPoolSettings(mfa_required=False, deletion_protection=False), []),
        (UserPoolSettings(mfa_required="false", deletion_protection=1), ["mfa_required", "deletion_protection"]),  # type: ignore[arg-type]
        (UserClientSettings(), []),
        (UserClientSettings(callback_urls=["https://a.example.com/cb", "myapp://cb"], logout_urls=[]), []),
        (UserClientSettings(access_token_minutes=5, refresh_token_days=3650), []),
        (UserClientSettings(callback_urls=()), ["callback_urls"]),
        (UserClientSettings(callback_urls="https://a.example.com/cb"), ["callback_urls"]),
        (UserClientSettings(callback_urls=["http://a.example.com/cb"]), ["callback_urls"]),
        (UserClientSettings(logout_urls=["http://a.example.com/"]), ["logout_urls"]),
        (UserClientSettings(access_token_minutes=4), ["access_token_minutes"]),
        (UserClientSettings(access_token_minutes=1441), ["access_token_minutes"]),
        (UserClientSettings(access_token_minutes=60.5), ["access_token_minutes"]),  # type: ignore[arg-type]
        (UserClientSettings(refresh_token_days=0), ["refresh_token_days"]),
        (UserClientSettings(refresh_token_days=3651), ["refresh_token_days"]),
    ],
)
def test_identity_option_groups_name_each_value_cognito_refuses(group: object, expected: list[str]) -> None:
    assert [prop for prop, _ in group.problems()] == expected  # type: ignore[attr-defined]
