"""Stage 4 locally: the dev stack with identity on (token issuer -> JWT-checked agent -> JWT-checked gateway with
the interceptor Lambda in-process -> order service -> fake orders API), started once per session.

The stack is tests/integration/conftest.py's ``dev_stack`` (offline model, a temporary memory directory).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest

from agentcore_constructs.contract.invocation import SESSION_HEADER
from local_dev.server import DevStack


def new_session() -> str:
    return f"identity-{uuid.uuid4()}"


@pytest.fixture(scope="session")
def stack(dev_stack: DevStack) -> DevStack:
    """The dev stack (tests/integration/conftest.py), identity on."""
    return dev_stack


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
