"""Bring your own: pool, client, any OIDC issuer, tool function (any runtime), memory strategies; documented
defaults merged with overrides; existing_x and x_props are alternatives."""

from __future__ import annotations

import pytest
from aws_cdk import aws_bedrockagentcore as agentcore
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Annotations, Match, Template

from agentcore_constructs import AgentIdentity, AgentMemory, AgentRuntime, LambdaTool, ToolFunction, ToolGateway
from agentcore_constructs.identity import ExternalOidcIdentity, InboundIdentity
from agentcore_constructs.props import PropsError
from library_tests.support import FIXTURE_AGENT, FIXTURE_TOOL_HANDLER, FIXTURE_TOOLS, new_stack

MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
ECHO = {"name": "echo", "description": "Echo", "inputSchema": {"type": "object", "properties": {}}}
ENTRA = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0/.well-known/openid-configuration"


def test_an_existing_pool_gets_the_resource_server_and_client_and_a_warning_when_imported() -> None:
    stack = new_stack()
    pool = cognito.UserPool.from_user_pool_id(stack, "Pool", "us-east-1_AbCdEfGhI")
    identity = AgentIdentity(stack, "Identity", name="team", existing_user_pool=pool)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Cognito::UserPool", 0)
    template.resource_count_is("AWS::Cognito::UserPoolDomain", 0)
    template.has_resource_properties(
        "AWS::Cognito::UserPoolResourceServer", {"UserPoolId": "us-east-1_AbCdEfGhI", "Identifier": "team"}
    )
    assert identity.domain is None and identity.scope_trigger is None
    assert "us-east-1_AbCdEfGhI" in identity.discovery_url
    Annotations.from_stack(stack).has_warning(
        "/Test/Identity", Match.string_like_regexp("the scope trigger cannot be attached")
    )


def test_a_pool_of_the_app_passed_in_gets_the_scope_trigger() -> None:
    stack = new_stack()
    pool = cognito.UserPool(stack, "Pool", feature_plan=cognito.FeaturePlan.PLUS)
    identity = AgentIdentity(stack, "Identity", name="team", existing_user_pool=pool)
    assert identity.scope_trigger is not None
    (props,) = [r["Properties"] for r in Template.from_stack(stack).find_resources("AWS::Cognito::UserPool").values()]
    assert props["LambdaConfig"]["PreTokenGenerationConfig"]["LambdaVersion"] == "V2_0"


def test_pool_and_client_overrides_merge_over_the_hardened_defaults() -> None:
    stack = new_stack()
    AgentIdentity(
        stack,
        "Identity",
        name="team",
        domain_prefix="team-111122223333",
        user_pool_props={"user_pool_name": "platform-users", "deletion_protection": False},
        user_client_props={"user_pool_client_name": "platform-web"},
    )
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::Cognito::UserPool", {"UserPoolName": "platform-users", "MfaConfiguration": "ON"}
    )
    template.has_resource_properties(
        "AWS::Cognito::UserPoolClient", {"ClientName": "platform-web", "GenerateSecret": False}
    )


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"user_pool_props": {"mfa_typo": True}},
            r"user_pool_props has keys UserPool does not take: \['mfa_typo'\]",
        ),
        ({"user_pool_props": {"lambda_triggers": None}}, r"user_pool_props may not set \['lambda_triggers'\]"),
        (
            {"existing_user_pool": "pool", "user_pool_props": {}},
            "user_pool_props and existing_user_pool are alternatives",
        ),
        ({"domain_prefix": None}, "domain_prefix is required for the pool it creates"),
    ],
)
def test_identity_props_are_checked_naming_the_construct(props: dict, message: str) -> None:
    stack = new_stack()
    if props.get("existing_user_pool") == "pool":
        props["existing_user_pool"] = cognito.UserPool.from_user_pool_id(stack, "Pool", "us-east-1_AbCdEfGhI")
    with pytest.raises(ValueError, match="AgentIdentity Test/Identity: " + message):
        AgentIdentity(stack, "Identity", **{"name": "team", "domain_prefix": "team-111122223333", **props})


def test_an_external_issuer_protects_runtime_and_gateway_by_audience() -> None:
    stack = new_stack()
    trust = ExternalOidcIdentity(
        discovery_url=ENTRA,
        allowed_audiences=["api://support-agent"],
        agent_scope="api://support-agent/agent.invoke",
        tools_scope="api://support-agent/tools.call",
    )
    assert isinstance(trust, InboundIdentity)
    runtime = AgentRuntime(stack, "Agent", runtime_name="a1", source_dir=FIXTURE_AGENT, model_id=MODEL)
    trust.protect_runtime(runtime)
    gateway = ToolGateway(stack, "Gateway", gateway_name="g1", authorizer=trust.gateway_authorizer())
    gateway.connect_to(runtime)
    template = Template.from_stack(stack)
    (cfn_runtime,) = template.find_resources("AWS::BedrockAgentCore::Runtime").values()
    jwt = cfn_runtime["Properties"]["AuthorizerConfiguration"]["CustomJWTAuthorizer"]
    assert jwt == {
        "DiscoveryUrl": ENTRA,
        "AllowedAudience": ["api://support-agent"],
        "AllowedScopes": ["api://support-agent/agent.invoke"],
    }
    variables = cfn_runtime["Properties"]["EnvironmentVariables"]
    assert variables["AUTH_ALLOWED_AUDIENCES"] == "api://support-agent" and "AUTH_ALLOWED_CLIENTS" not in variables
    (cfn_gateway,) = template.find_resources("AWS::BedrockAgentCore::Gateway").values()
    gateway_jwt = cfn_gateway["Properties"]["AuthorizerConfiguration"]["CustomJWTAuthorizer"]
    assert gateway_jwt["AllowedAudience"] == ["api://support-agent"]
    assert trust.gateway_verifier_environment()["AUTH_REQUIRED_SCOPE"] == "api://support-agent/tools.call"


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"discovery_url": "https://idp.example.com/"},
            "discovery_url 'https://idp.example.com/' must be https://.../.well-known/openid-configuration",
        ),
        ({"allowed_audiences": ()}, "allowed_clients and allowed_audiences are both empty"),
        ({"tools_scope": "agent"}, "tools_scope must differ from agent_scope"),
        ({"agent_scope": ""}, "agent_scope must not be empty"),
    ],
)
def test_an_external_issuer_is_checked(props: dict, message: str) -> None:
    base = {"discovery_url": ENTRA, "allowed_audiences": ["api://a"], "agent_scope": "agent", "tools_scope": "tools"}
    with pytest.raises(PropsError, match="^ExternalOidcIdentity: " + message):
        ExternalOidcIdentity(**{**base, **props})


def test_every_bad_external_issuer_prop_is_named_in_one_error() -> None:
    with pytest.raises(PropsError) as error:
        ExternalOidcIdentity(discovery_url="http://idp.example.com", agent_scope="", tools_scope="")
    lines = str(error.value).splitlines()
    assert all(line.startswith("ExternalOidcIdentity: ") for line in lines), lines
    assert [line.split(" ")[1] for line in lines] == ["discovery_url", "allowed_clients", "agent_scope", "tools_scope"]


def test_a_tool_function_of_any_runtime_is_wired_like_the_built_one() -> None:
    stack = new_stack()
    node_tool = lambda_.Function(
        stack,
        "NodeTool",
        runtime=lambda_.Runtime.NODEJS_22_X,
        handler="index.handler",
        code=lambda_.Code.from_inline("exports.handler = async (event) => ({ echoed: event });"),
    )
    gateway = ToolGateway(stack, "Gateway", gateway_name="g1")
    tool = LambdaTool(stack, "Echo", target_name="echo", tools=[ECHO], existing_function=node_tool)
    gateway.add_lambda_tool(tool)
    assert tool.function is node_tool and tool.emits_tool_metrics is False and tool.log_group is None
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Lambda::Function", 1)
    (function,) = template.find_resources("AWS::Lambda::Function").values()
    assert function["Properties"]["Environment"]["Variables"]["AGENT_TOOL_CALLER_REQUIRED"] == "false"
    template.has_resource_properties(
        "AWS::Lambda::Permission", {"Principal": "bedrock-agentcore.amazonaws.com", "Action": "lambda:InvokeFunction"}
    )


def test_an_imported_tool_function_warns_and_props_are_alternatives() -> None:
    stack = new_stack()
    imported = lambda_.Function.from_function_arn(stack, "Imported", "arn:aws:lambda:us-east-1:111122223333:function:t")
    LambdaTool(stack, "Echo", target_name="echo", tools=[ECHO], existing_function=imported)
    Annotations.from_stack(stack).has_warning("/Test/Echo", Match.string_like_regexp("existing_function is imported"))
    with pytest.raises(PropsError, match="^LambdaTool Test/Both: function and existing_function are alternatives"):
        LambdaTool(
            stack,
            "Both",
            target_name="both",
            tools=[ECHO],
            existing_function=imported,
            function=ToolFunction(code_root=FIXTURE_TOOLS, handler=FIXTURE_TOOL_HANDLER),
        )
    with pytest.raises(PropsError, match="^LambdaTool Test/Neither: function is required unless existing_function"):
        LambdaTool(stack, "Neither", target_name="neither", tools=[ECHO])


def test_function_overrides_merge_and_owned_keys_are_refused() -> None:
    stack = new_stack()
    LambdaTool(
        stack,
        "Echo",
        target_name="echo",
        tools=[ECHO],
        function=ToolFunction(code_root=FIXTURE_TOOLS, handler=FIXTURE_TOOL_HANDLER),
        function_props={"memory_size": 1024, "ephemeral_storage_size": None},
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::Lambda::Function", {"MemorySize": 1024, "Architectures": ["arm64"]}
    )
    with pytest.raises(PropsError, match=r"^LambdaTool Test/X86: function_props may not set \['architecture'\]"):
        LambdaTool(
            stack,
            "X86",
            target_name="x86",
            tools=[ECHO],
            function=ToolFunction(code_root=FIXTURE_TOOLS, handler=FIXTURE_TOOL_HANDLER),
            function_props={"architecture": lambda_.Architecture.X86_64},
        )


def test_memory_strategies_can_be_replaced() -> None:
    stack = new_stack()
    AgentMemory(
        stack,
        "Memory",
        memory_name="m1",
        memory_strategies=[agentcore.MemoryStrategy.using_semantic(strategy_name="facts", namespaces=["/f/{actorId}"])],
    )
    (memory,) = Template.from_stack(stack).find_resources("AWS::BedrockAgentCore::Memory").values()
    strategies = memory["Properties"]["MemoryStrategies"]
    assert len(strategies) == 1 and strategies[0]["SemanticMemoryStrategy"]["Namespaces"] == ["/f/{actorId}"]
