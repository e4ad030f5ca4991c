"""Fixtures for the agent's unit tests: offline settings over a per-test memory dir, unsigned test JWTs."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import pytest

from support_agent.settings import Settings, load_settings


def unsigned_jwt(claims: dict) -> str:
    """A JWT-shaped token with no valid signature: the agent only decodes it (the Runtime verifies)."""

    def part(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}.c2ln"


@pytest.fixture
def make_jwt() -> Callable[[dict], str]:
    return unsigned_jwt


@pytest.fixture
def offline_settings(tmp_path) -> Settings:
    return load_settings(
        {"MODEL_PROVIDER": "offline", "LOCAL_MEMORY_DIR": str(tmp_path / "memory")},
        credentials_available=lambda: pytest.fail("the credential chain must not be probed"),
    )
