"""Tools of the agent. There are no local tools: order lookups come from the AgentCore Gateway (stage 3).

When ``GATEWAY_URL`` is set the agent gets a Strands ``MCPClient`` for it (streamable HTTP). Every MCP HTTP
request goes through one ``httpx.Auth`` (:class:`agentcore_constructs.kit.gateway_auth.GatewayAuth`, passed as
``MCPClient(auth_provider=...)``; Strands adapts it to the ``httpx2`` client of mcp 2.x), which

* authenticates the request, chosen by :func:`gateway_auth_mode`:

  - ``bearer``: the caller's bearer token is forwarded (stage 4: the Gateway's JWT authorizer sees the end user);
  - ``sigv4``: no caller token and an AWS endpoint (host ``*.amazonaws.com``): SigV4 with service
    ``bedrock-agentcore`` and the default credential chain (the Gateway's ``AWS_IAM`` authorizer before stage 4;
    the Runtime role holds ``bedrock-agentcore:InvokeGateway``). The final request (URL, headers, body) is
    signed, on every attempt, with freshly read credentials so temporary credentials refresh;
  - ``none``: no caller token and a non-AWS URL (the local gateway on loopback);

* retries transient gateway answers (HTTP 429, 500, 502, 503, 504) with bounded exponential backoff and full
  jitter, at most ``settings.retry_max_attempts`` attempts in all, logging each retry (``Retry-After`` is
  honoured up to the backoff cap). This covers ``initialize``, ``tools/list`` and ``tools/call`` alike.

What the model sees when things still fail:

* a tool that reports an error (``isError``, e.g. order not found, invalid argument, upstream unavailable) comes
  back to the model as an error tool result, NOT retried here: the tool's answer is deliberate, and the tool
  already retries its own upstream with backoff (retrying here too would multiply the attempts);
* a gateway still failing after the retries: the ``tools/call`` becomes an error tool result
  (``Tool execution failed: ...``, MCPClient's behaviour), never a crashed invocation;
* an unreachable gateway at connection time means "no tools this request" (``continue_on_error``).
"""

from __future__ import annotations

import logging
from typing import Any

from agentcore_constructs.kit.gateway_auth import (
    GatewayAuth,
    SigV4Signer,
    gateway_auth_mode,
    is_loopback,
    region_from_url,
)

from .settings import Settings

logger = logging.getLogger(__name__)


def gateway_auth(settings: Settings, bearer_token: str | None, **kwargs: Any) -> GatewayAuth:
    """The :class:`GatewayAuth` for ``settings.gateway_url`` and the caller's token (see the module docs)."""
    url = settings.gateway_url or ""
    mode = gateway_auth_mode(url, bearer_token)
    signer = None
    if mode == "sigv4":
        signer = SigV4Signer(region_from_url(url) or settings.model_region)
    elif mode == "none" and not is_loopback(url):
        logger.warning("Calling the gateway %s without authentication (no caller token, not an AWS endpoint)", url)
    return GatewayAuth(
        bearer_token=bearer_token if mode == "bearer" else None,
        signer=signer,
        max_attempts=settings.retry_max_attempts,
        **kwargs,
    )


class _PlaintextLoopbackFilter(logging.Filter):
    """Drop Strands' "sending oauth credentials over plaintext http" warning for loopback URLs only.

    Strands warns whenever an ``auth_provider`` is used over ``http``; for the local gateway on loopback that
    is expected (and :class:`GatewayAuth` may carry no credentials at all), so it would only be noise on
    every invocation. Any other URL keeps the warning.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if "plaintext http" not in str(record.msg):
            return True
        args = record.args if isinstance(record.args, tuple) else ()
        return not (args and isinstance(args[0], str) and is_loopback(args[0]))


_filter_installed = False


def _install_log_filter() -> None:
    global _filter_installed
    if not _filter_installed:
        logging.getLogger("strands.tools.mcp.mcp_client").addFilter(_PlaintextLoopbackFilter())
        _filter_installed = True


def gateway_tools(settings: Settings, bearer_token: str | None) -> list[Any]:
    if not settings.gateway_url:
        return []
    from strands.tools.mcp import MCPClient

    _install_log_filter()
    return [
        MCPClient(
            url=settings.gateway_url,
            auth_provider=gateway_auth(settings, bearer_token),
            startup_timeout=max(1, int(settings.http_timeout_seconds)),
            continue_on_error=True,
        )
    ]
