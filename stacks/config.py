"""Typed, validated per-environment configuration read from cdk.json context ``environments`` (pydantic models).

cdk.json is validated as JSON, strictly: a string where a number belongs, an unknown key or a value out of range fails
synth. Every problem is reported at once, in one :class:`ConfigError` whose every line names the key
(``environments.<name>.<key path>: <what is wrong>``), so a typo fails synth with a message a human can act on.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any, ClassVar, Literal, Union, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from agentcore_constructs.aws_facts import LOG_RETENTION_DAYS
from agentcore_constructs.contract import env_vars
from agentcore_constructs.options import (
    LIFECYCLE_MAX_SECONDS,
    LIFECYCLE_MIN_SECONDS,
    InvocationLimits,
    RetryPolicy,
    SessionLifecycle,
)
from agentcore_constructs.thresholds import AlarmThresholds

#: Used when neither cdk.json nor CDK_DEFAULT_ACCOUNT gives an account: lets synth run offline.
#: `cdk deploy` with real credentials replaces it (the CLI sets CDK_DEFAULT_ACCOUNT).
PLACEHOLDER_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"

Stage = Literal["runtime", "memory", "gateway", "identity"]
NetworkMode = Literal["PUBLIC", "VPC"]
ArtifactKind = Literal["code", "container"]
#: X-Ray Transaction Search is one per account and Region: "manage" (the app's account stack owns it; every
#: environment of the app in that account/Region says "manage" and deploys the same stack), "enabled" (turned on
#: outside this app: console, CLI or another app), "off" (not used).
TransactionSearchMode = Literal["manage", "enabled", "off"]
STAGES: tuple[str, ...] = get_args(Stage)
NETWORK_MODES: tuple[str, ...] = get_args(NetworkMode)
ARTIFACT_KINDS: tuple[str, ...] = get_args(ArtifactKind)
TRANSACTION_SEARCH_MODES: tuple[str, ...] = get_args(TransactionSearchMode)
#: The agent's own allowed values (the contract): a value the agent would refuse fails synth instead.
RETRY_MODES = env_vars.RETRY_MODE.choices
LOG_LEVELS = env_vars.LOG_LEVEL.choices

# Optional geo prefix (cross-Region inference profile), provider, model name, ":<version>".
MODEL_ID_PATTERN = re.compile(r"^(?:(?:us|eu|apac|jp|au|ca|us-gov|global)\.)?[a-z0-9-]+\.[a-z0-9][a-z0-9.\-]*:\d+$")
ACCOUNT_PATTERN = re.compile(r"^\d{12}$")
REGION_PATTERN = re.compile(r"^[a-z]{2}(?:-gov)?-[a-z]+-\d$")
ENV_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]{0,15}$")
_RELATIVE_PATH = r"^(?!/)(?!.*(?:^|/)\.\.(?:/|$))[A-Za-z0-9_./-]+$"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CALLBACK_URL = ("https://", "http://localhost")


class ConfigError(ValueError):
    """cdk.json holds values synth cannot use. Each line of the message names the environment and the key."""


#: The agent's retry policy and invocation limits: the library's option groups, so fields, defaults and bounds live
#: once (their ``problems()`` check the contract's bounds).
RetryConfig = RetryPolicy
LimitsConfig = InvocationLimits
#: An environment's alarm thresholds: the library's own type, so its fields and defaults live once.
AlarmConfig = AlarmThresholds


# ---- how a validator reports ----------------------------------------------------------------------------------------
# A field's ``description`` says what the field must be; a type, range, pattern or choice error on it reads
# "<key>: <value> must be <description>". Rules that need their own words raise ``_problems``.
def _problems(found: Iterable[tuple[str, str]]) -> None:
    """Raise every ``(key path relative to the validated object, what is wrong)`` found, if any."""
    found = tuple(found)
    if found:
        raise PydanticCustomError("config_problems", "{count} problem(s)", {"count": len(found), "problems": found})


def _check(rule: typing.Callable[[Any], bool]) -> AfterValidator:
    """A field rule: a value it refuses fails with the field's description."""

    def validate(value: Any) -> Any:
        if not rule(value):
            raise ValueError("refused")
        return value

    return AfterValidator(validate)


def _urls(value: Sequence[str]) -> bool:
    return all(url.startswith(_CALLBACK_URL) for url in value)


class _Model(BaseModel):
    # JSON's types, strictly (no "3" -> 3); python-re for the patterns' look-aheads.
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, regex_engine="python-re")


# ---- the nested objects ---------------------------------------------------------------------------------------------
class ReleaseConfig(_Model):
    """How an environment's endpoint is released: a canary endpoint on the newest version, automatic rollback."""

    canary: bool = Field(default=False, description="true or false")
    rollback_window_minutes: int | None = Field(default=None, ge=5, le=1440, description="null or an integer 5..1440")


class VpcConfig(_Model):
    """The VPC the runtime runs in. Given, not looked up: synth stays offline and deterministic."""

    vpc_id: str = Field(pattern=r"^vpc-[0-9a-f]{8,17}$", description="a VPC id (vpc-...)")
    subnet_ids: Annotated[
        tuple[str, ...],
        _check(lambda ids: len(ids) >= 2 and all(re.match(r"^subnet-[0-9a-f]{8,17}$", i) for i in ids)),
    ] = Field(description="a list of at least two private subnet ids (subnet-...) in different AZs")
    availability_zones: Annotated[
        tuple[str, ...], _check(lambda zones: all(REGION_PATTERN.match(z[:-1]) for z in zones))
    ] = Field(description="the AZ of each subnet, in the same order")
    #: The endpoint services the VPC provides, or ["internet"] for a NAT route (Readiness-VpcEndpoints). "create"
    #: listed: the app creates the endpoints the runtime needs (RuntimeVpcEndpoints); needs route_table_ids.
    declared_endpoints: Annotated[
        tuple[str, ...] | str,
        _check(lambda e: e == "create" if isinstance(e, str) else all(re.match(r"^[a-z0-9.-]+$", x) for x in e)),
    ] = Field(
        default=(),
        alias="endpoints",
        description='"create" or a list of endpoint service names (e.g. "s3", "bedrock-runtime"), "internet" for a '
        'NAT route, "create" to have the app create the ones the runtime needs',
    )
    route_table_ids: Annotated[
        tuple[str, ...], _check(lambda ids: all(re.match(r"^rtb-[0-9a-f]{8,17}$", i) for i in ids))
    ] = Field(
        default=(),
        description='the route table (rtb-...) of each subnet, in the same order; required with endpoints "create" '
        "(the S3 gateway endpoint goes on them)",
    )

    @property
    def endpoints(self) -> tuple[str, ...]:
        """The endpoint services declared as present (``"create"`` left out: see :attr:`create_endpoints`)."""
        declared = (self.declared_endpoints,) if isinstance(self.declared_endpoints, str) else self.declared_endpoints
        return tuple(e for e in declared if e != "create")

    @property
    def create_endpoints(self) -> bool:
        """True when the app creates the endpoints the runtime needs (``"create"`` declared)."""
        return self.declared_endpoints == "create" or "create" in self.declared_endpoints

    @model_validator(mode="after")
    def _one_per_subnet(self) -> VpcConfig:
        found = []
        if len(self.availability_zones) != len(self.subnet_ids):
            found.append(("availability_zones", "must name the AZ of each subnet, in the same order"))
        if self.create_endpoints and len(self.route_table_ids) != len(self.subnet_ids):
            found.append(("route_table_ids", f"must list {VpcConfig.model_fields['route_table_ids'].description}"))
        _problems(found)
        return self


class OutboundOAuthConfig(_Model):
    provider_name: str = Field(min_length=1, description="a credential provider name")
    discovery_url: str = Field(pattern=r"^https://", description="an https:// URL")
    client_id: str = Field(min_length=1, description="an OAuth client id")
    scopes: tuple[str, ...] = Field(default=(), description="a list of strings")
    return_urls: Annotated[tuple[str, ...], _check(_urls)] = Field(
        default=(), description="a list of https:// (or http://localhost) URLs"
    )


class AgentSourceConfig(_Model):
    """Which agent to deploy: its folder (relative to the repository root), the file the Runtime runs, its lock.

    The default is the Strands flavour of the support agent; {"entrypoint": "main_langgraph.py", "requirements":
    "requirements-langgraph.lock"} deploys its LangGraph flavour from the same folder."""

    source: str = Field(
        default="agent_src", pattern=_RELATIVE_PATH, description="a relative path inside the repository"
    )
    entrypoint: str = Field(
        default="main.py",
        pattern=_RELATIVE_PATH[:-1] + r"(?<=\.py)$",
        description="a .py file, a relative path inside the agent folder",
    )
    requirements: str = Field(
        default="requirements.lock", pattern=_RELATIVE_PATH, description="a relative path inside the repository"
    )


def _alarm_problems(alarms: AlarmThresholds) -> list[tuple[str, str]]:
    found = [
        (f.name, f"{getattr(alarms, f.name)!r} must be a positive number")
        for f in dataclasses.fields(AlarmThresholds)
        if f.type in (float, "float") and not getattr(alarms, f.name) > 0
    ]
    if alarms.error_rate_percent > 100:
        found.append(("error_rate_percent", f"{alarms.error_rate_percent!r} must be at most 100"))
    if not 1 <= alarms.evaluation_periods <= 24:
        found.append(("evaluation_periods", f"{alarms.evaluation_periods!r} must be an integer 1..24"))
    return found


# ---- one environment -----------------------------------------------------------------------------------------------
class EnvironmentConfig(_Model):
    """One entry of cdk.json ``environments`` (its key is :attr:`name`)."""

    #: Set by the loader from the environment's key, never written as a key of its own.
    loader_keys: ClassVar[frozenset[str]] = frozenset({"name"})

    name: str = Field(pattern=ENV_NAME_PATTERN.pattern, description="1-16 lowercase letters/digits, a letter first")
    account: str = Field(
        pattern=ACCOUNT_PATTERN.pattern,
        description="a 12-digit AWS account id, as a string (a number loses leading zeros)",
    )
    region: str = Field(pattern=REGION_PATTERN.pattern, description="an AWS Region name (e.g. us-east-1)")
    stages: tuple[str, ...] = Field(description=f"a non-empty list drawn from {', '.join(STAGES)}")
    model_id: str = Field(
        pattern=MODEL_ID_PATTERN.pattern,
        description="a Bedrock model or inference-profile id (e.g. 'us.anthropic.claude-haiku-4-5-20251001-v1:0')",
    )
    log_retention_days: Annotated[int, _check(lambda days: days in LOG_RETENTION_DAYS)] = Field(
        description=f"a CloudWatch Logs retention value {LOG_RETENTION_DAYS}"
    )
    network_mode: NetworkMode = Field(description=f"one of {', '.join(NETWORK_MODES)}")
    artifact: ArtifactKind = Field(default="code", description=f"one of {', '.join(ARTIFACT_KINDS)}")
    # The session lifecycle in the units cdk.json uses; AgentCore's bounds (options.SessionLifecycle) in seconds.
    idle_timeout_minutes: int = Field(
        default=15,
        ge=LIFECYCLE_MIN_SECONDS // 60,
        le=LIFECYCLE_MAX_SECONDS // 60,
        description=f"an integer {LIFECYCLE_MIN_SECONDS // 60}..{LIFECYCLE_MAX_SECONDS // 60}",
    )
    max_lifetime_hours: int = Field(
        default=8, ge=1, le=LIFECYCLE_MAX_SECONDS // 3600, description=f"an integer 1..{LIFECYCLE_MAX_SECONDS // 3600}"
    )
    retry: RetryConfig = Field(default=RetryConfig(), description="an object with max_attempts, mode, timeout_seconds")
    limits: LimitsConfig = Field(
        default=LimitsConfig(), description="an object with max_turns, max_total_tokens, max_seconds"
    )
    log_level: Annotated[str, _check(lambda level: level in LOG_LEVELS)] = Field(
        default=env_vars.DEFAULT_LOG_LEVEL, description=f"one of {', '.join(LOG_LEVELS)}"
    )
    protect_stateful: bool = Field(default=False, description="true or false")
    memory_event_expiry_days: int = Field(default=30, ge=7, le=365, description="an integer 7..365")
    orders_api_base_url: str = Field(
        default="https://api.example.com", pattern=r"^https://", description="an https:// URL"
    )
    tool_reserved_concurrency: int | None = Field(default=None, ge=1, le=1000, description="null or an integer 1..1000")
    identity_mfa: Literal["required", "optional"] = Field(default="required", description="'required' or 'optional'")
    identity_callback_urls: Annotated[tuple[str, ...], _check(lambda urls: bool(urls) and _urls(urls))] = Field(
        default=("http://localhost:8765/callback",),
        description="a non-empty list of https:// (or http://localhost) URLs",
    )
    identity_e2e_client: bool = Field(default=False, description="true or false")
    outbound_oauth: OutboundOAuthConfig | None = Field(
        default=None, description="null or an object with provider_name, discovery_url, client_id, scopes, return_urls"
    )
    alarms: AlarmConfig = Field(default=AlarmConfig(), description="an object of alarm thresholds")
    alarm_emails: Annotated[tuple[str, ...], _check(lambda emails: all(_EMAIL.match(e) for e in emails))] = Field(
        default=(), description="a list of email addresses"
    )
    transaction_search: TransactionSearchMode = Field(
        default="off", description=f"one of {', '.join(TRANSACTION_SEARCH_MODES)}"
    )
    #: Share of spans indexed when this app manages Transaction Search (AWS's free default: 1).
    transaction_search_indexing_percent: float = Field(default=1, ge=0, le=100, description="a number 0..100")
    readiness: Literal["error", "warning", "off"] = Field(default="warning", description="'error', 'warning' or 'off'")
    vpc: VpcConfig | None = Field(
        default=None, description="null or an object with vpc_id, subnet_ids, availability_zones (network_mode 'VPC')"
    )
    endpoint_version: str = Field(
        default="latest",
        pattern=r"^(?:latest|[1-9][0-9]{0,4})$",
        description="'latest' or a runtime version number as a string, e.g. \"3\"",
    )
    agent: AgentSourceConfig = Field(
        default=AgentSourceConfig(), description="an object with source, entrypoint, requirements"
    )
    release: ReleaseConfig = Field(
        default=ReleaseConfig(), description="an object with canary, rollback_window_minutes"
    )
    tool_policy: Literal["LOG_ONLY", "ENFORCE"] | None = Field(
        default=None, description="null, 'LOG_ONLY' or 'ENFORCE'"
    )
    evaluation_sampling_percent: float | None = Field(
        default=None,
        ge=0.01,
        le=100,
        description="null or a percentage 0.01..100 (online evaluation of sampled sessions)",
    )
    platform_version: Literal["V1", "V2"] | None = Field(
        default=None, description="null (service default), 'V1' or 'V2'"
    )

    def has_stage(self, stage: str) -> bool:
        return stage in self.stages

    @property
    def runtime_name(self) -> str:
        """The AgentCore runtime's name (its ARN is ``runtime/<name>-<suffix>``)."""
        return f"support_agent_{self.name}"

    @property
    def lifecycle(self) -> SessionLifecycle:
        """The runtime sessions' lifecycle, in the seconds AgentCore takes."""
        return SessionLifecycle(
            idle_timeout_seconds=self.idle_timeout_minutes * 60, max_lifetime_seconds=self.max_lifetime_hours * 3600
        )

    @field_validator("stages")
    @classmethod
    def _known_stages(cls, stages: tuple[str, ...]) -> tuple[str, ...]:
        found = [("", f"unknown stage {s!r} (allowed: {', '.join(STAGES)})") for s in stages if s not in STAGES]
        if not stages:
            found.append(("", f"must be a non-empty list drawn from {list(STAGES)}"))
        elif "runtime" not in stages:
            found.append(("", "'runtime' is stage 1 and cannot be turned off"))
        if len(set(stages)) != len(stages):
            found.append(("", "lists a stage twice"))
        _problems(found)
        return stages

    @field_validator("retry", "limits")
    @classmethod
    def _accepted_by_the_agent(cls, options: RetryPolicy | InvocationLimits) -> RetryPolicy | InvocationLimits:
        _problems(options.problems())
        return options

    @field_validator("alarms")
    @classmethod
    def _alarms_can_fire(cls, alarms: AlarmThresholds) -> AlarmThresholds:
        _problems(_alarm_problems(alarms))
        return alarms

    @model_validator(mode="after")
    def _consistent(self) -> EnvironmentConfig:
        """The rules between keys (they run once every key is valid on its own)."""
        _problems(
            [
                *self._network_problems(),
                *self._lifecycle_problems(),
                *self._feature_problems(),
                *self._prod_problems(),
            ]
        )
        return self

    def _network_problems(self) -> Iterable[tuple[str, str]]:
        if self.network_mode == "VPC" and self.vpc is None:
            yield "vpc", "required when network_mode is 'VPC' (vpc_id, subnet_ids, availability_zones, ...)"
        if self.network_mode == "PUBLIC" and self.vpc is not None:
            yield "vpc", "only used with network_mode 'VPC'"

    def _lifecycle_problems(self) -> Iterable[tuple[str, str]]:
        # AgentCore refuses an idle timeout longer than the lifetime (options.SessionLifecycle).
        if self.lifecycle.idle_timeout_seconds > self.lifecycle.max_lifetime_seconds:
            yield (
                "idle_timeout_minutes",
                f"{self.idle_timeout_minutes} exceeds max_lifetime_hours ({self.max_lifetime_hours} h)",
            )

    def _feature_problems(self) -> Iterable[tuple[str, str]]:
        if "transaction_search_indexing_percent" in self.model_fields_set and self.transaction_search != "manage":
            yield "transaction_search_indexing_percent", "only used with transaction_search 'manage'"
        if self.endpoint_version == "latest" and (
            self.release.canary or self.release.rollback_window_minutes is not None
        ):
            yield (
                "release",
                "a canary and rollback need a pinned endpoint_version (it is 'latest', which follows every version)",
            )
        # The policies' principal is the verified caller (AgentCore::OAuthUser): a JWT-authorized gateway.
        if self.tool_policy is not None and not {"gateway", "identity"} <= set(self.stages):
            yield "tool_policy", "needs the gateway and identity stages (the policies name the verified caller)"

    def _prod_problems(self) -> Iterable[tuple[str, str]]:
        if self.name != "prod":
            return
        if self.identity_mfa != "required":
            yield "identity_mfa", "prod must use 'required'"
        if self.identity_e2e_client:
            yield "identity_e2e_client", "not allowed in prod (ADMIN_USER_PASSWORD_AUTH client)"
        if self.readiness != "error":
            yield "readiness", "prod must be 'error' (findings fail synth)"


# ---- loading -------------------------------------------------------------------------------------------------------
def load_environments(
    context: Mapping[str, Any] | None, env: Mapping[str, str] | None = None
) -> list[EnvironmentConfig]:
    """Parse the ``environments`` context value. ``env`` defaults to ``os.environ`` (for CDK_DEFAULT_*).

    Raises one :class:`ConfigError` listing every problem of every environment."""
    env = os.environ if env is None else env
    if not isinstance(context, Mapping) or not context:
        raise ConfigError("cdk.json context 'environments' must be a non-empty object of environment name -> settings")
    configs: list[EnvironmentConfig] = []
    lines: list[str] = []
    for name, raw in context.items():
        try:
            configs.append(parse_environment(name, raw, env))
        except ConfigError as error:
            lines.append(str(error))
    lines += _account_singleton_problems(configs)
    if lines:
        raise ConfigError("\n".join(lines))
    return configs


def parse_environment(name: str, raw: Any, env: Mapping[str, str]) -> EnvironmentConfig:
    """One environment of cdk.json (``raw`` under key ``name``); account and Region default to CDK_DEFAULT_*."""
    if not isinstance(name, str) or not ENV_NAME_PATTERN.match(name):
        raise ConfigError(f"environments: name {name!r} must be 1-16 lowercase letters/digits starting with a letter")
    where = f"environments.{name}"
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: must be an object, got {type(raw).__name__}")
    if "name" in raw:  # the environment's name is its key
        raise ConfigError(f"{where}: unknown key 'name' (allowed: {', '.join(_keys(EnvironmentConfig))})")
    account = raw.get("account")
    region = raw.get("region")
    document = {
        **raw,
        "name": name,
        "account": env.get("CDK_DEFAULT_ACCOUNT") or PLACEHOLDER_ACCOUNT if account is None else account,
        "region": env.get("CDK_DEFAULT_REGION") or DEFAULT_REGION if region is None else region,
    }
    return _validate(EnvironmentConfig, document, where)


def _account_singleton_problems(configs: list[EnvironmentConfig]) -> list[str]:
    """Transaction Search is one per account and Region. Every environment of this app in an account/Region where one
    of them manages it must manage it too: they all deploy the same account stack (one stack name, one template), so
    whichever is deployed first turns it on and none depends on another's deploy order. "enabled" is for an account
    where it was turned on outside this app (console, CLI or another app: CloudWatch user guide, "Enable Transaction
    Search", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Enable-TransactionSearch.html)."""
    by_target: dict[tuple[str, str], list[EnvironmentConfig]] = {}
    for config in configs:
        by_target.setdefault((config.account, config.region), []).append(config)
    lines = []
    for (account, region), group in by_target.items():
        managers = [c for c in group if c.transaction_search == "manage"]
        if not managers:
            continue
        lines += [
            f"environments.{c.name}.transaction_search: 'enabled', but environments.{managers[0].name} of this app "
            f"manages it in account {account} / {region}, so {c.name} would rely on {managers[0].name} being "
            "deployed first; set 'manage' in both (they deploy the same account stack, whichever comes first turns "
            "it on)"
            for c in group
            if c.transaction_search == "enabled"
        ]
        percents = {c.transaction_search_indexing_percent for c in managers}
        if len(percents) > 1:
            lines.append(
                f"environments.{managers[-1].name}.transaction_search_indexing_percent: environments "
                f"{', '.join(c.name for c in managers)} manage Transaction Search in account {account} / {region} "
                f"with different indexing percentages ({', '.join(f'{p:g}' for p in sorted(percents))}); they deploy "
                "one account stack, so give them the same value"
            )
    return lines


# ---- the opt-in release pipeline (context key "pipeline") ----------------------------------------------------------
class PipelineConfig(_Model):
    """Where the pipeline lives and what it promotes: one synth, deployed to ``stages`` in order; the end-to-end
    suite runs against ``e2e_environment``'s canary before the manual approval that precedes ``approval_before``.

    Validated with the environments as context (``{"environments": [...]}``): its stages must be environments."""

    account: str = Field(
        pattern=ACCOUNT_PATTERN.pattern, description="a 12-digit account id, as a string (a number loses leading zeros)"
    )
    region: str = Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$", description="a Region name")
    connection_arn: str = Field(
        pattern=r"^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection/[\w-]+$",
        description="a CodeConnections connection ARN",
    )
    repository: str = Field(pattern=r"^[\w.-]+/[\w.-]+$", description="owner/name")
    branch: str = Field(default="main", min_length=1, description="a branch name")
    stages: tuple[str, ...] = Field(description="environments of cdk.json, each once, in promotion order")
    e2e_environment: str = Field(description="one of the pipeline's stages")
    approval_before: str = Field(default="prod", description="a stage after the e2e environment")
    approval_topic_arn: str | None = Field(
        default=None, pattern=r"^arn:.*:sns:", description="null or an SNS topic ARN"
    )

    @model_validator(mode="after")
    def _promotes_environments(self, info: ValidationInfo) -> PipelineConfig:
        by_name = {c.name: c for c in (info.context or {}).get("environments", [])}
        stages, e2e, approval = self.stages, self.e2e_environment, self.approval_before
        if not stages or not set(stages) <= set(by_name) or len(set(stages)) != len(stages):
            _problems(
                [
                    (
                        "stages",
                        f"must list environments of cdk.json, each once, in promotion order ({', '.join(by_name)})",
                    )
                ]
            )
        found = []
        if e2e not in stages:
            found.append(("e2e_environment", f"{e2e!r} must be one of the pipeline's stages"))
        elif approval not in stages or stages.index(approval) <= stages.index(e2e):
            found.append(("approval_before", f"{approval!r} must be a stage after the e2e environment {e2e!r}"))
        if e2e in by_name and not by_name[e2e].identity_e2e_client:
            found.append(("e2e_environment", f"{e2e!r} needs identity_e2e_client true"))
        if e2e in by_name and not by_name[e2e].release.canary:
            found.append(("e2e_environment", f"{e2e!r} needs release.canary true"))
        _problems(found)
        return self


def load_pipeline(raw: Any, environments: list[EnvironmentConfig]) -> PipelineConfig | None:
    """Parse the ``pipeline`` context value (null: no pipeline)."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ConfigError(f"pipeline: must be an object, got {type(raw).__name__}")
    return _validate(PipelineConfig, raw, "pipeline", {"environments": environments})


# ---- pydantic's errors, as cdk.json keys --------------------------------------------------------------------------
_Validated = typing.TypeVar("_Validated", bound=_Model)
#: What a value of each JSON type must be, for a field whose description does not say.
_TYPE_WORDS = {
    "int_type": "an integer",
    "float_type": "a number",
    "string_type": "a string",
    "bool_type": "true or false",
    "tuple_type": "a list",
    "model_type": "an object",
    "dataclass_type": "an object",
}


def _validate(
    model: type[_Validated], document: Mapping[str, Any], where: str, context: Mapping[str, Any] | None = None
) -> _Validated:
    """``document`` as ``model``, validated as the JSON it came from; ConfigError lists every problem."""
    try:
        return model.model_validate_json(json.dumps(document), context=context)
    except ValidationError as error:
        raise ConfigError("\n".join(dict.fromkeys(_lines(model, error, where)))) from None


def _lines(model: type[BaseModel], error: ValidationError, where: str) -> Iterable[str]:
    """One ``<key path>: <what is wrong>`` line per problem pydantic found."""
    for found in error.errors(include_url=False):
        kind = found["type"]
        if kind in ("extra_forbidden", "unexpected_keyword_argument"):
            *parent, key = found["loc"]
            parent_path, owner, _ = _walk(model, tuple(parent), where)
            yield f"{parent_path}: unknown key {key!r} (allowed: {', '.join(_keys(owner))})"
            continue
        path, _, field = _walk(model, found["loc"], where)
        if kind == "config_problems":
            yield from (f"{path}.{key}: {what}" if key else f"{path}: {what}" for key, what in found["ctx"]["problems"])
        elif kind in ("missing", "missing_argument") or (found["input"] is None and field and field.is_required()):
            yield f"{path}: required value is missing"
        else:
            expected = field.description if field and field.description else _TYPE_WORDS.get(kind, found["msg"])
            yield f"{path}: {found['input']!r} must be {expected}"


def _walk(model: type[BaseModel], loc: tuple[int | str, ...], where: str) -> tuple[str, Any, FieldInfo | None]:
    """The dotted key path of ``loc``, the model or dataclass it leads to (if any) and its last key's field (None: not
    a model field). Union members' tags in ``loc`` are left out; list indexes read ``[i]``."""
    path, field = where, None
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
            continue
        members = _members(current)
        if members and part not in members:  # a union member's tag
            continue
        field = members.get(part)
        path += f".{part}"
        current = _nested(field.annotation) if field else None
    return path, current, field


def _members(cls: Any) -> dict[str, FieldInfo | None]:
    """The keys an object of ``cls`` takes in cdk.json, each with its pydantic field (None for a plain dataclass)."""
    if isinstance(cls, type) and issubclass(cls, BaseModel):
        return {field.alias or name: field for name, field in cls.model_fields.items()}
    if dataclasses.is_dataclass(cls):
        return {f.name: None for f in dataclasses.fields(cls)}
    return {}


def _keys(cls: Any) -> list[str]:
    """The keys cdk.json may give an object of ``cls``."""
    return [key for key in _members(cls) if key not in getattr(cls, "loader_keys", ())]


def _nested(annotation: Any) -> Any:
    """The model or dataclass a field's type holds (``VpcConfig | None`` -> VpcConfig), if any."""
    if _members(annotation):
        return annotation
    if typing.get_origin(annotation) in (Union, types.UnionType, Annotated):
        return next((c for c in map(_nested, get_args(annotation)) if c is not None), None)
    return None
