"""A local OIDC token issuer on loopback: the stand-in for the Cognito user pool of stage 4 (Identity).

DEV/TEST ONLY. An RSA key is generated when the issuer starts (in memory, never written anywhere), and the
issuer serves what a JWT authorizer needs from Cognito:

* ``GET /.well-known/openid-configuration`` -- the discovery document (``issuer``, ``jwks_uri``,
  ``token_endpoint``, ...);
* ``GET /.well-known/jwks.json`` -- the public key set (RS256, ``kid``);
* ``POST /token`` (form ``user=<name>``, optional ``scope``) -- a DEV-ONLY shortcut with no password, for
  ``python -m scripts.dev_token <user>`` / ``make token``. Cognito has no such thing; loopback only.

Tokens are shaped like Cognito **access** tokens (header ``kid`` + ``alg: RS256``; claims ``iss``, ``sub``,
``client_id``, ``scope`` (space separated), ``token_use: "access"``, ``auth_time``, ``iat``, ``exp``, ``jti``,
``username``), so the verifier in :mod:`local_dev.auth` checks exactly what the Runtime's and the Gateway's
CUSTOM_JWT authorizers check.

    issuer = start_token_issuer()              # port 0 = a free port
    token = issuer.issue_token("alice")         # both agent scopes, the local user client
    issuer.discovery_url                        # http://127.0.0.1:<port>/.well-known/openid-configuration
    issuer.stop()

Run standalone: ``python -m local_dev.token_issuer [--port 8092]``.
"""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from agentcore_constructs.contract import identity as identity_contract
from local_dev.background import StoppableServerMixin, run_until_interrupted, serve_in_background

#: The resource server and scopes of ``agentcore_constructs.identity`` (a test keeps them equal).
#: The local stack's resource server (deployed: AgentIdentity's, by default its name).
RESOURCE_SERVER_ID = "support-agent-local"
AGENT_SCOPE = identity_contract.full_scope(RESOURCE_SERVER_ID, identity_contract.AGENT_SCOPE_NAME)
TOOLS_SCOPE = identity_contract.full_scope(RESOURCE_SERVER_ID, identity_contract.TOOLS_SCOPE_NAME)
#: What the user-facing app client is granted (Cognito adds ``openid`` for the authorization-code flow).
DEFAULT_SCOPES: tuple[str, ...] = ("openid", AGENT_SCOPE, TOOLS_SCOPE)
#: The local stand-in for the user pool's app client id (the only client the local authorizers allow).
DEFAULT_CLIENT_ID = "local-support-agent-web"
DEFAULT_EXPIRES_IN = 3600
#: ``make dev``'s issuer port (``python -m scripts.dev_token`` falls back to it).
DEFAULT_ISSUER_PORT = 8092
ALGORITHM = "RS256"
#: The issuer mints tokens for anyone who asks: it may only ever listen on loopback.
LOOPBACK_BIND_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
#: The largest ``POST /token`` form accepted.
MAX_FORM_BYTES = 4096
#: Users the dev ``/token`` endpoint accepts: the agent's actor-id charset.
_USER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")


def generate_signing_key() -> RSAKey:
    """A fresh 2048-bit RSA signing key with a ``kid`` (its RFC 7638 thumbprint)."""
    return RSAKey.generate_key(2048, parameters={"use": "sig", "alg": ALGORITHM}, auto_kid=True)


def _scope_string(scope: str | Iterable[str]) -> str:
    return scope if isinstance(scope, str) else " ".join(scope)


class TokenIssuer(StoppableServerMixin, ThreadingHTTPServer):
    """The running issuer. ``url`` == ``issuer`` (the ``iss`` of every token), ``discovery_url``, ``jwks_url``."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str, port: int, *, key: RSAKey | None = None) -> None:
        if host not in LOOPBACK_BIND_HOSTS:
            raise ValueError(f"the dev token issuer binds loopback only (127.0.0.1, localhost, ::1), not {host!r}")
        super().__init__((host, port), _Handler)
        self.key = key or generate_signing_key()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        #: How often each endpoint was fetched (the verifier's cache is tested against it).
        self.fetches: dict[str, int] = {}

    # -- addresses
    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def issuer(self) -> str:
        return self.url

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    @property
    def jwks_url(self) -> str:
        return f"{self.url}/.well-known/jwks.json"

    @property
    def token_endpoint(self) -> str:
        return f"{self.url}/token"

    # -- documents
    def discovery_document(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "jwks_uri": self.jwks_url,
            "token_endpoint": self.token_endpoint,
            "response_types_supported": ["code", "token"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [ALGORITHM],
            "token_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post"],
            "scopes_supported": list(DEFAULT_SCOPES),
        }

    def jwks(self) -> dict[str, Any]:
        return dict(KeySet([self.key]).as_dict(private=False))

    # -- tokens
    def issue_token(
        self,
        sub: str,
        *,
        client_id: str = DEFAULT_CLIENT_ID,
        scope: str | Iterable[str] = DEFAULT_SCOPES,
        expires_in: int = DEFAULT_EXPIRES_IN,
        issuer_override: str | None = None,
        token_use: str = "access",
        username: str | None = None,
        issued_at: int | None = None,
        not_before: int | None = None,
        extra_claims: Mapping[str, Any] | None = None,
        omit_claims: Iterable[str] = (),
        signing_key: RSAKey | None = None,
        algorithm: str = ALGORITHM,
    ) -> str:
        """A Cognito-shaped access token for ``sub``, signed with this issuer's key.

        Every knob exists to build the bad tokens of the tests: ``expires_in`` <= 0 (expired),
        ``issuer_override`` (wrong ``iss``), ``client_id`` / ``scope`` / ``token_use`` (wrong client, scope or
        token kind), ``not_before`` (not valid yet), ``omit_claims``, ``extra_claims`` (added or replaced last),
        ``signing_key`` (a key the JWKS does not hold).
        """
        now = int(time.time()) if issued_at is None else issued_at
        claims: dict[str, Any] = {
            "sub": sub,
            "iss": issuer_override or self.issuer,
            "client_id": client_id,
            "origin_jti": str(uuid.uuid4()),
            "event_id": str(uuid.uuid4()),
            "token_use": token_use,
            "scope": _scope_string(scope),
            "auth_time": now,
            "iat": now,
            "exp": now + expires_in,
            "jti": str(uuid.uuid4()),
            "username": username or sub,
        }
        if not_before is not None:
            claims["nbf"] = not_before
        claims.update(extra_claims or {})
        for name in omit_claims:
            claims.pop(name, None)
        key = signing_key or self.key
        header = {"kid": key.kid, "alg": algorithm}
        # Cognito access tokens carry no "typ" header.
        return jwt.encode(header, claims, key, algorithms=[algorithm], default_type=None)

    # -- lifecycle
    def _count(self, path: str) -> None:
        with self._lock:
            self.fetches[path] = self.fetches.get(path, 0) + 1


class _Handler(BaseHTTPRequestHandler):
    server: TokenIssuer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    def _send(self, status: int, body: dict[str, Any]) -> None:
        payload = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_GET(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0]
        self.server._count(path)
        if path == "/.well-known/openid-configuration":
            self._send(200, self.server.discovery_document())
        elif path == "/.well-known/jwks.json":
            self._send(200, self.server.jwks())
        else:
            self._send(404, {"error": "not_found"})

    def do_POST(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0]
        self.server._count(path)
        declared = self.headers.get_all("Content-Length") or []
        if len(declared) != 1 or not declared[0].strip().isdigit() or int(declared[0]) > MAX_FORM_BYTES:
            self.close_connection = True  # the rest of the body cannot be framed: answer and hang up
            self._send(
                400,
                {
                    "error": "invalid_request",
                    "error_description": f"Content-Length must be one integer up to {MAX_FORM_BYTES}",
                },
            )
            return
        length = int(declared[0])
        body = self.rfile.read(length).decode("utf-8", errors="replace") if length else ""
        if path != "/token":
            self._send(404, {"error": "not_found"})
            return
        form = {k: v[-1] for k, v in parse_qs(body).items()}
        user = form.get("user", "")
        if not _USER.match(user):
            self._send(
                400,
                {
                    "error": "invalid_request",
                    "error_description": "form field 'user' must match [A-Za-z0-9][A-Za-z0-9_-]{0,99}",
                },
            )
            return
        scope = form.get("scope") or " ".join(DEFAULT_SCOPES)
        token = self.server.issue_token(user, scope=scope)
        self._send(
            200, {"access_token": token, "token_type": "Bearer", "expires_in": DEFAULT_EXPIRES_IN, "scope": scope}
        )


def start_token_issuer(*, host: str = "127.0.0.1", port: int = 0, key: RSAKey | None = None) -> TokenIssuer:
    """Start the issuer on a background thread (port 0 = a free port); returns once it accepts connections."""
    return serve_in_background(TokenIssuer(host, port, key=key), "local-token-issuer")


def main() -> None:
    parser = argparse.ArgumentParser(description="Local OIDC token issuer (DEV ONLY)")
    parser.add_argument("--port", type=int, default=DEFAULT_ISSUER_PORT)
    args = parser.parse_args()
    issuer = start_token_issuer(port=args.port)
    run_until_interrupted(f"local token issuer {issuer.issuer} (discovery: {issuer.discovery_url})", issuer.stop)


if __name__ == "__main__":
    main()
