"""Running the local stand-ins: a server on a daemon thread, and a CLI that waits for Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Any

import uvicorn


class PromptlyStoppedServer(uvicorn.Server):
    """``uvicorn.Server`` that notices :meth:`request_stop` at once. uvicorn checks ``should_exit`` on a 0.1 s tick
    (``Server.main_loop``), so every stop of a local server waited up to that long; the tick itself (``on_tick``:
    date header, exit conditions) is kept. A signal (Ctrl-C) still sets ``should_exit`` and is seen on the tick."""

    _loop: asyncio.AbstractEventLoop | None = None
    _wake: asyncio.Event | None = None

    async def main_loop(self) -> None:
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000  # uvicorn's own wrap-around
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=0.1)

    def request_stop(self) -> None:
        """Ask the server to shut down (thread-safe); join its thread to wait for it."""
        self.should_exit = True
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already closed
                loop.call_soon_threadsafe(wake.set)


class StoppableServerMixin:
    """``stop()`` and ``with`` support for a ``socketserver`` server started by :func:`serve_in_background`."""

    _thread: threading.Thread | None = None

    def stop(self) -> None:
        self.shutdown()  # type: ignore[attr-defined]
        self.server_close()  # type: ignore[attr-defined]
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self):  # noqa: ANN204 - returns the concrete server type
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


#: How often ``serve_forever`` checks for ``shutdown()``: the socketserver default (0.5 s) makes every stop wait up to
#: half a second; a loopback stand-in idles at 20 wake-ups a second instead.
SHUTDOWN_POLL_SECONDS = 0.05


def serve_in_background(server: Any, name: str) -> Any:
    """Start ``server.serve_forever`` on a daemon thread (kept on ``server._thread``); returns ``server``."""
    server._thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS}, name=name, daemon=True
    )
    server._thread.start()
    return server


def run_until_interrupted(banner: str, stop: Callable[[], None]) -> None:
    """Print ``banner``, block until Ctrl-C, then ``stop()``."""
    print(f"{banner}; Ctrl-C to stop", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        stop()
