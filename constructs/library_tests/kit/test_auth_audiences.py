"""The kit's verifier checks what AgentCore's authorizer checks for any issuer: client_id when clients are allowed,
aud when audiences are, token_use only where the issuer sets it (Cognito)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from agentcore_constructs.kit.auth import JWTVerifier, TokenRejected, VerifierConfig

ISSUER = "https://idp.example.com/tenant"
DISCOVERY = f"{ISSUER}/.well-known/openid-configuration"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})


def _fetch(url: str) -> Any:
    if url == DISCOVERY:
        return {"issuer": ISSUER, "jwks_uri": f"{ISSUER}/keys"}
    return {"keys": [KEY.as_dict(private=False)]}


def _token(**claims: Any) -> str:
    now = int(time.time())
    base = {"iss": ISSUER, "sub": "user-1", "exp": now + 300, "iat": now, "scope": "agent.invoke"}
    return jwt.encode({"alg": "RS256", "kid": "k1"}, {**base, **claims}, KEY)


def _verifier(**kwargs: Any) -> JWTVerifier:
    return JWTVerifier(DISCOVERY, allowed_scopes=["agent.invoke"], fetch=_fetch, **kwargs)


def test_an_audience_only_issuer_without_client_id_or_token_use_is_accepted() -> None:
    verifier = _verifier(allowed_audiences=["api://agent"])
    assert verifier.verify(_token(aud="api://agent"))["sub"] == "user-1"
    assert verifier.verify(_token(aud=["api://other", "api://agent"]))["sub"] == "user-1"


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"aud": "api://other"}, "audience is not allowed"),
        ({}, "audience is not allowed"),
        ({"aud": [{"nested": "api://agent"}, 7, None]}, "audience is not allowed"),
        ({"aud": "api://agent", "token_use": "id"}, "not an access token"),
    ],
)
def test_wrong_or_hostile_audiences_are_refused(claims: dict, reason: str) -> None:
    with pytest.raises(TokenRejected, match=reason):
        _verifier(allowed_audiences=["api://agent"]).verify(_token(**claims))


def test_clients_and_audiences_both_configured_must_both_match() -> None:
    verifier = _verifier(allowed_clients=["c1"], allowed_audiences=["api://agent"])
    assert verifier.verify(_token(client_id="c1", aud="api://agent"))
    with pytest.raises(TokenRejected, match="client is not allowed"):
        verifier.verify(_token(aud="api://agent"))


def test_a_verifier_needs_a_client_or_an_audience_and_the_env_contract_carries_audiences() -> None:
    with pytest.raises(ValueError, match="needs an allowed client or audience"):
        _verifier()
    config = VerifierConfig.from_env(
        {
            "AUTH_DISCOVERY_URL": DISCOVERY,
            "AUTH_ALLOWED_AUDIENCES": "api://agent",
            "AUTH_REQUIRED_SCOPE": "agent.invoke",
        }
    )
    assert config is not None and config.allowed_audiences == ("api://agent",) and config.allowed_clients == ()
    with pytest.raises(ValueError, match="half configured"):
        VerifierConfig.from_env({"AUTH_DISCOVERY_URL": DISCOVERY, "AUTH_REQUIRED_SCOPE": "agent.invoke"})
