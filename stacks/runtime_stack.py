"""Stateless stack: the agent runtime and its endpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_logs as logs
from constructs import Construct

from agentcore_constructs import AgentMemory, AgentRuntime, RuntimeArtifactKind
from stacks.config import LOG_RETENTION_DAYS, EnvironmentConfig


class RuntimeStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, agent_source_dir: Path, memory: AgentMemory | None = None, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.agent = AgentRuntime(
            self,
            "Agent",
            runtime_name=f"support_agent_{config.name}",
            source_dir=agent_source_dir,
            model_id=config.model_id,
            endpoint_name=config.name,
            environment_name=config.name,
            artifact=RuntimeArtifactKind(config.artifact),
            log_retention=_retention(config.log_retention_days),
            idle_timeout=cdk.Duration.minutes(config.idle_timeout_minutes),
            max_lifetime=cdk.Duration.hours(config.max_lifetime_hours),
            retry_max_attempts=config.retry.max_attempts,
            retry_mode=config.retry.mode,
            http_timeout=cdk.Duration.seconds(config.retry.timeout_seconds),
            log_level=config.log_level,
            description=f"Support agent ({config.name})",
        )
        if memory is not None:
            memory.grant_to(self.agent)
        cdk.CfnOutput(self, "RuntimeArn", value=self.agent.runtime.agent_runtime_arn, description="AgentCore runtime ARN")
        cdk.CfnOutput(self, "RuntimeId", value=self.agent.runtime.agent_runtime_id)
        cdk.CfnOutput(self, "EndpointName", value=self.agent.endpoint_name, description="Qualifier for InvokeAgentRuntime")
        cdk.CfnOutput(self, "ApplicationLogGroup", value=self.agent.log_group.log_group_name)


_RETENTION_BY_DAYS = dict(zip(LOG_RETENTION_DAYS, [m for m in logs.RetentionDays if m is not logs.RetentionDays.INFINITE]))


def _retention(days: int) -> logs.RetentionDays:
    # RetentionDays is declared in ascending order of the CloudWatch values, which config already validated.
    return _RETENTION_BY_DAYS[days]
