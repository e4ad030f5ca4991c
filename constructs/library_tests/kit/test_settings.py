from __future__ import annotations

from pathlib import Path

import pytest

from agentcore_constructs.contract import env_vars as contract
from agentcore_constructs.kit.settings import (
    DEFAULT_LOCAL_MEMORY_DIR,
    DEFAULT_MODEL_ID,
    SettingsError,
    load_settings,
)


def no_credentials() -> bool:
    return False


def test_defaults_without_credentials_are_offline_and_local():
    settings = load_settings({}, credentials_available=no_credentials)
    assert settings.model_provider == "offline"
    assert "no AWS credentials" in settings.model_provider_reason
    assert settings.model_id == DEFAULT_MODEL_ID
    assert settings.model_region == "us-east-1"
    # The same defaults the construct deploys (one home: the contract).
    assert (settings.retry_mode, settings.retry_max_attempts) == (
        contract.DEFAULT_RETRY_MODE,
        contract.DEFAULT_RETRY_MAX_ATTEMPTS,
    )
    assert (settings.max_turns, settings.max_total_tokens, settings.max_seconds) == (8, 100_000, 120.0)
    assert settings.memory_id is None and settings.gateway_url is None
    assert settings.local_memory_dir == Path(DEFAULT_LOCAL_MEMORY_DIR)
    assert settings.log_level == "INFO" and settings.environment == "local"


def test_credentials_found_defaults_to_bedrock():
    settings = load_settings({}, credentials_available=lambda: True)
    assert settings.model_provider == "bedrock"
    assert "credentials found" in settings.model_provider_reason


def test_explicit_provider_does_not_probe_credentials():
    settings = load_settings(
        {contract.MODEL_PROVIDER.name: "Bedrock"}, credentials_available=lambda: pytest.fail("probed")
    )
    assert settings.model_provider == "bedrock"


def test_reads_every_value_through_the_contract_names():
    env = {
        contract.MODEL_PROVIDER.name: "offline",
        contract.MODEL_ID.name: "eu.anthropic.claude-sonnet-4-v1:0",
        contract.MODEL_REGION.name: "eu-west-1",
        contract.RETRY_MAX_ATTEMPTS.name: "5",
        contract.RETRY_MODE.name: "standard",
        contract.HTTP_TIMEOUT_SECONDS.name: "12.5",
        contract.LOG_LEVEL.name: "debug",
        contract.ENVIRONMENT_NAME.name: "staging",
        contract.MEMORY_ID.name: "SupportAgentMemory-abc123XYZ0",
        contract.GATEWAY_URL.name: "https://gw.example.com/mcp",
        "LOCAL_MEMORY_DIR": "/tmp/mem",
    }
    settings = load_settings(env, credentials_available=no_credentials)
    assert settings.model_id == "eu.anthropic.claude-sonnet-4-v1:0"
    assert settings.model_region == "eu-west-1"
    assert settings.retry_max_attempts == 5 and settings.retry_mode == "standard"
    assert settings.http_timeout_seconds == 12.5 and settings.connect_timeout_seconds == 10.0
    assert settings.log_level == "DEBUG" and settings.environment == "staging"
    assert settings.memory_id == "SupportAgentMemory-abc123XYZ0"
    assert settings.gateway_url == "https://gw.example.com/mcp"
    assert settings.local_memory_dir == Path("/tmp/mem")


def test_region_falls_back_to_the_runtime_region():
    assert load_settings({"AWS_REGION": "ap-southeast-2"}, credentials_available=no_credentials).model_region == (
        "ap-southeast-2"
    )


def test_short_timeout_bounds_connect_timeout():
    settings = load_settings({contract.HTTP_TIMEOUT_SECONDS.name: "3"}, credentials_available=no_credentials)
    assert settings.connect_timeout_seconds == 3.0


@pytest.mark.parametrize(
    ("var", "value"),
    [
        (contract.MODEL_PROVIDER, "openai"),
        (contract.MODEL_ID, "has space"),
        (contract.MODEL_REGION, "moon-1"),
        (contract.RETRY_MAX_ATTEMPTS, "0"),
        (contract.RETRY_MAX_ATTEMPTS, "11"),
        (contract.RETRY_MAX_ATTEMPTS, "three"),
        (contract.RETRY_MODE, "legacy"),
        (contract.HTTP_TIMEOUT_SECONDS, "-1"),
        (contract.HTTP_TIMEOUT_SECONDS, "nan"),
        (contract.HTTP_TIMEOUT_SECONDS, "soon"),
        (contract.LOG_LEVEL, "LOUD"),
        (contract.ENVIRONMENT_NAME, "prod env"),
        (contract.MEMORY_ID, "../etc"),
        (contract.GATEWAY_URL, "ftp://gw"),
        (contract.GATEWAY_URL, "not a url"),
    ],
)
def test_bad_values_raise_a_clear_error_naming_the_variable(var, value):
    with pytest.raises(SettingsError) as raised:
        load_settings({var.name: value}, credentials_available=no_credentials)
    assert var.name in str(raised.value) and repr(value) in str(raised.value)


def test_all_problems_are_reported_at_once():
    env = {contract.RETRY_MODE.name: "legacy", contract.LOG_LEVEL.name: "LOUD"}
    with pytest.raises(SettingsError) as raised:
        load_settings(env, credentials_available=no_credentials)
    assert contract.RETRY_MODE.name in str(raised.value) and contract.LOG_LEVEL.name in str(raised.value)


def test_blank_values_mean_unset():
    settings = load_settings(
        {contract.MEMORY_ID.name: "  ", contract.GATEWAY_URL.name: ""}, credentials_available=no_credentials
    )
    assert settings.memory_id is None and settings.gateway_url is None


@pytest.mark.parametrize(
    ("var", "value"), [(contract.MAX_TURNS, "0"), (contract.MAX_TOTAL_TOKENS, "ten"), (contract.MAX_SECONDS, "901")]
)
def test_bad_limits_are_named(var, value):
    with pytest.raises(SettingsError, match=var.name):
        load_settings({var.name: value}, credentials_available=no_credentials)
