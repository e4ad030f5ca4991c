"""The model factory: Bedrock gets the contract's retry/timeout settings; offline gets the driver. No AWS call."""

from __future__ import annotations

import logging

from strands.models import BedrockModel

from agentcore_constructs.contract import env_vars as contract
from agentcore_constructs.kit.model import boto_client_config
from agentcore_constructs.kit.settings import load_settings
from agentcore_constructs.kit.strands import OfflineToolCallingModel, create_model


def bedrock_settings(**overrides: str):
    env = {
        contract.MODEL_PROVIDER.name: "bedrock",
        contract.MODEL_ID.name: "us.anthropic.claude-haiku-4-5-20251001-v1:0",
        contract.MODEL_REGION.name: "eu-central-1",
        contract.RETRY_MAX_ATTEMPTS.name: "6",
        contract.RETRY_MODE.name: "adaptive",
        contract.HTTP_TIMEOUT_SECONDS.name: "42",
        **overrides,
    }
    return load_settings(env, credentials_available=lambda: False)


def test_bedrock_model_client_carries_retry_and_timeout_config(caplog):
    caplog.set_level(logging.INFO, logger="agentcore_constructs")
    model = create_model(bedrock_settings())

    assert isinstance(model, BedrockModel)
    assert model.get_config()["model_id"] == "us.anthropic.claude-haiku-4-5-20251001-v1:0"
    client_config = model.client.meta.config
    assert model.client.meta.region_name == "eu-central-1"
    assert client_config.retries == {"mode": "adaptive", "total_max_attempts": 6}
    assert client_config.read_timeout == 42
    assert client_config.connect_timeout == 10
    assert "Using Bedrock model" in caplog.text


def test_standard_retry_mode_reaches_the_client():
    model = create_model(
        bedrock_settings(**{contract.RETRY_MODE.name: "standard", contract.RETRY_MAX_ATTEMPTS.name: "2"})
    )
    assert model.client.meta.config.retries == {"mode": "standard", "total_max_attempts": 2}


def test_boto_client_config_mode_override():
    config = boto_client_config(bedrock_settings(), retry_mode="standard")
    assert config.retries == {"mode": "standard", "total_max_attempts": 6}


def test_offline_provider_builds_the_offline_driver_and_says_so(caplog):
    settings = load_settings({contract.MODEL_PROVIDER.name: "offline"}, credentials_available=lambda: True)
    model = create_model(settings)
    assert isinstance(model, OfflineToolCallingModel)
    assert "OFFLINE model" in caplog.text and "not an LLM" in caplog.text
