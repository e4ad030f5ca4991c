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


#: The setting each contract variable with a default fills.
DEFAULTED = {
    contract.RETRY_MAX_ATTEMPTS: "retry_max_attempts",
    contract.RETRY_MODE: "retry_mode",
    contract.HTTP_TIMEOUT_SECONDS: "http_timeout_seconds",
    contract.MAX_TURNS: "max_turns",
    contract.MAX_TOTAL_TOKENS: "max_total_tokens",
    contract.MAX_SECONDS: "max_seconds",
    contract.LOG_LEVEL: "log_level",
}


def test_an_unset_variable_takes_the_contracts_default():
    assert {var for var in contract.ALL if var.default is not None} == set(DEFAULTED)
    settings = load_settings({}, credentials_available=no_credentials)
    assert {var.name: getattr(settings, attr) for var, attr in DEFAULTED.items()} == {
        var.name: var.default for var in DEFAULTED
    }


def test_every_bad_variable_is_one_line_naming_it():
    env = {
        contract.MODEL_PROVIDER.name: "openai",
        contract.RETRY_MAX_ATTEMPTS.name: "0",
        contract.RETRY_MODE.name: "legacy",
        contract.HTTP_TIMEOUT_SECONDS.name: "soon",
        contract.MAX_TURNS.name: "101",
        contract.LOG_LEVEL.name: "LOUD",
        contract.MEMORY_ID.name: "../etc",
        contract.GATEWAY_URL.name: "ftp://gw",
    }
    with pytest.raises(SettingsError) as raised:
        load_settings(env, credentials_available=no_credentials)
    assert sorted(str(raised.value).splitlines()) == [
        "AGENT_HTTP_TIMEOUT_SECONDS: 'soon' must be a number 1..900",
        "AGENT_MAX_TURNS: '101' must be an integer 1..100",
        "AGENT_RETRY_MAX_ATTEMPTS: '0' must be an integer 1..10",
        "AGENT_RETRY_MODE: 'legacy' must be one of 'adaptive', 'standard'",
        "GATEWAY_URL: 'ftp://gw' must be an http(s) URL",
        "LOG_LEVEL: 'LOUD' must be one of 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'",
        "MEMORY_ID: '../etc' must be an AgentCore Memory id",
        "MODEL_PROVIDER: 'openai' must be one of 'bedrock', 'offline'",
    ]


def test_a_choice_is_matched_in_any_case_and_read_as_the_contract_spells_it():
    settings = load_settings(
        {
            contract.MODEL_PROVIDER.name: "OFFLINE",
            contract.RETRY_MODE.name: "Standard",
            contract.LOG_LEVEL.name: "debug",
        },
        credentials_available=no_credentials,
    )
    assert (settings.model_provider, settings.retry_mode, settings.log_level) == ("offline", "standard", "DEBUG")
