"""Fixtures for the tool Lambda tests: moto Secrets Manager + the real loopback fake orders API."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from agentcore_constructs.contract.tools import CALLER_REQUIRED_ENV
from local_dev.gateway import make_lambda_context
from local_dev.upstream import DEV_API_KEY, FakeOrdersAPI, start_fake_orders_api
from order_service import handler, tools, upstream

REGION = "us-east-1"


@pytest.fixture(scope="session")
def orders_api() -> Iterator[FakeOrdersAPI]:
    api = start_fake_orders_api()
    yield api
    api.stop()


@pytest.fixture(autouse=True)
def _fresh_upstream(orders_api: FakeOrdersAPI) -> None:
    orders_api.reset()


class SleepRecorder:
    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> SleepRecorder:
    """Backoff sleeps are recorded, not slept (tests stay fast; delays are asserted)."""
    recorder = SleepRecorder()
    monkeypatch.setattr(upstream, "_sleep", recorder)
    return recorder


@pytest.fixture(scope="module")
def _moto() -> Iterator[Any]:
    """moto Secrets Manager with fake credentials, once per test module (starting moto is the slow part)."""
    with pytest.MonkeyPatch.context() as mp:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
        }.items():
            mp.setenv(name, value)
        parameters.clear_caches()
        with mock_aws():
            client = boto3.client("secretsmanager", region_name=REGION)
            arn = client.create_secret(
                Name="dev/orders-api-key", SecretString=json.dumps({tools.SECRET_API_KEY_FIELD: DEV_API_KEY})
            )["ARN"]
            yield client, arn
        parameters.clear_caches()


@pytest.fixture
def aws(_moto: Any) -> Any:
    """The moto Secrets Manager client; every test starts with an empty Powertools secret cache."""
    provider = parameters.base.DEFAULT_PROVIDERS.get("secrets")
    if provider is not None:
        provider.clear_cache()
    return _moto[0]


@pytest.fixture
def secret_arn(aws: Any, _moto: Any) -> str:
    return _moto[1]


@pytest.fixture
def unique_name() -> str:
    return f"test/{uuid.uuid4().hex}"


@pytest.fixture
def configured(
    monkeypatch: pytest.MonkeyPatch, orders_api: FakeOrdersAPI, secret_arn: str, sleeps: SleepRecorder
) -> FakeOrdersAPI:
    """Handler environment as the CDK app sets it, pointed at the fake orders API; fast timeouts and backoff."""
    monkeypatch.setenv(tools.ENV_BASE_URL, orders_api.url)
    monkeypatch.setenv(tools.ENV_API_KEY_SECRET_ARN, secret_arn)
    monkeypatch.setenv(tools.ENV_TIMEOUT_SECONDS, "0.25")
    monkeypatch.setenv(tools.ENV_MAX_ATTEMPTS, "3")
    monkeypatch.setenv(tools.ENV_BACKOFF_BASE_SECONDS, "0.01")
    # As on a gateway without the identity stage (no caller interceptor); identity-on tests set "true".
    monkeypatch.setenv(CALLER_REQUIRED_ENV, "false")
    return orders_api


def _invoke(event: Any, tool: str = "lookup_order", target: str = tools.TARGET_NAME) -> Any:
    """Invoke the Lambda handler exactly as AgentCore Gateway does (``target=""``: no prefix)."""
    return handler.lambda_handler(event, make_lambda_context(f"{target}___{tool}" if target else tool))


def _error_code(result: Any) -> str | None:
    if isinstance(result, dict) and set(result) == {"error"}:
        return result["error"]["code"]
    return None


@pytest.fixture
def invoke() -> Any:
    return _invoke


@pytest.fixture
def error_code() -> Any:
    return _error_code
