"""User-scoped outbound credentials (outbound.py) with a stubbed IdentityClient: no AWS.

Proves the three things the seed sample got wrong: the *workload access token* (not the user's bearer JWT) is
what AgentCore Identity gets, ``get_token`` is awaited, and a missing workload token is a clear error.
"""

from __future__ import annotations

import asyncio
import inspect

import pytest
from bedrock_agentcore.runtime import BedrockAgentCoreContext
from bedrock_agentcore.services.identity import IdentityClient
from starlette.testclient import TestClient

from agentcore_constructs.kit.identity import CallerIdentity
from agentcore_constructs.kit.outbound import (
    MissingWorkloadAccessToken,
    OutboundConfig,
    OutboundCredentialsError,
    UserConsentRequired,
    UserTokenProvider,
    user_token_provider,
)
from agentcore_constructs.kit.settings import SettingsError, load_settings
from support_agent.app import SupportAgent, create_app

WAT = "workload-access-token-for-alice"
BEARER = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.sig"
CONFIG = OutboundConfig(provider_name="crm-provider", scopes=("profile:read", "orders:read"), region="eu-west-1")


class StubIdentityClient:
    """Same ``get_token`` signature as the SDK's (checked below); records every call; async like the real one."""

    def __init__(
        self, region: str, *, token: str = "crm-token", auth_url: str | None = None, error: Exception | None = None
    ):
        self.region = region
        self.token = token
        self.auth_url = auth_url
        self.error = error
        self.calls: list[dict] = []
        self.awaited = 0

    async def get_token(self, **kwargs):
        self.calls.append(kwargs)
        await asyncio.sleep(0)  # a real suspension point: a non-awaited call would never get here
        self.awaited += 1
        if self.error is not None:
            raise self.error
        if self.auth_url is not None:
            kwargs["on_auth_url"](self.auth_url)
            return await kwargs["token_poller"].poll_for_token()
        return self.token


def provider_with(stub: StubIdentityClient) -> UserTokenProvider:
    return UserTokenProvider(CONFIG, client_factory=lambda region: stub)


def test_stub_matches_the_sdk_signature():
    parameters = inspect.signature(IdentityClient.get_token).parameters
    assert inspect.iscoroutinefunction(IdentityClient.get_token)
    for name in ("provider_name", "scopes", "agent_identity_token", "auth_flow", "on_auth_url", "callback_url",
                 "force_authentication", "token_poller"):  # fmt: skip
        assert name in parameters


def test_the_workload_token_is_passed_not_the_bearer_token_and_the_call_is_awaited():
    stub = StubIdentityClient("eu-west-1")
    token = asyncio.run(provider_with(stub).get_token(WAT))
    assert token == "crm-token" and stub.awaited == 1
    [call] = stub.calls
    assert call["agent_identity_token"] == WAT
    assert BEARER not in repr(call)
    assert call["provider_name"] == "crm-provider"
    assert call["scopes"] == ["profile:read", "orders:read"]
    assert call["auth_flow"] == "USER_FEDERATION"
    assert stub.region == "eu-west-1"


def test_workload_token_defaults_to_the_request_context():
    stub = StubIdentityClient("eu-west-1")

    async def in_request() -> str:
        BedrockAgentCoreContext.set_workload_access_token(WAT)
        BedrockAgentCoreContext.set_oauth2_callback_url("https://app.example.com/callback")
        return await provider_with(stub).get_token()

    assert asyncio.run(in_request()) == "crm-token"
    assert stub.calls[0]["agent_identity_token"] == WAT
    assert stub.calls[0]["callback_url"] == "https://app.example.com/callback"


def test_missing_workload_token_is_a_clear_error_and_never_calls_aws():
    stub = StubIdentityClient("eu-west-1")
    with pytest.raises(MissingWorkloadAccessToken, match="No workload access token.*never used"):
        asyncio.run(provider_with(stub).get_token())
    assert stub.calls == []


def test_consent_needed_surfaces_the_authorization_url_instead_of_polling():
    stub = StubIdentityClient("eu-west-1", auth_url="https://idp.example.com/authorize?x=1")
    with pytest.raises(UserConsentRequired) as needed:
        asyncio.run(provider_with(stub).get_token(WAT))
    assert needed.value.authorization_url == "https://idp.example.com/authorize?x=1"
    assert "https://idp.example.com/authorize?x=1" in str(needed.value)


def test_service_errors_become_a_short_outbound_error():
    stub = StubIdentityClient("eu-west-1", error=RuntimeError("AccessDeniedException: secret details"))
    with pytest.raises(OutboundCredentialsError) as failed:
        asyncio.run(provider_with(stub).get_token(WAT))
    assert "crm-provider" in str(failed.value) and "secret details" not in str(failed.value)


def test_sync_wrapper_awaits_with_and_without_a_running_loop():
    stub = StubIdentityClient("eu-west-1")
    provider = provider_with(stub)
    assert provider.get_token_sync(WAT) == "crm-token"

    async def from_async_code() -> str:
        return provider.get_token_sync(WAT)  # a sync tool called on an event loop thread

    assert asyncio.run(from_async_code()) == "crm-token"
    assert stub.awaited == 2


def test_off_unless_configured(offline_settings):
    assert offline_settings.outbound_oauth_provider is None
    assert user_token_provider(offline_settings) is None


def test_settings_read_the_env_contract(tmp_path):
    settings = load_settings(
        {"MODEL_PROVIDER": "offline", "OUTBOUND_OAUTH_PROVIDER": "crm-provider", "OUTBOUND_OAUTH_SCOPES": "a b  c"},
        credentials_available=lambda: False,
    )
    assert (settings.outbound_oauth_provider, settings.outbound_oauth_scopes) == ("crm-provider", ("a", "b", "c"))
    provider = user_token_provider(settings, client_factory=StubIdentityClient)
    assert provider is not None and provider.config == OutboundConfig(
        "crm-provider", ("a", "b", "c"), settings.model_region
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"OUTBOUND_OAUTH_PROVIDER": "bad name!"},
            "OUTBOUND_OAUTH_PROVIDER: .bad name!. must be a credential provider name",
        ),
        ({"OUTBOUND_OAUTH_SCOPES": "a b"}, "OUTBOUND_OAUTH_SCOPES: is set but OUTBOUND_OAUTH_PROVIDER is not"),
    ],
)
def test_bad_outbound_settings_fail_fast(env, message):
    with pytest.raises(SettingsError, match=message):
        load_settings({"MODEL_PROVIDER": "offline", **env}, credentials_available=lambda: False)


def test_the_entrypoint_captures_the_runtimes_workload_token_per_request(identity_settings, token_for):
    """Over the real app: ``WorkloadAccessToken`` (the Runtime's header) lands in the caller identity; the bearer
    token stays the bearer token; a request without the header has none (no leak from an earlier request)."""
    seen: list[CallerIdentity] = []

    class Recording(SupportAgent):
        def answer(self, turn):
            seen.append(turn.caller)
            return "ok"

    client = TestClient(create_app(identity_settings, agent=Recording(identity_settings)))
    bearer = token_for("alice")
    headers = {"Authorization": f"Bearer {bearer}", "WorkloadAccessToken": WAT}
    assert client.post("/invocations", json={"prompt": "hi"}, headers=headers).status_code == 200
    assert (
        client.post("/invocations", json={"prompt": "hi"}, headers={"Authorization": f"Bearer {bearer}"}).status_code
        == 200
    )
    first, second = seen
    assert (first.actor_id, first.workload_access_token, first.bearer_token) == ("alice", WAT, bearer)
    assert second.workload_access_token is None
    assert WAT not in repr(first) and bearer not in repr(first)  # tokens stay out of logs
