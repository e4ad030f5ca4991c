"""The local stand-in for AgentCore's CUSTOM_JWT authorizer (Runtime inbound auth and Gateway auth).

DEV/TEST ONLY, in front of the local servers: :class:`JWTAuthMiddleware` lets a request through only when the
Runtime's (or the Gateway's) authorizer would have, using the same verifier the agent and the interceptor use
(:class:`agentcore_constructs.kit.auth.JWTVerifier`: RS256 by ``kid`` from the issuer's JWKS, ``iss``, ``exp``/``nbf``
with leeway, ``client_id``, scope, ``token_use == "access"``). Anything else is ``401`` with ``{"error": "<reason>"}``
before the wrapped app runs; two ``Authorization`` headers are refused. ``GET /ping`` stays open (the platform's
health check carries no user token).

    verifier = runtime_verifier(issuer.discovery_url)
    app = JWTAuthMiddleware(agent_app, verifier)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from agentcore_constructs.kit.auth import JWTVerifier, TokenRejected, bearer_token, single_authorization

__all__ = [
    "JWTAuthMiddleware",
    "JWTVerifier",
    "LoopbackOnlyMiddleware",
    "loopback_refusal",
    "TokenRejected",
    "bearer_token",
    "gateway_verifier",
    "runtime_verifier",
]

#: Hosts a token-less dev request may name (``Host`` and ``Origin``): loopback only, so neither a web page on
#: another origin (CSRF) nor a DNS name rebound to 127.0.0.1 can drive the dev user.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})


def _json_response(status: int, reason: str) -> tuple[dict[str, Any], bytes]:
    body = json.dumps({"error": reason}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 401:
        description = reason.replace("\\", "\\\\").replace('"', "'")
        headers.append(
            (b"www-authenticate", f'Bearer error="invalid_token", error_description="{description}"'.encode())
        )
    return {"type": "http.response.start", "status": status, "headers": headers}, body


class JWTAuthMiddleware:
    """ASGI middleware: verify the bearer token of every request (but ``exempt_paths``) before ``app`` runs.

    ``default_token``: DEV ONLY, opt-in (``make dev DEV_USER=alice``): a request *without* an ``Authorization``
    header gets ``Bearer <default_token()>`` inserted and is then verified like any other -- but only when its
    ``Host`` is loopback and it has no ``Origin`` other than a loopback one (a web page on another site must not be
    able to act as the dev user: CSRF with ``text/plain``, DNS rebinding). Off by default: a missing token is a 401.
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
        try:
            authorization = single_authorization(
                [v.decode("latin-1") for k, v in headers if k.lower() == b"authorization"]
            )
            if authorization is None and self.default_token is not None:
                _require_loopback_origin(headers)
                authorization = f"Bearer {self.default_token()}"
                headers.append((b"authorization", authorization.encode("latin-1")))
                scope = {**scope, "headers": headers}
            token = bearer_token(authorization)
            claims = await self.verifier.verify_async(token)  # a discovery + JWKS fetch: not on the event loop
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


def loopback_refusal(headers: list[tuple[bytes, bytes]]) -> str | None:
    """Why a token-less request may not be served (it names no loopback Host, or comes from another Origin), or
    None when it may."""

    def host_of(value: str) -> str:
        return (urlsplit(value if "//" in value else f"//{value}").hostname or "").lower()

    hosts = [v.decode("latin-1") for k, v in headers if k.lower() == b"host"]
    origins = [v.decode("latin-1") for k, v in headers if k.lower() == b"origin"]
    loopback = {h.strip("[]") for h in LOOPBACK_HOSTS}
    if len(hosts) != 1 or host_of(hosts[0]) not in loopback:
        return "token-less dev requests must be sent to a loopback Host"
    if len(origins) > 1 or (origins and (origins[0] == "null" or host_of(origins[0]) not in loopback)):
        return "token-less dev requests are refused from other origins"
    return None


def _require_loopback_origin(headers: list[tuple[bytes, bytes]]) -> None:
    """Token-less dev requests must name a loopback Host and carry no foreign Origin (else: a normal 401)."""
    refusal = loopback_refusal(headers)
    if refusal is not None:
        raise TokenRejected(f"Missing Authorization header ({refusal})")


class LoopbackOnlyMiddleware:
    """ASGI middleware for a local server without identity (no token is needed, every caller is the local user):
    every request but ``exempt_paths`` must name a loopback ``Host`` and come from no other ``Origin``, else ``403``
    before ``app`` runs. A web page on another site (CSRF) or a DNS name rebound to 127.0.0.1 cannot drive it."""

    def __init__(self, app: Any, *, exempt_paths: Iterable[str] = ("/ping",)) -> None:
        self.app = app
        self.exempt_paths = frozenset(exempt_paths)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket") and scope.get("path") not in self.exempt_paths:
            refusal = loopback_refusal(list(scope.get("headers") or []))
            if refusal is not None:
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008, "reason": refusal})
                    return
                body = json.dumps({"error": f"Forbidden: {refusal} (this local stack has no identity stage)"}).encode()
                headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
                await send({"type": "http.response.start", "status": 403, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


# --------------------------------------------------------------------------- the two authorizers of stage 4


def runtime_verifier(discovery_url: str, *, allowed_clients: Iterable[str] | None = None, **kwargs: Any) -> JWTVerifier:
    """The Runtime's inbound authorizer (``AgentIdentity.protect_runtime``): the user client, the invoke scope."""
    from local_dev.token_issuer import AGENT_SCOPE, DEFAULT_CLIENT_ID

    clients = (DEFAULT_CLIENT_ID,) if allowed_clients is None else allowed_clients
    kwargs.setdefault("require_token_use", True)  # the local issuer stands in for a Cognito user pool
    return JWTVerifier(discovery_url, allowed_clients=clients, allowed_scopes=[AGENT_SCOPE], **kwargs)


def gateway_verifier(discovery_url: str, *, allowed_clients: Iterable[str] | None = None, **kwargs: Any) -> JWTVerifier:
    """The Gateway's CUSTOM_JWT authorizer (``AgentIdentity.gateway_authorizer``): the user client, the tools scope."""
    from local_dev.token_issuer import DEFAULT_CLIENT_ID, TOOLS_SCOPE

    clients = (DEFAULT_CLIENT_ID,) if allowed_clients is None else allowed_clients
    kwargs.setdefault("require_token_use", True)  # the local issuer stands in for a Cognito user pool
    return JWTVerifier(discovery_url, allowed_clients=clients, allowed_scopes=[TOOLS_SCOPE], **kwargs)
