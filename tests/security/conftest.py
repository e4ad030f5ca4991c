"""Shared fixtures of the security tests: one real local token issuer for the session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local_dev.token_issuer import TokenIssuer, start_token_issuer


@pytest.fixture(scope="session")
def issuer() -> Iterator[TokenIssuer]:
    running = start_token_issuer()
    yield running
    running.stop()
