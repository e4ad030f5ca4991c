"""One ``cdk.Stage`` per environment, so ``cdk deploy "prod/*"`` deploys exactly one environment."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk

from constructs import Construct
from stacks import release_access
from stacks.account_stack import ACCOUNT_STACK_NAME, AccountStack
from stacks.config import EnvironmentConfig, PipelineConfig
from stacks.runtime_stack import RuntimeStack
from stacks.stateful_stack import StatefulStack

REPO_ROOT = Path(__file__).resolve().parent.parent
PROJECT_TAG = "agentcore-production-path"


class AgentStage(cdk.Stage):
    """Args: ``pipeline``: the release pipeline, when cdk.json has one; an environment it reaches from another
    account gets the roles its steps assume (:class:`stacks.release_access.PipelineAccess`, in the stateful stack)."""

    def __init__(self, scope: Construct, config: EnvironmentConfig, *, pipeline: PipelineConfig | None = None) -> None:
        super().__init__(scope, config.name, env=cdk.Environment(account=config.account, region=config.region))
        self.config = config
        self.stateful_stack = StatefulStack(
            self,
            "Stateful",
            config=config,
            stack_name=f"{config.name}-agent-stateful",
            description=f"AgentCore support agent: stateful resources ({config.name})",
        )
        self.runtime_stack = RuntimeStack(
            self,
            "Runtime",
            config=config,
            memory=self.stateful_stack.memory,
            identity=self.stateful_stack.identity,
            key=self.stateful_stack.key,
            tools_code_root=REPO_ROOT / "lambdas",
            tool_policy_dir=REPO_ROOT / "policies" / "gateway",
            agent_source_dir=REPO_ROOT / config.agent.source,
            stack_name=f"{config.name}-agent-runtime",
            description=f"AgentCore support agent: runtime ({config.name})",
        )
        self.pipeline_access: release_access.PipelineAccess | None = None
        if pipeline is not None and release_access.crosses_accounts(pipeline, config):
            steps = release_access.purposes(pipeline, config)
            if steps:
                self.pipeline_access = release_access.PipelineAccess(
                    self.stateful_stack, "PipelineAccess", pipeline=pipeline, environment=config, steps=steps
                )
        stacks: list[cdk.Stack] = [self.stateful_stack, self.runtime_stack]
        self.account_stack: AccountStack | None = None
        if config.transaction_search == "manage":
            self.account_stack = AccountStack(
                self,
                "Account",
                config=config,
                stack_name=ACCOUNT_STACK_NAME,
                description="AgentCore: account-wide observability (X-Ray Transaction Search), one per account and "
                "Region",
            )
            # Traces of the first invocation already need it: the runtime waits for the account stack.
            self.runtime_stack.add_dependency(self.account_stack, "X-Ray Transaction Search must be on first")
            # Account-level: the same template from every environment of the account (no environment tag).
            cdk.Tags.of(self.account_stack).add("project", PROJECT_TAG)
        for stack in stacks:
            cdk.Tags.of(stack).add("project", PROJECT_TAG)
            cdk.Tags.of(stack).add("environment", config.name)
