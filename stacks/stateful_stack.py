"""Stateful stack: what outlives a redeploy (the environment key, memory, and the user pool once identity is on).
Retained, and
termination-protected where the environment says so."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_kms as kms

from agentcore_constructs import AgentIdentity, AgentMemory
from agentcore_constructs.identity import UserClientSettings, UserPoolSettings
from agentcore_constructs.keys import allow_cloudwatch_alarms, allow_cloudwatch_logs
from agentcore_constructs.observability import retention_days
from constructs import Construct
from stacks.config import EnvironmentConfig
from stacks.tool_services import TOOL_SERVICES


class StatefulStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, termination_protection=config.protect_stateful, **kwargs)
        # One customer-managed key per environment (memory, gateway, alarm topic): each rotating key costs
        # $1/month, $3 after two rotations, so one shared key keeps an idle environment under $5/month.
        self.key = kms.Key(
            self,
            "EnvironmentKey",
            description=f"Encrypts the support agent's data in {config.name} (memory, gateway, logs, alarm topic)",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        allow_cloudwatch_alarms(self.key)
        allow_cloudwatch_logs(self.key)
        self.memory: AgentMemory | None = None
        if config.has_stage("memory"):
            self.memory = AgentMemory(
                self,
                "Memory",
                memory_name=f"support_agent_memory_{config.name}",
                event_expiry=cdk.Duration.days(config.memory_event_expiry_days),
                encryption_key=self.key,
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
                pool=UserPoolSettings(
                    mfa_required=config.identity_mfa == "required", deletion_protection=config.protect_stateful
                ),
                client=UserClientSettings(callback_urls=config.identity_callback_urls),
                removal_policy=cdk.RemovalPolicy.RETAIN,
                e2e_test_client=config.identity_e2e_client,
                log_retention=retention_days(config.log_retention_days),
                log_encryption_key=self.key,
                # The groups the tools check (issue_refund: support staff), from the tool services' declarations.
                user_groups=[group for service in TOOL_SERVICES for group in service.user_groups],
            )
            cdk.CfnOutput(self, "UserPoolId", value=self.identity.user_pool.user_pool_id)
            cdk.CfnOutput(self, "UserPoolClientId", value=self.identity.user_client.user_pool_client_id)
            if self.identity.domain is not None:
                cdk.CfnOutput(self, "HostedUiDomain", value=self.identity.domain.base_url())
            cdk.CfnOutput(self, "DiscoveryUrl", value=self.identity.discovery_url)
            if self.identity.e2e_client is not None:
                cdk.CfnOutput(self, "E2eClientId", value=self.identity.e2e_client.user_pool_client_id)
