"""Running the local stand-ins: a server on a daemon thread, and a CLI that waits for Ctrl-C."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def serve_in_background(server: Any, name: str) -> Any:
    """Start ``server.serve_forever`` on a daemon thread (kept on ``server._thread``); returns ``server``."""
    server._thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    server._thread.start()
    return server


def run_until_interrupted(banner: str, stop: Callable[[], None]) -> None:
    """Print ``banner``, block until Ctrl-C, then ``stop()``."""
    print(f"{banner}; Ctrl-C to stop", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        stop()
