"""Stage 3: ``ToolGateway`` + ``LambdaTool`` — the agent's tools behind an AgentCore Gateway (MCP), no credentials
in the agent.

Built on the stable ``aws_bedrockagentcore.Gateway`` L2, closing its gaps:

* the L2's gateway role trusts the service with no condition (aws-cdk #38780): ours is conditioned on
  ``aws:SourceAccount`` and ``aws:SourceArn``;
* ``add_lambda_target`` grants invoke on ``function:*`` versions and adds no ``AWS::Lambda::Permission`` and no
  ordering, so the first deploy can fail on IAM propagation (aws-cdk #36826): we grant ``lambda:InvokeFunction`` on
  the function ARN only, add the permission with ``SourceArn``, and make the target wait for both.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_bedrockagentcore as agentcore
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager

from agentcore_constructs.acknowledgements import acknowledge
from agentcore_constructs.aws_facts import TOOL_COMPONENT
from agentcore_constructs.components import mark_component
from agentcore_constructs.contract import env_vars as env_contract
from agentcore_constructs.contract import tool_schema
from agentcore_constructs.contract import tools as tool_contract
from agentcore_constructs.keys import refuse_alias
from agentcore_constructs.naming import pascal_case
from agentcore_constructs.props import Problems, exactly_one_source
from agentcore_constructs.python_function import PythonArm64Function
from agentcore_constructs.runtime import SERVICE_PRINCIPAL, AgentRuntime, agentcore_service_principal
from constructs import Construct

_TARGET_NAME = re.compile(r"^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,98}[a-zA-Z0-9])?$")
_GATEWAY_NAME = re.compile(r"^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,98}[a-zA-Z0-9])?$")
#: AgentCore's inline SchemaDefinition type names -> the L2's enum (the rules themselves: contract.tool_schema).
_SCHEMA_TYPES = {name: getattr(agentcore.SchemaDefinitionType, name.upper()) for name in tool_schema.SCHEMA_TYPES}


def _schema_definition(schema: Mapping[str, Any]) -> agentcore.SchemaDefinition:
    return agentcore.SchemaDefinition(
        type=_SCHEMA_TYPES[schema["type"]],
        description=schema.get("description"),
        properties={k: _schema_definition(v) for k, v in schema["properties"].items()}
        if "properties" in schema
        else None,
        required=list(schema["required"]) if "required" in schema else None,
        items=_schema_definition(schema["items"]) if "items" in schema else None,
    )


class LambdaTool(Construct):
    """One tool service behind the gateway: by default an arm64 Python Lambda (Powertools vendored) with its own log
    group and role, or a function you bring (any runtime); optionally its upstream API-key secret.

    Args:
        target_name: Gateway target name; tools are exposed to the agent as ``<target_name>___<tool>``.
        tools: the service's tool declarations in Gateway inline-schema form (``name``, ``description``,
            ``inputSchema``, optional ``outputSchema``) — read from the service's own ``tools.py``, the single
            source. Checked at synth against what AgentCore's SchemaDefinition accepts (``type``, ``description``,
            ``properties``, ``required``, ``items``; one type each): anything else fails naming the tool and path.
        code_root / handler: the Python function to build: the folder holding the service package (and its
            ``requirements.lock``) and the handler path, e.g. ``"order_service.handler.lambda_handler"``. Required
            unless ``existing_function`` is given.
        existing_function: a function you built (any runtime, any ``IFunction``), instead of ``code_root`` /
            ``handler``. The gateway gets invoke permission on it; a ``lambda_.Function`` of this app also gets the
            caller and metrics environment, an imported one a synth warning. Default: none.
        function_props: overrides merged over the created function's defaults (any ``lambda_.Function`` keyword but
            ``code``, ``handler``, ``runtime``, ``architecture``, ``role``, ``log_group``, ``environment``, which the
            construct owns; use ``runtime``/``environment`` above).
            Not with ``existing_function``. Default: none.
        environment: extra environment variables (no credentials: the rule pack checks).
        api_key_secret_env: if set, a Secrets Manager secret is created (random value — set the real key out of
            band) and its ARN passed in this variable; the function may read only that secret. Default: no secret.
        log_retention: retention of the function's log group. Default: one month.
        reserved_concurrency: reserved concurrent executions. Default: none (unreserved pool).
        timeout: function timeout. Default: 15 s (the handler's retry budget fits inside it).
        memory_size: MB. Default: 256.
        runtime: Lambda runtime. Default: Python 3.14 (cdk-nag's L1 rule requires the newest).
        log_encryption_key: KMS key of the function's log group. Default: none.
        secret_encryption_key: customer-managed KMS key of the API-key secret; the function gets decrypt through
            Secrets Manager only. Default: none (the account's ``aws/secretsmanager`` key).

    Attributes: ``function`` (the tool's ``IFunction``), ``role`` and ``log_group`` (None for an imported function),
    ``secret``; ``emits_tool_metrics``: whether the function publishes the Powertools tool metrics the dashboard
    reads (True for the functions this construct builds).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        target_name: str,
        tools: Sequence[Mapping[str, Any]],
        code_root: str | Path | None = None,
        handler: str | None = None,
        existing_function: lambda_.IFunction | None = None,
        function_props: Mapping[str, Any] | None = None,
        environment: Mapping[str, str] | None = None,
        api_key_secret_env: str | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        reserved_concurrency: int | None = None,
        timeout: cdk.Duration = cdk.Duration.seconds(15),
        memory_size: int = 256,
        runtime: lambda_.Runtime = lambda_.Runtime.PYTHON_3_14,
        log_encryption_key: kms.IKey | None = None,
        secret_encryption_key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        owner = f"LambdaTool {self.node.path}"
        if not _TARGET_NAME.match(target_name):
            raise ValueError(f"LambdaTool target_name {target_name!r} must match {_TARGET_NAME.pattern}")
        if not tools:
            raise ValueError(f"LambdaTool {target_name}: tools must declare at least one tool")
        sources = Problems(owner)
        exactly_one_source(sources, "existing_function", existing_function, "function_props", function_props)
        sources.raise_if_any()
        if existing_function is not None and (code_root is not None or handler is not None):
            raise ValueError(f"{owner}: pass existing_function or code_root/handler, not both")
        if existing_function is None and (code_root is None or handler is None):
            raise ValueError(f"{owner}: code_root and handler are required unless existing_function is given")
        problems = [problem for tool in tools for problem in tool_schema.tool_problems(tool)]
        if problems:
            raise ValueError(f"{owner} (target {target_name}): " + "; ".join(problems))
        self.target_name = target_name
        refuse_alias(owner, "secret_encryption_key", secret_encryption_key)
        self.tools = [dict(t) for t in tools]
        # What the Lambda emits, visible in the template: the dashboard's tool row and the readiness pack read it.
        env = {
            tool_contract.POWERTOOLS_METRICS_NAMESPACE_ENV: tool_contract.TOOL_METRICS_NAMESPACE,
            **dict(environment or {}),
        }
        self.secret: secretsmanager.Secret | None = None
        if api_key_secret_env:
            self.secret = secretsmanager.Secret(
                self,
                "ApiKey",
                description=f"API key of the upstream behind tool target {target_name}: set the value out of band "
                'as JSON {"api_key": "..."}; the generated value is random and unusable on purpose.',
                removal_policy=cdk.RemovalPolicy.DESTROY,
                encryption_key=secret_encryption_key,
            )
            env[api_key_secret_env] = self.secret.secret_arn
            acknowledge(
                self.secret,
                "AwsSolutions-SMG4",
                "A third-party API key: rotation is done by the upstream provider, then the new value is put here "
                "(aws secretsmanager put-secret-value); the function picks it up within its cache time.",
            )
        #: The Powertools service name the function emits its metrics under (the dashboard searches for it).
        self.service_name = target_name
        self.lambda_: PythonArm64Function | None = None
        self.function: lambda_.IFunction
        self.role: iam.IRole | None
        self.log_group: logs.ILogGroup | None
        if existing_function is not None:
            self.function, self.role, self.log_group = existing_function, existing_function.role, None
            self.emits_tool_metrics = False
            if isinstance(existing_function, lambda_.Function):
                for name, value in env.items():
                    existing_function.add_environment(name, value)
                mark_component(existing_function, TOOL_COMPONENT)
            else:
                cdk.Annotations.of(self).add_warning_v2(
                    "agentcore-constructs:imported-tool-function",
                    "existing_function is imported: its environment cannot be set here, so it is not told whether "
                    f"the gateway verifies the caller ({tool_contract.CALLER_REQUIRED_ENV}) nor given its secret "
                    "ARN; set them where the function is defined",
                )
        else:
            assert code_root is not None and handler is not None
            self.lambda_ = PythonArm64Function(
                self,
                "Lambda",
                code_root=code_root,
                handler=handler,
                service_name=target_name,
                description=f"AgentCore Gateway tool target {target_name}",
                environment=env,
                log_retention=log_retention,
                reserved_concurrency=reserved_concurrency,
                timeout=timeout,
                memory_size=memory_size,
                runtime=runtime,
                log_encryption_key=log_encryption_key,
                function_props=function_props,
            )
            self.function, self.role, self.log_group = self.lambda_.function, self.lambda_.role, self.lambda_.log_group
            self.emits_tool_metrics = True
            mark_component(self.function, TOOL_COMPONENT)
        if self.secret is not None:
            self._grant_secret_read(self.secret, secret_encryption_key)

    def _grant_secret_read(self, secret: secretsmanager.Secret, key: kms.IKey | None) -> None:
        # In the role's own policy, not the key's: the key may live in another stack (a key-policy grant would make
        # that stack depend on this one), and its default policy lets account principals use IAM.
        statements = [
            iam.PolicyStatement(
                sid="ReadApiKeySecret",
                actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                resources=[secret.secret_arn],
            )
        ]
        if key is not None:
            stack = cdk.Stack.of(self)
            statements.append(
                iam.PolicyStatement(
                    sid="DecryptApiKeySecret",
                    actions=["kms:Decrypt"],
                    resources=[key.key_arn],
                    conditions={
                        "StringEquals": {"kms:ViaService": f"secretsmanager.{stack.region}.{stack.url_suffix}"}
                    },
                )
            )
        for statement in statements:
            self.function.add_to_role_policy(statement)

    def tool_schema(self) -> agentcore.ToolSchema:
        return agentcore.ToolSchema.from_inline(
            [
                agentcore.ToolDefinition(
                    name=t["name"],
                    description=t["description"],
                    input_schema=_schema_definition(t["inputSchema"]),
                    output_schema=_schema_definition(t["outputSchema"]) if "outputSchema" in t else None,
                )
                for t in self.tools
            ]
        )


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
        if not _GATEWAY_NAME.match(gateway_name):
            raise ValueError(f"ToolGateway gateway_name {gateway_name!r} must match {_GATEWAY_NAME.pattern}")
        # A jsii enum-like class: instances do not compare equal, their values do.
        if exception_level is not None and exception_level.value == "DEBUG" and not allow_debug_errors:
            raise ValueError(
                "ToolGateway exception_level DEBUG leaks internals to clients; set allow_debug_errors=True (dev only)"
            )
        stack = cdk.Stack.of(self)
        self.gateway_name = gateway_name
        refuse_alias(f"ToolGateway {self.node.path}", "encryption_key", encryption_key)
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
        if tool.target_name in self.targets:
            raise ValueError(f"ToolGateway {self.gateway_name}: target {tool.target_name!r} already added")
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
        identity's ``gateway_verifier_environment()``)."""
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
        """Give ``runtime``'s agent the gateway: ``GATEWAY_URL`` and, for IAM auth, InvokeGateway on this gateway."""
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
