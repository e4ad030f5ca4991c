"""Fixtures for the agent's unit tests: offline settings over a per-test memory dir, a real local token issuer."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from agentcore_constructs.contract import env_vars as contract
from agentcore_constructs.kit.settings import Settings, load_settings
from local_dev.token_issuer import AGENT_SCOPE, DEFAULT_CLIENT_ID, TokenIssuer, start_token_issuer


@pytest.fixture(scope="session")
def issuer() -> Iterator[TokenIssuer]:
    """A local OIDC issuer on loopback (real RS256 keys, Cognito-shaped access tokens)."""
    running = start_token_issuer()
    yield running
    running.stop()


@pytest.fixture
def token_for(issuer: TokenIssuer) -> Callable[..., str]:
    """``token_for("alice", **issue_token kwargs)``: a signed access token the agent verifies."""
    return issuer.issue_token


def _settings(tmp_path, **extra: str) -> Settings:
    return load_settings(
        {"MODEL_PROVIDER": "offline", "LOCAL_MEMORY_DIR": str(tmp_path / "memory"), **extra},
        credentials_available=lambda: pytest.fail("the credential chain must not be probed"),
    )


@pytest.fixture
def offline_settings(tmp_path) -> Settings:
    """No identity configured: every caller is the local actor and bearer tokens are refused."""
    return _settings(tmp_path)


@pytest.fixture
def identity_settings(tmp_path, issuer: TokenIssuer) -> Settings:
    """Identity on, as deployed: the agent verifies tokens of the issuer (client, invoke scope) itself."""
    return _settings(
        tmp_path,
        **{
            contract.AUTH_DISCOVERY_URL.name: issuer.discovery_url,
            contract.AUTH_ALLOWED_CLIENTS.name: DEFAULT_CLIENT_ID,
            contract.AUTH_REQUIRED_SCOPE.name: AGENT_SCOPE,
        },
    )
