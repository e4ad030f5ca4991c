"""Where the runtime's sessions run: AgentCore's PUBLIC network mode, or private subnets of a VPC
(:class:`~agentcore_constructs.runtime.options.VpcPlacement`, checked by its ``problems()`` before anything is built).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import aws_bedrockagentcore as agentcore
from aws_cdk import aws_ec2 as ec2

from agentcore_constructs.runtime.options import VpcPlacement

if TYPE_CHECKING:
    from agentcore_constructs.runtime.construct import AgentRuntime


def network_configuration(
    runtime: AgentRuntime, placement: VpcPlacement | None
) -> agentcore.RuntimeNetworkConfiguration:
    """PUBLIC without ``placement``; else the VPC mode in its subnets, with its security groups or one egress-only
    group created here. Records ``vpc``, ``vpc_subnets``, ``network_security_groups`` and ``security_group`` on
    ``runtime``."""
    runtime.security_group = None
    runtime.vpc = None
    runtime.vpc_subnets = None
    runtime.network_security_groups = []
    if placement is None:
        return agentcore.RuntimeNetworkConfiguration.using_public_network()
    if placement.existing_security_groups:
        groups: list[ec2.ISecurityGroup] = list(placement.existing_security_groups)
    else:
        runtime.security_group = ec2.SecurityGroup(
            runtime,
            "SecurityGroup",
            vpc=placement.vpc,
            allow_all_outbound=True,
            description=f"AgentCore runtime {runtime.runtime_name}: egress only (Bedrock, AgentCore, tools)",
        )
        groups = [runtime.security_group]
    selection = placement.selection
    runtime.vpc, runtime.vpc_subnets, runtime.network_security_groups = placement.vpc, selection, groups
    return agentcore.RuntimeNetworkConfiguration.using_vpc(
        runtime, vpc=placement.vpc, vpc_subnets=selection, security_groups=groups
    )
