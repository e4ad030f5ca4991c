"""The local OIDC token issuer, the verifier on its own, and ``python -m scripts.dev_token``."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from local_dev import token_issuer
from local_dev.auth import JWTVerifier, TokenRejected, runtime_verifier
from local_dev.token_issuer import AGENT_SCOPE, DEFAULT_CLIENT_ID, TOOLS_SCOPE, start_token_issuer
from scripts import dev_token
from tests.loopback import loopback_get, loopback_post

pytestmark = pytest.mark.xdist_group("identity")

REPO_ROOT = Path(__file__).resolve().parents[3]


def test_discovery_document_and_jwks(stack):
    issuer = stack.issuer
    discovery = loopback_get(issuer.discovery_url).json()
    assert discovery["issuer"] == issuer.issuer
    assert discovery["jwks_uri"] == issuer.jwks_url and discovery["token_endpoint"] == issuer.token_endpoint
    jwks = loopback_get(discovery["jwks_uri"]).json()
    [key] = jwks["keys"]
    assert (key["kty"], key["alg"], key["use"], key["kid"]) == ("RSA", "RS256", "sig", issuer.key.kid)
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)  # public part only


def test_tokens_are_cognito_shaped_access_tokens(stack):
    token = stack.issuer.issue_token("alice")
    decoded = jwt.decode(token, KeySet.import_key_set(stack.issuer.jwks()), algorithms=["RS256"])
    assert decoded.header == {"kid": stack.issuer.key.kid, "alg": "RS256"}
    claims = decoded.claims
    assert {"iss", "sub", "client_id", "scope", "token_use", "exp", "iat", "jti", "username", "auth_time"} <= set(
        claims
    )
    assert (claims["sub"], claims["username"], claims["token_use"]) == ("alice", "alice", "access")
    assert (claims["iss"], claims["client_id"]) == (stack.issuer.issuer, DEFAULT_CLIENT_ID)
    assert set(claims["scope"].split()) == {"openid", AGENT_SCOPE, TOOLS_SCOPE}
    assert claims["exp"] - claims["iat"] == 3600
    assert stack.issuer.issue_token("alice") != token  # fresh jti


def test_dev_token_endpoint(stack):
    response = loopback_post(stack.issuer.token_endpoint, data={"user": "bob"})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert runtime_verifier(stack.issuer.discovery_url).verify(body["access_token"])["sub"] == "bob"
    bad = loopback_post(stack.issuer.token_endpoint, data={"user": "../etc"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_request"


def test_dev_token_script_prints_a_token_from_the_state_file(stack, tmp_path):
    state = tmp_path / "dev-stack.json"
    state.write_text(json.dumps(stack.state()))
    env = {"DEV_STACK_STATE_FILE": str(state), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "scripts.dev_token", "alice"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert "\n" not in token
    assert runtime_verifier(stack.issuer.discovery_url).verify(token)["sub"] == "alice"


def test_dev_token_endpoint_resolution(tmp_path):
    state = tmp_path / "state.json"
    assert dev_token.token_endpoint("http://h:1/", {}) == "http://h:1/token"
    assert dev_token.token_endpoint(None, {"LOCAL_ISSUER_URL": "http://h:2"}) == "http://h:2/token"
    state.write_text(json.dumps({"token_endpoint": "http://h:3/token"}))
    assert dev_token.token_endpoint(None, {"DEV_STACK_STATE_FILE": str(state)}) == "http://h:3/token"
    missing = {"DEV_STACK_STATE_FILE": str(tmp_path / "none.json")}
    assert dev_token.token_endpoint(None, missing) == "http://127.0.0.1:8092/token"


def test_dev_token_without_an_issuer_is_a_clear_error(tmp_path):
    with pytest.raises(dev_token.DevTokenError, match="no local token issuer .* is `make dev` running"):
        dev_token.fetch_token("alice", endpoint="http://127.0.0.1:9/token", timeout=2)


# --------------------------------------------------------------------------- the verifier on its own


def test_verifier_refetches_the_jwks_once_for_an_unknown_kid_after_a_key_rotation():
    with start_token_issuer() as issuer:
        verifier = runtime_verifier(issuer.discovery_url)
        assert verifier.verify(issuer.issue_token("alice"))["sub"] == "alice"
        issuer.key = token_issuer.generate_signing_key()  # rotation
        verifier._last_refetch -= 60  # the refetch rate limit has passed
        assert verifier.verify(issuer.issue_token("alice"))["sub"] == "alice"
        assert issuer.fetches["/.well-known/jwks.json"] == 2
        # Rate limited: a burst of unknown kids does not hammer the issuer.
        foreign = token_issuer.generate_signing_key()
        for _ in range(3):
            with pytest.raises(TokenRejected, match="not in the issuer's key set"):
                verifier.verify(issuer.issue_token("alice", signing_key=foreign))
        assert issuer.fetches["/.well-known/jwks.json"] == 2


def test_unreachable_issuer_is_503_not_a_crash():
    verifier = JWTVerifier(
        "http://127.0.0.1:9/.well-known/openid-configuration", allowed_clients=["c"], allowed_scopes=["s"], timeout=2
    )
    with pytest.raises(TokenRejected) as rejected:
        verifier.verify("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.e30.c2ln")
    assert rejected.value.status == 503 and "unavailable" in rejected.value.reason


def test_clock_is_injectable_for_expiry():
    with start_token_issuer() as issuer:
        now = time.time()
        token = issuer.issue_token("alice", expires_in=60)
        assert JWTVerifier(
            issuer.discovery_url,
            allowed_clients=[DEFAULT_CLIENT_ID],
            allowed_scopes=[AGENT_SCOPE],
            clock=lambda: now + 65,
        ).verify(token)
        late = JWTVerifier(
            issuer.discovery_url,
            allowed_clients=[DEFAULT_CLIENT_ID],
            allowed_scopes=[AGENT_SCOPE],
            clock=lambda: now + 75,
        )
        with pytest.raises(TokenRejected, match="expired"):
            late.verify(token)


def test_the_dev_issuer_binds_loopback_only():
    with pytest.raises(ValueError, match="binds loopback only"):
        token_issuer.TokenIssuer("0.0.0.0", 0)


@pytest.mark.parametrize("length", ["abc", "-1", "99999999", "5, 5"])
def test_a_bad_content_length_is_400_not_a_dropped_connection(length):
    import socket

    with start_token_issuer() as issuer:
        host, port = issuer.server_address[:2]
        with socket.create_connection((host, port), timeout=5) as sock:
            sock.sendall(f"POST /token HTTP/1.1\r\nHost: {host}\r\nContent-Length: {length}\r\n\r\nuser=alice".encode())
            reply = sock.recv(4096).decode()
    assert reply.startswith("HTTP/1.1 400 ") and "Content-Length" in reply
