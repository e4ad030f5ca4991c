"""Verify, never decode: the caller's identity comes only from a bearer token this process verified itself.

Used by the agent (behind the Runtime's JWT authorizer), the gateway interceptor Lambda (behind the Gateway's) and
the local stand-ins, so every component that uses an identity checks the same things (those of AgentCore's
CUSTOM_JWT authorizer on a Cognito access token):

* exactly one ``Authorization`` header, scheme ``Bearer`` (case-insensitive, RFC 9110 section 11.1), one token of
  the JWT charset, at most :data:`MAX_TOKEN_BYTES`;
* signature: ``RS256`` only, the key chosen by ``kid`` from the issuer's JWKS (discovery document ``jwks_uri``),
  both cached for :data:`DEFAULT_CACHE_SECONDS`; an unknown ``kid`` refetches the JWKS at most once per
  :data:`MIN_REFETCH_INTERVAL_SECONDS` (no fetch storm from forged tokens); one fetch at a time, shared by every
  caller that needs it, and none on an event loop (:meth:`JWTVerifier.verify_async`);
* ``iss`` equal to the discovery document's ``issuer``; ``exp`` and ``nbf``/``iat`` finite numbers, with
  :data:`DEFAULT_LEEWAY_SECONDS` of clock skew; ``token_use`` equal to ``"access"``: required on a Cognito user
  pool's tokens (Cognito developer guide, "Understanding the access token": "In an access token, its value is
  access" -- user sign-ins and client-credentials (M2M) tokens alike, both access tokens; "Verifying JSON web
  tokens": "If you are only accepting the access token ..., its value must be access"), refused when it says
  anything else from any issuer, and not asked of OIDC issuers that issue none (Entra ID, Okta, Auth0);
  ``client_id`` one of the allowed clients and ``aud`` one of the allowed audiences, each when configured
  (AgentCore's authorizer: "allowed clients" match the ``client_id`` claim, "allowed audience" the ``aud`` claim;
  AgentCore guide, "Configure inbound JWT authorizer"); the required scope in ``scope``; a ``sub`` of the actor-id
  charset. Header and claims may hold any JSON value: each is type-checked before it is compared.

Anything else raises :class:`TokenRejected` (a reason safe to return; status 401, or 503 when the issuer cannot be
reached). Pure Python plus ``joserfc``; fetches use the standard library, so Lambda needs nothing else.
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
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
#: A Cognito user pool's ``iss``: ``https://cognito-idp.<region>.amazonaws.com/<user pool id>`` (Cognito developer
#: guide, "Understanding the access token", https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html;
#: the ``.com.cn`` suffix of the China Regions is assumed from their endpoint names, not verified).
_COGNITO_ISSUER = re.compile(r"^https://cognito-idp\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/[\w-]+_[0-9A-Za-z]+$")
_ABSENT = object()

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


@dataclass(frozen=True)
class _IssuerKeys:
    """One fetch of the issuer's discovery document and JWKS (replaced whole, never changed in place)."""

    issuer: str
    keys: Mapping[str, Any]
    fetched_at: float  # time.monotonic()


class JWTVerifier:
    """Verifies access tokens the way AgentCore's CUSTOM_JWT authorizer does (module docs). Thread-safe.

    ``fetch``: ``url -> JSON`` for the discovery document and the JWKS (default :func:`fetch_json`);
    ``clock``: seconds since the epoch (tests). ``require_token_use``: refuse a token without ``token_use:
    "access"`` whatever the issuer (default: only a Cognito user pool's tokens must carry it; a ``token_use`` other
    than ``"access"`` is refused from any issuer).

    Keys are fetched once for all concurrent callers (one fetch in flight; the others wait for its result), and no
    lock is held while fetching: a caller whose key is cached never waits for a fetch. From async code use
    :meth:`verify_async`, which runs a fetch on its own thread and never blocks the event loop.
    """

    def __init__(
        self,
        discovery_url: str,
        *,
        allowed_clients: Iterable[str] = (),
        allowed_scopes: Iterable[str],
        allowed_audiences: Iterable[str] = (),
        require_token_use: bool = False,
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
        self.require_token_use = require_token_use
        self.leeway = leeway
        self.cache_seconds = cache_seconds
        self._fetch_json = fetch or (lambda url: fetch_json(url, timeout))
        self._clock = clock
        # Guards the three fields below; never held during a fetch.
        self._lock = threading.Lock()
        self._cached: _IssuerKeys | None = None
        self._inflight: Future[_IssuerKeys] | None = None
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
    def _fetch(self) -> _IssuerKeys:
        from joserfc.errors import JoseError
        from joserfc.jwk import KeySet, RSAKey

        try:
            document = self._fetch_json(self.discovery_url)
            issuer, jwks_uri = document["issuer"], document["jwks_uri"]
            if not isinstance(issuer, str) or not isinstance(jwks_uri, str):
                raise TypeError("issuer and jwks_uri must be strings")
            key_set = KeySet.import_key_set(self._fetch_json(jwks_uri))
        except (OSError, ValueError, KeyError, TypeError, JoseError) as error:
            raise TokenRejected(
                f"Cannot verify tokens: the issuer's keys are unavailable ({type(error).__name__})", 503
            ) from None
        keys = {key.kid: key for key in key_set.keys if isinstance(key, RSAKey) and isinstance(key.kid, str)}
        return _IssuerKeys(issuer, keys, time.monotonic())

    def _run_fetch(self, result: Future[_IssuerKeys]) -> None:
        """Fetch the keys into ``result`` (the one fetch in flight), then let the next caller start another."""
        try:
            fetched = self._fetch()
        except BaseException as error:  # the waiters get the TokenRejected (503), or whatever stopped the fetch
            with self._lock:
                self._inflight = None
            result.set_exception(error)
            return
        with self._lock:
            self._cached = fetched
            self._inflight = None
        result.set_result(fetched)

    def _lookup(self, kid: str) -> tuple[_IssuerKeys | None, Future[_IssuerKeys] | None, bool]:
        """The keys to verify ``kid`` with now; else the fetch in flight to wait for (``True``: the caller runs it).

        A cached key set serves until :attr:`cache_seconds`; an unknown ``kid`` refetches at most once per
        :data:`MIN_REFETCH_INTERVAL_SECONDS` (counted from the start of the last refetch, failed or not)."""
        with self._lock:
            now = time.monotonic()
            cached = self._cached
            if cached is not None and now - cached.fetched_at < self.cache_seconds:
                if kid in cached.keys or now - self._last_refetch < MIN_REFETCH_INTERVAL_SECONDS:
                    return cached, None, False
            if self._inflight is not None:
                return None, self._inflight, False
            self._inflight = Future()
            # RUNNING from the start: a waiter that gives up (a cancelled request) cannot cancel the others' fetch.
            self._inflight.set_running_or_notify_cancel()
            self._last_refetch = now
            return None, self._inflight, True

    def _keys_for(self, kid: str) -> _IssuerKeys:
        cached, inflight, owner = self._lookup(kid)
        if cached is not None:
            return cached
        assert inflight is not None
        if owner:
            self._run_fetch(inflight)
        return inflight.result()

    # -- verification
    def verify_authorization(self, header_value: str | None) -> dict[str, Any]:
        """Claims of a valid ``Authorization: Bearer`` value; :class:`TokenRejected` otherwise."""
        return self.verify(bearer_token(header_value))

    def verify(self, token: str) -> dict[str, Any]:
        """Claims of a valid access token; :class:`TokenRejected` with the reason otherwise. May block on a fetch."""
        kid = self._kid(token)
        return self._verify_with(token, kid, self._keys_for(kid))

    async def verify_async(self, token: str) -> dict[str, Any]:
        """:meth:`verify` for an event loop: a key fetch runs on its own thread; the loop only awaits its result."""
        import asyncio

        kid = self._kid(token)
        cached, inflight, owner = self._lookup(kid)
        if cached is None:
            assert inflight is not None
            if owner:
                threading.Thread(target=self._run_fetch, args=(inflight,), name="jwks-fetch", daemon=True).start()
            cached = await asyncio.wrap_future(inflight)
        return self._verify_with(token, kid, cached)

    @staticmethod
    def _kid(token: str) -> str:
        """The ``kid`` of a well-formed token's header (``alg`` allowed); :class:`TokenRejected` otherwise."""
        if len(token) > MAX_TOKEN_BYTES or not _TOKEN_CHARS.match(token):
            raise TokenRejected("Bearer token is not a well-formed JWT")
        try:
            header = _b64_json(token.split(".")[0])
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise TokenRejected("Bearer token is not a well-formed JWT (undecodable header)") from None
        if not isinstance(header, dict):
            raise TokenRejected("Bearer token is not a well-formed JWT (header is not an object)")
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in ALLOWED_ALGORITHMS:
            raise TokenRejected(f"Token algorithm is not allowed (expected {', '.join(ALLOWED_ALGORITHMS)})")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid or len(kid) > 256:
            raise TokenRejected("Token header has no usable 'kid'")
        return kid

    def _verify_with(self, token: str, kid: str, issuer_keys: _IssuerKeys) -> dict[str, Any]:
        from joserfc import jwt
        from joserfc.errors import BadSignatureError, JoseError

        key = issuer_keys.keys.get(kid)
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
        self._check_claims(claims, issuer_keys.issuer)
        return claims

    def _check_claims(self, claims: Mapping[str, Any], issuer: str) -> None:
        # Every claim may hold any JSON value: compare by type first, never hash or convert an unchecked value.
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
        token_use = claims.get("token_use", _ABSENT)
        required = self.require_token_use or _COGNITO_ISSUER.match(issuer) is not None
        if token_use != "access" and (required or token_use is not _ABSENT):
            raise TokenRejected("Token is not an access token (token_use must be 'access')")
        client_id = claims.get("client_id")
        if self.allowed_clients and not (isinstance(client_id, str) and client_id in self.allowed_clients):
            raise TokenRejected("Token client is not allowed")
        if self.allowed_audiences:
            audience = claims.get("aud")
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
    """A JSON number claim as a finite float; None for anything else (booleans, NaN, Infinity, beyond a float)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None
