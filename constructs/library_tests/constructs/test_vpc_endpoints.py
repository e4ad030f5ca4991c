"""RuntimeVpcEndpoints: what a private runtime needs, created and recorded, reachable only from the runtime."""

from __future__ import annotations

import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Template

from agentcore_constructs import VpcPlacement
from agentcore_constructs.aws_facts import VPC_ENDPOINTS_ALWAYS, VPC_ENDPOINTS_METADATA
from agentcore_constructs.network import RuntimeVpcEndpoints
from agentcore_constructs.readiness.assembly import environment_from_templates
from agentcore_constructs.readiness.evaluation import evaluate
from library_tests.support import new_runtime, new_stack


def _private_runtime():
    stack = new_stack()
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[ec2.SubnetConfiguration(name="agents", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
    )
    return stack, new_runtime(stack, network=VpcPlacement(vpc))


def test_every_needed_endpoint_is_created_and_recorded() -> None:
    stack, runtime = _private_runtime()
    RuntimeVpcEndpoints(stack, "Endpoints", runtime=runtime)
    template = Template.from_stack(stack)
    endpoints = template.find_resources("AWS::EC2::VPCEndpoint")
    kinds = sorted(e["Properties"].get("VpcEndpointType", "Gateway") for e in endpoints.values())
    assert kinds.count("Gateway") == 1 and kinds.count("Interface") == len(VPC_ENDPOINTS_ALWAYS) - 1
    assert all(e["Properties"].get("PrivateDnsEnabled", True) for e in endpoints.values())
    (runtime_resource,) = template.find_resources("AWS::BedrockAgentCore::Runtime").values()
    assert runtime_resource["Metadata"][VPC_ENDPOINTS_METADATA] == sorted(VPC_ENDPOINTS_ALWAYS)
    # The readiness rule reads the same record and finds nothing missing.
    env = environment_from_templates("p", {"Test": template.to_json()})
    assert evaluate(env, ["Readiness-VpcEndpoints"]) == []


def test_the_endpoints_admit_https_from_the_runtime_only() -> None:
    stack, runtime = _private_runtime()
    created = RuntimeVpcEndpoints(stack, "Endpoints", runtime=runtime, services=["bedrock-runtime"])
    group = Template.from_stack(stack).find_resources("AWS::EC2::SecurityGroupIngress")
    (rule,) = group.values()
    assert rule["Properties"]["FromPort"] == 443 and "SourceSecurityGroupId" in rule["Properties"]
    assert list(created.endpoints) == ["bedrock-runtime"]


@pytest.mark.parametrize(
    ("services", "message"),
    [(["ftp"], r"unknown endpoint services \['ftp'\]"), ([], "services is empty and so is extra_services")],
)
def test_unknown_services_are_refused(services, message) -> None:
    stack, runtime = _private_runtime()
    with pytest.raises(ValueError, match=message):
        RuntimeVpcEndpoints(stack, "Endpoints", runtime=runtime, services=services)


def test_a_public_runtime_is_refused() -> None:
    stack = new_stack()
    with pytest.raises(ValueError, match="not in VPC mode"):
        RuntimeVpcEndpoints(stack, "Endpoints", runtime=new_runtime(stack))


def test_what_the_agent_is_granted_needs_its_endpoint_too() -> None:
    from aws_cdk import aws_iam as iam

    stack, runtime = _private_runtime()
    # The team grants its agent a secret and a key: the agent calls Secrets Manager and KMS from the VPC.
    runtime.role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["secretsmanager:GetSecretValue", "kms:Decrypt"],
            resources=["arn:aws:secretsmanager:us-east-1:111122223333:secret:orders-??????"],
        )
    )
    RuntimeVpcEndpoints(stack, "Endpoints", runtime=runtime)
    env = environment_from_templates("p", {"Test": Template.from_stack(stack).to_json()})
    missing = sorted(f.id for f in evaluate(env, ["Readiness-VpcEndpoints"]))
    assert missing == ["Readiness-VpcEndpoints[Missing::kms]", "Readiness-VpcEndpoints[Missing::secretsmanager]"]

    stack, runtime = _private_runtime()
    runtime.role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["secretsmanager:GetSecretValue", "kms:Decrypt", "dynamodb:GetItem"], resources=["*"]
        )
    )
    created = RuntimeVpcEndpoints(
        stack, "Endpoints", runtime=runtime, extra_services=["secretsmanager", "kms", "dynamodb"]
    )
    assert {"secretsmanager", "kms", "dynamodb"} <= set(created.endpoints)
    template = Template.from_stack(stack)
    gateways = [
        e
        for e in template.find_resources("AWS::EC2::VPCEndpoint").values()
        if e["Properties"].get("VpcEndpointType", "Gateway") == "Gateway"
    ]
    assert len(gateways) == 2  # s3 and dynamodb are gateway endpoints
    env = environment_from_templates("p", {"Test": template.to_json()})
    assert evaluate(env, ["Readiness-VpcEndpoints"]) == []


def _missing(stack) -> list[str]:
    env = environment_from_templates("p", {"Test": Template.from_stack(stack).to_json()})
    return sorted(f.id for f in evaluate(env, ["Readiness-VpcEndpoints"]))


def test_a_connected_gateway_needs_its_own_endpoint_service() -> None:
    """AgentCore's gateways are a PrivateLink service of their own (bedrock-agentcore.gateway), not the data plane."""
    from agentcore_constructs import ToolGateway

    stack, runtime = _private_runtime()
    ToolGateway(stack, "Tools", gateway_name="t-tools").connect_to(runtime)
    runtime.cfn_runtime.add_metadata(VPC_ENDPOINTS_METADATA, sorted(VPC_ENDPOINTS_ALWAYS))
    assert _missing(stack) == ["Readiness-VpcEndpoints[Missing::bedrock-agentcore.gateway]"]

    stack, runtime = _private_runtime()
    ToolGateway(stack, "Tools", gateway_name="t-tools").connect_to(runtime)
    created = RuntimeVpcEndpoints(stack, "Endpoints", runtime=runtime)
    assert "bedrock-agentcore.gateway" in created.endpoints
    (service,) = [
        e["Properties"]["ServiceName"]
        for e in Template.from_stack(stack).find_resources("AWS::EC2::VPCEndpoint").values()
        if "gateway" in str(e["Properties"]["ServiceName"])
    ]
    assert "bedrock-agentcore.gateway" in str(stack.resolve(service))
    assert _missing(stack) == []


@pytest.mark.parametrize(
    ("discovery_url", "with_domain", "missing"),
    [
        # A Cognito pool without a domain: its JWKS is served through the cognito-idp endpoint.
        (None, False, ["Readiness-VpcEndpoints[Missing::cognito-idp]"]),
        # With a domain, Cognito's PrivateLink endpoint refuses every request for the pool: only a NAT route works.
        (None, True, ["Readiness-VpcEndpoints[Missing::internet]"]),
        # Another issuer is on the internet.
        (
            "https://login.example.com/.well-known/openid-configuration",
            False,
            ["Readiness-VpcEndpoints[Missing::internet]"],
        ),
    ],
    ids=["cognito-no-domain", "cognito-with-domain", "other-issuer"],
)
def test_the_agent_must_reach_its_token_issuer(discovery_url, with_domain, missing) -> None:
    from aws_cdk import aws_cognito as cognito

    stack, runtime = _private_runtime()
    pool = cognito.UserPool(stack, "Pool")
    if with_domain:
        pool.add_domain("Domain", cognito_domain=cognito.CognitoDomainOptions(domain_prefix="t-111122223333"))
    url = (
        discovery_url
        or f"https://cognito-idp.us-east-1.amazonaws.com/{pool.user_pool_id}/.well-known/openid-configuration"
    )
    runtime.use_jwt_authorizer(discovery_url=url, allowed_clients=["client-1"], allowed_scopes=["agent/invoke"])
    runtime.cfn_runtime.add_metadata(VPC_ENDPOINTS_METADATA, sorted(VPC_ENDPOINTS_ALWAYS))
    assert _missing(stack) == missing
