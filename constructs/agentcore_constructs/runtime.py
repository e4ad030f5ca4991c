"""Stage 1: ``AgentRuntime`` — the agent on Amazon Bedrock AgentCore Runtime, least privilege, observable.

Built on the stable ``aws_bedrockagentcore.Runtime`` L2, closing its gaps:

* the L2 grants no ``bedrock:InvokeModel``: we grant it on the configured inference profile and the foundation models
  it routes to (see :mod:`agentcore_constructs.model_access`);
* ``from_code_asset`` zips the folder without dependencies and grants read on the whole CDK assets bucket: we stage
  the zip ourselves with arm64 wheels vendored, and grant ``s3:GetObject`` on that one object;
* the L2 adds account-wide log, X-Ray, metrics and workload-identity statements to whatever role it is given: we hand
  it a role it cannot modify and write the statements ourselves, each as narrow as AWS allows;
* container images get ``Platform.LINUX_ARM64`` always.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Sequence
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_bedrockagentcore as agentcore
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets

from agentcore_constructs.acknowledgements import acknowledge_cfn_lint, acknowledge_wildcard_resource
from agentcore_constructs.aws_facts import (
    ADOT_DISTRIBUTION,
    ADOT_LAUNCHER,
    AGENTCORE_SERVICE_PRINCIPAL,
    DESCRIBE_LOG_GROUPS,
    ECR_AUTHORIZATION_TOKEN,
    METRIC_NAMESPACE_CONDITION_KEY,
    PUT_METRIC_DATA,
    RUNTIME_AGENT_METRICS_NAMESPACE,
    RUNTIME_LOG_GROUP_PREFIX,
    VPC_ENDPOINTS_METADATA,
    XRAY_TRACE_ACTIONS,
)
from agentcore_constructs.bundling import (
    BYTECODE_PYTHON_ENV,
    LockEntry,
    LockFileError,
    bytecode_interpreter,
    read_lock,
    runtime_package_files,
    source_fingerprint,
    vendored_python_bundling,
)
from agentcore_constructs.consumption import scan_agent_source
from agentcore_constructs.contract import CONTRACT_VERSION
from agentcore_constructs.contract import env_vars as env_contract
from agentcore_constructs.contract.consumers import MANIFEST_FILE, METADATA_KEY, SOURCE_METADATA_KEY
from agentcore_constructs.imports import unlocked_imports
from agentcore_constructs.keys import key_for_log_groups
from agentcore_constructs.model_access import ModelAccess
from constructs import Construct

_NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]{0,47}$")
SERVICE_PRINCIPAL = AGENTCORE_SERVICE_PRINCIPAL
#: The namespace the Runtime's built-in telemetry publishes to; PutMetricData is conditioned on it.
RUNTIME_METRICS_NAMESPACE = RUNTIME_AGENT_METRICS_NAMESPACE
_PYTHON_RUNTIME_VALUE = re.compile(r"^PYTHON_(\d+)_(\d+)$")
#: Runtime versions are "1", "2", ... (bedrock-agentcore-control API model: AgentRuntimeVersion ``[1-9][0-9]{0,4}``).
_RUNTIME_VERSION = re.compile(r"^[1-9][0-9]{0,4}$")
#: Runtime platform versions (CloudFormation AWS::BedrockAgentCore::Runtime ``PlatformVersion``; aws-cdk-lib
#: ``PlatformVersion.V1``/``V2``).
PLATFORM_VERSIONS = ("V1", "V2")
#: ``endpoint_version`` value that makes the endpoint follow the newest runtime version on every deploy.
LATEST_VERSION = "latest"


def agentcore_service_principal(stack: cdk.Stack, resource_pattern: str) -> iam.IPrincipal:
    """The AgentCore service, only when acting for this account's ``resource_pattern`` (e.g. ``runtime/name-*``).

    Resource ids are ``<name>-<suffix>``, unknown until the resource exists, hence the name prefix. Closes the
    confused-deputy gap of an unconditioned trust (aws-cdk #38780 for the gateway L2).
    """
    return iam.ServicePrincipal(SERVICE_PRINCIPAL).with_conditions(
        {
            "StringEquals": {"aws:SourceAccount": stack.account},
            "ArnLike": {
                "aws:SourceArn": (
                    f"arn:{stack.partition}:bedrock-agentcore:{stack.region}:{stack.account}:{resource_pattern}"
                )
            },
        }
    )


class RuntimeArtifactKind(enum.Enum):
    """How the agent is packaged."""

    #: Direct code deploy: a zip of the source plus vendored linux/arm64 wheels (no Docker needed).
    CODE = "code"
    #: A container image built from a Dockerfile, always for linux/arm64.
    CONTAINER = "container"


class AgentRuntime(Construct):
    """An AgentCore Runtime with a scoped execution role, one named endpoint, logs, traces and lifecycle limits.

    Args:
        runtime_name: AgentCore runtime name (``[a-zA-Z][a-zA-Z0-9_]{0,47}``). Also scopes the role's trust and log
            permissions, so it must be unique per account and Region.
        source_dir: folder of the agent (the zip root for CODE, the Docker context for CONTAINER).
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
        artifact: CODE (default) or CONTAINER.
        entrypoint: CODE only: the command in the zip; every ``.py`` file it names must exist in ``source_dir``.
            Default: ADOT auto-instrumentation of ``main.py`` (``["opentelemetry-instrument", "main.py"]``, which
            needs aws-opentelemetry-distro in the lock) when ``adot_instrumentation`` is on, else ``["main.py"]``.
        python_runtime: CODE only. Default: ``AgentCoreRuntime.PYTHON_3_13``.
        compile_bytecode: CODE only: ship bytecode compiled for ``python_runtime`` in the bundle. AWS documents
            neither a writable code directory nor bytecode caching, and each session's microVM starts from the zip,
            so without it every start compiles every import (``make bench``: 0.85 s -> 4.0 s for the support agent
            locally). Needs an interpreter of exactly that version on the build machine
            (:func:`agentcore_constructs.bundling.bytecode_interpreter`). ``None``: when one is found (a synth warning
            says how to get one otherwise); ``True``: required (synth fails without one); ``False``: sources only.
            Default: None.
        requirements_file: CODE only: a complete lock (every distribution, dependencies included, pinned with
            ``==``) installed for arm64 into the zip, relative to ``source_dir``. Checked at synth: unpinned lines fail,
            and bundling fails naming any dependency the lock lacks. Default: ``"requirements.lock"``. ``None``
            vendors nothing. The library's contract and kit are copied in when the code imports
            ``agentcore_constructs`` and the lock does not pin ``agentcore-constructs`` itself.
        model_routed_regions: override the destination Regions of a cross-Region inference profile.
            Default: the geo's documented Regions.
        log_retention: retention of every log group the construct creates. Default: one month.
        idle_timeout: idle session timeout. Default: 15 minutes.
        max_lifetime: maximum session lifetime. Default: 8 hours.
        retry_max_attempts / retry_mode / http_timeout: the agent's retry policy for every remote call, passed through
            the env-var contract (the production-readiness pack checks they are set). Defaults: 4, ``"adaptive"``, 60 s.
            This is the agent's only model retry layer (botocore's); the kit turns the framework's own model retries
            off so attempts do not multiply.
        max_turns / max_total_tokens / max_invocation_time: per-invocation limits (model turns, input+output tokens
            as a soft cap, wall-clock time, at most 15 minutes), so one request cannot loop and burn money; the agent
            answers a clear error when one is reached. Defaults: 8 turns, 100,000 tokens, 120 s.
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
        vpc / vpc_subnets: run the runtime in these subnets with an egress-only security group, instead of the
            PUBLIC network mode. The subnets must be private (with a NAT gateway or VPC endpoints for Bedrock,
            AgentCore and CloudWatch): AgentCore's network interfaces get private addresses only, so a public
            subnet gives no internet access (AgentCore guide, "Configure AgentCore Runtime and tools for VPC",
            internet access considerations). Public subnets, or ``vpc_subnets`` without ``vpc``, fail synth.
            Default: PUBLIC. ``vpc_subnets`` default: the VPC's private subnets (else its isolated ones).
        vpc_endpoints: in VPC mode, the endpoint services the VPC provides (``"s3"``, ``"bedrock-runtime"``,
            ``"bedrock-agentcore"``, ``"logs"``, ``"xray"``, ``"sts"``, and ``"ecr.api"``/``"ecr.dkr"`` for a
            container), or ``"internet"`` when the subnets route to the internet (NAT). Recorded on the runtime;
            the readiness pack names the ones missing (``Readiness-VpcEndpoints``). Default: none declared.
        existing_security_groups: security groups for the VPC mode instead of the one created. Default: one
            egress-only group (``security_group``).
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
        artifact: RuntimeArtifactKind = RuntimeArtifactKind.CODE,
        entrypoint: Sequence[str] | None = None,
        python_runtime: agentcore.AgentCoreRuntime = agentcore.AgentCoreRuntime.PYTHON_3_13,
        requirements_file: str | None = "requirements.lock",
        model_routed_regions: Sequence[str] | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        idle_timeout: cdk.Duration = cdk.Duration.minutes(15),
        max_lifetime: cdk.Duration = cdk.Duration.hours(8),
        retry_max_attempts: int = env_contract.DEFAULT_RETRY_MAX_ATTEMPTS,
        retry_mode: str = env_contract.DEFAULT_RETRY_MODE,
        http_timeout: cdk.Duration = cdk.Duration.seconds(env_contract.DEFAULT_HTTP_TIMEOUT_SECONDS),
        max_turns: int = env_contract.DEFAULT_MAX_TURNS,
        max_total_tokens: int = env_contract.DEFAULT_MAX_TOTAL_TOKENS,
        max_invocation_time: cdk.Duration = cdk.Duration.seconds(env_contract.DEFAULT_MAX_SECONDS),
        model_provider: str = "bedrock",
        log_level: str = "INFO",
        adot_instrumentation: bool = True,
        description: str | None = None,
        platform_version: str | None = None,
        compile_bytecode: bool | None = None,
        log_encryption_key: kms.IKey | None = None,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        existing_security_groups: Sequence[ec2.ISecurityGroup] | None = None,
        vpc_endpoints: Sequence[str] | None = None,
        existing_role: iam.IRole | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        source_path = Path(source_dir)
        _validate(
            runtime_name=runtime_name,
            endpoint_name=endpoint_name,
            endpoint_version=endpoint_version,
            source_path=source_path,
            artifact=artifact,
            requirements_file=requirements_file,
            retry_max_attempts=retry_max_attempts,
            retry_mode=retry_mode,
            model_provider=model_provider,
            log_level=log_level,
            max_turns=max_turns,
            max_total_tokens=max_total_tokens,
            max_seconds=max_invocation_time.to_seconds(),
            http_timeout_seconds=http_timeout.to_seconds(),
        )
        stack = cdk.Stack.of(self)
        self.runtime_name = runtime_name
        self.endpoint_name = endpoint_name
        #: The per-invocation wall-time limit (seconds): no invocation, so no latency datapoint, lasts longer.
        self.max_invocation_seconds = max_invocation_time.to_seconds()
        self.artifact_kind = artifact
        try:
            self.model_access = ModelAccess.for_model(
                stack,
                model_id,
                routed_regions=model_routed_regions,
                source_model_id=model_source_id,
                source_parameter="model_source_id",
            )
        except ValueError as error:
            raise ValueError(f"AgentRuntime {self.node.path}: {error}") from None

        self.role: iam.IRole
        if existing_role is not None:
            self.role = existing_role
            cdk.Annotations.of(self).add_warning_v2(
                "agentcore-constructs:existing-runtime-role",
                f"existing_role: its trust policy must allow {AGENTCORE_SERVICE_PRINCIPAL} to assume it, conditioned "
                f"on aws:SourceAccount and aws:SourceArn runtime/{runtime_name}-* (confused deputy); the construct "
                "attaches its own policies only",
            )
        else:
            self.role = iam.Role(
                self,
                "ExecutionRole",
                description=f"Execution role of AgentCore runtime {runtime_name}",
                assumed_by=agentcore_service_principal(stack, f"runtime/{runtime_name}-*"),
            )
        # Everything the agent is granted lands in this one policy; the runtime waits for it.
        self.policy = iam.Policy(self, "ExecutionPolicy", roles=[self.role])
        for statement in self.model_access.policy_statements():
            self.policy.add_statements(statement)

        log_encryption_key = key_for_log_groups(
            self, f"AgentRuntime {self.node.path}", "log_encryption_key", log_encryption_key
        )
        self._log_encryption_key = log_encryption_key
        self.log_group = logs.LogGroup(
            self,
            "ApplicationLogs",
            retention=log_retention,
            encryption_key=log_encryption_key,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        self._add_runtime_log_permissions(stack)
        self._add_telemetry_permissions()

        #: What the agent's source consumes and does, read statically at synth (``agentcore_constructs.consumption``).
        self.agent_source = scan_agent_source(source_path)
        #: The contract variables the agent's source consumes (kit modules it imports, memory only when called,
        #: variables it names); recorded on the runtime and in the bundle, compared with the stages provided by
        #: the readiness pack.
        self.consumes = self.agent_source.consumes
        self.code_asset: s3_assets.Asset | None = None
        self.bytecode_python: str | None = None
        runtime_artifact = self._build_artifact(
            source_path, artifact, entrypoint, python_runtime, requirements_file, adot_instrumentation, compile_bytecode
        )

        environment = {
            env_contract.MODEL_PROVIDER.name: model_provider,
            env_contract.MODEL_ID.name: model_id,
            env_contract.MODEL_REGION.name: stack.region,
            env_contract.RETRY_MAX_ATTEMPTS.name: str(retry_max_attempts),
            env_contract.RETRY_MODE.name: retry_mode,
            env_contract.HTTP_TIMEOUT_SECONDS.name: str(int(http_timeout.to_seconds())),
            env_contract.MAX_TURNS.name: str(max_turns),
            env_contract.MAX_TOTAL_TOKENS.name: str(max_total_tokens),
            env_contract.MAX_SECONDS.name: str(int(max_invocation_time.to_seconds())),
            env_contract.LOG_LEVEL.name: log_level,
            env_contract.ENVIRONMENT_NAME.name: environment_name or endpoint_name,
        }
        if adot_instrumentation:
            # Read by the ADOT distro the entrypoint runs under (AgentCore observability docs).
            environment.update(
                {
                    "AGENT_OBSERVABILITY_ENABLED": "true",
                    "OTEL_PYTHON_DISTRO": "aws_distro",
                    "OTEL_PYTHON_CONFIGURATOR": "aws_configurator",
                }
            )

        if platform_version not in (None, *PLATFORM_VERSIONS):
            raise ValueError(
                f"{self.node.path}: platform_version {platform_version!r} must be one of {', '.join(PLATFORM_VERSIONS)}"
            )
        self.runtime = agentcore.Runtime(
            self,
            "Runtime",
            runtime_name=runtime_name,
            platform_version=agentcore.PlatformVersion.of(platform_version) if platform_version else None,
            agent_runtime_artifact=runtime_artifact,
            # The L2 may only *read* this role: its own grants are account-wide, ours are above.
            execution_role=self._read_only_role(),
            description=description,
            environment_variables=environment,
            lifecycle_configuration=agentcore.LifecycleConfiguration(
                idle_runtime_session_timeout=idle_timeout, max_lifetime=max_lifetime
            ),
            network_configuration=self._network(vpc, vpc_subnets, existing_security_groups),
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
        if vpc is not None:
            self.cfn_runtime.add_metadata(VPC_ENDPOINTS_METADATA, sorted(vpc_endpoints or ()))
        elif vpc_endpoints:
            raise ValueError(f"{self.node.path}: vpc_endpoints is only used with vpc (VPC mode)")
        self.jwt_authorizer: dict | None = None
        #: Names of the contract variables later stages set (GATEWAY_URL, MEMORY_ID, AUTH_DISCOVERY_URL, ...).
        self.connected_variables: set[str] = set()
        self.runtime.node.add_dependency(self.policy, *self.runtime_dependency_policies)
        self._acknowledge_upstream_redundant_depends_on()

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
        if self.canary_endpoint is not None:
            raise ValueError(f"{self.node.path}: the canary endpoint exists already")
        if self.endpoint_version == LATEST_VERSION:
            raise ValueError(
                f"{self.node.path}: a canary endpoint needs the main endpoint pinned (endpoint_version is 'latest')"
            )
        if not _NAME.match(endpoint_name) or endpoint_name in (self.endpoint_name, "DEFAULT"):
            raise ValueError(
                f"{self.node.path}: canary endpoint name {endpoint_name!r} must match {_NAME.pattern} and differ from "
                f"{self.endpoint_name!r} and DEFAULT"
            )
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
            raise ValueError(f"{variable.name} is not part of agentcore_constructs.contract.env_vars")
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
        if not allowed_clients and not allowed_audiences:
            raise ValueError("use_jwt_authorizer needs at least one allowed client or allowed audience")
        if not allowed_scopes:
            raise ValueError("use_jwt_authorizer needs the scope a caller's token must carry (allowed_scopes)")
        authorizer: dict = {"DiscoveryUrl": discovery_url, "AllowedScopes": list(allowed_scopes)}
        if allowed_clients:
            authorizer["AllowedClients"] = list(allowed_clients)
        if allowed_audiences:
            authorizer["AllowedAudience"] = list(allowed_audiences)
        self.cfn_runtime.add_property_override("AuthorizerConfiguration", {"CustomJWTAuthorizer": authorizer})
        self.cfn_runtime.add_property_override(
            "RequestHeaderConfiguration", {"RequestHeaderAllowlist": ["Authorization"]}
        )
        self.jwt_authorizer = authorizer
        self._grant_workload_token_for_jwt()
        # The agent verifies the forwarded token itself with the same settings (verify, never decode).
        self.add_environment(env_contract.AUTH_DISCOVERY_URL, discovery_url)
        if allowed_clients:
            self.add_environment(env_contract.AUTH_ALLOWED_CLIENTS, cdk.Fn.join(" ", list(allowed_clients)))
        if allowed_audiences:
            self.add_environment(env_contract.AUTH_ALLOWED_AUDIENCES, " ".join(allowed_audiences))
        self.add_environment(env_contract.AUTH_REQUIRED_SCOPE, " ".join(allowed_scopes))

    def _grant_workload_token_for_jwt(self) -> None:
        """With a JWT authorizer the Runtime exchanges each caller's token for a workload access token
        (GetWorkloadAccessTokenForJWT) and passes it to the agent; AWS's documented execution role allows it on the
        default workload identity directory and the runtime's own identity (developer guide, "IAM Permissions for
        AgentCore Runtime", statement GetAgentAccessToken:
        https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/runtime-permissions.html; "Get workload access
        token": https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/get-workload-access-token.html).
        GetWorkloadAccessTokenForUserId is left out on purpose: it mints a token for any user id the caller names."""
        stack = cdk.Stack.of(self)
        directory = (
            f"arn:{stack.partition}:bedrock-agentcore:{stack.region}:{stack.account}"
            ":workload-identity-directory/default"
        )
        own_identity = f"{directory}/workload-identity/{self.runtime_name}-*"
        self.add_to_execution_policy(
            iam.PolicyStatement(
                sid="GetWorkloadAccessTokenForJwt",
                actions=["bedrock-agentcore:GetWorkloadAccessTokenForJWT"],
                resources=[directory, own_identity],
            )
        )
        acknowledge_wildcard_resource(
            self.policy,
            own_identity,
            "AgentCore names a runtime's workload identity after the runtime id ('<runtime_name>-<suffix>'), "
            "assigned after the role exists; the prefix limits the grant to this runtime's own identity.",
        )

    def add_to_execution_policy(self, *statements: iam.PolicyStatement) -> None:
        """Grant the agent more permissions; the runtime is created only after they exist."""
        self.policy.add_statements(*statements)

    @property
    def grant_principal(self) -> iam.IPrincipal:
        return self.role

    # ---- internals -----------------------------------------------------------------------------------------------

    def _network(
        self,
        vpc: ec2.IVpc | None,
        subnets: ec2.SubnetSelection | None,
        security_groups: Sequence[ec2.ISecurityGroup] | None,
    ) -> agentcore.RuntimeNetworkConfiguration:
        owner = f"AgentRuntime {self.node.path}"
        self.security_group: ec2.ISecurityGroup | None = None
        #: VPC mode: the VPC, the subnet selection and every security group of the runtime's interfaces.
        self.vpc: ec2.IVpc | None = vpc
        self.vpc_subnets: ec2.SubnetSelection | None = None
        self.network_security_groups: list[ec2.ISecurityGroup] = []
        if vpc is None:
            if subnets is not None or security_groups:
                raise ValueError(
                    f"{owner}: vpc_subnets/existing_security_groups need vpc; without it the runtime would run in "
                    "the PUBLIC network mode and ignore them"
                )
            return agentcore.RuntimeNetworkConfiguration.using_public_network()
        selection = subnets or ec2.SubnetSelection()  # CDK default: private, else isolated, else public
        selected = vpc.select_subnets(
            availability_zones=selection.availability_zones,
            one_per_az=selection.one_per_az,
            subnet_filters=selection.subnet_filters,
            subnet_group_name=selection.subnet_group_name,
            subnets=selection.subnets,
            subnet_type=selection.subnet_type,
        )
        if selected.has_public:
            raise ValueError(
                f"{owner}: vpc_subnets selects public subnets; AgentCore gives the runtime's interfaces private "
                "addresses only, so it would have no internet access there. Select private subnets (NAT gateway or "
                "VPC endpoints)"
            )
        if not selected.subnet_ids:
            raise ValueError(f"{owner}: vpc_subnets selects no subnet of the VPC")
        if security_groups:
            groups = list(security_groups)
        else:
            self.security_group = ec2.SecurityGroup(
                self,
                "SecurityGroup",
                vpc=vpc,
                allow_all_outbound=True,
                description=f"AgentCore runtime {self.runtime_name}: egress only (Bedrock, AgentCore, tools)",
            )
            groups = [self.security_group]
        self.vpc_subnets, self.network_security_groups = selection, groups
        return agentcore.RuntimeNetworkConfiguration.using_vpc(
            self, vpc=vpc, vpc_subnets=selection, security_groups=groups
        )

    def _read_only_role(self) -> iam.IRole:
        if isinstance(self.role, iam.Role):
            return self.role.without_policy_updates()
        return iam.Role.from_role_arn(self, "ExistingRoleReadOnly", self.role.role_arn, mutable=False)

    def _runtime_log_group_prefix(self, stack: cdk.Stack) -> str:
        return (
            f"arn:{stack.partition}:logs:{stack.region}:{stack.account}"
            f":log-group:{RUNTIME_LOG_GROUP_PREFIX}{self.runtime_name}-*"
        )

    def _add_runtime_log_permissions(self, stack: cdk.Stack) -> None:
        # AgentCore creates and writes /aws/bedrock-agentcore/runtimes/<runtime-id>-<endpoint> (stdout) itself, with
        # the execution role; we never create those groups (a CloudFormation-managed group of the same name fails
        # with "already exists"; see aws_facts). Scoped to this runtime's name prefix: the id does not exist before
        # the role does. Statements as documented for the execution role (AgentCore guide, runtime-permissions.html).
        prefix = self._runtime_log_group_prefix(stack)
        all_log_groups = f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:*"
        self.logs_policy = iam.Policy(
            self,
            "RuntimeLogsPolicy",
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    sid="RuntimeLogGroups",
                    actions=["logs:CreateLogGroup", "logs:DescribeLogStreams"],
                    resources=[prefix],
                ),
                iam.PolicyStatement(
                    sid="RuntimeLogStreams",
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[f"{prefix}:log-stream:*"],
                ),
                iam.PolicyStatement(sid="DescribeLogGroups", actions=[DESCRIBE_LOG_GROUPS], resources=[all_log_groups]),
            ],
        )
        acknowledge_wildcard_resource(
            self.logs_policy,
            all_log_groups,
            "logs:DescribeLogGroups is a list call over the account's log groups: AgentCore documents exactly this "
            "resource (log-group:*) for the runtime execution role; it reads names and settings, never log data.",
        )
        acknowledge_wildcard_resource(
            self.logs_policy,
            prefix,
            "Log groups are named after the runtime id, which AgentCore assigns as '<runtime_name>-<suffix>' after "
            "the role exists; the prefix limits access to this runtime's own log groups.",
        )
        acknowledge_wildcard_resource(
            self.logs_policy,
            f"{prefix}:log-stream:*",
            "Log stream names are generated per session by AgentCore; scoped to this runtime's log groups.",
        )
        self.runtime_dependency_policies = [self.logs_policy]

    def _add_telemetry_permissions(self) -> None:
        # Neither X-Ray segment upload nor PutMetricData supports resource-level permissions (IAM service
        # authorization reference), so "*" is the narrowest resource AWS offers; metrics are namespace-conditioned.
        self.tracing_policy = iam.Policy(
            self,
            "TracingPolicy",
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    sid="XRayTraceUpload",
                    actions=list(XRAY_TRACE_ACTIONS),
                    resources=["*"],  # AWS offers no narrower resource for these X-Ray actions.
                )
            ],
        )
        acknowledge_wildcard_resource(
            self.tracing_policy,
            "*",
            "X-Ray PutTraceSegments/PutTelemetryRecords/GetSampling* support no resource-level permissions.",
        )
        self.metrics_policy = iam.Policy(
            self,
            "MetricsPolicy",
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    sid="RuntimeMetrics",
                    actions=[PUT_METRIC_DATA],
                    resources=["*"],  # PutMetricData has no resource type; the namespace condition scopes it.
                    conditions={"StringEquals": {METRIC_NAMESPACE_CONDITION_KEY: RUNTIME_METRICS_NAMESPACE}},
                )
            ],
        )
        acknowledge_wildcard_resource(
            self.metrics_policy,
            "*",
            "cloudwatch:PutMetricData supports no resource-level permissions; it is conditioned on the "
            f"'{RUNTIME_METRICS_NAMESPACE}' namespace.",
        )
        self.runtime_dependency_policies += [self.tracing_policy, self.metrics_policy]

    def _build_artifact(
        self,
        source_path: Path,
        artifact: RuntimeArtifactKind,
        entrypoint: Sequence[str] | None,
        python_runtime: agentcore.AgentCoreRuntime,
        requirements_file: str | None,
        adot_instrumentation: bool,
        compile_bytecode: bool | None,
    ) -> agentcore.AgentRuntimeArtifact:
        if artifact is RuntimeArtifactKind.CONTAINER:
            # Staged here (not by the L2) so the pull grant lands on our role, scoped to the asset repository.
            self.image_asset = ecr_assets.DockerImageAsset(
                self, "Image", directory=str(source_path), platform=ecr_assets.Platform.LINUX_ARM64
            )
            self.policy.add_statements(
                iam.PolicyStatement(
                    sid="PullAgentImage",
                    actions=["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                    resources=[self.image_asset.repository.repository_arn],
                )
            )
            token_policy = iam.Policy(
                self,
                "EcrAuthPolicy",
                roles=[self.role],
                statements=[
                    iam.PolicyStatement(
                        sid="EcrAuthorizationToken",
                        actions=[ECR_AUTHORIZATION_TOKEN],
                        resources=["*"],  # GetAuthorizationToken supports no resource-level permissions.
                    )
                ],
            )
            acknowledge_wildcard_resource(
                token_policy,
                "*",
                "ecr:GetAuthorizationToken supports no resource-level permissions; image pulls are scoped to the "
                "asset repository in the execution policy.",
            )
            self.runtime_dependency_policies.append(token_policy)
            # The tag is the image's content hash: immutable for a given build.
            return agentcore.AgentRuntimeArtifact.from_ecr_repository(
                self.image_asset.repository, self.image_asset.image_tag
            )

        entry = (
            list(entrypoint) if entrypoint else ([ADOT_LAUNCHER, "main.py"] if adot_instrumentation else ["main.py"])
        )
        python_version = _python_version(python_runtime)
        requirements = source_path / requirements_file if requirements_file else None
        lock = self._read_lock(requirements)
        self._check_entrypoint(source_path, entry, lock, requirements_file)
        contract_files = runtime_package_files(source_path, lock)
        script = next((part for part in reversed(entry) if part.endswith(".py")), None)
        unlocked = unlocked_imports(source_path, set(lock or {}), entry=script, shipped=contract_files)
        if unlocked:
            where = f"requirements_file {requirements_file!r}" if requirements_file else "no requirements_file"
            raise ValueError(
                f"AgentRuntime {self.node.path}: the agent imports packages {where} does not install, so it would "
                f"fail at its first start (ModuleNotFoundError): {'; '.join(unlocked)}. Add them to the lock's "
                "requirements and re-lock it"
            )
        manifest = {"contract_version": CONTRACT_VERSION, "consumes": self.consumes}
        #: Whether the library's contract and kit are copied into the bundle (the code imports them and the lock
        #: does not pin agentcore-constructs itself).
        self.ships_runtime_package = bool(contract_files)
        #: The interpreter that compiles the bundle's bytecode (None: the bundle ships sources only).
        self.bytecode_python = self._bytecode_python(python_version, compile_bytecode)
        self.code_asset = s3_assets.Asset(
            self,
            "Code",
            path=str(source_path),
            asset_hash_type=cdk.AssetHashType.CUSTOM,
            asset_hash=source_fingerprint(
                source_path,
                *contract_files.values(),
                extra=f"arm64-py{python_version}" + ("-pyc" if self.bytecode_python else ""),
            ),
            bundling=vendored_python_bundling(
                source_dir=source_path,
                requirements_file=requirements,
                python_version=python_version,
                extra_files=contract_files,
                owner=f"AgentRuntime {self.node.path}",
                extra_content={MANIFEST_FILE: json.dumps(manifest, indent=2) + "\n"},
                bytecode_python=self.bytecode_python,
                check_imports_of=script,
            ),
        )
        self.policy.add_statements(
            iam.PolicyStatement(
                sid="ReadAgentCodeObject",
                actions=["s3:GetObject"],
                resources=[self.code_asset.bucket.arn_for_objects(self.code_asset.s3_object_key)],
            )
        )
        return agentcore.AgentRuntimeArtifact.from_s3(
            s3.Location(bucket_name=self.code_asset.s3_bucket_name, object_key=self.code_asset.s3_object_key),
            python_runtime,
            entry,
        )

    def _bytecode_python(self, python_version: str, compile_bytecode: bool | None) -> str | None:
        if compile_bytecode is False or not cdk.Stack.of(self).bundling_required:
            return None
        interpreter = bytecode_interpreter(python_version)
        if interpreter is None:
            advice = (
                f"no Python {python_version} on this machine to compile the bundle's bytecode with, so every session "
                f"start compiles every import. Install one (uv python install {python_version}) or point "
                f"{BYTECODE_PYTHON_ENV} at one"
            )
            if compile_bytecode:
                raise ValueError(f"AgentRuntime {self.node.path}: compile_bytecode=True but {advice}")
            cdk.Annotations.of(self).add_warning_v2("agentcore-constructs:bytecode", advice)
        return interpreter

    def _read_lock(self, requirements: Path | None) -> dict[str, LockEntry] | None:
        if requirements is None:
            return None
        try:
            return read_lock(requirements)
        except LockFileError as error:
            raise ValueError(f"AgentRuntime {self.node.path}: requirements_file {error}") from None

    def _check_entrypoint(
        self, source_path: Path, entry: Sequence[str], lock: dict[str, LockEntry] | None, requirements_file: str | None
    ) -> None:
        scripts = [part for part in entry if part.endswith(".py")]
        missing = [part for part in scripts if not (source_path / part).is_file()]
        if missing:
            raise ValueError(
                f"AgentRuntime {self.node.path}: entrypoint {list(entry)} runs {missing[0]!r}, which is not in "
                f"source_dir {str(source_path)!r}: the runtime would fail to start. Add the file or pass entrypoint="
            )
        if entry and entry[0] == ADOT_LAUNCHER and (lock is None or ADOT_DISTRIBUTION not in lock):
            not_installed = (
                f"requirements_file {requirements_file!r} does not install {ADOT_DISTRIBUTION}"
                if requirements_file
                else f"there is no requirements_file to install {ADOT_DISTRIBUTION}"
            )
            raise ValueError(
                f"AgentRuntime {self.node.path}: the entrypoint runs under {ADOT_LAUNCHER} (ADOT auto-instrumentation)"
                f" but {not_installed}: the runtime would fail to start. Pin it in the lock, or pass "
                "adot_instrumentation=False (the agent then emits no spans of its own)"
            )

    def _acknowledge_upstream_redundant_depends_on(self) -> None:
        # The L2 adds node dependencies on resources it already references (role, delivery source/destination);
        # CloudFormation accepts them, cfn-lint W3005 flags them. They are upstream's, not removable from here.
        reason = "Redundant DependsOn added by aws-cdk-lib's Runtime L2 next to a Ref/GetAtt of the same resource."
        acknowledge_cfn_lint(self.cfn_runtime, "W3005", reason)
        for child in self.runtime.node.find_all():
            if isinstance(child, cdk.CfnResource) and child.cfn_resource_type == "AWS::Logs::Delivery":
                acknowledge_cfn_lint(child, "W3005", reason)


def _python_version(python_runtime: agentcore.AgentCoreRuntime) -> str:
    # jsii enum-like members are fresh objects on every access (no equality): compare their values.
    match = _PYTHON_RUNTIME_VALUE.match(str(python_runtime.value))
    if match is None:
        raise ValueError(
            f"AgentRuntime python_runtime {python_runtime.value!r} is not a Python runtime (CODE artifacts need one)"
        )
    return f"{match.group(1)}.{match.group(2)}"


def _validate(
    *,
    runtime_name: str,
    endpoint_name: str,
    endpoint_version: str,
    source_path: Path,
    artifact: RuntimeArtifactKind,
    requirements_file: str | None,
    retry_max_attempts: int,
    retry_mode: str,
    model_provider: str,
    log_level: str,
    max_turns: int,
    max_total_tokens: int,
    max_seconds: float,
    http_timeout_seconds: float,
) -> None:
    if not _NAME.match(runtime_name):
        raise ValueError(f"AgentRuntime runtime_name {runtime_name!r} must match {_NAME.pattern}")
    if not _NAME.match(endpoint_name):
        raise ValueError(f"AgentRuntime endpoint_name {endpoint_name!r} must match {_NAME.pattern}")
    if endpoint_version != LATEST_VERSION and not _RUNTIME_VERSION.match(endpoint_version):
        raise ValueError(
            f"AgentRuntime endpoint_version {endpoint_version!r} must be 'latest' or a version number like '3'"
        )
    if not source_path.is_dir():
        raise ValueError(f"AgentRuntime source_dir {str(source_path)!r} is not a directory")
    if artifact is RuntimeArtifactKind.CODE and requirements_file and not (source_path / requirements_file).is_file():
        raise ValueError(f"AgentRuntime requirements_file {requirements_file!r} not found in {source_path}")
    if artifact is RuntimeArtifactKind.CONTAINER and not (source_path / "Dockerfile").is_file():
        raise ValueError(f"AgentRuntime artifact CONTAINER needs a Dockerfile in {source_path}")
    # The agent refuses to start outside these ranges (kit settings read the same contract): refuse at synth.
    bounded = (
        ("retry_max_attempts", env_contract.RETRY_MAX_ATTEMPTS, retry_max_attempts),
        ("max_turns", env_contract.MAX_TURNS, max_turns),
        ("max_total_tokens", env_contract.MAX_TOTAL_TOKENS, max_total_tokens),
        ("max_invocation_time", env_contract.MAX_SECONDS, max_seconds),
        ("http_timeout", env_contract.HTTP_TIMEOUT_SECONDS, http_timeout_seconds),
    )
    for prop, var, value in bounded:
        if not var.in_range(value):
            raise ValueError(f"AgentRuntime {prop} {value:g} must be {var.range_text()}")
    chosen = (
        ("retry_mode", env_contract.RETRY_MODE, retry_mode),
        ("model_provider", env_contract.MODEL_PROVIDER, model_provider),
        ("log_level", env_contract.LOG_LEVEL, log_level),
    )
    for prop, var, choice in chosen:
        if choice not in var.choices:
            raise ValueError(f"AgentRuntime {prop} {choice!r} must be one of {', '.join(var.choices)}")
