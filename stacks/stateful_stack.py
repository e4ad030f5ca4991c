"""Stateful stack: what outlives a redeploy (memory, and the user pool once identity is on). Retained, and
termination-protected where the environment says so."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from agentcore_constructs import AgentMemory
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
