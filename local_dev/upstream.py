"""A fake orders API for local development and tests (the seed's ``GET /orders/{order_id}`` contract, and
``POST /orders/{order_id}/refunds``).

Loopback only, standard library only. Requires the obviously fake dev key ``X-API-Key: dev-local-key``
(401 otherwise). Honors ``X-Customer-Id``: with it, only that customer's orders exist (404 for anyone else's, so
existence is not revealed); without it, every order is visible.

Refunds: ``POST /orders/{order_id}/refunds`` with JSON ``{"amount_cents": int, "reason": str}`` needs
``Idempotency-Key`` (400 without) and answers 201 with the refund. The same key again answers the first answer
(200, ``"replayed": true``) without refunding twice; the same key with a different body is 422, as is an amount over
what is left to refund. Issued refunds are in ``refunds``.

Fault injection for tests (applied to the next matching requests, in order):
``fail_next(n, status=503)``, ``hang_next(n, seconds)``; ``reset()`` clears faults and the request log.
Every request is recorded in ``requests`` (method, path, headers) -- ``hits`` counts them.

    with start_fake_orders_api() as api:
        print(api.url)            # http://127.0.0.1:<port>

Run standalone: ``python -m local_dev.upstream [--port 8081]``.
"""

from __future__ import annotations

import argparse
import copy
import json
import threading
from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from local_dev.background import StoppableServerMixin, run_until_interrupted, serve_in_background

DEV_API_KEY = "dev-local-key"  # fake, dev-only

DEFAULT_ORDERS: dict[str, dict[str, Any]] = {
    "ORD-12345": {
        "order_id": "ORD-12345",
        "customer_id": "local-dev-user",
        "status": "shipped",
        "items": [{"sku": "TOWEL-42", "name": "Bath towel", "quantity": 1}],
        "total": {"amount": "24.99", "currency": "USD"},
        "carrier": "Vogon Express",
        "tracking_number": "VX-0042",
        "updated_at": "2026-01-15T10:00:00Z",
    },
    "ORD-10001": {
        "order_id": "ORD-10001",
        "customer_id": "alice",
        "status": "processing",
        "items": [{"sku": "GUIDE-1", "name": "Travel guide", "quantity": 1}],
        "total": {"amount": "42.00", "currency": "USD"},
        "updated_at": "2026-01-16T09:30:00Z",
    },
    "ORD-20002": {
        "order_id": "ORD-20002",
        "customer_id": "bob",
        "status": "delivered",
        "items": [{"sku": "TEA-7", "name": "Tea", "quantity": 3}],
        "total": {"amount": "12.50", "currency": "USD"},
        "updated_at": "2026-01-10T17:45:00Z",
    },
}


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class _Fault:
    kind: str  # "status" | "hang"
    status: int = 503
    seconds: float = 0.0


class FakeOrdersAPI(StoppableServerMixin, ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str, port: int, orders: dict[str, dict[str, Any]], api_key: str) -> None:
        super().__init__((host, port), _Handler)
        self.orders = copy.deepcopy(orders)
        self.api_key = api_key
        self.requests: list[RecordedRequest] = []
        self.refunds: list[dict[str, Any]] = []
        self._idempotent: dict[str, tuple[bytes, dict[str, Any]]] = {}  # key -> (request body, first answer)
        self._faults: deque[_Fault] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- public API
    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def hits(self) -> int:
        with self._lock:
            return len(self.requests)

    def fail_next(self, n: int = 1, status: int = 503) -> None:
        """The next ``n`` requests answer ``status`` (e.g. 503, 500, 429, 400)."""
        with self._lock:
            self._faults.extend(_Fault("status", status=status) for _ in range(n))

    def hang_next(self, n: int = 1, seconds: float = 5.0) -> None:
        """The next ``n`` requests get no answer for ``seconds`` (then 200 as usual); ``stop()`` releases them."""
        with self._lock:
            self._faults.extend(_Fault("hang", seconds=seconds) for _ in range(n))

    def reset(self) -> None:
        with self._lock:
            self._faults.clear()
            self.requests.clear()
            self.refunds.clear()
            self._idempotent.clear()

    def refund(self, order_id: str, key: str, body: bytes, staff_id: str | None) -> tuple[int, dict[str, Any]]:
        """One refund request, idempotent on ``key`` (atomic: two concurrent retries still refund once)."""
        with self._lock:
            if key in self._idempotent:
                first_body, first_answer = self._idempotent[key]
                if first_body != body:
                    return 422, {"message": "Idempotency-Key reused with a different request"}
                return 200, {**first_answer, "replayed": True}
            order = self.orders.get(order_id)
            if order is None:
                return 404, {"message": "order not found"}
            try:
                request = json.loads(body)
                amount, reason = request["amount_cents"], request["reason"]
            except (ValueError, TypeError, KeyError):
                return 400, {"message": "expected JSON with amount_cents and reason"}
            if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1 or not isinstance(reason, str):
                return 400, {"message": "amount_cents must be a positive integer and reason a string"}
            total = int(Decimal(order["total"]["amount"]) * 100)
            refunded = sum(r["amount_cents"] for r in self.refunds if r["order_id"] == order_id)
            if amount > total - refunded:
                return 422, {"message": f"only {total - refunded} cents of this order are left to refund"}
            refund = {
                "refund_id": f"RF-{len(self.refunds) + 1:05d}",
                "order_id": order_id,
                "amount_cents": amount,
                "currency": order["total"]["currency"],
                "reason": reason,
                "issued_by": staff_id,
                "status": "issued",
            }
            self.refunds.append(refund)
            self._idempotent[key] = (body, refund)
            return 201, refund

    def stop(self) -> None:
        self._stopping.set()  # releases requests hanging on purpose, so shutdown does not wait for them
        super().stop()

    # -- internals
    def _record(self, request: RecordedRequest) -> _Fault | None:
        with self._lock:
            self.requests.append(request)
            return self._faults.popleft() if self._faults else None


class _Handler(BaseHTTPRequestHandler):
    server: FakeOrdersAPI
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: avoid the 40 ms delayed-ACK stall

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet in tests
        pass

    def _send(self, status: int, body: dict[str, Any]) -> None:
        payload = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # client gave up (timeout test)
            self.close_connection = True

    def _route(self, shape: tuple[str | None, ...]) -> list[str] | None:
        """The path's segments when the API key is right and they fit ``shape`` (None: any segment); else answers
        401 / 404 and returns None."""
        if self.headers.get("X-API-Key") != self.server.api_key:
            self._send(401, {"message": "missing or invalid API key"})
            return None
        parts = self.path.split("?", 1)[0].strip("/").split("/")
        if len(parts) != len(shape) or any(
            want is not None and part != want for part, want in zip(parts, shape, strict=False)
        ):
            self._send(404, {"message": "no such route"})
            return None
        return parts

    def do_GET(self) -> None:  # noqa: N802
        server = self.server
        fault = server._record(RecordedRequest("GET", self.path, {k: v for k, v in self.headers.items()}))
        if fault is not None and fault.kind == "hang":
            if server._stopping.wait(fault.seconds):
                self.close_connection = True
                return
        elif fault is not None:
            self._send(fault.status, {"message": f"injected fault: HTTP {fault.status}"})
            return

        parts = self._route(("orders", None))
        if parts is None:
            return
        order = server.orders.get(parts[1])
        customer = self.headers.get("X-Customer-Id")
        if order is None or (customer is not None and order["customer_id"] != customer):
            self._send(404, {"message": "order not found"})
            return
        self._send(200, order)

    def do_POST(self) -> None:  # noqa: N802
        server = self.server
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, 65_536))
        fault = server._record(RecordedRequest("POST", self.path, {k: v for k, v in self.headers.items()}))
        if fault is not None and fault.kind == "status":
            self._send(fault.status, {"message": f"injected fault: HTTP {fault.status}"})
            return
        parts = self._route(("orders", None, "refunds"))
        if parts is None:
            return
        key = self.headers.get("Idempotency-Key")
        if not key:
            self._send(400, {"message": "Idempotency-Key is required"})
            return
        status, answer = server.refund(parts[1], key, body, self.headers.get("X-Staff-Id"))
        if fault is not None and fault.kind == "hang":  # done, but the answer is lost: the client will retry
            server._stopping.wait(fault.seconds)
            self.close_connection = True
            return
        self._send(status, answer)


def start_fake_orders_api(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    orders: dict[str, dict[str, Any]] | None = None,
    api_key: str = DEV_API_KEY,
) -> FakeOrdersAPI:
    """Start the fake orders API on a background thread (port 0 = a free port). Call ``.stop()`` when done."""
    return serve_in_background(
        FakeOrdersAPI(host, port, DEFAULT_ORDERS if orders is None else orders, api_key), "fake-orders-api"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Fake orders API for local development (dev key: dev-local-key)")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args()
    api = start_fake_orders_api(port=args.port)
    run_until_interrupted(f"fake orders API on {api.url} (X-API-Key: {DEV_API_KEY})", api.stop)


if __name__ == "__main__":
    main()
