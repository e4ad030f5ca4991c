"""Run the agent locally with the AgentCore Runtime HTTP contract (``POST /invocations``, ``GET /ping``).

The same ``support_agent`` code as in the Runtime, with local defaults: conversation memory in files under
``LOCAL_MEMORY_DIR`` (default ``.local/memory``) and the offline model when no AWS credentials are found
(``MODEL_PROVIDER`` overrides). ``agentcore invoke --dev '{"prompt": "..."}'`` talks to it on port 8080.

Gateway hook: tools come from ``GATEWAY_URL`` (the env contract). :func:`start_dev_stack` (what ``make dev``
runs) starts the whole local stack in one process: the fake orders API, the local MCP gateway serving the
order-service Lambda handler in-process, and the agent with ``GATEWAY_URL`` pointing at that gateway.
``python -m scripts.dev_server --no-gateway`` runs the agent alone (``GATEWAY_URL`` from the environment).

From tests::

    server = start_local_agent(env={"LOCAL_MEMORY_DIR": str(tmp_path)})   # free port, background thread
    url, stop = server                                                     # or server.url / server.stop()

    with start_dev_stack(port=0, env={"LOCAL_MEMORY_DIR": str(tmp_path)}) as stack:   # the whole make-dev stack
        stack.agent.url, stack.gateway.url, stack.upstream.fail_next(2)
"""

from __future__ import annotations

import os
import signal
import sys
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
    port: int = 0,
    *,
    host: str = DEFAULT_HOST,
    env: Mapping[str, str] | None = None,
    app: Any = None,
    log_level: str = "warning",
) -> LocalAgentServer:
    """Serve the agent with uvicorn in a daemon thread and return once it accepts connections.

    ``port=0`` picks a free port; ``app`` defaults to :func:`build_local_app` with ``env``.
    """
    app = app if app is not None else build_local_app(env)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level=log_level, lifespan="off"))
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


# --------------------------------------------------------------------------- the whole local stack (make dev)

DEMO_PROMPT = "What is order ORD-12345?"


@dataclass
class DevStack:
    """The running local stack of ``make dev``: fake orders API -> local MCP gateway -> agent."""

    agent: LocalAgentServer
    settings: Any  # support_agent.settings.Settings of the agent
    gateway: Any = None  # local_dev.gateway.LocalGateway, or None with --no-gateway
    upstream: Any = None  # local_dev.upstream.FakeOrdersAPI, or None with --no-gateway

    @property
    def port(self) -> int:
        return int(self.agent.url.rsplit(":", 1)[1])

    def stop(self) -> None:
        """Stop the agent first (no new tool calls), then the gateway, then the upstream. Idempotent."""
        for part in (self.agent, self.gateway, self.upstream):
            if part is None:
                continue
            try:
                part.stop()
            except Exception as error:  # keep stopping the rest
                print(f"warning: failed to stop {type(part).__name__}: {error}", file=sys.stderr, flush=True)
        self.gateway = self.upstream = None

    def __enter__(self) -> DevStack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def banner(self) -> str:
        settings = self.settings
        invoke = ".venv/bin/agentcore invoke --dev" + ("" if self.port == DEFAULT_PORT else f" --port {self.port}")
        memory = f"AgentCore Memory {settings.memory_id}" if settings.memory_id else f"local files in {settings.local_memory_dir}"
        lines = [
            "=" * 78,
            " Local AgentCore dev stack -- Ctrl-C (or SIGTERM) stops everything",
            f"   agent     {self.agent.url}   (POST /invocations, GET /ping)",
            f"             model: {settings.model_provider} ({settings.model_provider_reason})",
            f"             memory: {memory}",
        ]
        if self.gateway is not None:
            lines.append(f"   gateway   {self.gateway.url}   (local MCP gateway, order-service Lambda in-process)")
        else:
            lines.append(f"   gateway   {settings.gateway_url or 'none (--no-gateway): the agent has no tools'}")
        if self.upstream is not None:
            lines.append(f"   upstream  {self.upstream.url}   (fake orders API; ORD-12345 shipped, ORD-10001, ORD-20002)")
        lines += [
            " Try:",
            f"   {invoke} '{{\"prompt\": \"{DEMO_PROMPT}\"}}'",
            "=" * 78,
        ]
        return "\n".join(lines)


def start_dev_stack(
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    gateway: bool = True,
    gateway_port: int = 0,
    upstream_port: int = 0,
    env: Mapping[str, str] | None = None,
    log_level: str = "warning",
) -> DevStack:
    """Start what ``make dev`` runs, in this process, on background threads; returns once all accept requests.

    With ``gateway`` (default): the fake orders API on ``upstream_port``, the local MCP gateway serving the
    order-service Lambda handler in-process on ``gateway_port`` (0 = a free port), and the agent on ``port``
    with ``GATEWAY_URL`` set to the local gateway. Without it, the agent alone (``GATEWAY_URL`` from ``env`` /
    the process environment, if any). Settings otherwise as :func:`local_environment` (offline model without
    AWS credentials). On a failed start, whatever was started is stopped again.
    """
    # Imported here: the agent-only paths of this module do not need the MCP server machinery.
    from local_dev.gateway import local_order_service, start_local_gateway
    from local_dev.upstream import start_fake_orders_api

    agent_env = dict(env or {})
    upstream = local_gateway = None
    try:
        if gateway:
            upstream = start_fake_orders_api(host=host, port=upstream_port)
            local_gateway = start_local_gateway([local_order_service(upstream.url)], host=host, port=gateway_port)
            agent_env["GATEWAY_URL"] = local_gateway.url
        app = build_local_app(agent_env)
        agent = start_local_agent(port, host=host, app=app, log_level=log_level)
    except BaseException:
        for part in (local_gateway, upstream):
            if part is not None:
                part.stop()
        raise
    return DevStack(agent=agent, settings=app.state.settings, gateway=local_gateway, upstream=upstream)


def serve(
    port: int = DEFAULT_PORT,
    host: str = DEFAULT_HOST,
    env: Mapping[str, str] | None = None,
    *,
    gateway: bool = True,
    gateway_port: int = 0,
    upstream_port: int = 0,
) -> None:
    """Run the dev stack in the foreground until Ctrl-C / SIGTERM, then stop every part (what ``make dev`` runs)."""
    stop = threading.Event()

    def request_stop(signum: int, frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        stack = start_dev_stack(
            host=host,
            port=port,
            gateway=gateway,
            gateway_port=gateway_port,
            upstream_port=upstream_port,
            env=env,
            log_level="info",
        )
        try:
            print(stack.banner(), flush=True)
            while not stop.wait(0.5):
                pass
            print("Stopping the local dev stack...", flush=True)
        finally:
            stack.stop()
        print("Stopped.", flush=True)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
