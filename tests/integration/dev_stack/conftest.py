"""The ``make dev`` stack (``dev_stack``, tests/integration/conftest.py: what ``python -m scripts.dev_server`` runs),
asked as ``local-dev-user`` with a token from the stack's issuer (ORD-12345 is theirs). Identity itself is tested in
tests/integration/identity.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from agentcore_constructs.contract.invocation import SESSION_HEADER


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
