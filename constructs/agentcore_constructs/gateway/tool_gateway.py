"""``ToolGateway``: the agent's tools behind an AgentCore Gateway (MCP), no credentials in the agent.

Built on the stable ``aws_bedrockagentcore.Gateway`` L2, closing its gaps:

* the L2's gateway role trusts the service with no condition (aws-cdk #38780): ours is conditioned on
  ``aws:SourceAccount`` and ``aws:SourceArn``;
* ``add_lambda_target`` grants invoke on ``function:*`` versions and adds no ``AWS::Lambda::Permission`` and no
  ordering, so the first deploy can fail on IAM propagation (aws-cdk #36826): we grant ``lambda:InvokeFunction`` on
  the function ARN only, add the permission with ``SourceArn``, and make the target wait for both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_bedrockagentcore as agentcore
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_

from agentcore_constructs.contract import env_vars as env_contract
from agentcore_constructs.contract import tools as tool_contract
from agentcore_constructs.gateway.lambda_tool import LambdaTool
from agentcore_constructs.gateway.names import GATEWAY_NAME
from agentcore_constructs.keys import alias_problem
from agentcore_constructs.naming import pascal_case
from agentcore_constructs.props import Problems
from agentcore_constructs.python_function import PythonArm64Function
from agentcore_constructs.runtime import SERVICE_PRINCIPAL, AgentRuntime, agentcore_service_principal
from constructs import Construct


class ToolGateway(Construct):
    """An MCP AgentCore Gateway with semantic tool search, a CMK, a conditioned role and Lambda tool targets.

    Args:
        gateway_name: gateway name (letters, digits, hyphens).
        authorizer: inbound authorizer. Default: AWS_IAM (SigV4). Never "no auth": pass a JWT one for stage 4.
        exception_level: error detail returned to clients. Default: none (generic errors); DEBUG is refused when
            ``allow_debug_errors`` is False.
        allow_debug_errors: permit ``GatewayExceptionLevel.DEBUG``. Default: False (set True in dev only).
        encryption_key: KMS key. Default: a new key with rotation on.
        instructions: MCP server instructions for the agent. Default: none.

    Every prop is checked before anything is created; all problems are raised together as one
    :class:`~agentcore_constructs.props.PropsError` (``ToolGateway <path>: <prop> <what is wrong>`` per line), and so
    are the checks of :meth:`add_lambda_tool`, :meth:`add_request_interceptor` and :meth:`connect_to`.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        gateway_name: str,
        authorizer: agentcore.IGatewayAuthorizerConfig | None = None,
        exception_level: agentcore.GatewayExceptionLevel | None = None,
        allow_debug_errors: bool = False,
        encryption_key: kms.IKey | None = None,
        instructions: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        problems = Problems.of(self)
        problems.check(
            isinstance(gateway_name, str) and GATEWAY_NAME.match(gateway_name),
            "gateway_name",
            f"{gateway_name!r} must match {GATEWAY_NAME.pattern}",
        )
        # A jsii enum-like class: instances do not compare equal, their values do.
        problems.check(
            exception_level is None or exception_level.value != "DEBUG" or allow_debug_errors,
            "exception_level",
            "DEBUG leaks internals to clients; set allow_debug_errors=True (dev only)",
        )
        key_problem = alias_problem(encryption_key)
        if key_problem is not None:
            problems.add("encryption_key", key_problem)
        problems.raise_if_any()
        stack = cdk.Stack.of(self)
        self.gateway_name = gateway_name
        self.key = encryption_key or kms.Key(
            self,
            "Key",
            description=f"Encrypts AgentCore gateway {gateway_name}",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        self.role = iam.Role(
            self,
            "Role",
            description=f"Role AgentCore gateway {gateway_name} uses to call its targets",
            assumed_by=agentcore_service_principal(stack, f"gateway/{gateway_name}-*"),
        )
        self.policy = iam.Policy(self, "TargetsPolicy", roles=[self.role])
        # What the gateway service role needs on a customer-managed key (AgentCore "gateway encryption" guide),
        # only when the call comes through AgentCore.
        self.policy.add_statements(
            iam.PolicyStatement(
                sid="UseGatewayKey",
                actions=["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"],
                resources=[self.key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"bedrock-agentcore.{stack.region}.{stack.url_suffix}"}},
            )
        )

        self.gateway = agentcore.Gateway(
            self,
            "Gateway",
            gateway_name=gateway_name,
            authorizer_configuration=authorizer or agentcore.GatewayAuthorizer.using_aws_iam(),
            exception_level=exception_level,
            kms_key=self.key,
            # The L2 may only read this role: its target grants cover function versions ("<arn>:*").
            role=self.role.without_policy_updates(),
            protocol_configuration=agentcore.McpProtocolConfiguration(
                instructions=instructions, search_type=agentcore.McpGatewaySearchType.SEMANTIC
            ),
        )
        self.cfn_gateway: agentcore.CfnGateway = self.gateway.node.default_child  # type: ignore[assignment]
        self.targets: dict[str, agentcore.GatewayTarget] = {}
        self.request_interceptor: PythonArm64Function | None = None
        self.tools: list[LambdaTool] = []
        self._after_all_targets: list[Construct] = []

    def add_lambda_tool(self, tool: LambdaTool) -> agentcore.GatewayTarget:
        """Expose ``tool`` as a target: invoke permission on that function only, ordered so the first deploy works."""
        problems = Problems.of(self)
        problems.check(
            tool.target_name not in self.targets,
            "tool",
            f"target {tool.target_name!r} is already added (one target per name)",
        )
        problems.raise_if_any()
        self.policy.add_statements(
            iam.PolicyStatement(
                sid=f"Invoke{pascal_case(tool.target_name)}",
                actions=["lambda:InvokeFunction"],
                resources=[tool.function.function_arn],
            )
        )
        permission = lambda_.CfnPermission(
            self,
            f"{pascal_case(tool.target_name)}InvokePermission",
            action="lambda:InvokeFunction",
            function_name=tool.function.function_arn,
            principal=SERVICE_PRINCIPAL,
            source_arn=self.gateway.gateway_arn,
            source_account=cdk.Stack.of(self).account,
        )
        target = self.gateway.add_lambda_target(
            pascal_case(tool.target_name),
            gateway_target_name=tool.target_name,
            lambda_function=tool.function,
            tool_schema=tool.tool_schema(),
            description=f"Lambda tools of {tool.target_name}",
        )
        target.node.add_dependency(self.policy, permission)
        # Fail closed unless this gateway has no caller interceptor (stage 3 without identity); decided at synth,
        # whatever the order in which tools and the interceptor are added.
        if isinstance(tool.function, lambda_.Function):
            tool.function.add_environment(tool_contract.CALLER_REQUIRED_ENV, cdk.Lazy.string(_CallerRequired(self)))
        self.targets[tool.target_name] = target
        self.tools.append(tool)
        for dependent in self._after_all_targets:
            dependent.node.add_dependency(target)
        return target

    def deploy_after_all_targets(self, dependent: Construct) -> None:
        """Make ``dependent`` deploy after every target of this gateway, those added so far and those added later.

        For resources AgentCore validates against the gateway's tools: a Cedar policy is checked against the schema
        the policy engine generates from the gateway's MCP tool manifest (developer guide, "Schema constraints":
        https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/policy-schema-constraints.html), so created
        in parallel with a target it can name a tool that does not exist yet and fail the deploy.
        """
        self._after_all_targets.append(dependent)
        for target in self.targets.values():
            dependent.node.add_dependency(target)

    def tool_input_schemas(self) -> dict[str, Mapping[str, Any]]:
        """``{MCP tool name as the gateway lists it (<target>___<tool>): its inputSchema}`` of every target."""
        return {
            f"{tool.target_name}{tool_contract.TOOL_NAME_DELIMITER}{declared['name']}": declared["inputSchema"]
            for tool in self.tools
            for declared in tool.tools
        }

    def add_request_interceptor(self, interceptor: PythonArm64Function) -> None:
        """Run ``interceptor`` on every request before a target is called, with the request headers (it verifies the
        caller's token itself and writes the verified caller into the tool arguments of our targets; give it the
        identity's ``gateway_verifier_environment()``). A gateway takes one interceptor: a second fails."""
        problems = Problems.of(self)
        problems.check(
            self.request_interceptor is None,
            "interceptor",
            f"{interceptor.node.path}: the gateway already has a request interceptor "
            f"({self.request_interceptor.node.path if self.request_interceptor else ''})",
        )
        problems.raise_if_any()
        self.policy.add_statements(
            iam.PolicyStatement(
                sid="InvokeRequestInterceptor",
                actions=["lambda:InvokeFunction"],
                resources=[interceptor.function.function_arn],
            )
        )
        lambda_.CfnPermission(
            self,
            "InterceptorInvokePermission",
            action="lambda:InvokeFunction",
            function_name=interceptor.function.function_arn,
            principal=SERVICE_PRINCIPAL,
            source_arn=self.gateway.gateway_arn,
            source_account=cdk.Stack.of(self).account,
        )
        self.gateway.add_interceptor(
            agentcore.LambdaInterceptor.for_request(interceptor.function, pass_request_headers=True)
        )
        # Which tool calls are ours (the interceptor leaves the built-in search tool and foreign targets alone).
        interceptor.function.add_environment(tool_contract.INTERCEPTED_TARGETS_ENV, cdk.Lazy.string(_TargetNames(self)))
        # The gateway calls the interceptor on its first request: its role's policy must exist before the gateway.
        self.cfn_gateway.node.add_dependency(self.policy)
        self.request_interceptor = interceptor

    def connect_to(self, runtime: AgentRuntime) -> None:
        """Give ``runtime``'s agent the gateway: ``GATEWAY_URL`` and, for IAM auth, InvokeGateway on this gateway.
        The agent reads one gateway: a runtime already connected to one fails."""
        problems = Problems.of(self)
        problems.check(
            env_contract.GATEWAY_URL.name not in runtime.connected_variables,
            "runtime",
            f"{runtime.node.path} is already connected to a gateway (the agent reads one "
            f"{env_contract.GATEWAY_URL.name})",
        )
        problems.raise_if_any()
        runtime.add_environment(env_contract.GATEWAY_URL, self.gateway.gateway_url or "")
        runtime.add_to_execution_policy(
            iam.PolicyStatement(
                sid="InvokeToolGateway",
                actions=["bedrock-agentcore:InvokeGateway"],
                resources=[self.gateway.gateway_arn],
            )
        )


@jsii.implements(cdk.IStableStringProducer)
class _TargetNames:
    def __init__(self, gateway: ToolGateway) -> None:
        self._gateway = gateway

    def produce(self) -> str:
        return " ".join(sorted(self._gateway.targets))


@jsii.implements(cdk.IStableStringProducer)
class _CallerRequired:
    def __init__(self, gateway: ToolGateway) -> None:
        self._gateway = gateway

    def produce(self) -> str:
        return "true" if self._gateway.request_interceptor is not None else "false"
