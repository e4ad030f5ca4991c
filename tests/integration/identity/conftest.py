"""Stage 4 locally: the dev stack with identity on (token issuer -> JWT-checked agent -> JWT-checked gateway with
the interceptor Lambda in-process -> order service -> fake orders API), started once per session.

The environment is pinned to the offline model and a temporary memory directory (as in tests/integration/dev_stack).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest

from agentcore_constructs.contract.invocation import SESSION_HEADER
from local_dev.server import DevStack, start_dev_stack


def hermetic_env(memory_dir) -> dict[str, str]:
    return {"MODEL_PROVIDER": "offline", "LOCAL_MEMORY_DIR": str(memory_dir), "MEMORY_ID": ""}


def new_session() -> str:
    return f"identity-{uuid.uuid4()}"


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Iterator[DevStack]:
    dev_stack = start_dev_stack(port=0, env=hermetic_env(tmp_path_factory.mktemp("identity-memory")))
    yield dev_stack
    dev_stack.stop()


@pytest.fixture(scope="session")
def agent_http(stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.agent.url, timeout=60) as client:
        yield client


@pytest.fixture(scope="session")
def invoke(agent_http, stack) -> Callable[..., httpx.Response]:
    """``invoke(prompt, token=..., user=..., session=..., **payload)`` -> the raw response.

    ``user`` -> a fresh valid token for that user; ``token`` -> exactly that Authorization bearer (None: none).
    """

    def _invoke(
        prompt: str, *, user: str | None = None, token: str | None = None, session: str | None = None, **payload
    ):
        headers = {SESSION_HEADER: session or new_session()}
        if user is not None:
            token = stack.token_for(user)
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return agent_http.post("/invocations", json={"prompt": prompt, **payload}, headers=headers)

    return _invoke


@pytest.fixture(scope="session")
def ask(invoke) -> Callable[..., str]:
    """``ask(prompt, user=..., session=...)`` -> the answer text (asserts HTTP 200)."""

    def _ask(prompt: str, **kwargs) -> str:
        response = invoke(prompt, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()["response"]

    return _ask


@pytest.fixture
def upstream(stack):
    stack.upstream.reset()
    yield stack.upstream
    stack.upstream.reset()
