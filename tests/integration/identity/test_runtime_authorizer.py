"""The local agent enforces exactly what the Runtime's JWT authorizer enforces: each bad token is a 401 with a
reason, before the agent runs (nothing is written to memory, no tool is called)."""

from __future__ import annotations

import base64
import json
import time

import pytest

from local_dev.token_issuer import AGENT_SCOPE, TOOLS_SCOPE, generate_signing_key

pytestmark = pytest.mark.xdist_group("identity")

#: One foreign key for the whole module (RSA generation is the slow part).
FOREIGN_KEY = generate_signing_key()


def _b64(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "bob"
    return f"{header}.{_b64(claims)}.{signature}"


def _bad_tokens(issuer) -> dict[str, tuple[str | None, str]]:
    """name -> (Authorization header value or None, expected reason fragment)."""
    now = int(time.time())
    good = issuer.issue_token("alice")
    return {
        "missing": (None, "Missing Authorization header"),
        "not bearer": (f"Basic {base64.b64encode(b'alice:pw').decode()}", "must be 'Bearer <access token>'"),
        "empty bearer": ("Bearer", "must be 'Bearer <access token>'"),
        "not a jwt": ("Bearer not-a-token", "not a well-formed JWT"),
        "garbage header": ("Bearer !!!.e30.c2ln", "not a well-formed JWT"),
        "alg none": (f"Bearer {_b64({'alg': 'none'})}.{_b64({'sub': 'alice'})}.c2ln", "algorithm is not allowed"),
        "alg HS256": (
            f"Bearer {_b64({'alg': 'HS256', 'kid': 'x'})}.{_b64({'sub': 'alice'})}.c2ln",
            "algorithm is not allowed (expected RS256)",
        ),
        "no kid": (f"Bearer {_b64({'alg': 'RS256'})}.{_b64({'sub': 'alice'})}.c2ln", "no usable 'kid'"),
        "expired": (f"Bearer {issuer.issue_token('alice', issued_at=now - 7200, expires_in=3600)}", "expired"),
        "not yet valid": (f"Bearer {issuer.issue_token('alice', not_before=now + 600)}", "not valid yet"),
        "wrong issuer": (
            f"Bearer {issuer.issue_token('alice', issuer_override='https://cognito-idp.us-east-1.amazonaws.com/us-east-1_evil')}",
            "is not the expected issuer",
        ),
        "wrong client": (f"Bearer {issuer.issue_token('alice', client_id='some-other-app')}", "client is not allowed"),
        "tools scope only": (
            f"Bearer {issuer.issue_token('alice', scope=[TOOLS_SCOPE])}",
            f"lacks the required scope '{AGENT_SCOPE}'",
        ),
        "no scope": (f"Bearer {issuer.issue_token('alice', omit_claims=['scope'])}", "lacks the required scope"),
        "id token": (f"Bearer {issuer.issue_token('alice', token_use='id')}", "not an access token"),
        "no token_use": (f"Bearer {issuer.issue_token('alice', omit_claims=['token_use'])}", "not an access token"),
        "tampered payload": (f"Bearer {_tampered(good)}", "signature is invalid"),
        "unknown kid": (
            f"Bearer {issuer.issue_token('alice', signing_key=FOREIGN_KEY)}",
            "is not in the issuer's key set",
        ),
    }


CASES = [
    "missing", "not bearer", "empty bearer", "not a jwt", "garbage header", "alg none", "alg HS256", "no kid",
    "expired", "not yet valid", "wrong issuer", "wrong client", "tools scope only", "no scope", "id token",
    "no token_use", "tampered payload", "unknown kid",
]  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_bad_token_is_401_with_a_reason_before_the_agent_runs(case, stack, agent_http, upstream):
    header, reason = _bad_tokens(stack.issuer)[case]
    memory_dir = stack.settings.local_memory_dir
    before = sorted(p.name for p in memory_dir.rglob("*")) if memory_dir.exists() else []
    headers = {"Authorization": header} if header is not None else {}
    response = agent_http.post("/invocations", json={"prompt": "What is order ORD-10001?"}, headers=headers)
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert reason in response.json()["error"]
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    assert upstream.hits == 0
    after = sorted(p.name for p in memory_dir.rglob("*")) if memory_dir.exists() else []
    assert after == before  # the agent never ran


def test_signature_by_another_key_under_our_kid_is_invalid(stack, agent_http):
    token = stack.issuer.issue_token("alice", signing_key=_ForeignKeyWithOurKid(stack.issuer.key.kid))
    response = agent_http.post("/invocations", json={"prompt": "hi"}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and "signature is invalid" in response.json()["error"]


class _ForeignKeyWithOurKid:
    """Signs with FOREIGN_KEY but claims the issuer's kid (a forged header)."""

    def __new__(cls, kid: str):
        from joserfc.jwk import RSAKey

        data = FOREIGN_KEY.as_dict(private=True)
        data["kid"] = kid
        return RSAKey.import_key(data)


def test_valid_token_passes_and_ping_needs_none(stack, agent_http, ask):
    assert agent_http.get("/ping").status_code == 200
    assert ask("hello there", user="alice").startswith("[offline model] You said: 'hello there'")


def test_token_within_the_leeway_still_passes(stack, ask):
    token = stack.issuer.issue_token("alice", issued_at=int(time.time()) - 3605, expires_in=3600)  # expired 5 s ago
    assert ask("still fine?", token=token).startswith("[offline model] You said")


def test_discovery_and_jwks_are_cached_across_requests(stack, ask):
    ask("warm the verifier's cache", user="alice")  # this test may be the first to use the stack
    fetches = dict(stack.issuer.fetches)
    for _ in range(3):
        ask("cache check", user="alice")
    assert stack.issuer.fetches.get("/.well-known/openid-configuration") == fetches.get(
        "/.well-known/openid-configuration"
    )
    assert stack.issuer.fetches.get("/.well-known/jwks.json") == fetches.get("/.well-known/jwks.json")
