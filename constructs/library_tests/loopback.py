"""Serving test doubles on loopback: the one way the library's tests run a local HTTP server."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from socketserver import BaseServer
from typing import TypeVar

Server = TypeVar("Server", bound=BaseServer)


@contextlib.contextmanager
def serve_on_loopback(server: Server) -> Iterator[Server]:
    """Serve ``server`` (bound to 127.0.0.1, port 0) on a daemon thread for the duration of the block; then shut
    it down, close its socket and wait for the thread."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
