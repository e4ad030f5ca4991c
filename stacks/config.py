"""Typed, validated per-environment configuration read from cdk.json context ``environments``.

Every error names the environment and the key, so a typo fails synth with a message a human can act on.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from agentcore_constructs.aws_facts import LOG_RETENTION_DAYS
from agentcore_constructs.contract import env_vars
from agentcore_constructs.options import InvocationLimits, RetryPolicy
from agentcore_constructs.thresholds import AlarmThresholds

#: Used when neither cdk.json nor CDK_DEFAULT_ACCOUNT gives an account: lets synth run offline.
#: `cdk deploy` with real credentials replaces it (the CLI sets CDK_DEFAULT_ACCOUNT).
PLACEHOLDER_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"

STAGES = ("runtime", "memory", "gateway", "identity")
NETWORK_MODES = ("PUBLIC", "VPC")
ARTIFACT_KINDS = ("code", "container")
#: The agent's own allowed values (the contract): a value the agent would refuse fails synth instead.
RETRY_MODES = env_vars.RETRY_MODE.choices
LOG_LEVELS = env_vars.LOG_LEVEL.choices
#: X-Ray Transaction Search is one per account and Region: "manage" (the app's account stack owns it; every
#: environment of the app in that account/Region says "manage" and deploys the same stack), "enabled" (turned on
#: outside this app: console, CLI or another app), "off" (not used).
TRANSACTION_SEARCH_MODES = ("manage", "enabled", "off")

# Optional geo prefix (cross-Region inference profile), provider, model name, ":<version>".
MODEL_ID_PATTERN = re.compile(r"^(?:(?:us|eu|apac|jp|au|ca|us-gov|global)\.)?[a-z0-9-]+\.[a-z0-9][a-z0-9.\-]*:\d+$")
ACCOUNT_PATTERN = re.compile(r"^\d{12}$")
REGION_PATTERN = re.compile(r"^[a-z]{2}(?:-gov)?-[a-z]+-\d$")
ENV_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]{0,15}$")


class ConfigError(ValueError):
    """cdk.json holds a value synth cannot use. The message names the environment and the key."""


#: The agent's retry policy and invocation limits: the library's option groups, so fields and defaults live once.
RetryConfig = RetryPolicy
LimitsConfig = InvocationLimits


@dataclass(frozen=True)
class ReleaseConfig:
    """How an environment's endpoint is released: a canary endpoint on the newest version, automatic rollback."""

    canary: bool = False
    rollback_window_minutes: int | None = None


@dataclass(frozen=True)
class VpcConfig:
    vpc_id: str
    subnet_ids: tuple[str, ...]
    availability_zones: tuple[str, ...]
    #: The endpoint services the VPC provides, or ["internet"] for a NAT route (Readiness-VpcEndpoints).
    endpoints: tuple[str, ...] = ()
    #: "create" listed: the app creates the endpoints the runtime needs (RuntimeVpcEndpoints); needs route_table_ids.
    #: Declared ones (e.g. "internet" next to "create") are recorded as well.
    create_endpoints: bool = False
    route_table_ids: tuple[str, ...] = ()


#: An environment's alarm thresholds: the library's own type, so its fields and defaults live once.
AlarmConfig = AlarmThresholds


@dataclass(frozen=True)
class OutboundOAuthConfig:
    provider_name: str
    discovery_url: str
    client_id: str
    scopes: tuple[str, ...]
    return_urls: tuple[str, ...]


@dataclass(frozen=True)
class AgentSourceConfig:
    """Which agent to deploy: its folder (relative to the repository root), the file the Runtime runs, its lock."""

    source: str
    entrypoint: str
    requirements: str


@dataclass(frozen=True)
class EnvironmentConfig:
    name: str
    account: str
    region: str
    stages: tuple[str, ...]
    model_id: str
    log_retention_days: int
    network_mode: str
    artifact: str
    idle_timeout_minutes: int
    max_lifetime_hours: int
    retry: RetryConfig
    limits: LimitsConfig
    log_level: str
    protect_stateful: bool
    memory_event_expiry_days: int
    orders_api_base_url: str
    tool_reserved_concurrency: int | None
    identity_mfa: str
    identity_callback_urls: tuple[str, ...]
    identity_e2e_client: bool
    outbound_oauth: OutboundOAuthConfig | None
    alarms: AlarmConfig
    alarm_emails: tuple[str, ...]
    transaction_search: str
    transaction_search_indexing_percent: float
    readiness: str
    vpc: VpcConfig | None
    endpoint_version: str
    agent: AgentSourceConfig = AgentSourceConfig("agent_src", "main.py", "requirements.lock")
    release: ReleaseConfig = ReleaseConfig()
    tool_policy: str | None = None
    evaluation_sampling_percent: float | None = None
    platform_version: str | None = None

    def has_stage(self, stage: str) -> bool:
        return stage in self.stages

    @property
    def runtime_name(self) -> str:
        """The AgentCore runtime's name (its ARN is ``runtime/<name>-<suffix>``)."""
        return f"support_agent_{self.name}"


_REQUIRED = ("stages", "model_id", "log_retention_days", "network_mode")
_OPTIONAL_DEFAULTS: dict[str, Any] = {
    "account": None,
    "region": None,
    "artifact": "code",
    "idle_timeout_minutes": 15,
    "max_lifetime_hours": 8,
    "retry": {},
    "limits": {},
    "log_level": "INFO",
    "protect_stateful": False,
    "memory_event_expiry_days": 30,
    "orders_api_base_url": "https://api.example.com",
    "tool_reserved_concurrency": None,
    "identity_mfa": "required",
    "identity_callback_urls": ["http://localhost:8765/callback"],
    "identity_e2e_client": False,
    "outbound_oauth": None,
    "alarms": {},
    "alarm_emails": [],
    "transaction_search": "off",
    "transaction_search_indexing_percent": None,
    "readiness": "warning",
    "vpc": None,
    "endpoint_version": "latest",
    "agent": {},
    "release": {},
    "tool_policy": None,
    "evaluation_sampling_percent": None,
    "platform_version": None,
}
_RELEASE_DEFAULTS: dict[str, Any] = {"canary": False, "rollback_window_minutes": None}
#: The Strands flavour of the support agent; {"entrypoint": "main_langgraph.py", "requirements":
#: "requirements-langgraph.lock"} deploys its LangGraph flavour from the same folder.
_AGENT_DEFAULTS = {"source": "agent_src", "entrypoint": "main.py", "requirements": "requirements.lock"}
_RELATIVE_PATH = re.compile(r"^(?!/)(?!.*(?:^|/)\.\.(?:/|$))[A-Za-z0-9_./-]+$")
_VPC_KEYS = ("vpc_id", "subnet_ids", "availability_zones", "endpoints", "route_table_ids")
_ALARM_DEFAULTS = asdict(AlarmThresholds())
_OUTBOUND_KEYS = ("provider_name", "discovery_url", "client_id", "scopes", "return_urls")
_RETRY_DEFAULTS = {
    "max_attempts": env_vars.DEFAULT_RETRY_MAX_ATTEMPTS,
    "mode": env_vars.DEFAULT_RETRY_MODE,
    "timeout_seconds": env_vars.DEFAULT_HTTP_TIMEOUT_SECONDS,
}
_LIMITS_DEFAULTS = {
    "max_turns": env_vars.DEFAULT_MAX_TURNS,
    "max_total_tokens": env_vars.DEFAULT_MAX_TOTAL_TOKENS,
    "max_seconds": env_vars.DEFAULT_MAX_SECONDS,
}


def load_environments(
    context: Mapping[str, Any] | None, env: Mapping[str, str] | None = None
) -> list[EnvironmentConfig]:
    """Parse the ``environments`` context value. ``env`` defaults to ``os.environ`` (for CDK_DEFAULT_*)."""
    env = os.environ if env is None else env
    if not isinstance(context, Mapping) or not context:
        raise ConfigError("cdk.json context 'environments' must be a non-empty object of environment name -> settings")
    configs = [parse_environment(name, raw, env) for name, raw in context.items()]
    _check_account_singletons(configs)
    return configs


def _check_account_singletons(configs: list[EnvironmentConfig]) -> None:
    """Transaction Search is one per account and Region. Every environment of this app in an account/Region where one
    of them manages it must manage it too: they all deploy the same account stack (one stack name, one template), so
    whichever is deployed first turns it on and none depends on another's deploy order. "enabled" is for an account
    where it was turned on outside this app (console, CLI or another app: CloudWatch user guide, "Enable Transaction
    Search", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Enable-TransactionSearch.html)."""
    by_target: dict[tuple[str, str], list[EnvironmentConfig]] = {}
    for config in configs:
        by_target.setdefault((config.account, config.region), []).append(config)
    for (account, region), group in by_target.items():
        managers = [c for c in group if c.transaction_search == "manage"]
        if not managers:
            continue
        for config in group:
            if config.transaction_search == "enabled":
                raise ConfigError(
                    f"environments.{config.name}.transaction_search: 'enabled', but environments.{managers[0].name} "
                    f"of this app manages it in account {account} / {region}, so {config.name} would rely on "
                    f"{managers[0].name} being deployed first; set 'manage' in both (they deploy the same account "
                    "stack, whichever comes first turns it on)"
                )
        percents = {c.transaction_search_indexing_percent for c in managers}
        if len(percents) > 1:
            raise ConfigError(
                f"environments.{managers[-1].name}.transaction_search_indexing_percent: environments "
                f"{', '.join(c.name for c in managers)} manage Transaction Search in account {account} / {region} "
                f"with different indexing percentages ({', '.join(str(p) for p in sorted(percents))}); they deploy "
                "one account stack, so give them the same value"
            )


def parse_environment(name: str, raw: Any, env: Mapping[str, str]) -> EnvironmentConfig:
    if not isinstance(name, str) or not ENV_NAME_PATTERN.match(name):
        raise ConfigError(f"environments: name {name!r} must be 1-16 lowercase letters/digits starting with a letter")
    where = f"environments.{name}"
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: must be an object, got {type(raw).__name__}")
    unknown = sorted(set(raw) - set(_REQUIRED) - set(_OPTIONAL_DEFAULTS))
    if unknown:
        allowed = ", ".join(sorted((*_REQUIRED, *_OPTIONAL_DEFAULTS)))
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (allowed: {allowed})")
    for key in _REQUIRED:
        if key not in raw or raw[key] is None:
            raise ConfigError(f"{where}.{key}: required value is missing")
    values = {**_OPTIONAL_DEFAULTS, **raw}

    account = values["account"] or env.get("CDK_DEFAULT_ACCOUNT") or PLACEHOLDER_ACCOUNT
    _check(ACCOUNT_PATTERN.match(str(account)), f"{where}.account: {account!r} is not a 12-digit AWS account id")
    region = values["region"] or env.get("CDK_DEFAULT_REGION") or DEFAULT_REGION
    _check(REGION_PATTERN.match(str(region)), f"{where}.region: {region!r} is not an AWS region name")

    stages = values["stages"]
    _check(isinstance(stages, list) and stages, f"{where}.stages: must be a non-empty list drawn from {list(STAGES)}")
    for stage in stages:
        _check(stage in STAGES, f"{where}.stages: unknown stage {stage!r} (allowed: {', '.join(STAGES)})")
    _check(len(set(stages)) == len(stages), f"{where}.stages: lists a stage twice")
    _check("runtime" in stages, f"{where}.stages: 'runtime' is stage 1 and cannot be turned off")

    model_id = values["model_id"]
    _check(
        isinstance(model_id, str) and MODEL_ID_PATTERN.match(model_id),
        f"{where}.model_id: {model_id!r} is not a Bedrock model or inference-profile id "
        "(e.g. 'us.anthropic.claude-haiku-4-5-20251001-v1:0')",
    )
    retention = values["log_retention_days"]
    _check(
        _is_int(retention) and retention in LOG_RETENTION_DAYS,
        f"{where}.log_retention_days: {retention!r} is not a CloudWatch Logs retention value {LOG_RETENTION_DAYS}",
    )
    network_mode = values["network_mode"]
    _check(
        network_mode in NETWORK_MODES,
        f"{where}.network_mode: {network_mode!r} is not supported (allowed: {', '.join(NETWORK_MODES)})",
    )
    vpc = _parse_vpc(f"{where}.vpc", values["vpc"]) if values["vpc"] is not None else None
    _check(
        not (network_mode == "VPC" and vpc is None),
        f"{where}.vpc: required when network_mode is 'VPC' ({', '.join(_VPC_KEYS)})",
    )
    _check(not (network_mode == "PUBLIC" and vpc is not None), f"{where}.vpc: only used with network_mode 'VPC'")
    artifact = values["artifact"]
    _check(artifact in ARTIFACT_KINDS, f"{where}.artifact: {artifact!r} is not one of {', '.join(ARTIFACT_KINDS)}")
    idle = values["idle_timeout_minutes"]
    _check(_is_int(idle) and 1 <= idle <= 480, f"{where}.idle_timeout_minutes: {idle!r} must be an integer 1..480")
    lifetime = values["max_lifetime_hours"]
    _check(
        _is_int(lifetime) and 1 <= lifetime <= 8, f"{where}.max_lifetime_hours: {lifetime!r} must be an integer 1..8"
    )
    _check(idle <= lifetime * 60, f"{where}.idle_timeout_minutes: {idle} exceeds max_lifetime_hours ({lifetime} h)")
    log_level = values["log_level"]
    _check(log_level in LOG_LEVELS, f"{where}.log_level: {log_level!r} is not one of {', '.join(LOG_LEVELS)}")
    expiry = values["memory_event_expiry_days"]
    _check(
        _is_int(expiry) and 7 <= expiry <= 365,
        f"{where}.memory_event_expiry_days: {expiry!r} must be an integer 7..365",
    )
    base_url = values["orders_api_base_url"]
    _check(
        isinstance(base_url, str) and base_url.startswith("https://"),
        f"{where}.orders_api_base_url: {base_url!r} must be an https:// URL",
    )
    concurrency = values["tool_reserved_concurrency"]
    _check(
        concurrency is None or (_is_int(concurrency) and 1 <= concurrency <= 1000),
        f"{where}.tool_reserved_concurrency: {concurrency!r} must be null or an integer 1..1000",
    )
    mfa = values["identity_mfa"]
    _check(mfa in ("required", "optional"), f"{where}.identity_mfa: {mfa!r} must be 'required' or 'optional'")
    _check(not (name == "prod" and mfa != "required"), f"{where}.identity_mfa: prod must use 'required'")
    callbacks = values["identity_callback_urls"]
    _check(
        isinstance(callbacks, list)
        and callbacks
        and all(isinstance(u, str) and u.startswith(("https://", "http://localhost")) for u in callbacks),
        f"{where}.identity_callback_urls: must be a non-empty list of https:// (or http://localhost) URLs",
    )
    e2e_client = values["identity_e2e_client"]
    _check(isinstance(e2e_client, bool), f"{where}.identity_e2e_client: must be true or false")
    _check(
        not (name == "prod" and e2e_client),
        f"{where}.identity_e2e_client: not allowed in prod (ADMIN_USER_PASSWORD_AUTH client)",
    )
    outbound = _parse_outbound(f"{where}.outbound_oauth", values["outbound_oauth"])
    alarms = _parse_alarms(f"{where}.alarms", values["alarms"])
    emails = values["alarm_emails"]
    _check(
        isinstance(emails, list)
        and all(isinstance(e, str) and re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", e) for e in emails),
        f"{where}.alarm_emails: must be a list of email addresses",
    )
    search = values["transaction_search"]
    _check(
        search in TRANSACTION_SEARCH_MODES,
        f"{where}.transaction_search: {search!r} must be one of {', '.join(TRANSACTION_SEARCH_MODES)}",
    )
    indexing = values["transaction_search_indexing_percent"]
    _check(
        indexing is None or search == "manage",
        f"{where}.transaction_search_indexing_percent: only used with transaction_search 'manage'",
    )
    _check(
        indexing is None
        or (isinstance(indexing, (int, float)) and not isinstance(indexing, bool) and 0 <= indexing <= 100),
        f"{where}.transaction_search_indexing_percent: {indexing!r} must be a number 0..100",
    )
    readiness = values["readiness"]
    _check(
        readiness in ("error", "warning", "off"),
        f"{where}.readiness: {readiness!r} must be 'error', 'warning' or 'off'",
    )
    _check(
        not (name == "prod" and readiness != "error"), f"{where}.readiness: prod must be 'error' (findings fail synth)"
    )
    endpoint_version = values["endpoint_version"]
    _check(
        endpoint_version == "latest"
        or (isinstance(endpoint_version, str) and re.match(r"^[1-9][0-9]{0,4}$", endpoint_version)),
        f"{where}.endpoint_version: {endpoint_version!r} must be 'latest' or a runtime version number as a string, "
        'e.g. "3"',
    )
    protect = values["protect_stateful"]
    _check(isinstance(protect, bool), f"{where}.protect_stateful: must be true or false")

    return EnvironmentConfig(
        name=name,
        account=str(account),
        region=str(region),
        stages=tuple(stages),
        model_id=model_id,
        log_retention_days=retention,
        network_mode=network_mode,
        artifact=artifact,
        idle_timeout_minutes=idle,
        max_lifetime_hours=lifetime,
        retry=_parse_retry(f"{where}.retry", values["retry"]),
        limits=_parse_limits(f"{where}.limits", values["limits"]),
        log_level=log_level,
        protect_stateful=protect,
        memory_event_expiry_days=expiry,
        orders_api_base_url=base_url,
        tool_reserved_concurrency=concurrency,
        identity_mfa=mfa,
        identity_callback_urls=tuple(callbacks),
        identity_e2e_client=e2e_client,
        outbound_oauth=outbound,
        alarms=alarms,
        alarm_emails=tuple(emails),
        transaction_search=search,
        transaction_search_indexing_percent=1 if indexing is None else indexing,
        readiness=readiness,
        vpc=vpc,
        endpoint_version=endpoint_version,
        agent=_parse_agent(f"{where}.agent", values["agent"]),
        release=_parse_release(f"{where}.release", values["release"], endpoint_version),
        tool_policy=_parse_tool_policy(f"{where}.tool_policy", values["tool_policy"], stages),
        platform_version=_parse_platform_version(f"{where}.platform_version", values["platform_version"]),
        evaluation_sampling_percent=_parse_sampling(
            f"{where}.evaluation_sampling_percent", values["evaluation_sampling_percent"]
        ),
    )


def _parse_platform_version(where: str, raw: Any) -> str | None:
    _check(raw in (None, "V1", "V2"), f"{where}: {raw!r} must be null (service default), 'V1' or 'V2'")
    return raw


def _parse_sampling(where: str, raw: Any) -> float | None:
    _check(
        raw is None or (isinstance(raw, (int, float)) and not isinstance(raw, bool) and 0.01 <= raw <= 100),
        f"{where}: {raw!r} must be null or a percentage 0.01..100 (online evaluation of sampled sessions)",
    )
    return None if raw is None else float(raw)


def _parse_tool_policy(where: str, raw: Any, stages: list[str]) -> str | None:
    _check(raw in (None, "LOG_ONLY", "ENFORCE"), f"{where}: {raw!r} must be null, 'LOG_ONLY' or 'ENFORCE'")
    # The policies' principal is the verified caller (AgentCore::OAuthUser): a JWT-authorized gateway.
    _check(
        raw is None or ("gateway" in stages and "identity" in stages),
        f"{where}: needs the gateway and identity stages (the policies name the verified caller)",
    )
    return raw


def _with_defaults(where: str, raw: Any, defaults: Mapping[str, Any]) -> dict[str, Any]:
    """A nested cdk.json object over its defaults; unknown keys fail naming the first one."""
    _check(isinstance(raw, Mapping), f"{where}: must be an object")
    unknown = sorted(set(raw) - set(defaults))
    _check(not unknown, f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(defaults)})" if unknown else "")
    return {**defaults, **raw}


def _parse_release(where: str, raw: Any, endpoint_version: str) -> ReleaseConfig:
    values = _with_defaults(where, raw, _RELEASE_DEFAULTS)
    canary = values["canary"]
    _check(isinstance(canary, bool), f"{where}.canary: must be true or false")
    window = values["rollback_window_minutes"]
    _check(
        window is None or (_is_int(window) and 5 <= window <= 1440),
        f"{where}.rollback_window_minutes: {window!r} must be null or an integer 5..1440",
    )
    pinned = endpoint_version != "latest"
    _check(
        pinned or not (canary or window is not None),
        f"{where}: a canary and rollback need a pinned endpoint_version (it is 'latest', which follows every version)",
    )
    return ReleaseConfig(canary=canary, rollback_window_minutes=window)


def _parse_agent(where: str, raw: Any) -> AgentSourceConfig:
    values = _with_defaults(where, raw, _AGENT_DEFAULTS)
    for key in _AGENT_DEFAULTS:
        value = values[key]
        _check(
            isinstance(value, str) and bool(_RELATIVE_PATH.match(value)),
            f"{where}.{key}: {value!r} must be a relative path inside the repository",
        )
    _check(values["entrypoint"].endswith(".py"), f"{where}.entrypoint: {values['entrypoint']!r} must be a .py file")
    return AgentSourceConfig(values["source"], values["entrypoint"], values["requirements"])


def _parse_retry(where: str, raw: Any) -> RetryConfig:
    values = _with_defaults(where, raw, _RETRY_DEFAULTS)
    attempts = _bounded_int(where, values, "max_attempts", env_vars.RETRY_MAX_ATTEMPTS)
    mode = values["mode"]
    _check(mode in RETRY_MODES, f"{where}.mode: {mode!r} is not one of {', '.join(RETRY_MODES)}")
    timeout = _bounded_int(where, values, "timeout_seconds", env_vars.HTTP_TIMEOUT_SECONDS)
    return RetryConfig(max_attempts=attempts, mode=mode, timeout_seconds=timeout)


def _bounded_int(where: str, values: Mapping[str, Any], key: str, var: env_vars.EnvVar) -> int:
    """``values[key]``, an integer within the bounds the contract gives ``var`` (the agent's own check)."""
    value = values[key]
    _check(_is_int(value) and var.in_range(value), f"{where}.{key}: {value!r} must be an integer {var.range_text()}")
    return int(value)


def _parse_limits(where: str, raw: Any) -> LimitsConfig:
    values = _with_defaults(where, raw, _LIMITS_DEFAULTS)
    turns = _bounded_int(where, values, "max_turns", env_vars.MAX_TURNS)
    tokens = _bounded_int(where, values, "max_total_tokens", env_vars.MAX_TOTAL_TOKENS)
    seconds = _bounded_int(where, values, "max_seconds", env_vars.MAX_SECONDS)
    return LimitsConfig(max_turns=turns, max_total_tokens=tokens, max_seconds=seconds)


def _parse_vpc(where: str, raw: Any) -> VpcConfig:
    # Given, not looked up: synth stays offline and deterministic.
    _check(isinstance(raw, Mapping), f"{where}: must be an object with {', '.join(_VPC_KEYS[:3])}")
    unknown = sorted(set(raw) - set(_VPC_KEYS))
    _check(not unknown, f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(_VPC_KEYS)})" if unknown else "")
    vpc_id = raw.get("vpc_id")
    _check(
        isinstance(vpc_id, str) and re.match(r"^vpc-[0-9a-f]{8,17}$", vpc_id),
        f"{where}.vpc_id: {vpc_id!r} is not a VPC id",
    )
    subnets = raw.get("subnet_ids")
    _check(
        isinstance(subnets, list)
        and len(subnets) >= 2
        and all(isinstance(x, str) and re.match(r"^subnet-[0-9a-f]{8,17}$", x) for x in subnets),
        f"{where}.subnet_ids: must list at least two private subnet ids (subnet-...) in different AZs",
    )
    zones = raw.get("availability_zones")
    _check(
        isinstance(zones, list)
        and len(zones) == len(subnets)
        and all(isinstance(z, str) and REGION_PATTERN.match(z[:-1]) for z in zones),
        f"{where}.availability_zones: must name the AZ of each subnet, in the same order",
    )
    endpoints = raw.get("endpoints", [])
    if endpoints == "create":
        endpoints = ["create"]
    _check(
        isinstance(endpoints, list) and all(isinstance(e, str) and re.match(r"^[a-z0-9.-]+$", e) for e in endpoints),
        f'{where}.endpoints: must be "create" or list endpoint service names (e.g. "s3", "bedrock-runtime"), '
        '"internet" for a NAT route, "create" to have the app create the ones the runtime needs',
    )
    create = "create" in endpoints
    endpoints = [e for e in endpoints if e != "create"]
    route_tables = raw.get("route_table_ids", [])
    _check(
        isinstance(route_tables, list)
        and all(isinstance(r, str) and re.match(r"^rtb-[0-9a-f]{8,17}$", r) for r in route_tables)
        and (not create or len(route_tables) == len(subnets)),
        f"{where}.route_table_ids: the route table (rtb-...) of each subnet, in the same order; required with "
        'endpoints "create" (the S3 gateway endpoint goes on them)',
    )
    return VpcConfig(
        vpc_id,
        tuple(subnets),
        tuple(zones),
        tuple(endpoints),
        create_endpoints=create,
        route_table_ids=tuple(route_tables),
    )


def _parse_alarms(where: str, raw: Any) -> AlarmConfig:
    values = _with_defaults(where, raw, _ALARM_DEFAULTS)
    for key in (f.name for f in fields(AlarmThresholds) if f.type in (float, "float")):
        value = values[key]
        _check(
            isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0,
            f"{where}.{key}: {value!r} must be a positive number",
        )
    _check(values["error_rate_percent"] <= 100, f"{where}.error_rate_percent: must be at most 100")
    _check(
        _is_int(values["evaluation_periods"]) and 1 <= values["evaluation_periods"] <= 24,
        f"{where}.evaluation_periods: must be an integer 1..24",
    )
    return AlarmConfig(**values)


def _parse_outbound(where: str, raw: Any) -> OutboundOAuthConfig | None:
    if raw is None:
        return None
    _check(isinstance(raw, Mapping), f"{where}: must be null or an object")
    unknown = sorted(set(raw) - set(_OUTBOUND_KEYS))
    _check(
        not unknown, f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(_OUTBOUND_KEYS)})" if unknown else ""
    )
    for key in ("provider_name", "discovery_url", "client_id"):
        _check(isinstance(raw.get(key), str) and raw[key], f"{where}.{key}: required value is missing")
    _check(raw["discovery_url"].startswith("https://"), f"{where}.discovery_url: must be an https:// URL")
    scopes = raw.get("scopes", [])
    _check(
        isinstance(scopes, list) and all(isinstance(x, str) for x in scopes),
        f"{where}.scopes: must be a list of strings",
    )
    return_urls = raw.get("return_urls", [])
    _check(
        isinstance(return_urls, list)
        and all(isinstance(u, str) and u.startswith(("https://", "http://localhost")) for u in return_urls),
        f"{where}.return_urls: must be a list of https:// (or http://localhost) URLs",
    )
    return OutboundOAuthConfig(
        raw["provider_name"], raw["discovery_url"], raw["client_id"], tuple(scopes), tuple(return_urls)
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check(condition: Any, message: str) -> None:
    if not condition:
        raise ConfigError(message)


# ---- the opt-in release pipeline (context key "pipeline") ----------------------------------------------------------
@dataclass(frozen=True)
class PipelineConfig:
    """Where the pipeline lives and what it promotes: one synth, deployed to ``stages`` in order; the end-to-end
    suite runs against ``e2e_environment``'s canary before the manual approval that precedes ``approval_before``."""

    account: str
    region: str
    connection_arn: str
    repository: str
    branch: str
    stages: tuple[str, ...]
    e2e_environment: str
    approval_before: str
    approval_topic_arn: str | None


_PIPELINE_REQUIRED = ("account", "region", "connection_arn", "repository", "stages", "e2e_environment")
_PIPELINE_DEFAULTS: dict[str, Any] = {
    **{key: None for key in _PIPELINE_REQUIRED},
    "branch": "main",
    "approval_before": "prod",
    "approval_topic_arn": None,
}
_CONNECTION_ARN = re.compile(
    r"^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection/[\w-]+$"
)


def load_pipeline(raw: Any, environments: list[EnvironmentConfig]) -> PipelineConfig | None:
    """Parse the ``pipeline`` context value (null: no pipeline)."""
    if raw is None:
        return None
    where = "pipeline"
    values = _with_defaults(where, raw, _PIPELINE_DEFAULTS)
    for key in _PIPELINE_REQUIRED:
        _check(values[key] is not None, f"{where}.{key}: required")
    _check(bool(re.match(r"^\d{12}$", str(values["account"]))), f"{where}.account: must be a 12-digit account id")
    _check(bool(re.match(r"^[a-z]{2}(-[a-z]+)+-\d$", str(values["region"]))), f"{where}.region: not a Region name")
    _check(
        isinstance(values["connection_arn"], str) and bool(_CONNECTION_ARN.match(values["connection_arn"])),
        f"{where}.connection_arn: {values['connection_arn']!r} must be a CodeConnections connection ARN",
    )
    _check(
        isinstance(values["repository"], str) and bool(re.match(r"^[\w.-]+/[\w.-]+$", values["repository"])),
        f"{where}.repository: must be owner/name",
    )
    by_name = {c.name: c for c in environments}
    stages = values["stages"]
    _check(
        isinstance(stages, list)
        and bool(stages)
        and all(s in by_name for s in stages)
        and len(set(stages)) == len(stages),
        f"{where}.stages: must list environments of cdk.json, each once, in promotion order ({', '.join(by_name)})",
    )
    e2e, approval = values["e2e_environment"], values["approval_before"]
    _check(e2e in stages, f"{where}.e2e_environment: {e2e!r} must be one of the pipeline's stages")
    _check(
        approval in stages and stages.index(approval) > stages.index(e2e),
        f"{where}.approval_before: {approval!r} must be a stage after the e2e environment {e2e!r}",
    )
    _check(by_name[e2e].identity_e2e_client, f"{where}.e2e_environment: {e2e!r} needs identity_e2e_client true")
    _check(by_name[e2e].release.canary, f"{where}.e2e_environment: {e2e!r} needs release.canary true")
    topic = values["approval_topic_arn"]
    _check(
        topic is None or (isinstance(topic, str) and topic.startswith("arn:") and ":sns:" in topic),
        f"{where}.approval_topic_arn: must be an SNS topic ARN",
    )
    return PipelineConfig(
        account=str(values["account"]),
        region=values["region"],
        connection_arn=values["connection_arn"],
        repository=values["repository"],
        branch=values["branch"],
        stages=tuple(stages),
        e2e_environment=e2e,
        approval_before=approval,
        approval_topic_arn=topic,
    )
