"""Refreshing the issuer's keys never stalls the agent's event loop, and concurrent callers share one fetch.

A loopback issuer whose JWKS answer is held back until the test releases it: while one request waits for the
rotated key, a request whose key is cached and ``GET /ping`` are answered. The hold has a timeout only so that a
regression fails (the answers then come after the JWKS) instead of hanging; nothing asserts on time.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from agentcore_constructs.contract import env_vars
from agentcore_constructs.kit import auth
from agentcore_constructs.kit.auth import JWTVerifier
from agentcore_constructs.kit.runtime import Turn, create_app
from agentcore_constructs.kit.settings import load_settings
from library_tests.loopback import serve_on_loopback

CLIENT = "local-client"
SCOPE = "agent/invoke"
#: Bounds a regression's hang only (the held JWKS answers after it); below the verifier's 5 s fetch timeout.
HOLD_LIMIT_SECONDS = 4.0


class _Issuer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.keys = [RSAKey.generate_key(2048, parameters={"kid": "k1"})]
        self.jwks_fetches = 0
        self.holding = False
        self.held = threading.Event()  # a JWKS request is being held
        self.release = threading.Event()
        self.answered = threading.Event()  # the held JWKS request was answered

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def token(self, key: RSAKey, sub: str = "alice") -> str:
        now = int(time.time())
        claims = {"iss": self.url, "sub": sub, "client_id": CLIENT, "token_use": "access", "scope": SCOPE}
        return jwt.encode({"alg": "RS256", "kid": key.kid}, {**claims, "iat": now, "exp": now + 300}, key)


class _Handler(BaseHTTPRequestHandler):
    server: _Issuer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    def do_GET(self) -> None:  # noqa: N802
        if self.path.endswith("openid-configuration"):
            self._send({"issuer": self.server.url, "jwks_uri": f"{self.server.url}/jwks.json"})
            return
        self.server.jwks_fetches += 1
        held = self.server.holding
        if held:
            self.server.held.set()
            self.server.release.wait(HOLD_LIMIT_SECONDS)
        self._send(KeySet(list(self.server.keys)).as_dict(private=False))
        if held:
            self.server.answered.set()

    def _send(self, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def issuer() -> Iterator[_Issuer]:
    with serve_on_loopback(_Issuer()) as server:
        yield server
        server.release.set()  # a held JWKS request answers before the server shuts down


def _agent(issuer: _Issuer) -> Any:
    settings = load_settings(
        {
            "MODEL_PROVIDER": "offline",
            env_vars.AUTH_DISCOVERY_URL.name: f"{issuer.url}/.well-known/openid-configuration",
            env_vars.AUTH_ALLOWED_CLIENTS.name: CLIENT,
            env_vars.AUTH_REQUIRED_SCOPE.name: SCOPE,
        },
        credentials_available=lambda: False,
    )

    def answer(turn: Turn) -> str:
        return f"hello {turn.caller.actor_id}"

    return create_app(answer, settings)


async def _invoke(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/invocations", json={"prompt": "hi"}, headers={"Authorization": f"Bearer {token}"})


def test_a_request_with_a_cached_key_and_ping_are_answered_while_a_key_refresh_waits(issuer, monkeypatch) -> None:
    monkeypatch.setattr(auth, "MIN_REFETCH_INTERVAL_SECONDS", 0.0)  # the rotated kid refetches at once
    app = _agent(issuer)
    first_key = issuer.keys[0]

    async def scenario() -> tuple[bool, int, int, int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://agent") as client:
            assert (await _invoke(client, issuer.token(first_key))).status_code == 200  # keys cached
            rotated_key = RSAKey.generate_key(2048, parameters={"kid": "k2"})
            issuer.keys.append(rotated_key)
            issuer.holding = True
            rotated = asyncio.create_task(_invoke(client, issuer.token(rotated_key, sub="bob")))
            assert await asyncio.to_thread(issuer.held.wait, 10)
            cached = await _invoke(client, issuer.token(first_key))
            ping = await client.get("/ping")
            answered_before_the_keys = not issuer.answered.is_set()
            issuer.release.set()
            return answered_before_the_keys, cached.status_code, ping.status_code, (await rotated).status_code

    answered_before_the_keys, cached, ping, rotated = asyncio.run(scenario())
    assert (cached, ping, rotated) == (200, 200, 200)
    assert answered_before_the_keys, "a request with a cached key waited for another request's key refresh"


def test_concurrent_callers_share_one_fetch_and_a_cancelled_one_does_not_cancel_it(issuer) -> None:
    verifier = JWTVerifier(
        f"{issuer.url}/.well-known/openid-configuration", allowed_clients=[CLIENT], allowed_scopes=[SCOPE]
    )
    issuer.holding = True
    token = issuer.token(issuer.keys[0])

    async def scenario() -> list[Any]:
        first = asyncio.create_task(verifier.verify_async(token))  # starts the fetch
        await asyncio.to_thread(issuer.held.wait, 10)
        others = [asyncio.create_task(verifier.verify_async(token)) for _ in range(5)]
        await asyncio.sleep(0)  # the others are waiting for the fetch in flight
        first.cancel()
        issuer.release.set()
        return await asyncio.gather(*others, return_exceptions=True)

    results = asyncio.run(scenario())
    assert [claims["sub"] for claims in results] == ["alice"] * 5
    assert issuer.jwks_fetches == 1
    assert verifier.verify(token)["sub"] == "alice" and issuer.jwks_fetches == 1  # cached for sync callers too
