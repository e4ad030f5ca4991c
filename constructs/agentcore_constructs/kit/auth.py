"""Verify, never decode: the caller's identity comes only from a bearer token this process verified itself.

Used by the agent (behind the Runtime's JWT authorizer), the gateway interceptor Lambda (behind the Gateway's) and
the local stand-ins, so every component that uses an identity checks the same things (those of AgentCore's
CUSTOM_JWT authorizer on a Cognito access token):

* exactly one ``Authorization`` header, scheme ``Bearer`` (case-insensitive, RFC 9110 section 11.1), one token of
  the JWT charset, at most :data:`MAX_TOKEN_BYTES`;
* signature: ``RS256`` only, the key chosen by ``kid`` from the issuer's JWKS (discovery document ``jwks_uri``),
  both cached for :data:`DEFAULT_CACHE_SECONDS`; an unknown ``kid`` refetches the JWKS at most once per
  :data:`MIN_REFETCH_INTERVAL_SECONDS` (no fetch storm from forged tokens);
* ``iss`` equal to the discovery document's ``issuer``; ``exp`` and ``nbf``/``iat`` with :data:`DEFAULT_LEEWAY_SECONDS`
  of clock skew; ``token_use``, when present (Cognito), ``"access"``; ``client_id`` one of the allowed clients and
  ``aud`` one of the allowed audiences, each when configured (AgentCore's authorizer: "allowed clients" match the
  ``client_id`` claim, "allowed audience" the ``aud`` claim; AgentCore guide, "Configure inbound JWT authorizer");
  the required scope in ``scope``; a ``sub`` of the actor-id charset.

Anything else raises :class:`TokenRejected` (a reason safe to return; status 401, or 503 when the issuer cannot be
reached). Pure Python plus ``joserfc``; fetches use the standard library, so Lambda needs nothing else.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agentcore_constructs.contract import env_vars

DEFAULT_LEEWAY_SECONDS = 10
ALLOWED_ALGORITHMS = ("RS256",)
DEFAULT_CACHE_SECONDS = 300.0
MIN_REFETCH_INTERVAL_SECONDS = 5.0
#: Cognito access tokens are ~1 KB; anything near this is not a token of ours.
MAX_TOKEN_BYTES = 8192
_TOKEN_CHARS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
#: What the agent and the tools accept as an actor id (AgentCore Memory actorId, no path separators).
ACTOR_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")

JsonFetcher = Callable[[str], Any]


class TokenRejected(Exception):
    """The request's identity is not acceptable. ``reason`` is safe to return; ``status`` is 401 (or 503)."""

    def __init__(self, reason: str, status: int = 401) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def single_authorization(values: Sequence[str]) -> str | None:
    """The one ``Authorization`` value of a request, None when absent; two or more are refused (ambiguous)."""
    if len(values) > 1:
        raise TokenRejected("More than one Authorization header")
    return values[0] if values else None


def bearer_token(header_value: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` value (scheme case-insensitive); TokenRejected otherwise."""
    if header_value is None or not header_value.strip():
        raise TokenRejected("Missing Authorization header: expected 'Bearer <access token>'")
    parts = header_value.strip().split(" ")
    if len(parts) != 2 or parts[0].lower() != "bearer":
        raise TokenRejected("Authorization header must be 'Bearer <access token>'")
    token = parts[1]
    if len(token) > MAX_TOKEN_BYTES or not _TOKEN_CHARS.match(token):
        raise TokenRejected("Bearer token is not a well-formed JWT")
    return token


def _b64_json(segment: str) -> Any:
    import base64

    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def fetch_json(url: str, timeout: float = 5.0) -> Any:
    """GET ``url`` and parse JSON (standard library only; https, or http on loopback for local issuers)."""
    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost", "http://[::1]")):
        raise ValueError(f"refusing to fetch keys over plain http from {url}")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked above
        return json.loads(response.read(1_000_000))


@dataclass(frozen=True)
class VerifierConfig:
    """What a verifier checks: the issuer's discovery URL, the allowed client ids and/or audiences, the scope(s)."""

    discovery_url: str
    allowed_clients: tuple[str, ...]
    required_scopes: tuple[str, ...]
    allowed_audiences: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> VerifierConfig | None:
        """From the env contract (AUTH_*), None when no identity is configured; ValueError when half configured."""
        env = os.environ if environ is None else environ
        url = (env.get(env_vars.AUTH_DISCOVERY_URL.name) or "").strip()
        clients = tuple((env.get(env_vars.AUTH_ALLOWED_CLIENTS.name) or "").split())
        audiences = tuple((env.get(env_vars.AUTH_ALLOWED_AUDIENCES.name) or "").split())
        scopes = tuple((env.get(env_vars.AUTH_REQUIRED_SCOPE.name) or "").split())
        if not url and not clients and not audiences and not scopes:
            return None
        if not url or not (clients or audiences) or not scopes:
            names = (
                f"{env_vars.AUTH_DISCOVERY_URL.name}, {env_vars.AUTH_ALLOWED_CLIENTS.name} and/or "
                f"{env_vars.AUTH_ALLOWED_AUDIENCES.name}, {env_vars.AUTH_REQUIRED_SCOPE.name}"
            )
            raise ValueError(f"identity is half configured: set all of {names}, or none")
        if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ValueError(f"{env_vars.AUTH_DISCOVERY_URL.name} must be an https:// URL")
        return cls(url, clients, scopes, audiences)


class JWTVerifier:
    """Verifies access tokens the way AgentCore's CUSTOM_JWT authorizer does (module docs). Thread-safe.

    ``fetch``: ``url -> JSON`` for the discovery document and the JWKS (default :func:`fetch_json`);
    ``clock``: seconds since the epoch (tests).
    """

    def __init__(
        self,
        discovery_url: str,
        *,
        allowed_clients: Iterable[str] = (),
        allowed_scopes: Iterable[str],
        allowed_audiences: Iterable[str] = (),
        leeway: int = DEFAULT_LEEWAY_SECONDS,
        cache_seconds: float = DEFAULT_CACHE_SECONDS,
        timeout: float = 5.0,
        fetch: JsonFetcher | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.discovery_url = discovery_url
        self.allowed_clients = frozenset(allowed_clients)
        self.allowed_scopes = tuple(allowed_scopes)
        self.allowed_audiences = frozenset(allowed_audiences)
        if not (self.allowed_clients or self.allowed_audiences) or not self.allowed_scopes:
            raise ValueError("JWTVerifier needs an allowed client or audience, and an allowed scope")
        self.leeway = leeway
        self.cache_seconds = cache_seconds
        self._fetch_json = fetch or (lambda url: fetch_json(url, timeout))
        self._clock = clock
        self._lock = threading.Lock()
        self._issuer: str | None = None
        self._keys: dict[str, Any] = {}
        self._fetched_at = float("-inf")
        self._last_refetch = float("-inf")

    @classmethod
    def from_config(cls, config: VerifierConfig, **kwargs: Any) -> JWTVerifier:
        return cls(
            config.discovery_url,
            allowed_clients=config.allowed_clients,
            allowed_scopes=config.required_scopes,
            allowed_audiences=config.allowed_audiences,
            **kwargs,
        )

    # -- keys
    @property
    def keys_cached(self) -> bool:
        """True when verifying needs no fetch (unless the token names an unknown ``kid``)."""
        return self._issuer is not None and time.monotonic() - self._fetched_at < self.cache_seconds

    def needs_fetch(self, token: str) -> bool:
        """Whether verifying ``token`` may fetch discovery/JWKS (run it off the event loop then)."""
        if not self.keys_cached:
            return True
        try:
            kid = _b64_json(token.split(".")[0]).get("kid")
        except Exception:
            return False
        return kid not in self._keys

    def _fetch(self) -> None:
        from joserfc.errors import JoseError
        from joserfc.jwk import KeySet, RSAKey

        try:
            document = self._fetch_json(self.discovery_url)
            issuer, jwks_uri = document["issuer"], document["jwks_uri"]
            key_set = KeySet.import_key_set(self._fetch_json(jwks_uri))
        except (OSError, ValueError, KeyError, TypeError, JoseError) as error:
            raise TokenRejected(
                f"Cannot verify tokens: the issuer's keys are unavailable ({type(error).__name__})", 503
            ) from None
        self._keys = {key.kid: key for key in key_set.keys if isinstance(key, RSAKey) and key.kid}
        self._issuer = issuer
        self._fetched_at = self._last_refetch = time.monotonic()

    def _key_for(self, kid: str) -> tuple[Any, str]:
        with self._lock:
            if not self.keys_cached:
                self._fetch()
            key = self._keys.get(kid)
            if key is None and time.monotonic() - self._last_refetch >= MIN_REFETCH_INTERVAL_SECONDS:
                self._fetch()  # the issuer may have rotated its keys
                key = self._keys.get(kid)
            assert self._issuer is not None
            return key, self._issuer

    # -- verification
    def verify_authorization(self, header_value: str | None) -> dict[str, Any]:
        """Claims of a valid ``Authorization: Bearer`` value; :class:`TokenRejected` otherwise."""
        return self.verify(bearer_token(header_value))

    def verify(self, token: str) -> dict[str, Any]:
        """Claims of a valid access token; :class:`TokenRejected` with the reason otherwise."""
        from joserfc import jwt
        from joserfc.errors import BadSignatureError, JoseError

        if len(token) > MAX_TOKEN_BYTES or not _TOKEN_CHARS.match(token):
            raise TokenRejected("Bearer token is not a well-formed JWT")
        try:
            header = _b64_json(token.split(".")[0])
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise TokenRejected("Bearer token is not a well-formed JWT (undecodable header)") from None
        if not isinstance(header, dict):
            raise TokenRejected("Bearer token is not a well-formed JWT (header is not an object)")
        if header.get("alg") not in ALLOWED_ALGORITHMS:
            raise TokenRejected(f"Token algorithm is not allowed (expected {', '.join(ALLOWED_ALGORITHMS)})")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid or len(kid) > 256:
            raise TokenRejected("Token header has no usable 'kid'")
        key, issuer = self._key_for(kid)
        if key is None:
            raise TokenRejected("Token signing key is not in the issuer's key set")
        try:
            claims = jwt.decode(token, key, algorithms=list(ALLOWED_ALGORITHMS)).claims
        except BadSignatureError:
            raise TokenRejected("Token signature is invalid") from None
        except (JoseError, ValueError, TypeError, RecursionError):
            raise TokenRejected("Bearer token is not a well-formed JWT (undecodable payload)") from None
        if not isinstance(claims, dict):
            raise TokenRejected("Token claims are not an object")
        self._check_claims(claims, issuer)
        return claims

    def _check_claims(self, claims: Mapping[str, Any], issuer: str) -> None:
        if claims.get("iss") != issuer:
            raise TokenRejected("Token issuer is not the expected issuer")
        now = self._clock()
        exp = _number(claims.get("exp"))
        if exp is None:
            raise TokenRejected("Token has no numeric 'exp' claim")
        if now > exp + self.leeway:
            raise TokenRejected("Token has expired")
        for name in ("nbf", "iat"):
            if claims.get(name) is None:
                continue
            value = _number(claims.get(name))
            if value is None or now + self.leeway < value:
                raise TokenRejected(f"Token is not valid yet ('{name}' is in the future)")
        if "token_use" in claims and claims.get("token_use") != "access":
            raise TokenRejected("Token is not an access token")
        if self.allowed_clients and claims.get("client_id") not in self.allowed_clients:
            raise TokenRejected("Token client is not allowed")
        if self.allowed_audiences:
            audience = claims.get("aud")
            # A hostile aud may hold any JSON: only strings count.
            values = audience if isinstance(audience, list) else [audience]
            audiences = {value for value in values if isinstance(value, str)}
            if not audiences & self.allowed_audiences:
                raise TokenRejected("Token audience is not allowed")
        scope = claims.get("scope")
        granted = set(scope.split()) if isinstance(scope, str) else set()
        if not granted.intersection(self.allowed_scopes):
            raise TokenRejected(f"Token lacks the required scope {' or '.join(map(repr, self.allowed_scopes))}")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not ACTOR_ID.match(sub):
            raise TokenRejected("Token has no usable 'sub' claim")


def _number(value: Any) -> float | None:
    """A JSON number claim as a float; None for anything else (booleans included)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None
