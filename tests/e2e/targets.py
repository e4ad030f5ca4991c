"""Where the end-to-end test bodies run: a deployed environment, or the local stack (`make dev`) in CI.

Both targets expose the same small surface, so every e2e test body runs against both:

* ``token_for(user)``: an access token for a test user (deployed: a Cognito user created — and later deleted — by
  the suite; local: the local token issuer);
* ``invoke(prompt, token=..., session_id=...)``: POST /invocations through the JWT-protected entry point;
* ``logs_mention(session_id, timeout)``: the agent's log lines for that session appeared (deployed: CloudWatch
  Logs, bounded wait; local: the same log records, captured in-process);
* ``order_ids``: an order each test user owns (deployed: from E2E_* variables; local: the fake upstream's data);
* ``gateway_url`` and :func:`call_tool`: the tool gateway, called directly over MCP with a user's token (None when
  the environment has no gateway).

The deployed target and the HTTP call live in ``scripts/deployed_target.py`` (the evaluation runner uses them too).
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts.deployed_target import SESSION_HEADER, Response, post_json


def new_session_id() -> str:
    # AgentCore session ids are at least 33 characters.
    return f"e2e-{uuid.uuid4().hex}{uuid.uuid4().hex[:8]}"


@dataclass
class ToolOutcome:
    """How the gateway answered one tools/call: a JSON-RPC error (e.g. a policy denial), or the tool's result."""

    rpc_error: str | None = None
    is_error: bool = False
    text: str = ""

    @property
    def tool_error_code(self) -> str | None:
        try:
            error = json.loads(self.text).get("error")
        except (ValueError, AttributeError):
            return None
        return error.get("code") if isinstance(error, dict) else None


def call_tool(gateway_url: str, token: str, name: str, arguments: dict[str, Any]) -> ToolOutcome:
    """One MCP tools/call through the gateway with ``token`` (the real mcp client, streamable HTTP)."""
    import asyncio

    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client
    from mcp.shared.exceptions import McpError

    async def main() -> ToolOutcome:
        async with create_mcp_http_client(headers={"Authorization": f"Bearer {token}"}) as http:
            async with streamable_http_client(gateway_url, http_client=http) as (read, write, _):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    result = await session.call_tool(name, arguments)
                    text = "".join(getattr(block, "text", "") for block in result.content)
                    return ToolOutcome(is_error=bool(result.isError), text=text)

    try:
        return asyncio.run(main())
    except BaseException as raised:  # noqa: BLE001 - the MCP client raises the JSON-RPC error inside a task group
        errors: list[BaseException] = [raised]
        while errors:
            error = errors.pop()
            if isinstance(error, McpError):
                return ToolOutcome(rpc_error=error.error.message)
            errors.extend(getattr(error, "exceptions", ()))
        raise


class _LogCapture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        from bedrock_agentcore.runtime.app import RequestContextFormatter

        self.setFormatter(RequestContextFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


_MIGRATION = Path(__file__).resolve().parents[2] / "docs" / "migration"
#: The migrated seed PoC after its last stage (docs/migration.md), in Strands and in LangGraph: the e2e suite runs
#: each as written.
MIGRATED_POCS = {
    "poc": _MIGRATION / "stage4_identity.py",
    "poc-langgraph": _MIGRATION / "langgraph" / "stage4_identity.py",
}


def app_of_agent_file(path: Path) -> Any:
    """The kit app an agent file runs under ``__main__`` (``AgentCoreApp(...).run()``, Strands or LangGraph),
    captured instead of served."""
    import runpy
    from contextlib import ExitStack
    from unittest import mock

    from agentcore_constructs.kit import langgraph, strands

    captured: list[Any] = []
    with ExitStack() as patches:
        for app_class in (strands.AgentCoreApp, langgraph.AgentCoreApp):
            patches.enter_context(mock.patch.object(app_class, "run", lambda self, port=None: captured.append(self)))
        runpy.run_path(str(path), run_name="__main__")
    (app,) = captured
    return app


@dataclass
class LocalTarget:
    """The `make dev` stack (agent + JWT authorizer + local gateway + fake upstream), in this process.

    ``agent``: the Strands support agent (``"strands"``), its LangGraph flavour (``"langgraph"``), or the migrated
    seed PoC (``"poc"``, in LangGraph ``"poc-langgraph"``)."""

    name: str = "local"
    agent: str = "strands"
    order_ids: dict[str, str] = field(default_factory=lambda: {"alice": "ORD-10001", "bob": "ORD-20002"})

    def __post_init__(self) -> None:
        from local_dev.server import start_dev_stack

        self._memory_dir = tempfile.TemporaryDirectory(prefix="e2e-memory-")
        self._stack = start_dev_stack(
            port=0,
            env={"LOCAL_MEMORY_DIR": self._memory_dir.name, "MODEL_PROVIDER": "offline"},
            agent=app_of_agent_file(MIGRATED_POCS[self.agent]) if self.agent in MIGRATED_POCS else self.agent,
        )
        self._capture = _LogCapture()
        logging.getLogger("bedrock_agentcore.app").addHandler(self._capture)
        self.gateway_url: str | None = self._stack.gateway.url if self._stack.gateway is not None else None

    def token_for(self, user: str) -> str:
        return self._stack.token_for(user)

    def invoke(self, prompt: Any, *, token: str | None, session_id: str) -> Response:
        headers = {SESSION_HEADER: session_id}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return post_json(
            f"{self._stack.agent.url}/invocations",
            {"prompt": prompt} if not isinstance(prompt, dict) else prompt,
            headers,
            30,
        )

    def logs_mention(self, session_id: str, timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(f'"sessionId": "{session_id}"' in line for line in self._capture.lines):
                return True
            time.sleep(0.05)
        return False

    def close(self) -> None:
        logging.getLogger("bedrock_agentcore.app").removeHandler(self._capture)
        self._stack.stop()
        self._memory_dir.cleanup()
