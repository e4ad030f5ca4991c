"""Stateless stack: the agent runtime and its endpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms

from agentcore_constructs import (
    AgentMemory,
    AgentObservability,
    AgentRuntime,
    CodeArtifact,
    ContainerArtifact,
    RuntimeArtifactKind,
    VpcPlacement,
)
from agentcore_constructs.acknowledgements import acknowledge
from agentcore_constructs.evaluation import OnlineEvaluation
from agentcore_constructs.gateway import LambdaTool, ToolFunction, ToolGateway
from agentcore_constructs.identity import AgentIdentity, OutboundOAuth2
from agentcore_constructs.naming import pascal_case
from agentcore_constructs.network import RuntimeVpcEndpoints
from agentcore_constructs.observability import retention_days
from agentcore_constructs.python_function import PythonArm64Function
from agentcore_constructs.release import EndpointRollback
from agentcore_constructs.runtime import ADOT_LAUNCHER
from agentcore_constructs.tool_policy import ToolPolicy
from constructs import Construct
from stacks.config import EnvironmentConfig
from stacks.tool_services import TOOL_SERVICES
from stacks.tool_services import policy_variables as tool_policy_variables


class RuntimeStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        agent_source_dir: Path,
        memory: AgentMemory | None = None,
        identity: AgentIdentity | None = None,
        key: kms.IKey | None = None,
        tools_code_root: Path | None = None,
        tool_policy_dir: Path | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.agent = AgentRuntime(
            self,
            "Agent",
            runtime_name=config.runtime_name,
            source_dir=agent_source_dir,
            model_id=config.model_id,
            endpoint_name=config.name,
            endpoint_version=config.endpoint_version,
            environment_name=config.name,
            artifact=_artifact(config),
            log_retention=retention_days(config.log_retention_days),
            lifecycle=config.lifecycle,
            retry=config.retry,
            limits=config.limits,
            log_level=config.log_level,
            description=f"Support agent ({config.name})",
            platform_version=config.platform_version,
            log_encryption_key=key,
            network=_network(self, config),
        )
        if memory is not None:
            memory.grant_to(self.agent)
        if identity is not None:
            identity.protect_runtime(self.agent)
        if config.outbound_oauth is not None:
            outbound = OutboundOAuth2(
                self,
                "OutboundOAuth2",
                provider_name=config.outbound_oauth.provider_name,
                discovery_url=config.outbound_oauth.discovery_url,
                client_id=config.outbound_oauth.client_id,
                scopes=config.outbound_oauth.scopes,
                return_urls=config.outbound_oauth.return_urls,
            )
            outbound.grant_to(self.agent)
            cdk.CfnOutput(
                self,
                "OutboundOAuthCallbackUrl",
                value=outbound.callback_url,
                description="Register this as the redirect URI at the external authorization server",
            )
        self.gateway: ToolGateway | None = None
        if config.has_stage("gateway"):
            self.gateway = self._build_gateway(config, tools_code_root, identity, key, tool_policy_dir)
            self.gateway.connect_to(self.agent)
            cdk.CfnOutput(
                self,
                "GatewayUrl",
                value=self.gateway.gateway.gateway_url or "",
                description="MCP endpoint of the tool gateway",
            )
        if config.vpc is not None and config.vpc.create_endpoints:
            # After every stage is connected: the gateway and the token issuer need endpoints of their own.
            RuntimeVpcEndpoints(self, "VpcEndpoints", runtime=self.agent)
        self.observability = AgentObservability(
            self,
            "Observability",
            runtime=self.agent,
            memory=memory,
            gateway=self.gateway,
            thresholds=config.alarms,
            alarm_emails=config.alarm_emails,
            topic_key=key,
        )
        if config.release.canary:
            self.agent.add_canary_endpoint()
            cdk.CfnOutput(
                self,
                "CanaryEndpointName",
                value=self.agent.canary_endpoint.endpoint_name,  # type: ignore[union-attr]
                description="Qualifier for InvokeAgentRuntime on the newest version (before promotion)",
            )
        if config.release.rollback_window_minutes is not None:
            self.rollback = EndpointRollback(
                self,
                "Rollback",
                runtime=self.agent,
                # Only what the served version causes: the composite also holds throttles and the tools' errors, and an
                # outage of the orders API must not roll back a version that is not at fault.
                alarms=[self.observability.runtime_error_rate, self.observability.runtime_latency],
                topic=self.observability.topic,
                topic_key=key,
                window=cdk.Duration.minutes(config.release.rollback_window_minutes),
                log_retention=retention_days(config.log_retention_days),
                log_encryption_key=key,
            )
            cdk.CfnOutput(self, "ReleaseStateParameter", value=self.rollback.parameter_name)
        if config.evaluation_sampling_percent is not None:
            # Quality measured on real sessions: built-in evaluators on a sample of the environment's endpoint.
            # Scores on the dashboard, and an alarm on the topic per evaluator when its hourly score drops.
            OnlineEvaluation(
                self,
                "OnlineEvaluation",
                runtime=self.agent,
                sampling_percent=config.evaluation_sampling_percent,
                observability=self.observability,
            )
        cdk.CfnOutput(self, "DashboardName", value=self.observability.dashboard.dashboard_name)
        cdk.CfnOutput(self, "AlarmTopicArn", value=self.observability.topic.topic_arn)
        cdk.CfnOutput(
            self, "RuntimeArn", value=self.agent.runtime.agent_runtime_arn, description="AgentCore runtime ARN"
        )
        cdk.CfnOutput(self, "RuntimeId", value=self.agent.runtime.agent_runtime_id)
        cdk.CfnOutput(
            self, "EndpointName", value=self.agent.endpoint_name, description="Qualifier for InvokeAgentRuntime"
        )
        cdk.CfnOutput(self, "ApplicationLogGroup", value=self.agent.log_group.log_group_name)

    def _build_gateway(
        self,
        config: EnvironmentConfig,
        tools_code_root: Path | None,
        identity: AgentIdentity | None,
        key: kms.IKey | None,
        tool_policy_dir: Path | None,
    ) -> ToolGateway:
        if tools_code_root is None:
            raise ValueError("the gateway stage needs tools_code_root")
        gateway = ToolGateway(
            self,
            "Tools",
            gateway_name=f"support-tools-{config.name}",
            # JWT from the identity stage when on (the agent forwards the caller's token), AWS_IAM otherwise.
            authorizer=identity.gateway_authorizer() if identity is not None else None,
            encryption_key=key,
        )
        if config.tool_policy is not None and identity is not None and tool_policy_dir is not None:
            # Per-user tool permissions as Cedar (policies/gateway/*.cedar), the same files `make dev` evaluates.
            ToolPolicy(
                self,
                "ToolPolicy",
                gateway=gateway,
                policy_dir=tool_policy_dir,
                mode=config.tool_policy,
                variables={"tools_scope": identity.tools_scope, **tool_policy_variables()},
            )
            if config.tool_policy == "LOG_ONLY":
                acknowledge(
                    gateway.cfn_gateway,
                    "Readiness-ToolPolicy[Mode::LOG_ONLY]",
                    f"{config.name} runs the policies in LOG_ONLY to see what they would deny before prod enforces "
                    "them (cdk.json tool_policy)",
                )
        if identity is not None:
            gateway.add_request_interceptor(
                PythonArm64Function(
                    self,
                    "CallerIdentityInterceptor",
                    code_root=tools_code_root,
                    handler="gateway_interceptor.handler.lambda_handler",
                    service_name="gateway-interceptor",
                    description="Verifies the caller's token and writes its sub into every tool call; drops "
                    "model-supplied identity",
                    environment=identity.gateway_verifier_environment(),
                    log_retention=retention_days(config.log_retention_days),
                    timeout=cdk.Duration.seconds(5),
                    log_encryption_key=key,
                    # Every tool call passes through it: the same guaranteed capacity as the tools.
                    reserved_concurrency=config.tool_reserved_concurrency,
                )
            )
        for service in TOOL_SERVICES:
            tool = LambdaTool(
                self,
                pascal_case(service.target_name) + "Tool",
                target_name=service.target_name,
                tools=service.tool_schemas,
                function=ToolFunction(
                    code_root=tools_code_root,
                    handler=service.handler,
                    reserved_concurrency=config.tool_reserved_concurrency,
                ),
                environment=service.environment(config),
                api_key_secret_env=service.api_key_secret_env,
                log_retention=retention_days(config.log_retention_days),
                log_encryption_key=key,
                secret_encryption_key=key,
            )
            gateway.add_lambda_tool(tool)
        return gateway


def _artifact(config: EnvironmentConfig) -> CodeArtifact | ContainerArtifact:
    if RuntimeArtifactKind(config.artifact) is RuntimeArtifactKind.CONTAINER:
        return ContainerArtifact()
    return CodeArtifact(
        # The file cdk.json's "agent" names, under ADOT auto-instrumentation (AgentRuntime's default launcher).
        entrypoint=[ADOT_LAUNCHER, config.agent.entrypoint],
        requirements_file=config.agent.requirements,
    )


def _network(scope: Construct, config: EnvironmentConfig) -> VpcPlacement | None:
    if config.vpc is None:
        return None
    vpc = ec2.Vpc.from_vpc_attributes(
        scope,
        "Vpc",
        vpc_id=config.vpc.vpc_id,
        availability_zones=list(config.vpc.availability_zones),
        private_subnet_ids=list(config.vpc.subnet_ids),
        private_subnet_route_table_ids=list(config.vpc.route_table_ids) or None,
    )
    return VpcPlacement(
        vpc=vpc, subnets=ec2.SubnetSelection(subnets=vpc.private_subnets), endpoints=list(config.vpc.endpoints)
    )
