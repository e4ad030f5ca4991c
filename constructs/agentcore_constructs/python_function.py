"""An arm64 Python Lambda the way every function of this library is built: dependencies vendored from the code
root's ``requirements.lock``, its own log group with retention, its own role (no AWSLambdaBasicExecutionRole, whose
log grant covers every log group), active X-Ray tracing."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

from agentcore_constructs.acknowledgements import (
    acknowledge_cfn_lint,
    acknowledge_checkov,
    acknowledge_wildcard_resource,
)
from agentcore_constructs.bundling import (
    LockFileError,
    read_lock,
    runtime_package_files,
    source_fingerprint,
    vendored_python_bundling,
)
from agentcore_constructs.imports import handler_problem
from agentcore_constructs.keys import check_not_alias, key_for_log_groups
from agentcore_constructs.props import Problems, merged_props, override_problems
from constructs import Construct

#: What the construct's guarantees rest on: the arm64 bundle for this runtime, the scoped role, the own log group.
_OWNED_FUNCTION_PROPS = ("code", "handler", "runtime", "architecture", "role", "log_group", "environment")


class PythonArm64Function(Construct):
    """Args:
        code_root: folder with the handler's package (and ``requirements.lock``, a complete lock installed for
            arm64 if present; the library's contract and kit are copied in when the code imports
            ``agentcore_constructs`` and the lock does not pin ``agentcore-constructs``).
        handler: e.g. ``"order_service.handler.lambda_handler"``.
        service_name: Powertools service name (``POWERTOOLS_SERVICE_NAME``).
        description: function description.
        environment: extra environment variables. Default: none.
        log_retention: Default: one month.
        reserved_concurrency: Default: none (unreserved pool).
        timeout: Default: 15 s.
        memory_size: MB. Default: 256.
        runtime: Default: Python 3.14 (cdk-nag's L1 rule requires the newest).
        log_encryption_key: KMS key of the log group (not an alias; a ``kms.Key`` of this app gets the CloudWatch
            Logs key-policy statement, an imported key a synth warning). Default: none.
        function_props: overrides merged over the defaults above (any ``lambda_.Function`` keyword but ``code``,
            ``handler``, ``runtime``, ``architecture``, ``role``, ``log_group``, ``environment``: the arm64 bundle,
            the scoped role, the log group and the metrics contract rest on them; use ``environment`` above).
            Default: none.

    Attributes: ``function``, ``role``, ``log_group``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        code_root: str | Path,
        handler: str,
        service_name: str,
        description: str,
        environment: Mapping[str, str] | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        reserved_concurrency: int | None = None,
        timeout: cdk.Duration = cdk.Duration.seconds(15),
        memory_size: int = 256,
        runtime: lambda_.Runtime = lambda_.Runtime.PYTHON_3_14,
        log_encryption_key: kms.IKey | None = None,
        function_props: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        problems = Problems.of(self)
        code_path = Path(code_root)
        if problems.check(code_path.is_dir(), "code_root", f"{str(code_path)!r} is not a directory"):
            problem = handler_problem(code_path, handler)
            if problem is not None:
                # handler_problem's text starts with the prop it is about.
                problems.add(
                    "handler", f"{problem.removeprefix('handler ')}: the function would fail at its first invocation"
                )
        problems.check(
            reserved_concurrency is None or reserved_concurrency >= 1,
            "reserved_concurrency",
            f"{reserved_concurrency} must be >= 1",
        )
        check_not_alias(problems, "log_encryption_key", log_encryption_key)
        problems.extend(
            override_problems("function_props", function_props, lambda_.Function, fixed=_OWNED_FUNCTION_PROPS)
        )
        requirements = code_path / "requirements.lock"
        lock = None
        try:
            lock = read_lock(requirements) if requirements.is_file() else None
        except LockFileError as error:
            problems.add("code_root", f"holds a lock that cannot be installed: {error}")
        problems.raise_if_any()

        log_encryption_key = key_for_log_groups(self, problems.owner, "log_encryption_key", log_encryption_key)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            retention=log_retention,
            encryption_key=log_encryption_key,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        self.role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        self.log_group.grant_write(self.role)

        python_version = runtime.name.removeprefix("python")
        contract_files = runtime_package_files(code_path, lock)
        defaults: dict[str, Any] = dict(
            runtime=runtime,
            architecture=lambda_.Architecture.ARM_64,
            handler=handler,
            code=lambda_.Code.from_asset(
                str(code_path),
                asset_hash_type=cdk.AssetHashType.CUSTOM,
                asset_hash=source_fingerprint(
                    code_path, *contract_files.values(), extra=f"lambda-arm64-py{python_version}"
                ),
                bundling=vendored_python_bundling(
                    source_dir=code_path,
                    requirements_file=requirements if requirements.is_file() else None,
                    python_version=python_version,
                    extra_files=contract_files,
                    owner=problems.owner,
                ),
            ),
            role=self.role,
            log_group=self.log_group,
            tracing=lambda_.Tracing.ACTIVE,
            timeout=timeout,
            memory_size=memory_size,
            reserved_concurrent_executions=reserved_concurrency,
            environment={"POWERTOOLS_SERVICE_NAME": service_name, **dict(environment or {})},
            description=description,
        )
        props = merged_props(
            problems.owner, "function_props", defaults, function_props, lambda_.Function, fixed=_OWNED_FUNCTION_PROPS
        )
        self.function = lambda_.Function(self, "Function", **props)
        acknowledge_cfn_lint(
            self.function.node.default_child,  # type: ignore[arg-type]
            "W3005",
            "aws-cdk-lib's Function adds DependsOn on its role next to the GetAtt; the role's policy dependency is "
            "needed.",
        )
        self._acknowledge_checkov(props.get("reserved_concurrent_executions"))
        # Active tracing adds X-Ray upload to the role's default policy; X-Ray has no resource-level permissions.
        acknowledge_wildcard_resource(
            self.role, "*", "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions."
        )

    def _acknowledge_checkov(self, reserved_concurrency: int | None) -> None:
        cfn = self.function.node.default_child
        assert isinstance(cfn, cdk.CfnResource)
        acknowledge_checkov(
            cfn,
            "CKV_AWS_116",
            "Invoked synchronously only (AgentCore Gateway targets and interceptors, Cognito triggers): a dead-letter "
            "queue applies to asynchronous invocations; errors return to the caller as a structured answer.",
        )
        acknowledge_checkov(
            cfn,
            "CKV_AWS_117",
            "Reaches only public HTTPS endpoints (its upstream API, AWS APIs): no VPC-only resource to reach, so a VPC "
            "would add NAT cost and cold-start time for no isolation gain.",
        )
        acknowledge_checkov(
            cfn,
            "CKV_AWS_173",
            "The environment holds no secrets (ARNs and settings only; secrets stay in Secrets Manager and the "
            "readiness pack fails on credential-like values); Lambda encrypts it at rest with its AWS managed key.",
        )
        if reserved_concurrency is None:
            acknowledge_checkov(
                cfn,
                "CKV_AWS_115",
                "No reserved concurrency configured for this function (reserved_concurrency / cdk.json "
                "tool_reserved_concurrency): it draws on the account's unreserved pool.",
            )
