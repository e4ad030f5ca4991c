"""The whole ``make dev`` stack (token issuer -> JWT-checked agent -> local MCP gateway with the interceptor in-process
-> order service -> fake orders API), started once per session (that is once per xdist worker) on free loopback ports.

Identity is on, as in ``make dev``. The environment is pinned to the offline model (a developer's AWS credentials
must not switch the tests to Bedrock) and a temporary memory directory.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from local_dev.server import DevStack, start_dev_stack
from tests.loopback import loopback_client


def _hermetic_env(memory_dir) -> dict[str, str]:
    # Blank means unset: no AgentCore Memory whatever the developer's shell exports; GATEWAY_URL is set by the stack.
    return {"MODEL_PROVIDER": "offline", "LOCAL_MEMORY_DIR": str(memory_dir), "MEMORY_ID": ""}


@pytest.fixture(scope="session")
def dev_stack(tmp_path_factory) -> Iterator[DevStack]:
    stack = start_dev_stack(port=0, env=_hermetic_env(tmp_path_factory.mktemp("dev-stack-memory")))
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
    with loopback_client(base_url=dev_stack.agent.url, timeout=60) as client:
        yield client
