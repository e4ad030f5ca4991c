"""Order service: AgentCore Gateway Lambda target (the seed PoC's ``lookup_order``, without the hardcoded key).

Gateway Lambda contract
    ``event`` is the tool-arguments dict. ``context.client_context.custom["bedrockAgentCoreToolName"]`` is
    ``<target>___<tool>``; the target prefix is stripped and the call dispatched on the tool name.
    Every outcome is a dict: the tool result, or a structured error
    ``{"error": {"code": ..., "message": ..., "retryable": bool}}`` -- never an unhandled exception.

Environment (names in :mod:`order_service.tools`)
    ``ORDERS_API_BASE_URL`` (required), ``ORDERS_API_KEY_SECRET_ARN`` (required),
    ``ORDERS_API_TIMEOUT_SECONDS`` (3), ``ORDERS_API_MAX_ATTEMPTS`` (3), ``ORDERS_API_BACKOFF_BASE_SECONDS`` (0.2),
    ``ORDERS_API_BACKOFF_MAX_SECONDS`` (2), ``ORDERS_API_KEY_CACHE_SECONDS`` (300).

Secret
    SecretString is JSON ``{"api_key": "<key>"}``. Read through Powertools ``parameters.get_secret`` with
    ``max_age`` caching: one Secrets Manager call per container per cache lifetime, not one per invocation.
    A missing, unreadable, malformed or empty secret yields ``NOT_CONFIGURED`` ("tool not configured").

Upstream
    ``GET {ORDERS_API_BASE_URL}/orders/{order_id}`` with ``X-API-Key``; plus ``X-Customer-Id: <caller_id>`` when the
    Gateway interceptor injected the reserved ``caller_id`` argument (the upstream then answers 404 for orders of
    other customers). 5xx, 429, timeouts and connection errors are retried with exponential backoff and full
    jitter; 404 and other 4xx are not.

Adding a tool: one :class:`~order_service.tools.ToolDeclaration` in ``tools.py`` + one ``@ROUTER.tool("name")``
function here. The router refuses to start if a declaration has no implementation or vice versa.
"""

from __future__ import annotations

import contextvars
import json
import os
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import urllib3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities import parameters

from agentcore_constructs.contract import tools as tool_contract

from .tools import (
    CALLER_ID_ARGUMENT,
    ENV_API_KEY_SECRET_ARN,
    ENV_BACKOFF_BASE_SECONDS,
    ENV_BACKOFF_MAX_SECONDS,
    ENV_BASE_URL,
    ENV_MAX_ATTEMPTS,
    ENV_SECRET_MAX_AGE_SECONDS,
    ENV_TIMEOUT_SECONDS,
    SECRET_API_KEY_FIELD,
    TARGET_NAME,
    TOOLS,
    ArgumentError,
    ToolDeclaration,
    strip_target_prefix,
    tools_by_name,
    validate_arguments,
)

#: Powertools service name: POWERTOOLS_SERVICE_NAME, which LambdaTool sets to the gateway target name (the
#: dashboard's tool row searches for exactly that value); the target name when unset (local runs, tests).
SERVICE = os.environ.get(tool_contract.POWERTOOLS_SERVICE_NAME_ENV) or TARGET_NAME
METRICS_NAMESPACE = tool_contract.TOOL_METRICS_NAMESPACE

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE)

# Error codes of the structured tool error.
INVALID_ARGUMENT = "INVALID_ARGUMENT"
UNAUTHENTICATED = "UNAUTHENTICATED"
UNKNOWN_TOOL = "UNKNOWN_TOOL"
NOT_FOUND = "NOT_FOUND"
NOT_CONFIGURED = "NOT_CONFIGURED"
UPSTREAM_ERROR = "UPSTREAM_ERROR"
UPSTREAM_UNAVAILABLE = "UPSTREAM_UNAVAILABLE"
INTERNAL = "INTERNAL"

TOOL_NAME_KEY = "bedrockAgentCoreToolName"
#: A retry is only started if one more attempt (timeout + backoff) fits in the invocation's remaining time minus this.
DEADLINE_SAFETY_SECONDS = 0.25
MAX_RESPONSE_BYTES = 1_000_000

# Injectable for tests: the backoff sleep and the jitter source (``_random()`` in [0, 1)).
_sleep: Callable[[float], None] = time.sleep
_random: Callable[[], float] = random.random

# Monotonic deadline of the current invocation (from context.get_remaining_time_in_millis), None if unknown.
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("order_service_deadline", default=None)

# One pool per container: connections are reused across invocations. Retries are ours, not urllib3's.
_http = urllib3.PoolManager(retries=False, maxsize=4)


class ToolError(Exception):
    """A failure to report to the model as a structured tool error."""

    def __init__(self, code: str, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = retryable

    def to_result(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "retryable": self.retryable}}


# --------------------------------------------------------------------------- dev-only seam


@dataclass(frozen=True)
class DevRuntime:
    """DEV ONLY. Configuration and secret values for running the handler without AWS (local_dev/gateway.py).

    Set per invocation through :data:`DEV_RUNTIME` (a ``ContextVar``, so it is scoped to the calling context and
    cannot leak into other invocations or be set from the environment). In Lambda it is never set, and the handler
    reads ``os.environ`` and Secrets Manager (Powertools) only.
    """

    env: Mapping[str, str] = field(default_factory=dict)
    secrets: Mapping[str, str] = field(default_factory=dict)  # secret id -> SecretString


DEV_RUNTIME: contextvars.ContextVar[DevRuntime | None] = contextvars.ContextVar(
    "order_service_dev_runtime", default=None
)


def _env(name: str) -> str | None:
    dev = DEV_RUNTIME.get()
    if dev is not None and name in dev.env:
        return dev.env[name]
    return os.environ.get(name)


def _read_secret_string(secret_id: str, max_age: int) -> str | None:
    dev = DEV_RUNTIME.get()
    if dev is not None:
        return dev.secrets.get(secret_id)
    value = parameters.get_secret(secret_id, max_age=max_age)
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    return value


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class Settings:
    base_url: str
    secret_id: str
    timeout_seconds: float
    max_attempts: int
    backoff_base_seconds: float
    backoff_max_seconds: float
    secret_max_age_seconds: int


def _number(name: str, default: float, low: float, high: float, cast: Callable[[str], float]) -> float:
    raw = _env(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = cast(raw)
    except ValueError:
        raise ToolError(NOT_CONFIGURED, f"tool not configured: {name} is not a number") from None
    if not low <= value <= high:
        raise ToolError(NOT_CONFIGURED, f"tool not configured: {name} must be between {low} and {high}")
    return value


def caller_required() -> bool:
    """Whether a call needs a verified caller: yes unless the construct says the gateway has no identity stage."""
    return (_env(tool_contract.CALLER_REQUIRED_ENV) or "true").strip().lower() != "false"


def load_settings() -> Settings:
    """Read the configuration for this invocation (cheap; environment only). Raises ``ToolError``."""
    base_url = (_env(ENV_BASE_URL) or "").strip().rstrip("/")
    secret_id = (_env(ENV_API_KEY_SECRET_ARN) or "").strip()
    if not base_url.startswith(("https://", "http://")):
        raise ToolError(NOT_CONFIGURED, f"tool not configured: {ENV_BASE_URL} is not set to an http(s) URL")
    if not secret_id:
        raise ToolError(NOT_CONFIGURED, f"tool not configured: {ENV_API_KEY_SECRET_ARN} is not set")
    return Settings(
        base_url=base_url,
        secret_id=secret_id,
        timeout_seconds=_number(ENV_TIMEOUT_SECONDS, 3.0, 0.01, 60.0, float),
        max_attempts=int(_number(ENV_MAX_ATTEMPTS, 3, 1, 10, int)),
        backoff_base_seconds=_number(ENV_BACKOFF_BASE_SECONDS, 0.2, 0.0, 10.0, float),
        backoff_max_seconds=_number(ENV_BACKOFF_MAX_SECONDS, 2.0, 0.0, 30.0, float),
        secret_max_age_seconds=int(_number(ENV_SECRET_MAX_AGE_SECONDS, 300, 0, 86_400, int)),
    )


def get_api_key(settings: Settings) -> str:
    """The orders API key from the secret (JSON ``{"api_key": "..."}``), cached by Powertools. Raises ``ToolError``."""
    not_configured = ToolError(NOT_CONFIGURED, "tool not configured: the orders API key secret is missing or invalid")
    try:
        raw = _read_secret_string(settings.secret_id, settings.secret_max_age_seconds)
    except parameters.GetParameterError:
        logger.exception("cannot read the orders API key secret", extra={"secret_id": settings.secret_id})
        raise not_configured from None
    try:
        document = json.loads(raw) if raw else None
    except ValueError:
        document = None
    key = document.get(SECRET_API_KEY_FIELD) if isinstance(document, dict) else None
    if not isinstance(key, str) or not key.strip():
        logger.error(
            "orders API key secret is not JSON with a non-empty api_key",
            extra={"secret_id": settings.secret_id},
        )
        raise not_configured
    return key.strip()


# --------------------------------------------------------------------------- upstream HTTP with retries


def backoff_delay(retry_number: int, base: float, cap: float) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2 ** (retry_number - 1))]; ``retry_number`` starts at 1."""
    return _random() * min(cap, base * (2 ** (retry_number - 1)))


@tracer.capture_method(capture_response=False)
def call_upstream(settings: Settings, path: str, headers: Mapping[str, str]) -> tuple[int, bytes]:
    """GET ``base_url + path`` with bounded retries. Returns (status, body) of the first non-retryable answer."""
    url = settings.base_url + path
    last_failure = ""
    attempts = 0
    for attempt in range(1, settings.max_attempts + 1):
        if attempt > 1:
            delay = backoff_delay(attempt - 1, settings.backoff_base_seconds, settings.backoff_max_seconds)
            deadline = _DEADLINE.get()
            if deadline is not None and time.monotonic() + delay + settings.timeout_seconds > deadline:
                last_failure += "; no time left for another attempt"
                break
            metrics.add_metric(name="UpstreamRetries", unit=MetricUnit.Count, value=1)
            _sleep(delay)
        attempts = attempt
        try:
            response = _http.request(
                "GET",
                url,
                headers=dict(headers),
                timeout=urllib3.Timeout(total=settings.timeout_seconds),
                redirect=False,
            )
        except urllib3.exceptions.NewConnectionError as exc:  # before TimeoutError: urllib3 subclasses it
            last_failure = f"connection error ({type(exc).__name__})"
        except urllib3.exceptions.TimeoutError:
            last_failure = f"timed out after {settings.timeout_seconds:g}s"
        except urllib3.exceptions.HTTPError as exc:
            last_failure = f"connection error ({type(exc).__name__})"
        else:
            if response.status != 429 and response.status < 500:  # 429 and every 5xx are retried
                return response.status, response.data
            last_failure = f"HTTP {response.status}"
        logger.warning("orders API attempt failed", extra={"attempt": attempt, "failure": last_failure})
    raise ToolError(
        UPSTREAM_UNAVAILABLE,
        f"orders API unavailable after {attempts} attempt(s) (last: {last_failure}); try again later",
        retryable=True,
    )


# --------------------------------------------------------------------------- dispatch

ToolFunction = Callable[[dict[str, Any]], dict[str, Any]]


class ToolRouter:
    """Maps tool names (declared in tools.py) to implementations; turns every outcome into a dict."""

    def __init__(self, declarations: tuple[ToolDeclaration, ...]) -> None:
        self.declarations = tools_by_name(declarations)
        self.implementations: dict[str, ToolFunction] = {}

    def tool(self, name: str) -> Callable[[ToolFunction], ToolFunction]:
        if name not in self.declarations:
            raise ValueError(f"tool {name!r} is not declared in tools.py")

        def register(fn: ToolFunction) -> ToolFunction:
            if name in self.implementations:
                raise ValueError(f"tool {name!r} is implemented twice")
            self.implementations[name] = fn
            return fn

        return register

    def check_complete(self) -> None:
        missing = sorted(set(self.declarations) - set(self.implementations))
        if missing:
            raise RuntimeError(f"declared tools without implementation: {missing}")

    def handle(self, event: Any, context: Any) -> dict[str, Any]:
        token = _DEADLINE.set(_deadline_of(context))
        try:
            return self._handle(event, context)
        finally:
            _DEADLINE.reset(token)

    def _handle(self, event: Any, context: Any) -> dict[str, Any]:
        tool = "unknown"
        try:
            tool = self._tool_name(context)
            logger.append_keys(tool=tool)
            declaration = self.declarations.get(tool)
            if declaration is None or tool not in self.implementations:
                raise ToolError(UNKNOWN_TOOL, f"unknown tool {tool[:128]!r}")
            try:
                arguments = validate_arguments(declaration, event)
            except ArgumentError as exc:
                raise ToolError(INVALID_ARGUMENT, str(exc)) from None
            if CALLER_ID_ARGUMENT not in arguments and caller_required():
                # Fail closed: with the identity stage on, a call the interceptor did not stamp with a verified
                # caller never runs (it would return any customer's data).
                raise ToolError(UNAUTHENTICATED, "no verified caller on this tool call; sign in and try again")
            logger.info("tool invoked", extra={"has_caller_id": CALLER_ID_ARGUMENT in arguments})
            result = self.implementations[tool](arguments)
            return result
        except ToolError as exc:
            logger.info("tool error", extra={"code": exc.code, "error_message": exc.message})
            _record_error(tool, exc.code)
            return exc.to_result()
        except Exception:  # the contract: never an unhandled exception
            logger.exception("unexpected tool failure")
            _record_error(tool, INTERNAL)
            return ToolError(INTERNAL, "internal error in the order service", retryable=True).to_result()

    @staticmethod
    def _tool_name(context: Any) -> str:
        client_context = getattr(context, "client_context", None)
        custom = getattr(client_context, "custom", None)
        name = custom.get(TOOL_NAME_KEY) if isinstance(custom, Mapping) else None
        if not isinstance(name, str) or not name:
            raise ToolError(UNKNOWN_TOOL, f"missing tool name (client_context.custom.{TOOL_NAME_KEY})")
        return strip_target_prefix(name)


def _deadline_of(context: Any) -> float | None:
    try:
        remaining_ms = context.get_remaining_time_in_millis()
        return time.monotonic() + float(remaining_ms) / 1000 - DEADLINE_SAFETY_SECONDS
    except Exception:  # no usable Lambda context: no deadline
        return None


def _record_error(tool: str, code: str) -> None:
    known = tool if tool in ROUTER.declarations else "unknown"  # bounded dimension cardinality
    with single_metric(
        name=tool_contract.TOOL_ERRORS_METRIC,
        unit=MetricUnit.Count,
        value=1,
        namespace=METRICS_NAMESPACE,
        default_dimensions={
            tool_contract.SERVICE_DIMENSION: SERVICE,
            tool_contract.TOOL_DIMENSION: known,
            tool_contract.CODE_DIMENSION: code,
        },
    ):
        pass


ROUTER = ToolRouter(TOOLS)


# --------------------------------------------------------------------------- tools


@ROUTER.tool("lookup_order")
def lookup_order(arguments: dict[str, Any]) -> dict[str, Any]:
    order_id: str = arguments["order_id"]
    settings = load_settings()
    headers = {"X-API-Key": get_api_key(settings), "Accept": "application/json"}
    if CALLER_ID_ARGUMENT in arguments:
        headers["X-Customer-Id"] = arguments[CALLER_ID_ARGUMENT]
    status, body = call_upstream(settings, f"/orders/{quote(order_id, safe='')}", headers)
    if status == 404:
        raise ToolError(NOT_FOUND, f"order {order_id} not found")
    if status in (401, 403):
        logger.error("orders API rejected the service credentials", extra={"status": status})
        raise ToolError(UPSTREAM_ERROR, "the orders API rejected the order service's credentials")
    if status != 200:
        raise ToolError(UPSTREAM_ERROR, f"the orders API rejected the request (HTTP {status})")
    if len(body) > MAX_RESPONSE_BYTES:
        raise ToolError(UPSTREAM_ERROR, "the orders API returned an oversized response")
    try:
        order = json.loads(body)
    except ValueError:
        order = None
    if not isinstance(order, dict):
        raise ToolError(UPSTREAM_ERROR, "the orders API returned a malformed response")
    metrics.add_metric(name="OrderLookups", unit=MetricUnit.Count, value=1)
    return order


ROUTER.check_complete()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    metrics.add_metric(name="ToolInvocations", unit=MetricUnit.Count, value=1)
    return ROUTER.handle(event, context)
