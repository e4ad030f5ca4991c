"""``LambdaTool``: one tool service behind the gateway, a function this library builds or one you bring."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_bedrockagentcore as agentcore
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager

from agentcore_constructs.acknowledgements import acknowledge
from agentcore_constructs.aws_facts import TOOL_COMPONENT
from agentcore_constructs.components import mark_component
from agentcore_constructs.contract import tool_schema
from agentcore_constructs.contract import tools as tool_contract
from agentcore_constructs.gateway.names import TARGET_NAME
from agentcore_constructs.gateway.options import ToolFunction
from agentcore_constructs.gateway.schema import inline_tool_schema
from agentcore_constructs.keys import alias_problem
from agentcore_constructs.props import Problems, collect_merged, exactly_one_source
from agentcore_constructs.python_function import _OWNED_FUNCTION_PROPS, PythonArm64Function
from constructs import Construct


class LambdaTool(Construct):
    """One tool service behind the gateway: by default an arm64 Python Lambda (Powertools vendored) with its own log
    group and role, or a function you bring (any runtime); optionally its upstream API-key secret.

    Args:
        target_name: Gateway target name; tools are exposed to the agent as ``<target_name>___<tool>``.
        tools: the service's tool declarations in Gateway inline-schema form (``name``, ``description``,
            ``inputSchema``, optional ``outputSchema``) — read from the service's own ``tools.py``, the single
            source. Checked at synth against what AgentCore's SchemaDefinition accepts (``type``, ``description``,
            ``properties``, ``required``, ``items``; one type each): anything else fails naming the tool and path.
        function: the Python function to build (:class:`ToolFunction`: code root, handler, timeout, memory,
            reserved concurrency). Required unless ``existing_function`` is given.
        function_props: overrides merged over the created function's defaults (any ``lambda_.Function`` keyword but
            ``code``, ``handler``, ``runtime``, ``architecture``, ``role``, ``log_group``, ``environment``, which the
            construct owns; use ``runtime``/``environment`` here). Not with ``existing_function``. Default: none.
        existing_function: a function you built (any runtime, any ``IFunction``), instead of ``function``. The
            gateway gets invoke permission on it; a ``lambda_.Function`` of this app also gets the caller and metrics
            environment, an imported one a synth warning. Default: none.
        environment: extra environment variables (no credentials: the rule pack checks). Default: none.
        api_key_secret_env: if set, a Secrets Manager secret is created (random value — set the real key out of
            band) and its ARN passed in this variable; the function may read only that secret. Default: no secret.
        runtime: Lambda runtime of the created function. Default: Python 3.14 (cdk-nag's L1 rule requires the newest).
        log_retention: retention of the created function's log group. Default: one month.
        log_encryption_key: KMS key of the created function's log group (not with ``existing_function``).
            Default: none.
        secret_encryption_key: customer-managed KMS key of the API-key secret; the function gets decrypt through
            Secrets Manager only. Default: none (the account's ``aws/secretsmanager`` key).

    Every prop is checked before anything is created; all problems are raised together as one
    :class:`~agentcore_constructs.props.PropsError` (``LambdaTool <path>: <prop> <what is wrong>`` per line).

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
        function: ToolFunction | None = None,
        function_props: Mapping[str, Any] | None = None,
        existing_function: lambda_.IFunction | None = None,
        environment: Mapping[str, str] | None = None,
        api_key_secret_env: str | None = None,
        runtime: lambda_.Runtime = lambda_.Runtime.PYTHON_3_14,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        log_encryption_key: kms.IKey | None = None,
        secret_encryption_key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        problems = Problems.of(self)
        problems.check(
            isinstance(target_name, str) and TARGET_NAME.match(target_name),
            "target_name",
            f"{target_name!r} must match {TARGET_NAME.pattern}",
        )
        problems.check(tools, "tools", "must declare at least one tool")
        for tool in tools:
            problems.extend(
                ("tools", f"entry {problem.removeprefix('tool ')}") for problem in tool_schema.tool_problems(tool)
            )
        exactly_one_source(problems, "existing_function", existing_function, "function", function)
        exactly_one_source(problems, "existing_function", existing_function, "function_props", function_props)
        if function is not None:
            problems.extend((f"function.{prop}", problem) for prop, problem in function.problems())
        elif existing_function is None:
            problems.add("function", "is required unless existing_function is given (ToolFunction(code_root, handler))")
        if existing_function is not None and log_encryption_key is not None:
            problems.add("log_encryption_key", "applies to the function LambdaTool creates: not with existing_function")
        collect_merged(problems, "function_props", {}, function_props, lambda_.Function, fixed=_OWNED_FUNCTION_PROPS)
        for prop, key in (("log_encryption_key", log_encryption_key), ("secret_encryption_key", secret_encryption_key)):
            problem = alias_problem(key)
            if problem is not None:
                problems.add(prop, problem)
        problems.raise_if_any()

        self.target_name = target_name
        self.tools = [dict(t) for t in tools]
        #: The Powertools service name the function emits its metrics under (the dashboard searches for it).
        self.service_name = target_name
        # What the Lambda emits, visible in the template: the dashboard's tool row and the readiness pack read it.
        env = {
            tool_contract.POWERTOOLS_METRICS_NAMESPACE_ENV: tool_contract.TOOL_METRICS_NAMESPACE,
            **dict(environment or {}),
        }
        self.secret: secretsmanager.Secret | None = None
        if api_key_secret_env:
            self.secret = self._create_secret(secret_encryption_key)
            env[api_key_secret_env] = self.secret.secret_arn
        self.lambda_: PythonArm64Function | None = None
        self.function: lambda_.IFunction
        self.role: iam.IRole | None
        self.log_group: logs.ILogGroup | None
        if existing_function is not None:
            self._use_existing(existing_function, env)
        else:
            assert function is not None
            self.lambda_ = PythonArm64Function(
                self,
                "Lambda",
                code_root=function.code_root,
                handler=function.handler,
                service_name=target_name,
                description=f"AgentCore Gateway tool target {target_name}",
                environment=env,
                log_retention=log_retention,
                reserved_concurrency=function.reserved_concurrency,
                timeout=cdk.Duration.seconds(function.timeout_seconds),
                memory_size=function.memory_size,
                runtime=runtime,
                log_encryption_key=log_encryption_key,
                function_props=function_props,
            )
            self.function, self.role, self.log_group = self.lambda_.function, self.lambda_.role, self.lambda_.log_group
            self.emits_tool_metrics = True
            mark_component(self.function, TOOL_COMPONENT)
        if self.secret is not None:
            self._grant_secret_read(self.secret, secret_encryption_key)

    def _create_secret(self, key: kms.IKey | None) -> secretsmanager.Secret:
        secret = secretsmanager.Secret(
            self,
            "ApiKey",
            description=f"API key of the upstream behind tool target {self.target_name}: set the value out of band "
            'as JSON {"api_key": "..."}; the generated value is random and unusable on purpose.',
            removal_policy=cdk.RemovalPolicy.DESTROY,
            encryption_key=key,
        )
        acknowledge(
            secret,
            "AwsSolutions-SMG4",
            "A third-party API key: rotation is done by the upstream provider, then the new value is put here "
            "(aws secretsmanager put-secret-value); the function picks it up within its cache time.",
        )
        return secret

    def _use_existing(self, existing_function: lambda_.IFunction, env: dict[str, str]) -> None:
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
        """The tools as the gateway target's inline tool schema."""
        return inline_tool_schema(self.tools)
