"""The whole ``make dev`` stack (fake orders API -> local MCP gateway -> agent), started once per session.

``start_dev_stack`` is what ``python -m scripts.dev_server`` runs, here on free loopback ports, identity on (the
default, as in ``make dev``): every question is asked with a token for ``local-dev-user`` from the stack's issuer
(ORD-12345 is theirs). The environment is pinned to the offline model (a developer's AWS credentials must not
switch the tests to Bedrock) and a temporary memory directory. Identity itself is tested in tests/integration/identity.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest

from agentcore_constructs.contract.invocation import SESSION_HEADER
from local_dev.server import DevStack, start_dev_stack


def hermetic_env(memory_dir) -> dict[str, str]:
    # Blank means unset: no AgentCore Memory whatever the developer's shell exports; GATEWAY_URL is set by the stack.
    return {"MODEL_PROVIDER": "offline", "LOCAL_MEMORY_DIR": str(memory_dir), "MEMORY_ID": ""}


@pytest.fixture(scope="session")
def dev_stack(tmp_path_factory) -> Iterator[DevStack]:
    stack = start_dev_stack(port=0, env=hermetic_env(tmp_path_factory.mktemp("dev-stack-memory")))
    yield stack
    stack.stop()


@pytest.fixture
def upstream(dev_stack):
    """The stack's fake orders API with no pending faults and an empty request log (and so left behind)."""
    dev_stack.upstream.reset()
    yield dev_stack.upstream
    dev_stack.upstream.reset()


@pytest.fixture(scope="session")
def agent_http(dev_stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=dev_stack.agent.url, timeout=60) as client:
        yield client


@pytest.fixture(scope="session")
def ask(agent_http, dev_stack) -> Callable[[str], str]:
    """``ask(prompt)`` -> local-dev-user's answer (a fresh session per question, so no history interferes)."""

    def _ask(prompt: str) -> str:
        headers = {
            SESSION_HEADER: f"dev-stack-{uuid.uuid4()}",
            "Authorization": f"Bearer {dev_stack.token_for('local-dev-user')}",
        }
        response = agent_http.post("/invocations", json={"prompt": prompt}, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()["response"]

    return _ask
