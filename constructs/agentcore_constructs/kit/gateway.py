"""Stage 3, the agent side: reach the AgentCore Gateway's tools over MCP, authenticated, with bounded retries.

:func:`mcp_http_client_factory` gives the MCP client (Strands ``MCPClient`` through its transport, LangChain through
langchain-mcp-adapters' ``httpx_client_factory``) an HTTP client whose ``httpx.Auth`` (:class:`GatewayAuth`, built by
:func:`gateway_auth` from the settings and the caller's token)

* authenticates the request, chosen by :func:`gateway_auth_mode`:

  - ``bearer``: the caller's (verified) bearer token is forwarded (stage 4: the Gateway's JWT authorizer sees the end
    user);
  - ``sigv4``: no caller token and an AWS endpoint (host ``*.amazonaws.com``): SigV4 with service
    ``bedrock-agentcore`` and the default credential chain (the Gateway's ``AWS_IAM`` authorizer before stage 4;
    the Runtime role holds ``bedrock-agentcore:InvokeGateway``). The final request (URL, headers, body) is signed,
    on every attempt, with freshly read credentials so temporary credentials refresh;
  - ``none``: no caller token and a non-AWS URL (a local gateway on loopback);

* retries transient gateway answers (HTTP 429, 500, 502, 503, 504) with bounded exponential backoff and full
  jitter, at most ``max_attempts`` attempts in all, logging each retry (``Retry-After`` is honoured up to the
  backoff cap). This covers ``initialize``, ``tools/list`` and ``tools/call`` alike. A tool's own error answer is
  not retried here: it is deliberate, and the tool already retries its upstream.

Through a :class:`GatewayLink` the adapter also

* bounds every JSON-RPC request (connect, ``initialize``, ``tools/list``, ``tools/call``, retries included) by the
  running turn's deadline: a hung gateway fails the request at the turn's wall-time limit (and sets the turn's
  cancel event, so the adapter answers 504), not after the mcp SDK's own timeouts (a 300 s read timeout);
* learns that the connection failed (refused, reset, timed out, an HTTP error answer after the retries, an MCP
  session the gateway no longer knows), so it drops the connection instead of reusing a broken one.
"""

from __future__ import annotations

import email.utils
import functools
import json
import logging
import random
import re
import ssl
import threading
import time
from collections.abc import AsyncGenerator, Callable, Generator
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlparse

import anyio
import httpx

from agentcore_constructs.contract.tools import RUNTIME_SESSION_META, TOOL_CALL_ID_META
from agentcore_constructs.kit.settings import Settings

logger = logging.getLogger(__name__)

#: SigV4 service name of AgentCore (Gateway included).
SIGV4_SERVICE = "bedrock-agentcore"
#: Gateway answers worth another attempt (throttled, or a transient server-side failure).
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
BACKOFF_BASE_SECONDS = 0.2
BACKOFF_MAX_SECONDS = 2.0

#: Headers never signed: hop-by-hop or rewritten on the way (botocore's blacklist plus transport headers),
#: tracing headers instrumentation may add later, and the ones the signature itself sets.
_UNSIGNED_HEADERS = frozenset(
    {
        "authorization",
        "x-amz-date",
        "x-amz-security-token",
        "user-agent",
        "expect",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "te",
        "trailer",
        "upgrade",
        "proxy-authorization",
        "accept-encoding",
        "x-amzn-trace-id",
        "traceparent",
        "tracestate",
        "baggage",
    }
)
_REGION_LABEL = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

AuthMode = Literal["bearer", "sigv4", "none"]


class GatewayAuthError(RuntimeError):
    """The gateway request cannot be authenticated (e.g. SigV4 without any AWS credentials)."""


# --------------------------------------------------------------------------- choosing the auth


def is_aws_endpoint(url: str) -> bool:
    host = (urlparse(url).hostname or "").lower().rstrip(".")
    return host.endswith(".amazonaws.com")


def is_loopback(url: str) -> bool:
    host = (urlparse(url).hostname or "").lower()
    return host in _LOOPBACK_HOSTS or host.startswith("127.")


def gateway_auth_mode(gateway_url: str, bearer_token: str | None) -> AuthMode:
    if bearer_token:
        return "bearer"
    if is_aws_endpoint(gateway_url):
        return "sigv4"
    return "none"


def region_from_url(url: str) -> str | None:
    """The region label of an AWS endpoint host, e.g. ``gw.gateway.bedrock-agentcore.eu-west-1.amazonaws.com``."""
    host = (urlparse(url).hostname or "").lower()
    if not host.endswith(".amazonaws.com"):
        return None
    return next((label for label in reversed(host.split(".")) if _REGION_LABEL.match(label)), None)


# --------------------------------------------------------------------------- SigV4


_credentials_lock = threading.Lock()
_cached_credentials: Any = None


def default_credentials() -> Any:
    """botocore's default credential chain, resolved once per process (None if nothing is found yet).

    The resolved object refreshes itself (``RefreshableCredentials`` for the Runtime's container/role
    credentials), so callers take :meth:`get_frozen_credentials` on every request. While nothing is found the
    chain is consulted again on the next call.
    """
    global _cached_credentials
    with _credentials_lock:
        if _cached_credentials is None:
            import botocore.session

            _cached_credentials = botocore.session.get_session().get_credentials()
        return _cached_credentials


def _reset_credentials_cache() -> None:
    """For tests: forget the resolved credentials."""
    global _cached_credentials
    with _credentials_lock:
        _cached_credentials = None


class SigV4Signer:
    """Signs an ``httpx.Request`` in place with SigV4 (botocore ``SigV4Auth``)."""

    def __init__(
        self,
        region: str,
        *,
        service: str = SIGV4_SERVICE,
        credentials_provider: Callable[[], Any] = default_credentials,
    ) -> None:
        self.region = region
        self.service = service
        self._credentials_provider = credentials_provider

    def sign(self, request: httpx.Request) -> None:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        credentials = self._credentials_provider()
        # Frozen per request: a refreshable credential refreshes here when it is about to expire.
        frozen = credentials.get_frozen_credentials() if credentials is not None else None
        if frozen is None or not frozen.access_key or not frozen.secret_key:
            raise GatewayAuthError("no AWS credentials found to SigV4-sign the gateway request")
        for name in ("authorization", "x-amz-date", "x-amz-security-token"):
            request.headers.pop(name, None)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _UNSIGNED_HEADERS}
        aws_request = AWSRequest(method=request.method, url=str(request.url), data=request.content, headers=headers)
        SigV4Auth(frozen, self.service, self.region).add_auth(aws_request)
        for name in ("Authorization", "X-Amz-Date", "X-Amz-Security-Token"):
            value = aws_request.headers.get(name)
            if value is not None:
                request.headers[name] = value


# --------------------------------------------------------------------------- the httpx.Auth


def _retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class GatewayAuth(httpx.Auth):
    """Authenticates every MCP HTTP request to the Gateway and retries transient gateway answers.

    ``bearer_token`` wins over ``signer``; with neither the request goes out unauthenticated. ``max_attempts``
    counts the first attempt. ``sleep``/``async_sleep``/``random`` are injectable for tests.
    """

    requires_request_body = True  # SigV4 signs the body

    def __init__(
        self,
        *,
        bearer_token: str | None = None,
        signer: SigV4Signer | None = None,
        max_attempts: int = 3,
        backoff_base_seconds: float = BACKOFF_BASE_SECONDS,
        backoff_max_seconds: float = BACKOFF_MAX_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
        async_sleep: Callable[[float], Any] | None = None,
        random_fn: Callable[[], float] = random.random,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.bearer_token = bearer_token
        self.signer = signer
        self.max_attempts = max_attempts
        self.backoff_base_seconds = backoff_base_seconds
        self.backoff_max_seconds = backoff_max_seconds
        self._sleep = sleep
        self._async_sleep = async_sleep
        self._random = random_fn

    @property
    def mode(self) -> AuthMode:
        return "bearer" if self.bearer_token else "sigv4" if self.signer is not None else "none"

    def authenticate(self, request: httpx.Request) -> None:
        if self.bearer_token:
            request.headers["Authorization"] = f"Bearer {self.bearer_token}"
        elif self.signer is not None:
            self.signer.sign(request)

    def retry_delay(self, attempt: int, response: httpx.Response) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or None when ``response`` is final."""
        if response.status_code not in RETRYABLE_STATUSES or attempt >= self.max_attempts:
            if response.status_code in RETRYABLE_STATUSES:
                logger.warning(
                    "Gateway %s %s answered HTTP %d; giving up after %d attempt(s)",
                    response.request.method,
                    response.request.url,
                    response.status_code,
                    attempt,
                )
            return None
        delay: float = self._random() * min(self.backoff_max_seconds, self.backoff_base_seconds * 2 ** (attempt - 1))
        retry_after = _retry_after_seconds(response)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.backoff_max_seconds))
        logger.warning(
            "Gateway %s %s answered HTTP %d (attempt %d/%d); retrying in %.2fs",
            response.request.method,
            response.request.url,
            response.status_code,
            attempt,
            self.max_attempts,
            delay,
        )
        return delay

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        for attempt in range(1, self.max_attempts + 1):
            self.authenticate(request)  # again on each attempt: a fresh SigV4 date and credentials
            response = yield request
            delay = self.retry_delay(attempt, response)
            if delay is None:
                return
            self._sleep(delay)

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        for attempt in range(1, self.max_attempts + 1):
            self.authenticate(request)
            response = yield request
            delay = self.retry_delay(attempt, response)
            if delay is None:
                return
            if self._async_sleep is not None:
                await self._async_sleep(delay)
            else:
                import anyio

                await anyio.sleep(delay)


# --------------------------------------------------------------------------------------------------------------
# The MCP HTTP client every framework adapter uses (Strands MCPClient, langchain-mcp-adapters)
# --------------------------------------------------------------------------------------------------------------
#: JSON-RPC "internal error": what a request that never got a gateway answer becomes for the MCP client.
JSONRPC_INTERNAL_ERROR = -32603


class GatewayDeadlineExceeded(httpx.TimeoutException):
    """A gateway request still running at the turn's wall-time limit (cancelled there)."""


class GatewayLink:
    """What an adapter shares with the HTTP client of one MCP connection: the running turn's deadline and cancel
    event (set per turn: a connection kept across a session's turns serves one turn at a time), and the first
    transport failure seen on the connection."""

    def __init__(self) -> None:
        self.deadline: float | None = None
        self._cancel: threading.Event | None = None
        self.failure: str | None = None

    def begin_turn(self, deadline: float, cancel: threading.Event) -> None:
        self.deadline = deadline
        self._cancel = cancel

    def remaining(self) -> float | None:
        """Seconds left until the turn's deadline (None: no turn bounds the request)."""
        return None if self.deadline is None else self.deadline - time.monotonic()

    def expire(self) -> None:
        """The turn ran out of time inside a gateway request: the whole turn stops (504), not just this call."""
        if self._cancel is not None:
            self._cancel.set()

    def fail(self, reason: str) -> None:
        if self.failure is None:
            logger.warning("Gateway connection failed (%s); it is dropped and the next request reconnects", reason)
            self.failure = reason

    @property
    def failed(self) -> bool:
        return self.failure is not None


def _within(timeout: dict[str, float | None], seconds: float) -> dict[str, float | None]:
    """httpx per-request timeouts (connect/read/write/pool) clipped to ``seconds``."""
    return {name: seconds if value is None else min(value, seconds) for name, value in timeout.items()}


class GatewayHttpClient(httpx.AsyncClient):
    """The MCP client's HTTP client: :class:`GatewayAuth` on every request, and a request the gateway still fails
    after the retries (HTTP 429/5xx) answered as a JSON-RPC error for that request.

    The mcp client turns a non-2xx answer into a broken connection (every pending call fails, the agent's whole
    invocation with them); a JSON-RPC error is what it hands back to the one call instead, so a tool call the
    gateway could not serve becomes an error tool result the model can explain, never a crashed invocation.

    With a ``link``, every JSON-RPC request (POST) ends by the turn's deadline and any failure marks the link
    failed (see the module docs). The server's event stream (GET) and the session's close (DELETE) are left as the
    mcp SDK runs them: they are not part of a turn, and the SDK already tolerates their failures.
    """

    def __init__(self, *args: Any, link: GatewayLink | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.link = link

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        link = self.link
        if link is None or request.method != "POST":
            response = await super().send(request, **kwargs)
        else:
            response = await self._send_bounded(request, link, **kwargs)
        if response.status_code not in RETRYABLE_STATUSES or request.method != "POST":
            return response
        try:
            message = json.loads(request.content or b"{}")
        except ValueError:
            return response
        if not isinstance(message, dict) or "id" not in message:
            return response  # a notification: there is no call to answer
        await response.aclose()
        failure = f"The tool gateway answered HTTP {response.status_code} after retries"
        error = {
            "code": JSONRPC_INTERNAL_ERROR,
            # A tools/call may have run before the gateway failed (a refund issued): a new call would do it again.
            "message": f"{failure}; the tool call's outcome is unknown (it may have run): check its effect before "
            "calling it again"
            if message.get("method") == "tools/call"
            else f"{failure}; try again later",
        }
        return httpx.Response(
            200,
            json={"jsonrpc": "2.0", "id": message["id"], "error": error},
            request=request,
        )

    async def _send_bounded(self, request: httpx.Request, link: GatewayLink, **kwargs: Any) -> httpx.Response:
        remaining = link.remaining()
        try:
            if remaining is None:
                response = await super().send(request, **kwargs)
            else:
                if remaining <= 0:
                    raise TimeoutError
                # The scope bounds the whole exchange, retries and backoff included; the httpx timeouts (a moment
                # later, so the scope fires first) bound each read of an event-stream answer after send() returns.
                request.extensions["timeout"] = _within(request.extensions.get("timeout", {}), remaining + 1.0)
                with anyio.fail_after(remaining):
                    response = await super().send(request, **kwargs)
                    if not response.headers.get("content-type", "").startswith("text/event-stream"):
                        await response.aread()  # a JSON answer is read within the deadline too
        except TimeoutError:
            link.expire()
            link.fail("no answer within the request's time limit")
            raise GatewayDeadlineExceeded(
                "the gateway did not answer within the request's time limit", request=request
            ) from None
        except httpx.TransportError as error:
            left = link.remaining()
            if left is not None and left <= 0:
                link.expire()
            link.fail(f"{type(error).__name__}: {error}")
            raise
        if response.status_code >= 400:
            # After the retries: the mcp client treats any error answer as fatal to the connection; a 404 is an MCP
            # session the gateway no longer knows (MCP specification, "Transports", Session Management:
            # https://modelcontextprotocol.io/specification/2025-06-18/basic/transports#session-management; an
            # AgentCore Gateway session expires after its sessionTimeoutInSeconds, API reference
            # "SessionConfiguration": https://docs.aws.amazon.com/bedrock-agentcore-control/latest/APIReference/API_SessionConfiguration.html).
            link.fail(f"HTTP {response.status_code}")
        return response


@functools.cache
def verified_tls_context() -> ssl.SSLContext:
    """httpx's default TLS settings (certificate checks against certifi's CA bundle, or SSL_CERT_FILE/SSL_CERT_DIR),
    built once per process. httpx builds them anew for every client, parsing the whole CA bundle (about 20 ms of
    CPU: encode/httpx#3627, https://github.com/encode/httpx/issues/3627), and the mcp SDK makes a client per gateway
    session; one context serves every client (https://www.python-httpx.org/advanced/ssl/)."""
    return httpx.create_ssl_context()


def mcp_http_client_factory(auth: GatewayAuth, link: GatewayLink | None = None) -> Callable[..., httpx.AsyncClient]:
    """An ``httpx_client_factory`` for the mcp SDK's streamable HTTP client (and langchain-mcp-adapters):
    the mcp SDK's client defaults (its timeouts; httpx follows no redirect: the SDK follows one only within the
    gateway's origin, ``mcp.shared._httpx_utils.stream_within_origin``), our auth and failure mapping, the process's
    one TLS context, and the turn's deadline and failure tracking through ``link``."""

    def factory(
        headers: dict[str, str] | None = None, timeout: httpx.Timeout | None = None, auth: httpx.Auth | None = None
    ) -> httpx.AsyncClient:
        return GatewayHttpClient(
            headers=headers,
            timeout=timeout if timeout is not None else httpx.Timeout(30.0, read=300.0),
            auth=auth_for_gateway,
            verify=verified_tls_context(),
            link=link,
        )

    auth_for_gateway = auth
    return factory


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


def tool_call_meta(session_id: str | None, tool_call_id: str | None) -> dict[str, str]:
    """The ``_meta`` entries every ``tools/call`` carries: the runtime session and the model's id of this tool call.

    The gateway interceptor turns them into the reserved ``runtime_session_id``/``tool_call_id`` arguments; a retry of
    the same call (ours above, after a lost answer) sends the same pair, so a side-effecting tool (a refund) does its
    work once, and a tool that needs them refuses a call without them.
    """
    meta = {RUNTIME_SESSION_META: session_id, TOOL_CALL_ID_META: tool_call_id}
    return {key: value for key, value in meta.items() if value}
