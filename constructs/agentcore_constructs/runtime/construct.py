"""``AgentRuntime``: checks every prop, then composes the role and its policies (:mod:`.permissions`), the artifact
(:mod:`.artifact`), the network placement (:mod:`.network`) and the L2 runtime with its endpoint."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_bedrockagentcore as agentcore
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3_assets as s3_assets

from agentcore_constructs.aws_facts import VPC_ENDPOINTS_METADATA
from agentcore_constructs.consumption import scan_agent_source
from agentcore_constructs.contract import env_vars as env_contract
from agentcore_constructs.contract.consumers import METADATA_KEY, SOURCE_METADATA_KEY
from agentcore_constructs.keys import key_for_log_groups
from agentcore_constructs.options import InvocationLimits, RetryPolicy, SessionLifecycle
from agentcore_constructs.props import Problems, PropsError
from agentcore_constructs.runtime import artifact as artifacts
from agentcore_constructs.runtime import permissions, validation
from agentcore_constructs.runtime.environment import agent_environment, jwt_authorizer
from agentcore_constructs.runtime.network import network_configuration
from agentcore_constructs.runtime.options import (
    LATEST_VERSION,
    CodeArtifact,
    ContainerArtifact,
    RuntimeArtifactKind,
    VpcPlacement,
)
from constructs import Construct


class AgentRuntime(Construct):
    """An AgentCore Runtime with a scoped execution role, one named endpoint, logs, traces and lifecycle limits.

    Every prop is checked before anything is created: one :class:`~agentcore_constructs.props.PropsError` names
    every problem, each line ``AgentRuntime <path>: <prop> <what is wrong>``.

    Args:
        runtime_name: AgentCore runtime name (``[a-zA-Z][a-zA-Z0-9_]{0,47}``). Also scopes the role's trust and log
            permissions, so it must be unique per account and Region.
        source_dir: folder of the agent (the zip root for code, the Docker context for a container).
        model_id: what the agent invokes: a Bedrock foundation-model id, a system-defined inference-profile id
            (``us.``/``eu.``/``global.``...), or the ARN of either or of an application inference profile.
        model_source_id: for an application inference profile only: the foundation model or system-defined
            inference profile it was copied from (id or ARN; its ``modelSource.copyFrom``), whose models are
            granted too. Default: none (required for application profiles).
        endpoint_name: name of the endpoint clients call. Default: ``"live"``.
        endpoint_version: the runtime version the endpoint serves: a version number (``"3"``) pins it, so a new
            deploy creates a version without serving it and promotion/rollback is a one-line change; ``"latest"``
            moves the endpoint to the newest version on every deploy (a named endpoint never follows the latest
            version by itself: AgentCore guide, "agent-runtime-versioning"). Creating a runtime makes version "1".
            Default: ``"latest"``.
        environment_name: deployment environment name, passed to the agent. Default: ``endpoint_name``.
        artifact: how the agent is packaged: :class:`CodeArtifact` (a zip with vendored arm64 wheels: entrypoint,
            Python version, lock, bytecode) or :class:`ContainerArtifact` (an arm64 image from ``source_dir``'s
            Dockerfile). Default: ``CodeArtifact()``.
        model_routed_regions: override the destination Regions of a cross-Region inference profile.
            Default: the geo's documented Regions.
        log_retention: retention of every log group the construct creates. Default: one month.
        retry: the agent's retry policy for every remote call, passed through the env-var contract (the
            production-readiness pack checks it is set). Default: ``RetryPolicy()`` (4 attempts, adaptive, 60 s).
        limits: what one invocation may spend (turns, tokens, wall-clock seconds). Default: ``InvocationLimits()``
            (8 turns, 100,000 tokens, 120 s).
        lifecycle: session idle timeout and maximum lifetime. Default: ``SessionLifecycle()`` (15 minutes, 8 hours).
        model_provider: ``"bedrock"`` (default) or ``"offline"``.
        log_level: the agent's log level. Default: ``"INFO"``.
        adot_instrumentation: run the agent under ADOT (OpenTelemetry) auto-instrumentation. Default: True.
        description: runtime description. Default: none.
        platform_version: the Runtime platform (CloudFormation ``PlatformVersion``): ``"V1"`` or ``"V2"`` (faster,
            snapshot-based starts; the agent must do nothing at import a snapshot can't carry: no open sockets, no
            threads, no clock or random values captured at import). Default: the service default (not rendered).
        log_encryption_key: KMS key (not an alias) for the log groups the construct creates. A ``kms.Key`` of this
            app gets the key-policy statement CloudWatch Logs needs (:func:`agentcore_constructs.keys.
            allow_cloudwatch_logs`); an imported key gets a synth warning naming it. Default: none (SSE by
            CloudWatch Logs).
        network: :class:`VpcPlacement` runs the runtime in private subnets of a VPC (with an egress-only security
            group unless it names its own) and records the endpoint services it provides. Default: None, the PUBLIC
            network mode.
        existing_role: an execution role to use instead of creating one. The construct attaches its scoped
            policies to it; its trust policy is yours: it must let ``bedrock-agentcore.amazonaws.com`` assume it,
            conditioned on ``aws:SourceAccount`` and ``aws:SourceArn`` (``runtime/<runtime_name>-*``), and the
            construct warns at synth to say so. Default: a new role with that trust.

    Inbound auth is IAM (SigV4) until :meth:`use_jwt_authorizer` sets a custom JWT authorizer (stage 4).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        runtime_name: str,
        source_dir: str | Path,
        model_id: str,
        model_source_id: str | None = None,
        endpoint_name: str = "live",
        endpoint_version: str = LATEST_VERSION,
        environment_name: str | None = None,
        artifact: CodeArtifact | ContainerArtifact = CodeArtifact(),
        model_routed_regions: Sequence[str] | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        retry: RetryPolicy = RetryPolicy(),
        limits: InvocationLimits = InvocationLimits(),
        lifecycle: SessionLifecycle = SessionLifecycle(),
        model_provider: str = "bedrock",
        log_level: str = "INFO",
        adot_instrumentation: bool = True,
        description: str | None = None,
        platform_version: str | None = None,
        log_encryption_key: kms.IKey | None = None,
        network: VpcPlacement | None = None,
        existing_role: iam.IRole | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        source_path = Path(source_dir)
        problems = Problems.of(self)
        artifact_checkable = validation.check_props(
            problems,
            runtime_name=runtime_name,
            endpoint_name=endpoint_name,
            endpoint_version=endpoint_version,
            source_path=source_path,
            artifact=artifact,
            retry=retry,
            limits=limits,
            lifecycle=lifecycle,
            model_provider=model_provider,
            log_level=log_level,
            platform_version=platform_version,
            network=network,
            log_encryption_key=log_encryption_key,
        )
        model_access = validation.model_access(problems, stack, model_id, model_routed_regions, model_source_id)
        code_plan = (
            artifacts.plan_code(self, problems, source_path, artifact, adot_instrumentation)
            if artifact_checkable and isinstance(artifact, CodeArtifact)
            else None
        )
        problems.raise_if_any()
        assert model_access is not None  # recorded as a problem otherwise

        self.runtime_name = runtime_name
        self.endpoint_name = endpoint_name
        self.artifact = artifact
        self.artifact_kind: RuntimeArtifactKind = artifact.kind
        self.retry, self.limits, self.lifecycle = retry, limits, lifecycle
        #: The per-invocation wall-time limit (seconds): no invocation, so no latency datapoint, lasts longer.
        self.max_invocation_seconds = limits.max_seconds
        self.model_access = model_access

        self.role = permissions.execution_role(self, runtime_name, existing_role)
        # Everything the agent is granted lands in this one policy; the runtime waits for it.
        self.policy = iam.Policy(self, "ExecutionPolicy", roles=[self.role])
        for statement in model_access.policy_statements():
            self.policy.add_statements(statement)
        self._log_encryption_key = key_for_log_groups(
            self, f"AgentRuntime {self.node.path}", "log_encryption_key", log_encryption_key
        )
        self.log_group = logs.LogGroup(
            self,
            "ApplicationLogs",
            retention=log_retention,
            encryption_key=self._log_encryption_key,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        self.logs_policy = permissions.runtime_logs_policy(self, self.role, runtime_name)
        self.tracing_policy, self.metrics_policy = permissions.telemetry_policies(self, self.role)
        self.runtime_dependency_policies = [self.logs_policy, self.tracing_policy, self.metrics_policy]

        #: What the agent's source consumes and does, read statically at synth (``agentcore_constructs.consumption``).
        self.agent_source = scan_agent_source(source_path)
        #: The contract variables the agent's source consumes (kit modules it imports, memory only when called,
        #: variables it names); recorded on the runtime and in the bundle, compared with the stages provided by
        #: the readiness pack.
        self.consumes = self.agent_source.consumes
        self.code_asset: s3_assets.Asset | None = None
        self.image_asset: ecr_assets.DockerImageAsset | None = None
        #: The interpreter that compiles the bundle's bytecode (None: the bundle ships sources only).
        self.bytecode_python: str | None = None
        #: Whether the library's contract and kit are copied into the bundle (the code imports them and the lock
        #: does not pin agentcore-constructs itself).
        self.ships_runtime_package = False
        runtime_artifact = (
            artifacts.build_code(self, code_plan) if code_plan else artifacts.build_image(self, source_path)
        )

        #: VPC mode: the VPC, the subnet selection and every security group of the runtime's interfaces.
        self.vpc: ec2.IVpc | None
        self.vpc_subnets: ec2.SubnetSelection | None
        self.network_security_groups: list[ec2.ISecurityGroup]
        self.security_group: ec2.ISecurityGroup | None
        self.runtime = agentcore.Runtime(
            self,
            "Runtime",
            runtime_name=runtime_name,
            platform_version=agentcore.PlatformVersion.of(platform_version) if platform_version else None,
            agent_runtime_artifact=runtime_artifact,
            # The L2 may only *read* this role: its own grants are account-wide, ours are in .permissions.
            execution_role=permissions.read_only_role(self, self.role),
            description=description,
            environment_variables=agent_environment(
                model_provider=model_provider,
                model_id=model_id,
                region=stack.region,
                retry=retry,
                limits=limits,
                log_level=log_level,
                environment_name=environment_name or endpoint_name,
                adot_instrumentation=adot_instrumentation,
            ),
            lifecycle_configuration=agentcore.LifecycleConfiguration(
                idle_runtime_session_timeout=cdk.Duration.seconds(lifecycle.idle_timeout_seconds),
                max_lifetime=cdk.Duration.seconds(lifecycle.max_lifetime_seconds),
            ),
            network_configuration=network_configuration(self, network),
            tracing_enabled=True,
            logging_configs=[
                agentcore.LoggingConfig(
                    destination=agentcore.LoggingDestination.cloud_watch_logs(self.log_group),
                    log_type=agentcore.LogType.APPLICATION_LOGS,
                )
            ],
        )
        self.cfn_runtime: agentcore.CfnRuntime = self.runtime.node.default_child  # type: ignore[assignment]
        self.cfn_runtime.add_metadata(METADATA_KEY, self.consumes)
        source_facts = self.agent_source.metadata()
        if source_facts:  # hard-coded credentials, direct HTTP calls, memory imported but never called
            self.cfn_runtime.add_metadata(SOURCE_METADATA_KEY, source_facts)
        if network is not None:
            self.cfn_runtime.add_metadata(VPC_ENDPOINTS_METADATA, sorted(network.endpoints))
        self.jwt_authorizer: dict | None = None
        #: Names of the contract variables later stages set (GATEWAY_URL, MEMORY_ID, AUTH_DISCOVERY_URL, ...).
        self.connected_variables: set[str] = set()
        self.runtime.node.add_dependency(self.policy, *self.runtime_dependency_policies)
        permissions.acknowledge_upstream_redundant_depends_on(self.runtime, self.cfn_runtime)

        #: The version the endpoint serves: the literal pin, or the runtime's newest version ("latest").
        self.endpoint_version = endpoint_version
        self.endpoint = agentcore.RuntimeEndpoint(
            self,
            "Endpoint",
            endpoint_name=endpoint_name,
            agent_runtime_id=self.runtime.agent_runtime_id,
            agent_runtime_version=(
                self.runtime.agent_runtime_version if endpoint_version == LATEST_VERSION else endpoint_version
            ),
            description=f"{endpoint_name} endpoint of {runtime_name}",
        )
        self.canary_endpoint: agentcore.RuntimeEndpoint | None = None

    def add_canary_endpoint(self, endpoint_name: str = "canary") -> agentcore.RuntimeEndpoint:
        """An endpoint that serves the runtime's newest version, so a new version is exercised (e2e, evaluations)
        before the pinned endpoint is moved to it. Needs a pinned main endpoint: with ``"latest"`` both would serve
        the same version. AgentCore's ``DEFAULT`` endpoint also follows the newest version (AgentCore developer guide,
        "AgentCore Runtime versioning and endpoints"), but it is the service's, not named per environment."""
        problems = Problems.of(self)
        validation.check_canary(
            problems, self.canary_endpoint is not None, endpoint_name, self.endpoint_name, self.endpoint_version
        )
        problems.raise_if_any()
        self.canary_endpoint = agentcore.RuntimeEndpoint(
            self,
            "CanaryEndpoint",
            endpoint_name=endpoint_name,
            agent_runtime_id=self.runtime.agent_runtime_id,
            agent_runtime_version=self.runtime.agent_runtime_version,
            description=f"{endpoint_name} endpoint of {self.runtime_name}: the newest version",
        )
        return self.canary_endpoint

    # ---- connecting later stages -------------------------------------------------------------------------------

    def add_environment(self, variable: env_contract.EnvVar, value: str) -> None:
        """Set one variable of the env-var contract on the runtime (the only way stages talk to the agent)."""
        if variable not in env_contract.ALL:
            raise PropsError(
                f"AgentRuntime {self.node.path}",
                [f"add_environment {variable.name} is not part of agentcore_constructs.contract.env_vars"],
            )
        self.cfn_runtime.add_property_override(f"EnvironmentVariables.{variable.name}", value)
        self.connected_variables.add(variable.name)

    def use_jwt_authorizer(
        self,
        *,
        discovery_url: str,
        allowed_clients: Sequence[str] = (),
        allowed_scopes: Sequence[str] = (),
        allowed_audiences: Sequence[str] = (),
    ) -> None:
        """Replace IAM (SigV4) inbound auth with a custom JWT authorizer, forward the ``Authorization`` header to
        the agent, and give the agent the same settings (``AUTH_*``) so it verifies the token itself.

        ``allowed_clients`` are matched against the token's ``client_id`` claim, ``allowed_audiences`` against
        ``aud`` (at least one of the two), ``allowed_scopes`` against ``scope`` (required: one surface, one scope)."""
        problems = Problems.of(self)
        validation.check_jwt_authorizer(problems, allowed_clients, allowed_scopes, allowed_audiences)
        problems.raise_if_any()
        self.jwt_authorizer, settings = jwt_authorizer(
            discovery_url, allowed_clients, allowed_scopes, allowed_audiences
        )
        self.cfn_runtime.add_property_override("AuthorizerConfiguration", {"CustomJWTAuthorizer": self.jwt_authorizer})
        self.cfn_runtime.add_property_override(
            "RequestHeaderConfiguration", {"RequestHeaderAllowlist": ["Authorization"]}
        )
        permissions.grant_workload_token_for_jwt(self, self.policy, self.runtime_name)
        for variable, value in settings.items():
            self.add_environment(variable, value)

    def add_to_execution_policy(self, *statements: iam.PolicyStatement) -> None:
        """Grant the agent more permissions; the runtime is created only after they exist."""
        self.policy.add_statements(*statements)

    @property
    def grant_principal(self) -> iam.IPrincipal:
        return self.role
