"""Serving test doubles on loopback: the one way the app's tests run an ASGI app on a local port."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import uvicorn


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
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
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
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
