"""cdk.json validation: every bad value fails synth with a message naming the environment and the key."""

from __future__ import annotations

import copy
import json

import pytest

from stacks.config import PLACEHOLDER_ACCOUNT, ConfigError, load_environments
from tests.support import REPO_ROOT

ENVIRONMENTS = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]["environments"]
NO_ENV: dict[str, str] = {}


def _with(env: str, **changes) -> dict:
    environments = copy.deepcopy(ENVIRONMENTS)
    for key, value in changes.items():
        if value is ...:
            environments[env].pop(key, None)
        else:
            environments[env][key] = value
    return environments


def test_the_committed_cdk_json_is_valid() -> None:
    configs = load_environments(ENVIRONMENTS, NO_ENV)
    assert [c.name for c in configs] == ["dev", "staging", "prod"]
    assert all(c.model_id == "us.anthropic.claude-haiku-4-5-20251001-v1:0" for c in configs)


def test_account_and_region_default_from_cdk_default_env_then_placeholder() -> None:
    (dev, *_) = load_environments(
        ENVIRONMENTS, {"CDK_DEFAULT_ACCOUNT": "210987654321", "CDK_DEFAULT_REGION": "eu-west-1"}
    )
    assert (dev.account, dev.region) == ("210987654321", "eu-west-1")
    (dev, *_) = load_environments(ENVIRONMENTS, NO_ENV)
    assert (dev.account, dev.region) == (PLACEHOLDER_ACCOUNT, "us-east-1")


#: A VPC block that passes validation; cases change one key of it.
VALID_VPC = {
    "vpc_id": "vpc-0123456789abcdef0",
    "subnet_ids": ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"],
    "availability_zones": ["us-east-1a", "us-east-1b"],
}


@pytest.mark.parametrize(
    ("env", "changes", "message"),
    [
        ("dev", {"modle_id": "x"}, r"environments\.dev: unknown key 'modle_id'"),
        ("dev", {"name": "qa"}, r"environments\.dev: unknown key 'name' \(allowed: account, region, stages"),
        ("prod", {"stages": ["runtime", "memroy"]}, r"environments\.prod\.stages: unknown stage 'memroy'"),
        ("prod", {"stages": ["memory"]}, r"environments\.prod\.stages: 'runtime' is stage 1"),
        ("prod", {"stages": []}, r"environments\.prod\.stages: must be a non-empty list"),
        ("staging", {"stages": ...}, r"environments\.staging\.stages: required value is missing"),
        ("staging", {"model_id": ...}, r"environments\.staging\.model_id: required value is missing"),
        ("dev", {"model_id": "claude haiku"}, r"environments\.dev\.model_id: 'claude haiku' must be a Bedrock model"),
        ("dev", {"model_id": "us.anthropic"}, r"environments\.dev\.model_id"),
        ("dev", {"model_id": 42}, r"environments\.dev\.model_id"),
        ("dev", {"log_retention_days": 31}, r"environments\.dev\.log_retention_days: 31 must be a CloudWatch"),
        ("dev", {"log_retention_days": True}, r"environments\.dev\.log_retention_days"),
        ("dev", {"network_mode": "MESH"}, r"environments\.dev\.network_mode: 'MESH' must be one of PUBLIC, VPC"),
        ("dev", {"network_mode": "VPC"}, r"environments\.dev\.vpc: required when network_mode is 'VPC'"),
        (
            "dev",
            {
                "vpc": {
                    "vpc_id": "vpc-0123456789abcdef0",
                    "subnet_ids": ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"],
                    "availability_zones": ["us-east-1a", "us-east-1b"],
                }
            },
            r"environments\.dev\.vpc: only used with network_mode 'VPC'",
        ),
        (
            "dev",
            {"network_mode": "VPC", "vpc": {"vpc_id": "vpc-1", "subnet_ids": [], "availability_zones": []}},
            r"environments\.dev\.vpc\.vpc_id: 'vpc-1' must be a VPC id",
        ),
        (
            "dev",
            {
                "network_mode": "VPC",
                "vpc": {
                    "vpc_id": "vpc-0123456789abcdef0",
                    "subnet_ids": ["subnet-0aaaaaaaaaaaaaaa1"],
                    "availability_zones": ["us-east-1a"],
                },
            },
            r"environments\.dev\.vpc\.subnet_ids: \['subnet-0aaaaaaaaaaaaaaa1'\] must be a list of at least two",
        ),
        (
            "dev",
            {
                "network_mode": "VPC",
                "vpc": {
                    "vpc_id": "vpc-0123456789abcdef0",
                    "subnet_ids": ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"],
                    "availability_zones": ["us-east-1a"],
                },
            },
            r"environments\.dev\.vpc\.availability_zones",
        ),
        (
            "dev",
            {
                "network_mode": "VPC",
                "vpc": {**VALID_VPC, "endpoints": "all"},
            },
            r"environments\.dev\.vpc\.endpoints: 'all' must be \"create\" or a list of endpoint service names",
        ),
        (
            "dev",
            {
                "network_mode": "VPC",
                "vpc": {**VALID_VPC, "endpoints": "create"},
            },
            r"environments\.dev\.vpc\.route_table_ids: must list the route table \(rtb-\.\.\.\) of each subnet",
        ),
        ("dev", {"account": "12345"}, r"environments\.dev\.account: '12345' must be a 12-digit"),
        ("dev", {"region": "mars-1"}, r"environments\.dev\.region: 'mars-1' must be an AWS Region"),
        ("dev", {"artifact": "lambda"}, r"environments\.dev\.artifact: 'lambda'"),
        ("dev", {"idle_timeout_minutes": 0}, r"environments\.dev\.idle_timeout_minutes"),
        ("dev", {"max_lifetime_hours": 9}, r"environments\.dev\.max_lifetime_hours"),
        ("dev", {"retry": {"max_attempts": 0}}, r"environments\.dev\.retry\.max_attempts"),
        ("dev", {"retry": {"mode": "legacy"}}, r"environments\.dev\.retry\.mode: 'legacy'"),
        ("dev", {"retry": {"backoff": 2}}, r"environments\.dev\.retry: unknown key 'backoff'"),
        ("dev", {"log_level": "TRACE"}, r"environments\.dev\.log_level"),
        ("dev", {"protect_stateful": "yes"}, r"environments\.dev\.protect_stateful"),
        ("dev", {"memory_event_expiry_days": 3}, r"environments\.dev\.memory_event_expiry_days"),
        ("dev", {"orders_api_base_url": "http://api.example.com"}, r"environments\.dev\.orders_api_base_url"),
        ("dev", {"tool_reserved_concurrency": 0}, r"environments\.dev\.tool_reserved_concurrency"),
        ("dev", {"alarms": {"error_rate_percent": 0}}, r"environments\.dev\.alarms\.error_rate_percent"),
        ("dev", {"alarms": {"latency_p99_ms": 1}}, r"environments\.dev\.alarms: unknown key 'latency_p99_ms'"),
        ("dev", {"alarm_emails": ["oncall"]}, r"environments\.dev\.alarm_emails"),
        (
            "dev",
            {"transaction_search": "manage", "transaction_search_indexing_percent": 101},
            r"environments\.dev\.transaction_search_indexing_percent",
        ),
        (
            "dev",
            {"transaction_search": "off", "transaction_search_indexing_percent": 5},
            r"environments\.dev\.transaction_search_indexing_percent: only used with",
        ),
        (
            "dev",
            {"endpoint_version": 3},
            r"environments\.dev\.endpoint_version: 3 must be 'latest' or a runtime version",
        ),
        ("dev", {"release": {"canary": True}}, r"environments\.dev\.release: a canary and rollback need a pinned"),
        (
            "staging",
            {"release": {"canary": "yes"}},
            r"environments\.staging\.release\.canary: 'yes' must be true or false",
        ),
        (
            "staging",
            {"release": {"rollback_window_minutes": 2}},
            r"environments\.staging\.release\.rollback_window_minutes: 2 must be null or an integer 5\.\.1440",
        ),
        ("staging", {"release": {"auto": True}}, r"environments\.staging\.release: unknown key 'auto'"),
        ("staging", {"tool_policy": "AUDIT"}, r"environments\.staging\.tool_policy: 'AUDIT' must be null"),
        ("prod", {"platform_version": "V3"}, r"environments\.prod\.platform_version: 'V3' must be null"),
        ("staging", {"evaluation_sampling_percent": 0}, r"environments\.staging\.evaluation_sampling_percent: 0 must"),
        ("dev", {"tool_policy": "ENFORCE"}, r"environments\.dev\.tool_policy: needs the gateway and identity stages"),
        ("dev", {"transaction_search": "yes"}, r"environments\.dev\.transaction_search: 'yes'"),
        ("dev", {"identity_mfa": "sometimes"}, r"environments\.dev\.identity_mfa"),
        ("prod", {"identity_mfa": "optional"}, r"environments\.prod\.identity_mfa: prod must use 'required'"),
        ("dev", {"identity_callback_urls": ["http://example.com/cb"]}, r"environments\.dev\.identity_callback_urls"),
        (
            "dev",
            {"outbound_oauth": {"provider_name": "crm"}},
            r"environments\.dev\.outbound_oauth\.discovery_url: required",
        ),
        (
            "dev",
            {"outbound_oauth": {"provider_name": "crm", "discovery_url": "http://x", "client_id": "c"}},
            r"environments\.dev\.outbound_oauth\.discovery_url: 'http://x' must be an https",
        ),
        (
            "dev",
            {"outbound_oauth": {"provider_name": "crm", "discovery_url": "https://x", "client_id": "c", "secret": "s"}},
            r"outbound_oauth: unknown key 'secret'",
        ),
        ("dev", {"agent": {"flavour": "langgraph"}}, r"environments\.dev\.agent: unknown key 'flavour'"),
        ("dev", {"agent": {"source": "../elsewhere"}}, r"environments\.dev\.agent\.source: '\.\./elsewhere' must be"),
        (
            "dev",
            {"agent": {"entrypoint": "main.sh"}},
            r"environments\.dev\.agent\.entrypoint: 'main.sh' must be a \.py",
        ),
        ("dev", {"agent": "langgraph"}, r"environments\.dev\.agent: 'langgraph' must be an object"),
    ],
)
def test_bad_config_names_environment_and_key(env: str, changes: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_environments(_with(env, **changes), NO_ENV)


def test_bad_environment_name_and_shape() -> None:
    with pytest.raises(ConfigError, match=r"name 'Prod!'"):
        load_environments({"Prod!": ENVIRONMENTS["prod"]}, NO_ENV)
    with pytest.raises(ConfigError, match=r"environments\.dev: must be an object"):
        load_environments({"dev": ["runtime"]}, NO_ENV)
    with pytest.raises(ConfigError, match=r"'environments' must be a non-empty object"):
        load_environments(None, NO_ENV)


def test_bad_cdk_json_fails_the_real_synth_with_the_key_in_the_message(tmp_path) -> None:
    import aws_cdk as cdk

    from app import build_app

    app = cdk.App(context={"environments": _with("prod", stages=["runtime", "gatway"])}, outdir=str(tmp_path))
    with pytest.raises(ConfigError, match=r"environments\.prod\.stages: unknown stage 'gatway'"):
        build_app(app)


def test_an_enabled_environment_never_relies_on_another_environments_deploy_order() -> None:
    """All three environments share the placeholder account: 'enabled' next to a managing sibling would work only if
    the sibling were deployed first, so it is refused; every environment of that account manages it instead."""
    envs = _with("staging", transaction_search="enabled", transaction_search_indexing_percent=...)
    with pytest.raises(
        ConfigError,
        match=r"environments\.staging\.transaction_search: 'enabled', but environments\.dev of this app manages it in "
        r"account 123456789012 / us-east-1, so staging would rely on dev being deployed first",
    ):
        load_environments(envs, NO_ENV)
    envs["staging"]["account"] = "210987654321"  # another account: turned on there outside this app
    assert [c.transaction_search for c in load_environments(envs, NO_ENV)] == ["manage", "enabled", "manage"]


def test_environments_managing_one_account_agree_on_its_settings() -> None:
    envs = _with("staging", transaction_search_indexing_percent=1)
    with pytest.raises(ConfigError, match=r"environments\.\w+\.transaction_search_indexing_percent: environments "):
        load_environments(envs, NO_ENV)
    assert {c.transaction_search for c in load_environments(_with("dev"), NO_ENV)} == {"manage"}


def test_outbound_return_urls_are_https() -> None:
    base = {"provider_name": "crm", "discovery_url": "https://x/.well-known/openid-configuration", "client_id": "c"}
    with pytest.raises(ConfigError, match=r"environments\.dev\.outbound_oauth\.return_urls"):
        load_environments(_with("dev", outbound_oauth={**base, "return_urls": ["http://evil.example.com"]}), NO_ENV)
    (dev, *_) = load_environments(
        _with("dev", outbound_oauth={**base, "return_urls": ["https://app.example.com/r"]}), NO_ENV
    )
    assert dev.outbound_oauth is not None and dev.outbound_oauth.return_urls == ("https://app.example.com/r",)


def _problems(environments: dict) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_environments(environments, NO_ENV)
    return str(raised.value).splitlines()


def test_every_mistake_of_every_environment_is_reported_in_one_error() -> None:
    environments = _with(
        "dev",
        modle_id="x",
        log_level="TRACE",
        idle_timeout_minutes=0,
        retry={"max_attempts": 0, "mode": "legacy"},
        alarm_emails=["oncall"],
    )
    environments["staging"]["release"] = {"canary": "yes"}
    assert sorted(_problems(environments)) == sorted(
        [
            "environments.dev: unknown key 'modle_id' (allowed: account, region, stages, model_id, log_retention_days, "
            "network_mode, artifact, idle_timeout_minutes, max_lifetime_hours, retry, limits, log_level, "
            "protect_stateful, memory_event_expiry_days, orders_api_base_url, tool_reserved_concurrency, identity_mfa, "
            "identity_callback_urls, identity_e2e_client, outbound_oauth, alarms, alarm_emails, transaction_search, "
            "transaction_search_indexing_percent, readiness, vpc, endpoint_version, agent, release, tool_policy, "
            "evaluation_sampling_percent, platform_version)",
            "environments.dev.alarm_emails: ['oncall'] must be a list of email addresses",
            "environments.dev.idle_timeout_minutes: 0 must be an integer 1..480",
            "environments.dev.log_level: 'TRACE' must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
            "environments.dev.retry.max_attempts: 0 must be an integer 1..10 (what the agent accepts in "
            "AGENT_RETRY_MAX_ATTEMPTS)",
            "environments.dev.retry.mode: 'legacy' must be one of adaptive, standard",
            "environments.staging.release.canary: 'yes' must be true or false",
        ]
    )


def test_every_broken_rule_between_keys_is_reported() -> None:
    lines = _problems(_with("prod", identity_mfa="optional", identity_e2e_client=True, readiness="warning"))
    assert lines == [
        "environments.prod.identity_mfa: prod must use 'required'",
        "environments.prod.identity_e2e_client: not allowed in prod (ADMIN_USER_PASSWORD_AUTH client)",
        "environments.prod.readiness: prod must be 'error' (findings fail synth)",
    ]


@pytest.mark.parametrize(
    ("changes", "line"),
    [
        ({"idle_timeout_minutes": "15"}, "environments.dev.idle_timeout_minutes: '15' must be an integer 1..480"),
        ({"log_retention_days": 14.0}, "environments.dev.log_retention_days: 14.0 must be a CloudWatch"),
        ({"protect_stateful": 1}, "environments.dev.protect_stateful: 1 must be true or false"),
        (
            {"account": 123456789012},
            "environments.dev.account: 123456789012 must be a 12-digit AWS account id, as a string",
        ),
        ({"limits": {"max_turns": "8"}}, "environments.dev.limits.max_turns: '8' must be an integer"),
        ({"alarms": {"throttles": True}}, "environments.dev.alarms.throttles: True must be a number"),
        ({"stages": "runtime"}, "environments.dev.stages: 'runtime' must be a non-empty list drawn from runtime"),
    ],
)
def test_cdk_json_types_are_taken_as_written(changes: dict, line: str) -> None:
    """A quoted number, a number for a flag or a string for a list is a typo: it fails instead of being converted."""
    assert any(problem.startswith(line) for problem in _problems(_with("dev", **changes)))


def test_the_configuration_is_frozen_and_gives_the_runtime_its_lifecycle() -> None:
    from pydantic import ValidationError

    from agentcore_constructs.options import SessionLifecycle

    (dev, *_) = load_environments(_with("dev", idle_timeout_minutes=30, max_lifetime_hours=2), NO_ENV)
    assert dev.lifecycle == SessionLifecycle(idle_timeout_seconds=1800, max_lifetime_seconds=7200)
    assert dev.lifecycle.problems() == []
    with pytest.raises(ValidationError):
        dev.log_level = "ERROR"  # type: ignore[misc]
    assert _problems(_with("dev", idle_timeout_minutes=180, max_lifetime_hours=2)) == [
        "environments.dev.idle_timeout_minutes: 180 exceeds max_lifetime_hours (2 h)"
    ]
