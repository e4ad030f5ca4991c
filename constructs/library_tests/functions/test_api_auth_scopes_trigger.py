"""The pre token generation trigger against moto's Cognito: API sign-ins get exactly the client's custom scopes."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from agentcore_constructs.functions.api_auth_scopes import handler


@pytest.fixture(scope="module")
def models_session() -> boto3.Session:
    """One boto3 session for the module's tests: moto's default (a fresh default session per test) re-reads and
    re-parses Cognito's service model for every client. It keeps only the parsed model and the fake credentials; each
    test still gets moto's fresh backend and the handler a new client."""
    return boto3.Session()


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch, models_session: boto3.Session):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws(config={"core": {"reset_boto3_session": False}}):
        monkeypatch.setattr(boto3, "DEFAULT_SESSION", models_session)  # restored after the test
        handler._client = None
        handler._cache.clear()
        cognito = boto3.client("cognito-idp", region_name="us-east-1")
        pool_id = cognito.create_user_pool(PoolName="p")["UserPool"]["Id"]
        cognito.create_resource_server(
            UserPoolId=pool_id,
            Identifier="support-agent",
            Name="agent",
            Scopes=[{"ScopeName": "invoke", "ScopeDescription": "i"}, {"ScopeName": "tools", "ScopeDescription": "t"}],
        )

        def client(**oauth) -> str:
            return cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="c", **oauth)["UserPoolClient"][
                "ClientId"
            ]

        yield pool_id, client
        handler._client = None


def event(
    pool_id: str,
    client_id: str,
    source: str = "TokenGeneration_Authentication",
    scopes=("aws.cognito.signin.user.admin",),
) -> dict:
    return {
        "version": "2",
        "triggerSource": source,
        "userPoolId": pool_id,
        "callerContext": {"clientId": client_id},
        "request": {"userAttributes": {"sub": "alice"}, "scopes": list(scopes)},
        "response": {"claimsAndScopeOverrideDetails": None},
    }


def added(result: dict) -> list[str] | None:
    details = result["response"]["claimsAndScopeOverrideDetails"]
    return None if details is None else details["accessTokenGeneration"]["scopesToAdd"]


@pytest.mark.parametrize(
    "source",
    [
        "TokenGeneration_Authentication",
        "TokenGeneration_RefreshTokens",
        "TokenGeneration_NewPasswordChallenge",
        "TokenGeneration_AuthenticateDevice",
    ],
)
def test_api_sign_ins_get_the_clients_custom_scopes(pool, source: str) -> None:
    pool_id, client = pool
    client_id = client(
        AllowedOAuthFlows=["code"],
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthScopes=["openid", "support-agent/invoke", "support-agent/tools"],
        CallbackURLs=["https://example.com/cb"],
    )
    assert added(handler.lambda_handler(event(pool_id, client_id, source), None)) == [
        "support-agent/invoke",
        "support-agent/tools",
    ]


def test_hosted_ui_tokens_keep_the_scopes_the_client_asked_for(pool) -> None:
    pool_id, client = pool
    client_id = client(
        AllowedOAuthFlows=["code"],
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthScopes=["support-agent/invoke"],
        CallbackURLs=["https://e.com/cb"],
    )
    assert (
        added(handler.lambda_handler(event(pool_id, client_id, "TokenGeneration_HostedAuth", scopes=["openid"]), None))
        is None
    )


def test_a_client_without_custom_scopes_gets_none_and_present_scopes_are_not_added_twice(pool) -> None:
    pool_id, client = pool
    assert added(handler.lambda_handler(event(pool_id, client()), None)) is None
    scoped = client(
        AllowedOAuthFlows=["code"],
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthScopes=["support-agent/invoke", "support-agent/tools"],
        CallbackURLs=["https://e.com/cb"],
    )
    result = handler.lambda_handler(event(pool_id, scoped, scopes=["support-agent/invoke"]), None)
    assert added(result) == ["support-agent/tools"]


def test_client_scopes_are_cached_and_an_unknown_client_fails_closed(pool) -> None:
    pool_id, client = pool
    client_id = client(
        AllowedOAuthFlows=["code"],
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthScopes=["support-agent/invoke"],
        CallbackURLs=["https://e.com/cb"],
    )
    calls = []
    real = handler._cognito()
    original = real.describe_user_pool_client
    real.describe_user_pool_client = lambda **kw: (calls.append(kw), original(**kw))[1]
    for _ in range(5):
        handler.lambda_handler(event(pool_id, client_id), None)
    assert len(calls) == 1
    with pytest.raises(Exception, match="ResourceNotFound"):
        handler.lambda_handler(event(pool_id, "nosuchclient"), None)
    with pytest.raises(ValueError, match="without userPoolId"):
        handler.lambda_handler({"triggerSource": "TokenGeneration_Authentication"}, None)
