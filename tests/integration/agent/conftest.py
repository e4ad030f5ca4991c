"""A real local agent server (uvicorn on a free 127.0.0.1 port) shared by the integration tests."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import httpx
import pytest

from local_dev.server import LocalAgentServer, start_local_agent

SESSION_HEADER = "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id"


def hermetic_env(memory_dir) -> dict[str, str]:
    # Blank means unset: no AgentCore Memory, no Gateway, whatever the developer's shell exports.
    return {"MODEL_PROVIDER": "offline", "LOCAL_MEMORY_DIR": str(memory_dir), "MEMORY_ID": "", "GATEWAY_URL": ""}


def unsigned_jwt(sub: str) -> str:
    """JWT-shaped, unsigned: the local server does not verify tokens yet (stage 4 adds a local issuer)."""

    def part(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none'})}.{part({'sub': sub})}.c2ln"


def headers_for(actor: str | None = None, session: str | None = None) -> dict[str, str]:
    headers = {}
    if actor is not None:
        headers["Authorization"] = f"Bearer {unsigned_jwt(actor)}"
    if session is not None:
        headers[SESSION_HEADER] = session
    return headers


@pytest.fixture(scope="session")
def make_env():
    """``make_env(memory_dir)`` -> the hermetic environment for a local agent server."""
    return hermetic_env


@pytest.fixture(scope="session")
def identity_headers():
    """``identity_headers(actor=..., session=...)`` -> Authorization (unsigned JWT) and session headers."""
    return headers_for


@pytest.fixture(scope="session")
def agent_server(tmp_path_factory) -> Iterator[LocalAgentServer]:
    server = start_local_agent(env=hermetic_env(tmp_path_factory.mktemp("agent-memory")))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def http(agent_server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=agent_server.url, timeout=30) as client:
        yield client
