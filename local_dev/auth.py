"""The local stand-in for AgentCore's CUSTOM_JWT authorizer (Runtime inbound auth and Gateway auth).

DEV/TEST ONLY, in front of the local servers. The deployed agent never verifies tokens: the Runtime's JWT
authorizer does, and the agent only reads ``sub`` from the forwarded header (``support_agent.identity``). Here
:class:`JWTAuthMiddleware` wraps the local agent (and the local gateway) so a request reaches it only when the
Runtime would have let it through:

* ``Authorization: Bearer <JWT>`` present and well formed;
* signature valid: ``RS256`` only, the key chosen by ``kid`` from the issuer's JWKS (``jwks_uri`` of the
  discovery document; both cached, the JWKS fetched again once when an unknown ``kid`` shows up);
* ``iss`` equal to the discovery document's ``issuer``;
* ``exp`` in the future and ``nbf`` (if any) in the past, with :data:`DEFAULT_LEEWAY_SECONDS` of clock skew;
* ``client_id`` one of ``allowed_clients`` (Cognito access tokens carry ``client_id``, not ``aud``);
* ``scope`` (space separated) holding at least one of ``allowed_scopes`` (each authorizer here allows one);
* ``token_use == "access"`` (a Cognito ID token is not accepted).

Anything else is ``401`` with ``{"error": "<reason>"}`` (and ``WWW-Authenticate: Bearer error="invalid_token"``)
before the wrapped app runs. ``GET /ping`` stays open (the platform's health check carries no user token).

    verifier = JWTVerifier(issuer.discovery_url, allowed_clients=[DEFAULT_CLIENT_ID], allowed_scopes=[AGENT_SCOPE])
    app = JWTAuthMiddleware(agent_app, verifier)
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import BadSignatureError, DecodeError, JoseError
from joserfc.jwk import KeySet, RSAKey

DEFAULT_LEEWAY_SECONDS = 10
ALLOWED_ALGORITHMS = ("RS256",)
#: How long discovery + JWKS are trusted before they are fetched again.
DEFAULT_CACHE_SECONDS = 300.0
#: An unknown ``kid`` triggers at most one JWKS refetch per this many seconds (no fetch storm from bad tokens).
MIN_REFETCH_INTERVAL_SECONDS = 5.0


class TokenRejected(Exception):
    """The token is not acceptable. ``reason`` is safe to return to the caller; ``status`` is 401 (or 503)."""

    def __init__(self, reason: str, status: int = 401) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def _b64_json(segment: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def bearer_token(header_value: str | None) -> str:
    """The token of an ``Authorization`` header value, or :class:`TokenRejected` with the reason."""
    if header_value is None or not header_value.strip():
        raise TokenRejected("Missing Authorization header: expected 'Bearer <access token>'")
    scheme, _, token = header_value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRejected("Authorization header must be 'Bearer <access token>'")
    return token.strip()


class JWTVerifier:
    """Verifies access tokens the way AgentCore's CUSTOM_JWT authorizer does (see the module docs). Thread-safe.

    ``discovery_url``: the issuer's OIDC discovery document; ``allowed_clients``: accepted ``client_id`` values;
    ``allowed_scopes``: the token needs at least one; ``leeway``: clock skew, seconds; ``http``: an
    ``httpx.Client`` for the fetches (default: a private one with ``timeout`` seconds); ``clock``: for tests.
    """

    def __init__(
        self,
        discovery_url: str,
        *,
        allowed_clients: Iterable[str],
        allowed_scopes: Iterable[str],
        leeway: int = DEFAULT_LEEWAY_SECONDS,
        cache_seconds: float = DEFAULT_CACHE_SECONDS,
        timeout: float = 5.0,
        http: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.discovery_url = discovery_url
        self.allowed_clients = frozenset(allowed_clients)
        self.allowed_scopes = tuple(allowed_scopes)
        if not self.allowed_clients or not self.allowed_scopes:
            raise ValueError("JWTVerifier needs at least one allowed client and one allowed scope")
        self.leeway = leeway
        self.cache_seconds = cache_seconds
        self._http = http or httpx.Client(timeout=timeout)
        self._clock = clock
        self._lock = threading.Lock()
        self._issuer: str | None = None
        self._jwks_uri: str | None = None
        self._keys: dict[str, RSAKey] = {}
        self._fetched_at = float("-inf")
        self._last_refetch = float("-inf")

    # -- keys
    @property
    def keys_cached(self) -> bool:
        """True when verifying needs no HTTP fetch (unless the token has an unknown ``kid``)."""
        return self._issuer is not None and time.monotonic() - self._fetched_at < self.cache_seconds

    def _fetch(self) -> None:
        try:
            discovery = self._http.get(self.discovery_url)
            discovery.raise_for_status()
            document = discovery.json()
            issuer, jwks_uri = document["issuer"], document["jwks_uri"]
            response = self._http.get(jwks_uri)
            response.raise_for_status()
            key_set = KeySet.import_key_set(response.json())
        except (httpx.HTTPError, ValueError, KeyError, TypeError, JoseError) as error:
            raise TokenRejected(f"Cannot verify tokens: the issuer's discovery/JWKS is unavailable ({error})", 503) from None
        self._keys = {key.kid: key for key in key_set.keys if isinstance(key, RSAKey) and key.kid}
        self._issuer, self._jwks_uri = issuer, jwks_uri
        self._fetched_at = self._last_refetch = time.monotonic()

    def _key_for(self, kid: str) -> tuple[RSAKey | None, str]:
        with self._lock:
            if not self.keys_cached:
                self._fetch()
            key = self._keys.get(kid)
            if key is None and time.monotonic() - self._last_refetch >= MIN_REFETCH_INTERVAL_SECONDS:
                self._fetch()  # key rotation: the issuer may have a new key
                key = self._keys.get(kid)
            assert self._issuer is not None
            return key, self._issuer

    # -- verification
    def verify_authorization(self, header_value: str | None) -> dict[str, Any]:
        """Claims of a valid ``Authorization: Bearer`` header value; :class:`TokenRejected` otherwise."""
        return self.verify(bearer_token(header_value))

    def verify(self, token: str) -> dict[str, Any]:
        """Claims of a valid access token; :class:`TokenRejected` with the reason otherwise."""
        parts = token.split(".")
        if len(parts) != 3 or not all(parts):
            raise TokenRejected("Bearer token is not a well-formed JWT (expected header.payload.signature)")
        try:
            header = _b64_json(parts[0])
        except (ValueError, UnicodeDecodeError):
            raise TokenRejected("Bearer token is not a well-formed JWT (undecodable header)") from None
        if not isinstance(header, dict):
            raise TokenRejected("Bearer token is not a well-formed JWT (header is not an object)")
        algorithm = header.get("alg")
        if algorithm not in ALLOWED_ALGORITHMS:
            raise TokenRejected(f"Token algorithm {algorithm!r} is not allowed (expected {', '.join(ALLOWED_ALGORITHMS)})")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise TokenRejected("Token header has no 'kid'")
        key, issuer = self._key_for(kid)
        if key is None:
            raise TokenRejected(f"Token signing key {kid!r} is not in the issuer's JWKS")
        try:
            claims = jwt.decode(token, key, algorithms=list(ALLOWED_ALGORITHMS)).claims
        except BadSignatureError:
            raise TokenRejected("Token signature is invalid") from None
        except (DecodeError, JoseError, ValueError):
            raise TokenRejected("Bearer token is not a well-formed JWT (undecodable payload)") from None
        self._check_claims(claims, issuer)
        return claims

    def _check_claims(self, claims: Mapping[str, Any], issuer: str) -> None:
        if claims.get("iss") != issuer:
            raise TokenRejected(f"Token issuer {claims.get('iss')!r} is not the expected issuer {issuer!r}")
        now = self._clock()
        exp = claims.get("exp")
        if not isinstance(exp, (int, float)) or isinstance(exp, bool):
            raise TokenRejected("Token has no numeric 'exp' claim")
        if now > exp + self.leeway:
            raise TokenRejected("Token has expired")
        nbf = claims.get("nbf")
        if nbf is not None and (not isinstance(nbf, (int, float)) or now + self.leeway < nbf):
            raise TokenRejected("Token is not valid yet ('nbf' is in the future)")
        iat = claims.get("iat")
        if iat is not None and (not isinstance(iat, (int, float)) or now + self.leeway < iat):
            raise TokenRejected("Token was issued in the future ('iat')")
        if claims.get("token_use") != "access":
            raise TokenRejected(f"Token is not an access token (token_use={claims.get('token_use')!r})")
        client_id = claims.get("client_id")
        if client_id not in self.allowed_clients:
            raise TokenRejected(f"Token client_id {client_id!r} is not an allowed client")
        scope = claims.get("scope")
        granted = set(scope.split()) if isinstance(scope, str) else set()
        if not granted.intersection(self.allowed_scopes):
            raise TokenRejected(f"Token lacks the required scope {' or '.join(map(repr, self.allowed_scopes))}")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub:
            raise TokenRejected("Token has no 'sub' claim")

    def close(self) -> None:
        self._http.close()


def _json_response(status: int, reason: str) -> tuple[dict[str, Any], bytes]:
    body = json.dumps({"error": reason}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 401:
        description = reason.replace("\\", "\\\\").replace('"', "'")
        headers.append((b"www-authenticate", f'Bearer error="invalid_token", error_description="{description}"'.encode()))
    return {"type": "http.response.start", "status": status, "headers": headers}, body


class JWTAuthMiddleware:
    """ASGI middleware: verify the bearer token of every request (but ``exempt_paths``) before ``app`` runs.

    ``default_token``: DEV ONLY (``scripts.dev_server --dev-user``): a request *without* an ``Authorization``
    header gets ``Bearer <default_token()>`` inserted and is then verified like any other (for clients such as
    ``agentcore invoke --dev`` that cannot send a token). Off by default: a missing token is a 401.
    ``on_verified(scope, claims)`` is called for every accepted request (tests, logging).
    """

    def __init__(
        self,
        app: Any,
        verifier: JWTVerifier,
        *,
        exempt_paths: Iterable[str] = ("/ping",),
        default_token: Callable[[], str] | None = None,
        on_verified: Callable[[Mapping[str, Any], dict[str, Any]], None] | None = None,
    ) -> None:
        self.app = app
        self.verifier = verifier
        self.exempt_paths = frozenset(exempt_paths)
        self.default_token = default_token
        self.on_verified = on_verified

    def __getattr__(self, name: str) -> Any:
        # ``state``, ``routes`` ... of the wrapped Starlette app stay reachable through the wrapper.
        return getattr(self.app, name)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket") or scope.get("path") in self.exempt_paths:
            await self.app(scope, receive, send)
            return
        headers = list(scope.get("headers") or [])
        authorization = next((v.decode("latin-1") for k, v in headers if k.lower() == b"authorization"), None)
        if authorization is None and self.default_token is not None:
            authorization = f"Bearer {self.default_token()}"
            headers.append((b"authorization", authorization.encode("latin-1")))
            scope = {**scope, "headers": headers}
        try:
            if self.verifier.keys_cached:
                claims = self.verifier.verify_authorization(authorization)
            else:  # the first request fetches discovery + JWKS: not on the event loop
                import anyio.to_thread

                claims = await anyio.to_thread.run_sync(self.verifier.verify_authorization, authorization)
        except TokenRejected as rejected:
            await self._reject(scope, send, rejected)
            return
        if self.on_verified is not None:
            self.on_verified(scope, claims)
        await self.app(scope, receive, send)

    @staticmethod
    async def _reject(scope: Mapping[str, Any], send: Any, rejected: TokenRejected) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": rejected.reason[:120]})
            return
        start, body = _json_response(rejected.status, rejected.reason)
        await send(start)
        await send({"type": "http.response.body", "body": body})


# --------------------------------------------------------------------------- the two authorizers of stage 4


def runtime_verifier(discovery_url: str, *, allowed_clients: Iterable[str] | None = None, **kwargs: Any) -> JWTVerifier:
    """The Runtime's inbound authorizer (``AgentIdentity.protect_runtime``): the user client, the invoke scope."""
    from local_dev.token_issuer import AGENT_SCOPE, DEFAULT_CLIENT_ID

    clients = (DEFAULT_CLIENT_ID,) if allowed_clients is None else allowed_clients
    return JWTVerifier(discovery_url, allowed_clients=clients, allowed_scopes=[AGENT_SCOPE], **kwargs)


def gateway_verifier(discovery_url: str, *, allowed_clients: Iterable[str] | None = None, **kwargs: Any) -> JWTVerifier:
    """The Gateway's CUSTOM_JWT authorizer (``AgentIdentity.gateway_authorizer``): the user client, the tools scope."""
    from local_dev.token_issuer import DEFAULT_CLIENT_ID, TOOLS_SCOPE

    clients = (DEFAULT_CLIENT_ID,) if allowed_clients is None else allowed_clients
    return JWTVerifier(discovery_url, allowed_clients=clients, allowed_scopes=[TOOLS_SCOPE], **kwargs)
