"""Configuration of one invocation (environment and the API-key secret), and the DEV-only seam local_dev uses."""

from __future__ import annotations

import contextvars
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from aws_lambda_powertools.utilities import parameters

from agentcore_constructs.contract import tools as tool_contract
from order_service.errors import NOT_CONFIGURED, ToolError
from order_service.observability import logger
from order_service.tools import (
    ENV_API_KEY_SECRET_ARN,
    ENV_BACKOFF_BASE_SECONDS,
    ENV_BACKOFF_MAX_SECONDS,
    ENV_BASE_URL,
    ENV_MAX_ATTEMPTS,
    ENV_SECRET_MAX_AGE_SECONDS,
    ENV_TIMEOUT_SECONDS,
    SECRET_API_KEY_FIELD,
)


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
