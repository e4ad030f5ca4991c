"""Hostile JOSE headers and claims of any JSON type are a 401, never a crash; Cognito tokens must be access tokens.

Two surfaces: :meth:`JWTVerifier.verify` (the gateway interceptor Lambda, the local stand-ins) and the request guard
in front of ``/invocations`` (the agent). Both header-only forgeries (any header, no valid signature) and tokens
signed with the issuer's own key (any claim values) are generated.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from joserfc import jws
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from agentcore_constructs.kit.auth import JWTVerifier, TokenRejected
from agentcore_constructs.kit.guard import STATE_KEY, RequestGuard

#: A Cognito user pool's issuer (Cognito guide, "Understanding the access token": ``iss``).
COGNITO_ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_EXAMPLE"
DISCOVERY = f"{COGNITO_ISSUER}/.well-known/openid-configuration"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})
CLIENT = "c1"
SCOPE = "agent/invoke"


def _fetch(url: str) -> Any:
    if url == DISCOVERY:
        return {"issuer": COGNITO_ISSUER, "jwks_uri": f"{COGNITO_ISSUER}/.well-known/jwks.json"}
    return {"keys": [KEY.as_dict(private=False)]}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _valid_claims() -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": COGNITO_ISSUER,
        "sub": "user-1",
        "client_id": CLIENT,
        "token_use": "access",
        "scope": SCOPE,
        "iat": now,
        "exp": now + 300,
    }


def _signed(claims: Any, header: dict[str, Any] | None = None) -> str:
    """RS256 over exactly ``json.dumps(claims)`` (NaN, Infinity and huge integers included), with the test key."""
    protected = header or {"alg": "RS256", "kid": "k1"}
    return jws.serialize_compact(protected, json.dumps(claims).encode(), KEY, algorithms=["RS256"])


def _header_only(header: Any) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(_valid_claims()).encode())}.{_b64(b'forged')}"


def _verifier() -> JWTVerifier:
    return JWTVerifier(DISCOVERY, allowed_clients=[CLIENT], allowed_scopes=[SCOPE], fetch=_fetch)


async def _echo_caller(request: Request) -> JSONResponse:
    return JSONResponse({"actor": getattr(request.state, STATE_KEY).actor_id})


@pytest.fixture(scope="module")
def guarded() -> TestClient:
    app = Starlette(routes=[Route("/invocations", _echo_caller, methods=["POST"])])
    guarded_app = RequestGuard(app, verifier=_verifier(), anonymous_actor="nobody")
    return TestClient(guarded_app, raise_server_exceptions=True)


# ----------------------------------------------------------------------------- strategies: any JSON value

_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**308, max_value=10**400)  # beyond a float
    | st.floats(allow_nan=True, allow_infinity=True)  # json.dumps writes NaN / Infinity, Python's parser reads them
    | st.text(max_size=12)
)
any_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
HEADER_FIELDS = ("alg", "kid", "typ", "crit", "jku", "x5u", "b64", "cty")
CLAIM_FIELDS = ("iss", "sub", "client_id", "token_use", "scope", "exp", "nbf", "iat", "aud")


def _overrides(fields: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from(fields), any_json, min_size=1, max_size=4)


def _assert_401_or_valid(verify: Any, token: str) -> dict[str, Any] | None:
    try:
        claims = verify(token)
    except TokenRejected as rejected:
        assert rejected.status == 401, rejected.reason
        return None
    return claims


def _assert_guard_401_or_200(client: TestClient, token: str) -> int:
    response = client.post("/invocations", json={"prompt": "hi"}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (200, 401), response.text
    return response.status_code


# ----------------------------------------------------------------------------- properties


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=st.one_of(any_json, _overrides(HEADER_FIELDS).map(lambda o: {"alg": "RS256", "kid": "k1", **o})))
def test_a_header_only_forgery_with_any_json_header_is_401(guarded: TestClient, header: Any) -> None:
    token = _header_only(header)
    assert _assert_401_or_valid(_verifier().verify, token) is None
    assert _assert_guard_401_or_200(guarded, token) == 401


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overrides=_overrides(CLAIM_FIELDS))
def test_a_signed_token_with_claims_of_any_json_type_is_401_unless_every_claim_is_valid(
    guarded: TestClient, overrides: dict[str, Any]
) -> None:
    token = _signed({**_valid_claims(), **overrides})
    claims = _assert_401_or_valid(_verifier().verify, token)
    status = _assert_guard_401_or_200(guarded, token)
    assert (claims is not None) == (status == 200)
    if claims is not None:  # accepted: then every checked claim is what the issuer would have put there
        assert claims["client_id"] == CLIENT and claims["token_use"] == "access" and claims["iss"] == COGNITO_ISSUER
        assert isinstance(claims["sub"], str) and isinstance(claims["exp"], (int, float))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(claims=any_json)
def test_a_signed_payload_that_is_any_json_value_is_401(guarded: TestClient, claims: Any) -> None:
    token = _signed(claims)
    assert _assert_401_or_valid(_verifier().verify, token) is None
    assert _assert_guard_401_or_200(guarded, token) == 401


@pytest.mark.parametrize(
    ("header", "claims"),
    [
        ({"alg": "RS256", "kid": ["k1"]}, None),
        ({"alg": "RS256", "kid": {"k": "k1"}}, None),
        ({"alg": ["RS256"], "kid": "k1"}, None),
        (None, {"client_id": [CLIENT]}),
        (None, {"client_id": {"id": CLIENT}}),
        (None, {"exp": 10**400}),
        (None, {"exp": float("inf")}),
        (None, {"exp": float("nan")}),
        (None, {"nbf": float("nan")}),
    ],
    ids=[
        "kid list",
        "kid object",
        "alg list",
        "client_id list",
        "client_id object",
        "exp beyond a float",
        "exp Infinity",
        "exp NaN",
        "nbf NaN",
    ],
)
def test_the_known_crashers_are_401(guarded: TestClient, header: Any, claims: Any) -> None:
    token = _header_only(header) if header is not None else _signed({**_valid_claims(), **claims})
    with pytest.raises(TokenRejected) as rejected:
        _verifier().verify(token)
    assert rejected.value.status == 401
    assert _assert_guard_401_or_200(guarded, token) == 401


# ----------------------------------------------------------------------------- token_use


def test_a_cognito_token_must_say_token_use_access() -> None:
    verifier = _verifier()
    assert verifier.verify(_signed(_valid_claims()))["sub"] == "user-1"
    without = {key: value for key, value in _valid_claims().items() if key != "token_use"}
    for claims in (without, {**_valid_claims(), "token_use": "id"}, {**_valid_claims(), "token_use": ["access"]}):
        with pytest.raises(TokenRejected, match="not an access token"):
            verifier.verify(_signed(claims))


def test_any_issuer_can_be_told_to_require_token_use() -> None:
    other = "https://idp.example.com/tenant"

    def fetch(url: str) -> Any:
        return {"issuer": other, "jwks_uri": f"{other}/keys"} if url.endswith("configuration") else _fetch(url)

    claims = {**_valid_claims(), "iss": other}
    del claims["token_use"]
    lenient = JWTVerifier(
        f"{other}/.well-known/openid-configuration", allowed_clients=[CLIENT], allowed_scopes=[SCOPE], fetch=fetch
    )
    assert lenient.verify(_signed(claims))["sub"] == "user-1"  # an OIDC issuer that issues no token_use
    strict = JWTVerifier(
        f"{other}/.well-known/openid-configuration",
        allowed_clients=[CLIENT],
        allowed_scopes=[SCOPE],
        fetch=fetch,
        require_token_use=True,
    )
    with pytest.raises(TokenRejected, match="not an access token"):
        strict.verify(_signed(claims))
