"""Stateful stack: what outlives a redeploy (memory, and the user pool once identity is on). Retained, and
termination-protected where the environment says so."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from agentcore_constructs import AgentIdentity, AgentMemory
from stacks.config import EnvironmentConfig


class StatefulStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, termination_protection=config.protect_stateful, **kwargs)
        self.memory: AgentMemory | None = None
        if config.has_stage("memory"):
            self.memory = AgentMemory(
                self,
                "Memory",
                memory_name=f"support_agent_memory_{config.name}",
                event_expiry=cdk.Duration.days(config.memory_event_expiry_days),
                removal_policy=cdk.RemovalPolicy.RETAIN,
                description=f"Support agent conversations and long-term memory ({config.name})",
            )
            cdk.CfnOutput(self, "MemoryId", value=self.memory.memory_id)
        self.identity: AgentIdentity | None = None
        if config.has_stage("identity"):
            self.identity = AgentIdentity(
                self,
                "Identity",
                name=f"support-agent-{config.name}",
                # Account-unique: Cognito domain prefixes are global per Region.
                domain_prefix=f"support-agent-{config.name}-{config.account}",
                mfa_required=config.identity_mfa == "required",
                callback_urls=config.identity_callback_urls,
                removal_policy=cdk.RemovalPolicy.RETAIN,
                deletion_protection=config.protect_stateful,
            )
            cdk.CfnOutput(self, "UserPoolId", value=self.identity.user_pool.user_pool_id)
            cdk.CfnOutput(self, "UserPoolClientId", value=self.identity.user_client.user_pool_client_id)
            cdk.CfnOutput(self, "HostedUiDomain", value=self.identity.domain.base_url())
            cdk.CfnOutput(self, "DiscoveryUrl", value=self.identity.discovery_url)
