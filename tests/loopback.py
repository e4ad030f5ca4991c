"""Serving test doubles on loopback: the one way the app's tests run an ASGI app on a local port, and call one.

httpx builds a TLS context for every client, parsing the whole CA bundle (about 20 ms of CPU, encode/httpx#3627), even
for a plain-HTTP loopback call, and ``httpx.post`` makes a client per call: the calls here share the kit's one
context (:func:`agentcore_constructs.kit.gateway.verified_tls_context`)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import uvicorn

from agentcore_constructs.kit.gateway import verified_tls_context
from local_dev.background import PromptlyStoppedServer


def loopback_post(url: str, **kwargs) -> httpx.Response:
    """``httpx.post`` on the shared TLS context."""
    return httpx.post(url, verify=verified_tls_context(), **kwargs)


def loopback_get(url: str, **kwargs) -> httpx.Response:
    """``httpx.get`` on the shared TLS context."""
    return httpx.get(url, verify=verified_tls_context(), **kwargs)


def loopback_client(**kwargs) -> httpx.Client:
    """``httpx.Client`` on the shared TLS context."""
    return httpx.Client(verify=verified_tls_context(), **kwargs)


def loopback_mcp_client(headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    """The mcp SDK's ``create_mcp_http_client`` (its timeouts, no redirects followed) on the shared TLS context."""
    from mcp.shared._httpx_utils import MCP_DEFAULT_SSE_READ_TIMEOUT, MCP_DEFAULT_TIMEOUT

    timeout = httpx.Timeout(MCP_DEFAULT_TIMEOUT, read=MCP_DEFAULT_SSE_READ_TIMEOUT)
    return httpx.AsyncClient(headers=headers, timeout=timeout, verify=verified_tls_context())


def free_loopback_port() -> int:
    """A 127.0.0.1 port free right now (for a server that must come back on the same port after a restart)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serve_asgi_on_loopback(app, *, port: int = 0, abrupt_stop: bool = False) -> Iterator[int]:
    """Run an ASGI app with uvicorn on 127.0.0.1 (``port`` 0: a free one) for the duration of the block; yields the
    port. ``abrupt_stop``: end as a crash does, without waiting for open connections (an event stream)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart rebinds the port it just left
    sock.bind(("127.0.0.1", port))
    server = PromptlyStoppedServer(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30  # bounds a broken start only
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started, "server did not start"
    try:
        yield sock.getsockname()[1]
    finally:
        server.force_exit = abrupt_stop
        server.request_stop()
        thread.join(timeout=10)
        sock.close()
