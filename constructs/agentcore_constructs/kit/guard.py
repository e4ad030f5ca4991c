"""The request guard in front of an agent's ``/invocations``: identity and body checked before any agent code runs.

An ASGI middleware (``app.add_middleware(RequestGuard, verifier=...)`` on a ``BedrockAgentCoreApp``) that, in order:

1. refuses ambiguous or foreign credentials with 401: two ``Authorization`` headers, a scheme other than ``Bearer``
   (case-insensitive), a malformed token; with a verifier, a missing or invalid token; without one (no identity
   configured), any token at all (it could not be verified, so it must not be trusted);
2. reads the body up to :data:`MAX_BODY_BYTES` and refuses with 400 and a fixed message: a content type other than
   JSON, a body too large, invalid UTF-8, invalid JSON, nesting deeper than :data:`MAX_JSON_DEPTH`, integers beyond
   Python's digit limit, ``NaN``/``Infinity``, duplicate keys, strings that cannot be encoded as UTF-8 (lone
   surrogates);
3. hands the agent the verified caller in the request state (``request.state.caller``, a :class:`Caller`) and the
   unchanged body.

Nothing of a rejected request reaches the agent, so nothing of it is written to memory. Verification never blocks
the event loop: a key fetch runs on its own thread, shared by every request that waits for it
(:meth:`~agentcore_constructs.kit.auth.JWTVerifier.verify_async`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from agentcore_constructs.kit.auth import JWTVerifier, TokenRejected, bearer_token, single_authorization

#: The largest request body accepted (a prompt is at most a few thousand characters).
MAX_BODY_BYTES = 64 * 1024
#: The deepest JSON nesting accepted (a payload is a flat object; Python's parser recurses per level).
MAX_JSON_DEPTH = 32
GUARDED_PATHS = frozenset({"/invocations"})
STATE_KEY = "caller"

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class RequestRejected(Exception):
    """A client error; ``message`` is fixed text, safe to return."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Caller:
    """Who is calling: ``actor_id`` from verified claims (or the configured anonymous actor without identity)."""

    actor_id: str
    verified: bool
    claims: dict[str, Any] = field(default_factory=dict, repr=False)
    #: The verified bearer token (forwarded to the gateway as the caller's credential); None without identity.
    bearer_token: str | None = field(default=None, repr=False)


# --------------------------------------------------------------------------- body checks


def _depth_exceeds(text: str, limit: int) -> bool:
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError("duplicate key")
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _encodable(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, float) and not math.isfinite(item):
            return False
    return True


def parse_json_body(raw: bytes, content_type: str | None) -> Any:
    """The JSON value of a request body, or :class:`RequestRejected` (400) with a fixed message."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise RequestRejected(400, "Content-Type must be application/json")
    if len(raw) > MAX_BODY_BYTES:
        raise RequestRejected(400, f"Request body is larger than {MAX_BODY_BYTES // 1024} KiB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestRejected(400, "Request body is not valid UTF-8") from None
    if _depth_exceeds(text, MAX_JSON_DEPTH):
        raise RequestRejected(400, f"Request body is nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant)
    except (ValueError, RecursionError):  # JSONDecodeError, int digit limit, duplicates, NaN/Infinity
        raise RequestRejected(
            400, "Request body is not valid JSON (or uses duplicate keys, NaN or huge numbers)"
        ) from None
    if not _encodable(value):
        raise RequestRejected(400, "Request body holds text that cannot be encoded as UTF-8")
    return value


# --------------------------------------------------------------------------- the middleware


def _headers(scope: Scope, name: bytes) -> list[str]:
    return [v.decode("latin-1") for k, v in scope.get("headers") or [] if k.lower() == name]


class RequestGuard:
    """ASGI middleware; see the module docs. ``anonymous_actor``: the actor of every request when ``verifier`` is
    None (no identity stage: the Runtime authorizes callers with IAM)."""

    def __init__(
        self,
        app: Any,
        *,
        verifier: JWTVerifier | None,
        anonymous_actor: str,
        paths: Iterable[str] = GUARDED_PATHS,
        on_rejected: Callable[[int, str], None] | None = None,
    ) -> None:
        self.app = app
        self.verifier = verifier
        self.anonymous_actor = anonymous_actor
        self.paths = frozenset(paths)
        self.on_rejected = on_rejected

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") not in self.paths:
            await self.app(scope, receive, send)
            return
        try:
            caller = await self._caller(scope)
            body = await self._read_body(scope, receive)
            parse_json_body(body, next(iter(_headers(scope, b"content-type")), None))
        except TokenRejected as rejected:
            await self._reject(send, rejected.status, rejected.reason)
            return
        except RequestRejected as rejected:
            await self._reject(send, rejected.status, rejected.message)
            return
        state = dict(scope.get("state") or {})
        state[STATE_KEY] = caller
        await self.app({**scope, "state": state}, _replay(body, receive), send)

    async def _caller(self, scope: Scope) -> Caller:
        authorization = single_authorization(_headers(scope, b"authorization"))
        if self.verifier is None:
            if authorization is not None:
                raise TokenRejected("This agent accepts no bearer tokens (no identity is configured)")
            return Caller(actor_id=self.anonymous_actor, verified=False)
        token = bearer_token(authorization)
        claims = await self.verifier.verify_async(token)
        return Caller(actor_id=claims["sub"], verified=True, claims=claims, bearer_token=token)

    @staticmethod
    async def _read_body(scope: Scope, receive: Receive) -> bytes:
        declared = _headers(scope, b"content-length")
        if len(declared) > 1 or (declared and not declared[0].strip().isdigit()):
            raise RequestRejected(400, "Malformed Content-Length header")
        if declared and int(declared[0]) > MAX_BODY_BYTES:
            raise RequestRejected(400, f"Request body is larger than {MAX_BODY_BYTES // 1024} KiB")
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise RequestRejected(400, "The client disconnected")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise RequestRejected(400, f"Request body is larger than {MAX_BODY_BYTES // 1024} KiB")
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _reject(self, send: Send, status: int, message: str) -> None:
        if self.on_rejected is not None:
            self.on_rejected(status, message)
        body = json.dumps({"error": message}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        if status == 401:
            headers.append((b"www-authenticate", b'Bearer error="invalid_token"'))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _replay(body: bytes, downstream: Receive) -> Receive:
    """The already-read body once, then the real channel (which reports the client's disconnect)."""
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await downstream()

    return receive
