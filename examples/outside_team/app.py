#!/usr/bin/env python3
"""The ledger team's CDK app, built only from the published agentcore-constructs (no code of the repository that
ships it): their own plain-Python agent, a Python tool and a Node.js tool, every stage, their own names.

    pip install -r requirements.txt && cdk synth       (CI: the built wheel in a clean venv, see README.md)

cdk-nag and the readiness pack run at error level with no acknowledgement of the team's own.
"""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from cdk_nag import AwsSolutionsChecks

from agentcore_constructs import (
    AgentIdentity,
    AgentMemory,
    AgentObservability,
    AgentRuntime,
    LambdaTool,
    OAuthScopes,
    ToolFunction,
    ToolGateway,
    ToolPolicy,
)
from agentcore_constructs.readiness import ProductionReadinessChecks
from agentcore_constructs.readiness.gate import synth_and_enforce

HERE = Path(__file__).resolve().parent
MODEL = "eu.anthropic.claude-haiku-4-5-20251001-v1:0"
FX_TOOL = {
    "name": "convert",
    "description": "Exchange rate between two currencies (EUR, USD, GBP).",
    "inputSchema": {
        "type": "object",
        "properties": {
            "from": {"type": "string", "description": "Currency to convert from: EUR, USD or GBP"},
            "to": {"type": "string", "description": "Currency to convert to: EUR, USD or GBP"},
        },
        "required": ["from", "to"],
    },
}


class LedgerData(cdk.Stack):
    """What outlives a redeploy: the team's key, the conversation memory and the user pool."""

    def __init__(self, scope: cdk.App, construct_id: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, termination_protection=True, **kwargs)  # type: ignore[arg-type]
        self.key = kms.Key(self, "LedgerKey", description="Ledger assistant data", enable_key_rotation=True)
        self.memory = AgentMemory(self, "Conversations", memory_name="ledger_conversations", encryption_key=self.key)
        self.identity = AgentIdentity(
            self,
            "Users",
            name="ledger-assistant",
            domain_prefix=f"ledger-assistant-{self.account}",
            scopes=OAuthScopes(resource_server_id="ledger", agent_scope_name="ask", tools_scope_name="tools"),
        )
        cdk.CfnOutput(self, "UserPoolId", value=self.identity.user_pool.user_pool_id)
        cdk.CfnOutput(self, "ClientId", value=self.identity.user_client.user_pool_client_id)


class LedgerAssistant(cdk.Stack):
    def __init__(self, scope: cdk.App, construct_id: str, *, data: LedgerData, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        agent = AgentRuntime(
            self,
            "Assistant",
            runtime_name="ledger_assistant",
            source_dir=HERE / "agent",
            model_id=MODEL,
            endpoint_name="live",
            endpoint_version="1",
            log_encryption_key=data.key,
        )
        data.memory.grant_to(agent)
        data.identity.protect_runtime(agent)

        gateway = ToolGateway(
            self,
            "Tools",
            gateway_name="ledger-tools",
            authorizer=data.identity.gateway_authorizer(),
            encryption_key=data.key,
        )
        gateway.add_lambda_tool(
            LambdaTool(
                self,
                "Invoices",
                target_name="invoices",
                tools=json.loads((HERE / "tools" / "invoice_lookup" / "tools.json").read_text()),
                function=ToolFunction(
                    code_root=HERE / "tools", handler="invoice_lookup.handler.lambda_handler", reserved_concurrency=5
                ),
            )
        )
        gateway.add_lambda_tool(
            LambdaTool(self, "Fx", target_name="fx-rates", tools=[FX_TOOL], existing_function=self._node_tool())
        )
        gateway.connect_to(agent)
        # Who may call which tool, as Cedar (policies/*.cedar); ENFORCE denies what no policy permits.
        ToolPolicy(self, "ToolPolicy", gateway=gateway, policy_dir=HERE / "policies")

        AgentObservability(
            self,
            "Monitoring",
            runtime=agent,
            memory=data.memory,
            gateway=gateway,
            name_prefix="ledger",
            topic_key=data.key,
        )
        cdk.CfnOutput(self, "RuntimeArn", value=agent.runtime.agent_runtime_arn)
        cdk.CfnOutput(self, "EndpointName", value=agent.endpoint_name)
        cdk.CfnOutput(self, "GatewayUrl", value=gateway.gateway.gateway_url or "")

    def _node_tool(self) -> lambda_.Function:
        """The team's Node.js function, built their way: own role and log group, no managed policies."""
        log_group = logs.LogGroup(self, "FxLogs", retention=logs.RetentionDays.THREE_MONTHS)
        role = iam.Role(self, "FxRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        log_group.grant_write(role)
        return lambda_.Function(
            self,
            "FxFunction",
            runtime=lambda_.Runtime.NODEJS_24_X,
            architecture=lambda_.Architecture.ARM_64,
            handler="index.handler",
            code=lambda_.Code.from_asset(str(HERE / "tools_node" / "fx_rates")),
            role=role,
            log_group=log_group,
            timeout=cdk.Duration.seconds(10),
            reserved_concurrent_executions=5,
        )


def build(app: cdk.App) -> cdk.App:
    env = cdk.Environment(account=app.node.try_get_context("account") or "123456789012", region="eu-west-1")
    data = LedgerData(app, "LedgerAssistantData", env=env)
    LedgerAssistant(app, "LedgerAssistant", data=data, env=env)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app), ProductionReadinessChecks(app, default_level="error"))
    return app


if __name__ == "__main__":
    raise SystemExit(synth_and_enforce(build(cdk.App())))
