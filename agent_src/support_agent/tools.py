"""Tools of the agent. There are no local tools: order lookups come from the AgentCore Gateway (stage 3).

When ``GATEWAY_URL`` is set the agent gets a Strands ``MCPClient`` for it (streamable HTTP), carrying the
caller's bearer token so the Gateway's JWT authorizer sees the end user (stage 4). A tool that fails comes
back to the model as an error tool result (MCPClient's behaviour), and an unreachable Gateway means "no
tools this request" (``continue_on_error``), never a crashed invocation.
"""

from __future__ import annotations

import logging
from typing import Any

from .settings import Settings

logger = logging.getLogger(__name__)


def gateway_tools(settings: Settings, bearer_token: str | None) -> list[Any]:
    if not settings.gateway_url:
        return []
    from strands.tools.mcp import MCPClient

    headers = {"Authorization": f"Bearer {bearer_token}"} if bearer_token else None
    return [
        MCPClient(
            url=settings.gateway_url,
            headers=headers,
            startup_timeout=max(1, int(settings.http_timeout_seconds)),
            continue_on_error=True,
        )
    ]
