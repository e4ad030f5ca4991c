"""Forged and broken bearer tokens, every one claiming to be bob: each surface must refuse all of them.

Built against a real local issuer (its RSA key and discovery document), so each token fails exactly one check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

from joserfc import jws, jwt

from local_dev.token_issuer import AGENT_SCOPE, TOOLS_SCOPE, TokenIssuer, generate_signing_key

VICTIM = "bob"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"sig") -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}.{b64(signature)}"


def _claims(issuer: TokenIssuer, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "sub": VICTIM,
        "iss": issuer.issuer,
        "client_id": "local-support-agent-web",
        "token_use": "access",
        "scope": f"{AGENT_SCOPE} {TOOLS_SCOPE}",
        "iat": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    return claims


def hs256_with_public_key(issuer: TokenIssuer) -> str:
    """Algorithm confusion: HMAC-SHA256 keyed with the issuer's *public* key, which anyone can fetch."""
    public_pem = issuer.key.as_pem(private=False)
    header = {"alg": "HS256", "kid": issuer.key.kid}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(_claims(issuer)).encode())}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def deeply_nested(depth: int = 2400) -> str:
    """Small enough to pass the size check, nested beyond Python's JSON recursion limit (header and claims)."""
    nested = ("[" * depth + "]" * depth).encode()
    return f"{b64(nested)}.{b64(nested)}.{b64(b'sig')}"


#: The names of :func:`forged_tokens`, for ``pytest.mark.parametrize`` (every surface tests every one).
TOKEN_CASES = (
    "alg none",
    "HS256 with the public key",
    "unknown kid",
    "foreign issuer",
    "wrong issuer claim",
    "wrong client",
    "missing scope",
    "no scope",
    "expired",
    "not yet valid",
    "id token",
    "tampered payload",
    "oversized",
    "deeply nested",
    "not a jwt",
    "kid is a list",
    "client_id is a list",
    "exp is Infinity",
)


def forged_tokens(issuer: TokenIssuer, *, wrong_scope: str) -> dict[str, str]:
    """name -> a token claiming ``sub: bob`` that a verifier of ``issuer`` (client, scope) must refuse.

    ``wrong_scope``: a scope the surface does NOT accept (the tools scope for the agent, the invoke scope for tools).
    """
    foreign = generate_signing_key()
    return {
        "alg none": unsigned({"alg": "none"}, _claims(issuer), b""),
        "HS256 with the public key": hs256_with_public_key(issuer),
        "unknown kid": issuer.issue_token(VICTIM, signing_key=foreign),
        "foreign issuer": jwt.encode(
            {"alg": "RS256", "kid": foreign.kid},
            _claims(issuer, iss="https://evil.example.com"),
            foreign,
            algorithms=["RS256"],
        ),
        "wrong issuer claim": issuer.issue_token(
            VICTIM, issuer_override="https://cognito-idp.us-east-1.amazonaws.com/evil"
        ),
        "wrong client": issuer.issue_token(VICTIM, client_id="some-other-app"),
        "missing scope": issuer.issue_token(VICTIM, scope=[wrong_scope]),
        "no scope": issuer.issue_token(VICTIM, omit_claims=["scope"]),
        "expired": issuer.issue_token(VICTIM, issued_at=int(time.time()) - 7200, expires_in=3600),
        "not yet valid": issuer.issue_token(VICTIM, not_before=int(time.time()) + 600),
        "id token": issuer.issue_token(VICTIM, token_use="id"),
        "tampered payload": _tampered(issuer.issue_token("alice")),
        "oversized": issuer.issue_token(VICTIM, extra_claims={"pad": "x" * 20_000}),
        "deeply nested": deeply_nested(),
        "not a jwt": "not-a-token",
        # Header-only forgery: a kid that is not a string must be a 401 before any key lookup.
        "kid is a list": unsigned({"alg": "RS256", "kid": [issuer.key.kid]}, _claims(issuer)),
        # Signed by the issuer, claims of the wrong JSON type: a 401, never a crash.
        "client_id is a list": issuer.issue_token(VICTIM, extra_claims={"client_id": ["local-support-agent-web"]}),
        "exp is Infinity": _with_claims(issuer, exp=float("inf")),
    }


def _with_claims(issuer: TokenIssuer, **claims: Any) -> str:
    """Signed by the issuer over exactly ``json.dumps`` of the claims (which writes ``Infinity`` and ``NaN``)."""
    payload = json.dumps(_claims(issuer, **claims)).encode()
    return jws.serialize_compact({"alg": "RS256", "kid": issuer.key.kid}, payload, issuer.key, algorithms=["RS256"])


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = VICTIM
    return f"{header}.{b64(json.dumps(claims).encode())}.{signature}"


#: Request bodies every agent surface must answer with 400 and a fixed message (bytes, content type).
def malformed_bodies() -> dict[str, tuple[bytes, str]]:
    deep = b"[" * 100_000 + b"]" * 100_000
    return {
        "nested beyond the depth limit": (b'{"prompt": "hi", "x": ' + b"[" * 40 + b"]" * 40 + b"}", "application/json"),
        "nested 100k deep": (deep, "application/json"),
        "huge integer": (b'{"prompt": "hi", "n": ' + b"9" * 5000 + b"}", "application/json"),
        "lone surrogate": (b'{"prompt": "hi \\ud800"}', "application/json"),
        "invalid utf-8": (b'{"prompt": "\xff\xfe"}', "application/json"),
        "oversized": (b'{"prompt": "' + b"x" * 70_000 + b'"}', "application/json"),
        "text/plain (CSRF-able)": (b'{"prompt": "hi"}', "text/plain"),
        "form": (b"prompt=hi", "application/x-www-form-urlencoded"),
        "NaN": (b'{"prompt": "hi", "n": NaN}', "application/json"),
        "duplicate keys": (b'{"prompt": "hi", "prompt": "again"}', "application/json"),
        "not json": (b"{not json", "application/json"),
        "empty": (b"", "application/json"),
    }
