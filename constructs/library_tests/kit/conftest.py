"""Fixtures of the kit's tests."""

from __future__ import annotations

import pytest

from agentcore_constructs.kit.settings import Settings, load_settings


@pytest.fixture
def offline_settings(tmp_path) -> Settings:
    """Offline model, a per-test local memory dir, no identity (every caller is the local actor); the credential
    chain is never probed."""
    return load_settings(
        {"MODEL_PROVIDER": "offline", "LOCAL_MEMORY_DIR": str(tmp_path / "memory")},
        credentials_available=lambda: pytest.fail("the credential chain must not be probed"),
    )
