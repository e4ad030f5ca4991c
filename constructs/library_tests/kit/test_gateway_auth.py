"""Gateway authentication and retries (agentcore_constructs.kit.gateway; the app wires it in support_agent.tools),
against real loopback HTTP servers.

SigV4 is checked the way the Gateway checks it: the server recomputes the signature with botocore from the
request it received (method, URL, the signed headers, the body) and the same (obviously fake) credentials.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import botocore.session
import httpx
import pytest
from botocore.credentials import Credentials, ReadOnlyCredentials
from strands.tools.mcp import MCPClient

from agentcore_constructs.kit import gateway as tools
from agentcore_constructs.kit.gateway import (
    GatewayAuth,
    GatewayAuthError,
    SigV4Signer,
    gateway_auth,
    gateway_auth_mode,
    region_from_url,
)
from agentcore_constructs.kit.settings import load_settings
from agentcore_constructs.kit.strands import gateway_tools
from library_tests.loopback import serve_on_loopback

# Obviously fake credentials (the AWS documentation's example key pair).
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "FAKE-SESSION-TOKEN-for-tests-only"
REGION = "eu-west-1"
AWS_GATEWAY_URL = f"https://gw-test-0123456789.gateway.bedrock-agentcore.{REGION}.amazonaws.com/mcp"
AUTH_HEADER = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/"
    r"(?P<service>[a-z-]+)/aws4_request, "
    r"SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})$"
)


# --------------------------------------------------------------------------- a recording loopback server


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes


class RecordingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _RecordingHandler)
        self.received: list[Received] = []
        self.statuses: list[tuple[int, dict[str, str]]] = []  # answers to give next (then 200)
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _RecordingHandler(BaseHTTPRequestHandler):
    server: RecordingServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _handle(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            self.server.received.append(
                Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            status, extra = self.server.statuses.pop(0) if self.server.statuses else (200, {})
        payload = json.dumps({"ok": status == 200}).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", "Content-Length": str(len(payload)), **extra}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _handle


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with serve_on_loopback(RecordingServer()) as running:
        yield running


@pytest.fixture
def fake_aws_env(monkeypatch, tmp_path) -> None:
    """Fake static credentials in the environment; no config files, no instance metadata."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def env_credentials() -> Any:
    """A fresh botocore credential chain (reads the environment now)."""
    return botocore.session.Session().get_credentials()


# --------------------------------------------------------------------------- server-side verification


def expected_signature(received: Received, url: str, secret_key: str) -> str:
    """Recompute the SigV4 signature of a received request, as the service does (botocore's SigV4Auth)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    match = AUTH_HEADER.match(received.headers["authorization"])
    assert match, received.headers["authorization"]
    signed = match["signed"].split(";")
    headers = {name: received.headers[name] for name in signed}
    request = AWSRequest(method=received.method, url=url + received.path, data=received.body, headers=headers)
    request.context["timestamp"] = received.headers["x-amz-date"]
    credentials = ReadOnlyCredentials(match["key"], secret_key, received.headers.get("x-amz-security-token"))
    signer = SigV4Auth(credentials, match["service"], match["region"])
    canonical = signer.canonical_request(request)
    return signer.signature(signer.string_to_sign(request, canonical), request)


def assert_valid_sigv4(received: Received, url: str, *, token: str | None = None) -> re.Match[str]:
    match = AUTH_HEADER.match(received.headers.get("authorization", ""))
    assert match, f"not a SigV4 Authorization header: {received.headers.get('authorization')!r}"
    assert match["key"] == ACCESS_KEY
    assert match["service"] == "bedrock-agentcore"
    assert re.fullmatch(r"\d{8}T\d{6}Z", received.headers["x-amz-date"])
    assert match["date"] == received.headers["x-amz-date"][:8]
    signed = match["signed"].split(";")
    assert "host" in signed and "x-amz-date" in signed
    if token is None:
        assert "x-amz-security-token" not in received.headers
    else:
        assert received.headers["x-amz-security-token"] == token
        assert "x-amz-security-token" in signed
    assert hmac.compare_digest(match["signature"], expected_signature(received, url, SECRET_KEY))
    return match


# --------------------------------------------------------------------------- choosing the auth


@pytest.mark.parametrize(
    ("url", "token", "mode"),
    [
        (AWS_GATEWAY_URL, None, "sigv4"),
        (AWS_GATEWAY_URL, "caller.jwt.token", "bearer"),
        ("http://127.0.0.1:8090/mcp", None, "none"),
        ("http://localhost:8090/mcp", "caller.jwt.token", "bearer"),
        ("https://gateway.example.com/mcp", None, "none"),
        ("https://evil.amazonaws.com.example.com/mcp", None, "none"),
    ],
)
def test_auth_mode(url, token, mode):
    assert gateway_auth_mode(url, token) == mode


def test_region_from_the_gateway_url_else_settings():
    assert region_from_url(AWS_GATEWAY_URL) == REGION
    assert region_from_url("http://127.0.0.1:8090/mcp") is None
    settings = load_settings(
        {"GATEWAY_URL": AWS_GATEWAY_URL, "MODEL_PROVIDER": "offline", "AWS_REGION": "us-west-2"},
        credentials_available=lambda: False,
    )
    auth = gateway_auth(settings, None)
    assert auth.mode == "sigv4" and auth.signer is not None and auth.signer.region == REGION
    assert auth.max_attempts == settings.retry_max_attempts

    regionless = load_settings(
        {"GATEWAY_URL": "https://gateway.amazonaws.com/mcp", "MODEL_PROVIDER": "offline", "AWS_REGION": "us-west-2"},
        credentials_available=lambda: False,
    )
    assert gateway_auth(regionless, None).signer.region == "us-west-2"


def test_caller_token_wins_and_loopback_has_no_auth():
    aws = load_settings(
        {"GATEWAY_URL": AWS_GATEWAY_URL, "MODEL_PROVIDER": "offline"}, credentials_available=lambda: False
    )
    assert gateway_auth(aws, "a.b.c").mode == "bearer"
    local = load_settings(
        {"GATEWAY_URL": "http://127.0.0.1:8090/mcp", "MODEL_PROVIDER": "offline", "AGENT_RETRY_MAX_ATTEMPTS": "5"},
        credentials_available=lambda: False,
    )
    auth = gateway_auth(local, None)
    assert auth.mode == "none" and auth.max_attempts == 5


def test_gateway_tools_builds_one_mcp_client_without_touching_the_network():
    settings = load_settings(
        {"GATEWAY_URL": AWS_GATEWAY_URL, "MODEL_PROVIDER": "offline"}, credentials_available=lambda: False
    )
    [client] = gateway_tools(settings, None)
    assert isinstance(client, MCPClient)
    assert gateway_tools(load_settings({"MODEL_PROVIDER": "offline"}, credentials_available=lambda: False), None) == []


def test_gateway_clients_share_one_tls_context_that_checks_certificates(monkeypatch):
    import ssl

    tools.verified_tls_context.cache_clear()
    built: list[ssl.SSLContext] = []
    create = ssl.create_default_context

    def counted(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        built.append(create(*args, **kwargs))
        return built[-1]

    monkeypatch.setattr(ssl, "create_default_context", counted)
    clients = [tools.mcp_http_client_factory(GatewayAuth())() for _ in range(3)]
    # httpx would parse the CA bundle for each client (encode/httpx#3627); the kit builds one context per process.
    assert len(built) == 1
    [context] = built
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    for client in clients:
        asyncio.run(client.aclose())


# --------------------------------------------------------------------------- SigV4 over real HTTP


def test_sigv4_signature_verifies_on_the_server(server, fake_aws_env):
    auth = GatewayAuth(signer=SigV4Signer(REGION, credentials_provider=env_credentials))
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "x", "arguments": {"a": "b c"}}}
    with httpx.Client(auth=auth) as client:
        response = client.post(f"{server.url}/mcp?x=1", json=body, headers={"Mcp-Protocol-Version": "2025-06-18"})
    assert response.status_code == 200
    [received] = server.received
    match = assert_valid_sigv4(received, server.url)
    assert match["region"] == REGION
    assert json.loads(received.body) == body
    assert {"content-type", "mcp-protocol-version"} <= set(match["signed"].split(";"))


def test_sigv4_with_a_session_token(server, fake_aws_env, monkeypatch):
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    auth = GatewayAuth(signer=SigV4Signer(REGION, credentials_provider=env_credentials))
    with httpx.Client(auth=auth) as client:
        client.post(f"{server.url}/mcp", content=b'{"jsonrpc":"2.0"}', headers={"Content-Type": "application/json"})
    assert_valid_sigv4(server.received[0], server.url, token=SESSION_TOKEN)


def test_the_body_is_part_of_the_signature(server, fake_aws_env):
    auth = GatewayAuth(signer=SigV4Signer(REGION, credentials_provider=env_credentials))
    with httpx.Client(auth=auth) as client:
        client.post(f"{server.url}/mcp", content=b'{"order_id":"ORD-12345"}')
    received = server.received[0]
    tampered = Received(received.method, received.path, received.headers, b'{"order_id":"ORD-99999"}')
    signature = AUTH_HEADER.match(received.headers["authorization"])["signature"]
    assert expected_signature(received, server.url, SECRET_KEY) == signature
    assert expected_signature(tampered, server.url, SECRET_KEY) != signature
    assert hashlib.sha256(received.body).hexdigest()  # the body arrived as signed


def test_sigv4_async_client(server, fake_aws_env):
    auth = GatewayAuth(signer=SigV4Signer(REGION, credentials_provider=env_credentials))

    async def main() -> int:
        async with httpx.AsyncClient(auth=auth) as client:
            return (await client.post(f"{server.url}/mcp", json={"jsonrpc": "2.0", "id": 7})).status_code

    assert asyncio.run(main()) == 200
    assert_valid_sigv4(server.received[0], server.url)


def test_credentials_are_read_again_for_every_request(server):
    """Temporary credentials rotate: each request is signed with whatever the credential object holds now."""
    keys = iter([("ASIAFAKEFIRSTKEY0001", "token-1"), ("ASIAFAKESECONDKEY002", "token-2")])

    class Rotating:
        def get_frozen_credentials(self) -> ReadOnlyCredentials:
            key, token = next(keys)
            return ReadOnlyCredentials(key, SECRET_KEY, token)

    auth = GatewayAuth(signer=SigV4Signer(REGION, credentials_provider=Rotating))
    with httpx.Client(auth=auth) as client:
        client.post(f"{server.url}/mcp", content=b"{}")
        client.post(f"{server.url}/mcp", content=b"{}")
    first, second = server.received
    assert "Credential=ASIAFAKEFIRSTKEY0001/" in first.headers["authorization"]
    assert first.headers["x-amz-security-token"] == "token-1"
    assert "Credential=ASIAFAKESECONDKEY002/" in second.headers["authorization"]
    assert second.headers["x-amz-security-token"] == "token-2"
    for received in (first, second):
        key = AUTH_HEADER.match(received.headers["authorization"])["key"]
        assert AUTH_HEADER.match(received.headers["authorization"])["signature"] == expected_signature(
            received, server.url, SECRET_KEY
        ), key


def test_default_credential_chain_is_used_and_cached(server, fake_aws_env):
    tools._reset_credentials_cache()
    try:
        with httpx.Client(auth=GatewayAuth(signer=SigV4Signer(REGION))) as client:
            client.post(f"{server.url}/mcp", content=b"{}")
        assert_valid_sigv4(server.received[0], server.url)
        assert isinstance(tools.default_credentials(), Credentials)
    finally:
        tools._reset_credentials_cache()


def test_no_credentials_is_a_clear_error(server):
    auth = GatewayAuth(signer=SigV4Signer(REGION, credentials_provider=lambda: None))
    with httpx.Client(auth=auth) as client, pytest.raises(GatewayAuthError, match="no AWS credentials"):
        client.post(f"{server.url}/mcp", content=b"{}")
    assert server.received == []


def test_bearer_token_is_sent_as_is(server):
    with httpx.Client(auth=GatewayAuth(bearer_token="a.b.c", signer=SigV4Signer(REGION))) as client:
        client.post(f"{server.url}/mcp", content=b"{}")
    assert server.received[0].headers["authorization"] == "Bearer a.b.c"
    assert "x-amz-date" not in server.received[0].headers


# --------------------------------------------------------------------------- retries


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def test_transient_answers_are_retried_with_bounded_exponential_backoff(server, fake_aws_env, caplog):
    server.statuses = [(503, {}), (502, {}), (429, {})]
    sleeps = Sleeps()
    auth = GatewayAuth(
        signer=SigV4Signer(REGION, credentials_provider=env_credentials),
        max_attempts=4,
        backoff_base_seconds=0.1,
        backoff_max_seconds=0.25,
        sleep=sleeps,
        random_fn=lambda: 1.0,  # the upper bound of full jitter
    )
    with (
        caplog.at_level(logging.WARNING, logger="agentcore_constructs.kit.gateway"),
        httpx.Client(auth=auth) as client,
    ):
        response = client.post(f"{server.url}/mcp", content=b'{"jsonrpc":"2.0","id":1}')
    assert response.status_code == 200
    assert sleeps == [0.1, 0.2, 0.25]  # doubles, capped
    assert len(server.received) == 4
    for received in server.received:  # every attempt carries its own valid signature
        assert_valid_sigv4(received, server.url)
    retries = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    assert len(retries) == 3 and "HTTP 503 (attempt 1/4)" in retries[0]


def test_retries_are_bounded_by_max_attempts(server, caplog):
    server.statuses = [(503, {})] * 5
    sleeps = Sleeps()
    auth = GatewayAuth(max_attempts=3, sleep=sleeps)
    with (
        caplog.at_level(logging.WARNING, logger="agentcore_constructs.kit.gateway"),
        httpx.Client(auth=auth) as client,
    ):
        response = client.post(f"{server.url}/mcp", content=b"{}")
    assert response.status_code == 503
    assert len(server.received) == 3 and len(sleeps) == 2
    assert all(0 <= s <= tools.BACKOFF_MAX_SECONDS for s in sleeps)
    assert any("giving up after 3 attempt(s)" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_client_errors_are_not_retried(server, status):
    server.statuses = [(status, {})]
    sleeps = Sleeps()
    with httpx.Client(auth=GatewayAuth(max_attempts=3, sleep=sleeps)) as client:
        assert client.post(f"{server.url}/mcp", content=b"{}").status_code == status
    assert len(server.received) == 1 and sleeps == []


def test_retry_after_is_honoured_up_to_the_cap(server):
    server.statuses = [(429, {"Retry-After": "1"}), (503, {"Retry-After": "120"})]
    sleeps = Sleeps()
    auth = GatewayAuth(max_attempts=3, backoff_max_seconds=1.5, sleep=sleeps, random_fn=lambda: 0.0)
    with httpx.Client(auth=auth) as client:
        assert client.post(f"{server.url}/mcp", content=b"{}").status_code == 200
    assert sleeps == [1.0, 1.5]


def test_async_flow_retries_too(server):
    server.statuses = [(503, {})]
    sleeps = Sleeps()

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def main() -> int:
        async with httpx.AsyncClient(auth=GatewayAuth(max_attempts=2, async_sleep=fake_sleep)) as client:
            return (await client.post(f"{server.url}/mcp", content=b"{}")).status_code

    assert asyncio.run(main()) == 200
    assert len(server.received) == 2 and len(sleeps) == 1
