"""A real local agent server (uvicorn on a free 127.0.0.1 port) shared by the integration tests.

Identity is on, as deployed: the agent verifies tokens of a local OIDC issuer itself (``AUTH_*``), so every request
carries a real signed access token (``identity_headers(actor=...)``; the default actor is ``local-dev-user``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from agentcore_constructs.contract import env_vars
from agentcore_constructs.contract.invocation import SESSION_HEADER
from local_dev.server import LocalAgentServer, start_local_agent
from local_dev.token_issuer import AGENT_SCOPE, DEFAULT_CLIENT_ID, TokenIssuer, start_token_issuer
from tests.loopback import loopback_client

DEFAULT_ACTOR = "local-dev-user"


@pytest.fixture(scope="session")
def issuer() -> Iterator[TokenIssuer]:
    running = start_token_issuer()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def make_env(issuer: TokenIssuer) -> Callable[..., dict[str, str]]:
    """``make_env(memory_dir)`` -> the hermetic environment for a local agent server (identity on)."""

    def env(memory_dir) -> dict[str, str]:
        # Blank means unset: no AgentCore Memory, no Gateway, whatever the developer's shell exports.
        return {
            "MODEL_PROVIDER": "offline",
            "LOCAL_MEMORY_DIR": str(memory_dir),
            "MEMORY_ID": "",
            "GATEWAY_URL": "",
            env_vars.AUTH_DISCOVERY_URL.name: issuer.discovery_url,
            env_vars.AUTH_ALLOWED_CLIENTS.name: DEFAULT_CLIENT_ID,
            env_vars.AUTH_REQUIRED_SCOPE.name: AGENT_SCOPE,
        }

    return env


@pytest.fixture(scope="session")
def identity_headers(issuer: TokenIssuer) -> Callable[..., dict[str, str]]:
    """``identity_headers(actor=..., session=...)`` -> a signed access token for the actor, and the session header."""

    def headers_for(actor: str | None = None, session: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {issuer.issue_token(actor or DEFAULT_ACTOR)}"}
        if session is not None:
            headers[SESSION_HEADER] = session
        return headers

    return headers_for


@pytest.fixture(scope="session")
def agent_server(tmp_path_factory, make_env) -> Iterator[LocalAgentServer]:
    server = start_local_agent(env=make_env(tmp_path_factory.mktemp("agent-memory")))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def http(agent_server, identity_headers) -> Iterator[httpx.Client]:
    """A client whose requests carry the default actor's token unless a test sends its own."""
    with loopback_client(base_url=agent_server.url, timeout=30, headers=identity_headers()) as client:
        yield client
