"""Run the agent locally with the AgentCore Runtime HTTP contract (``POST /invocations``, ``GET /ping``).

The same ``support_agent`` code as in the Runtime, with local defaults: conversation memory in files under
``LOCAL_MEMORY_DIR`` (default ``.local/memory``) and the offline model when no AWS credentials are found
(``MODEL_PROVIDER`` overrides). ``agentcore invoke --dev '{"prompt": "..."}'`` talks to it on port 8080.

Gateway hook: tools come from ``GATEWAY_URL`` (the env contract). To use a local MCP gateway, start it first
and pass its MCP endpoint, e.g. ``start_local_agent(env={"GATEWAY_URL": gateway_url})`` or
``GATEWAY_URL=http://127.0.0.1:8090/mcp python -m scripts.dev_server``.

From tests::

    server = start_local_agent(env={"LOCAL_MEMORY_DIR": str(tmp_path)})   # free port, background thread
    url, stop = server                                                     # or server.url / server.stop()
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from support_agent.app import create_app
from support_agent.settings import DEFAULT_LOCAL_MEMORY_DIR, LOCAL_MEMORY_DIR_ENV, load_settings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
_STARTUP_TIMEOUT_SECONDS = 30


def local_environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The process environment plus the local defaults, with ``env`` taking precedence."""
    merged = {LOCAL_MEMORY_DIR_ENV: DEFAULT_LOCAL_MEMORY_DIR, **os.environ}
    merged.update(env or {})
    return merged


def build_local_app(env: Mapping[str, str] | None = None) -> Any:
    """A fresh agent app configured from :func:`local_environment` (os.environ is not modified)."""
    return create_app(load_settings(local_environment(env)))


@dataclass
class LocalAgentServer:
    """A running local agent. Unpacks as ``(url, stop)``."""

    url: str
    app: Any
    _server: uvicorn.Server = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=_STARTUP_TIMEOUT_SECONDS)

    def __iter__(self) -> Iterator[Any]:
        return iter((self.url, self.stop))


def start_local_agent(
    port: int = 0, *, host: str = DEFAULT_HOST, env: Mapping[str, str] | None = None, app: Any = None
) -> LocalAgentServer:
    """Serve the agent with uvicorn in a daemon thread and return once it accepts connections.

    ``port=0`` picks a free port; ``app`` defaults to :func:`build_local_app` with ``env``.
    """
    app = app if app is not None else build_local_app(env)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name=f"local-agent-{port}", daemon=True)
    thread.start()
    # Startup takes milliseconds; the deadline only bounds a broken start (e.g. the port is in use).
    deadline = time.monotonic() + _STARTUP_TIMEOUT_SECONDS
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    if not server.started:
        server.should_exit = True
        thread.join(timeout=5)
        raise RuntimeError(f"local agent server did not start on {host}:{port}")
    bound_port = server.servers[0].sockets[0].getsockname()[1]
    return LocalAgentServer(url=f"http://{host}:{bound_port}", app=app, _server=server, _thread=thread)


def serve(port: int = DEFAULT_PORT, host: str = DEFAULT_HOST, env: Mapping[str, str] | None = None) -> None:
    """Serve in the foreground until Ctrl-C (what ``make dev`` runs)."""
    app = build_local_app(env)
    settings = app.state.settings
    print(
        f"Support agent on http://{host}:{port} (model: {settings.model_provider}, "
        f"memory: {settings.memory_id or settings.local_memory_dir}, gateway: {settings.gateway_url or 'none'})\n"
        f"Try: agentcore invoke --dev --port {port} '{{\"prompt\": \"What is order ORD-12345?\"}}'",
        flush=True,
    )
    uvicorn.run(app, host=host, port=port, log_level="info", lifespan="off")
