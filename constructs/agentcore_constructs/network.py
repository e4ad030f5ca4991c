"""The VPC endpoints a private (VPC mode) runtime needs, created for it: interface endpoints with private DNS that
only the runtime's security groups reach on 443, and the S3 gateway endpoint on its subnets' route tables. The
runtime's ``agentcore:vpc-endpoints`` record is updated, so ``Readiness-VpcEndpoints`` sees them."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_ec2 as ec2

from agentcore_constructs.aws_facts import (
    VPC_ENDPOINTS_ALWAYS,
    VPC_ENDPOINTS_BY_ACTION_PREFIX,
    VPC_ENDPOINTS_CONTAINER,
    VPC_ENDPOINTS_GATEWAY,
    VPC_ENDPOINTS_METADATA,
    VPC_ENDPOINTS_TOKEN_ISSUER,
)
from agentcore_constructs.contract import env_vars as env_contract
from agentcore_constructs.props import Problems
from agentcore_constructs.runtime import AgentRuntime, RuntimeArtifactKind
from constructs import Construct

_GATEWAY_SERVICES = {"s3": ec2.GatewayVpcEndpointAwsService.S3, "dynamodb": ec2.GatewayVpcEndpointAwsService.DYNAMODB}


class RuntimeVpcEndpoints(Construct):
    """Args:
        runtime: an :class:`AgentRuntime` in VPC mode.
        services: endpoint service names to create. Default: every one the runtime needs
            (``aws_facts.VPC_ENDPOINTS_ALWAYS``, ECR's for a container artifact, ``bedrock-agentcore.gateway`` once
            a gateway was connected, ``cognito-idp`` once a JWT authorizer was set). Create this construct after
            connecting the other stages, so the default sees them.
        extra_services: more to create for what the agent itself calls (``secretsmanager``, ``kms``, ``ssm``,
            ``dynamodb``, ...: ``aws_facts.VPC_ENDPOINTS_BY_ACTION_PREFIX``); ``Readiness-VpcEndpoints`` names the
            ones its role's grants need. Default: none.

    Attributes: ``endpoints`` (``{service: endpoint}``), ``security_group`` (the interface endpoints').
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        runtime: AgentRuntime,
        services: Sequence[str] | None = None,
        extra_services: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        problems = Problems.of(self)
        problems.check(
            runtime.vpc is not None and runtime.vpc_subnets is not None,
            "runtime",
            "is not in VPC mode (AgentRuntime(network=VpcPlacement(...))): it has no VPC to create endpoints in",
        )
        needed = dict(VPC_ENDPOINTS_ALWAYS)
        if runtime.artifact_kind is RuntimeArtifactKind.CONTAINER:
            needed.update(VPC_ENDPOINTS_CONTAINER)
        if env_contract.GATEWAY_URL.name in runtime.connected_variables:
            needed.update(VPC_ENDPOINTS_GATEWAY)
        if env_contract.AUTH_DISCOVERY_URL.name in runtime.connected_variables:
            # Only a Cognito pool without a domain is reachable this way; Readiness-VpcEndpoints says when not.
            needed.update(VPC_ENDPOINTS_TOKEN_ISSUER)
        chosen = sorted({*(services if services is not None else needed), *extra_services})
        known = {
            *VPC_ENDPOINTS_ALWAYS,
            *VPC_ENDPOINTS_CONTAINER,
            *VPC_ENDPOINTS_GATEWAY,
            *VPC_ENDPOINTS_TOKEN_ISSUER,
            *VPC_ENDPOINTS_BY_ACTION_PREFIX.values(),
        }
        unknown_services = sorted(set(services or ()) - known)
        unknown_extra = sorted(set(extra_services) - known)
        problems.check(not unknown_services, "services", f"has unknown endpoint services {unknown_services}")
        problems.check(not unknown_extra, "extra_services", f"has unknown endpoint services {unknown_extra}")
        problems.check(chosen, "services", "is empty and so is extra_services: name at least one endpoint service")
        problems.raise_if_any()
        vpc = runtime.vpc
        assert vpc is not None and runtime.vpc_subnets is not None  # checked above
        self.security_group = ec2.SecurityGroup(
            self,
            "EndpointsSecurityGroup",
            vpc=vpc,
            allow_all_outbound=False,
            description=f"VPC endpoints of AgentCore runtime {runtime.runtime_name}: HTTPS from its interfaces only",
        )
        for group in runtime.network_security_groups:
            self.security_group.add_ingress_rule(group, ec2.Port.tcp(443), "HTTPS from the agent runtime")
        self.endpoints: dict[str, ec2.IVpcEndpoint] = {}
        for service in chosen:
            construct_name = "".join(part.capitalize() for part in service.replace(".", "-").split("-"))
            if service in _GATEWAY_SERVICES:
                self.endpoints[service] = ec2.GatewayVpcEndpoint(
                    self, construct_name, vpc=vpc, service=_GATEWAY_SERVICES[service], subnets=[runtime.vpc_subnets]
                )
            else:
                self.endpoints[service] = ec2.InterfaceVpcEndpoint(
                    self,
                    construct_name,
                    vpc=vpc,
                    service=ec2.InterfaceVpcEndpointAwsService(service),
                    subnets=runtime.vpc_subnets,
                    security_groups=[self.security_group],
                    private_dns_enabled=True,
                    open=False,
                )
        recorded = runtime.cfn_runtime.get_metadata(VPC_ENDPOINTS_METADATA) or []
        runtime.cfn_runtime.add_metadata(VPC_ENDPOINTS_METADATA, sorted(set(recorded) | set(chosen)))
