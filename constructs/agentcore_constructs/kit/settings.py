"""Typed, validated agent settings, read only through the constructs' environment-variable contract.

Every value the constructs set on the Runtime is named in ``agentcore_constructs.contract``; this module
reads those names (never retyped strings) and fails fast with one error that lists every bad value.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from agentcore_constructs.contract import env_vars as contract
from agentcore_constructs.kit.auth import VerifierConfig

logger = logging.getLogger(__name__)

#: One of ``contract.MODEL_PROVIDER.choices`` / ``contract.RETRY_MODE.choices`` (checked by :func:`load_settings`).
ModelProvider = str
RetryMode = str

#: Local-only knob (not part of the Runtime contract: the deployed agent uses AgentCore Memory, never files).
LOCAL_MEMORY_DIR_ENV = "LOCAL_MEMORY_DIR"
DEFAULT_LOCAL_MEMORY_DIR = ".local/memory"

#: The seed's model; the constructs always set MODEL_ID, so this only matters for local Bedrock runs.
DEFAULT_MODEL_ID = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
DEFAULT_REGION = "us-east-1"
#: Connecting is quick or broken; a long connect timeout only delays the retry.
MAX_CONNECT_TIMEOUT_SECONDS = 10.0
DEFAULT_ENVIRONMENT = "local"

_MEMORY_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,99}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_ENVIRONMENT = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
#: AgentCore Identity credential provider names.
_PROVIDER_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def _one_of(var: contract.EnvVar) -> str:
    return "one of " + ", ".join(repr(choice) for choice in var.choices)


class SettingsError(ValueError):
    """The agent's environment is misconfigured; the message lists every problem."""


@dataclass(frozen=True)
class Settings:
    model_provider: ModelProvider
    #: Why this provider was chosen (env var or credential auto-detection), for the startup log line.
    model_provider_reason: str
    model_id: str
    model_region: str
    retry_max_attempts: int
    retry_mode: RetryMode
    http_timeout_seconds: float
    log_level: str
    environment: str
    memory_id: str | None
    gateway_url: str | None
    local_memory_dir: Path
    #: AgentCore Identity credential provider for user-scoped external tokens (None = off); see outbound.py.
    outbound_oauth_provider: str | None = None
    outbound_oauth_scopes: tuple[str, ...] = ()
    #: Per-invocation limits (the contract's defaults when unset).
    max_turns: int = contract.DEFAULT_MAX_TURNS
    max_total_tokens: int = contract.DEFAULT_MAX_TOTAL_TOKENS
    max_seconds: float = float(contract.DEFAULT_MAX_SECONDS)
    #: The identity the agent verifies bearer tokens against (AUTH_*); None: no identity, tokens are refused.
    auth: VerifierConfig | None = None

    @property
    def connect_timeout_seconds(self) -> float:
        return min(self.http_timeout_seconds, MAX_CONNECT_TIMEOUT_SECONDS)


def aws_credentials_available() -> bool:
    """True when botocore's default credential chain finds credentials (no AWS API call is made)."""
    import botocore.session

    try:
        return botocore.session.get_session().get_credentials() is not None
    except Exception:  # a broken profile is "no usable credentials" for the offline default
        return False


def load_settings(
    environ: Mapping[str, str] | None = None,
    *,
    credentials_available: Callable[[], bool] = aws_credentials_available,
) -> Settings:
    """Read and validate the settings; raise :class:`SettingsError` naming every bad variable."""
    env = os.environ if environ is None else environ
    errors: list[str] = []

    def get(var: contract.EnvVar) -> str | None:
        value = env.get(var.name)
        return value.strip() if value is not None and value.strip() else None

    provider_raw = get(contract.MODEL_PROVIDER)
    bedrock, offline = contract.MODEL_PROVIDER.choices
    provider: ModelProvider = offline
    if provider_raw is None:
        # Lazy on purpose: probing the credential chain is only needed when the provider is not given.
        if credentials_available():
            provider, reason = bedrock, f"{contract.MODEL_PROVIDER.name} unset and AWS credentials found"
        else:
            provider, reason = offline, f"{contract.MODEL_PROVIDER.name} unset and no AWS credentials found"
    elif provider_raw.lower() in contract.MODEL_PROVIDER.choices:
        provider = provider_raw.lower()
        reason = f"{contract.MODEL_PROVIDER.name}={provider_raw}"
    else:
        reason = ""
        errors.append(f"{contract.MODEL_PROVIDER.name}={provider_raw!r}: expected {_one_of(contract.MODEL_PROVIDER)}")

    model_id = get(contract.MODEL_ID) or DEFAULT_MODEL_ID
    if len(model_id) > 2048 or any(c.isspace() for c in model_id):
        errors.append(f"{contract.MODEL_ID.name}={model_id!r}: not a model or inference-profile id")

    region = get(contract.MODEL_REGION) or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
    if not _REGION.match(region):
        errors.append(f"{contract.MODEL_REGION.name}={region!r}: not an AWS region name (e.g. us-east-1)")

    def bounded_int(var: contract.EnvVar, default: int) -> int:
        raw = get(var)
        if raw is None:
            return default
        try:
            value = int(raw)
            if not var.in_range(value):
                raise ValueError
        except ValueError:
            errors.append(f"{var.name}={raw!r}: expected an integer from {var.minimum} to {var.maximum}")
            return default
        return value

    attempts = bounded_int(contract.RETRY_MAX_ATTEMPTS, contract.DEFAULT_RETRY_MAX_ATTEMPTS)

    retry_mode_raw = get(contract.RETRY_MODE) or contract.DEFAULT_RETRY_MODE
    if retry_mode_raw not in contract.RETRY_MODE.choices:
        errors.append(f"{contract.RETRY_MODE.name}={retry_mode_raw!r}: expected {_one_of(contract.RETRY_MODE)}")

    timeout = float(contract.DEFAULT_HTTP_TIMEOUT_SECONDS)
    timeout_raw = get(contract.HTTP_TIMEOUT_SECONDS)
    if timeout_raw is not None:
        try:
            timeout = float(timeout_raw)
            if not contract.HTTP_TIMEOUT_SECONDS.in_range(timeout):
                raise ValueError
        except ValueError:
            errors.append(
                f"{contract.HTTP_TIMEOUT_SECONDS.name}={timeout_raw!r}: expected seconds from "
                f"{contract.HTTP_TIMEOUT_SECONDS.minimum} to {contract.HTTP_TIMEOUT_SECONDS.maximum}"
            )

    max_turns = bounded_int(contract.MAX_TURNS, contract.DEFAULT_MAX_TURNS)
    max_total_tokens = bounded_int(contract.MAX_TOTAL_TOKENS, contract.DEFAULT_MAX_TOTAL_TOKENS)
    max_seconds = bounded_int(contract.MAX_SECONDS, contract.DEFAULT_MAX_SECONDS)

    auth: VerifierConfig | None = None
    try:
        auth = VerifierConfig.from_env(env)
    except ValueError as error:
        errors.append(str(error))

    log_level = (get(contract.LOG_LEVEL) or "INFO").upper()
    if log_level not in contract.LOG_LEVEL.choices:
        errors.append(f"{contract.LOG_LEVEL.name}={log_level!r}: expected {_one_of(contract.LOG_LEVEL)}")

    environment = get(contract.ENVIRONMENT_NAME) or DEFAULT_ENVIRONMENT
    if not _ENVIRONMENT.match(environment):
        errors.append(f"{contract.ENVIRONMENT_NAME.name}={environment!r}: expected 1-32 of [A-Za-z0-9_-]")

    memory_id = get(contract.MEMORY_ID)
    if memory_id is not None and not _MEMORY_ID.match(memory_id):
        errors.append(f"{contract.MEMORY_ID.name}={memory_id!r}: not an AgentCore Memory id")

    gateway_url = get(contract.GATEWAY_URL)
    if gateway_url is not None:
        parsed = urlparse(gateway_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            errors.append(f"{contract.GATEWAY_URL.name}={gateway_url!r}: expected an http(s) URL")

    local_memory_dir = Path(env.get(LOCAL_MEMORY_DIR_ENV) or DEFAULT_LOCAL_MEMORY_DIR)

    outbound_provider = get(contract.OUTBOUND_OAUTH_PROVIDER)
    outbound_scopes = tuple((get(contract.OUTBOUND_OAUTH_SCOPES) or "").split())
    if outbound_provider is not None and not _PROVIDER_NAME.match(outbound_provider):
        errors.append(
            f"{contract.OUTBOUND_OAUTH_PROVIDER.name}={outbound_provider!r}: not a credential provider name "
            f"([A-Za-z0-9_-]{{1,128}})"
        )
    if outbound_provider is None and outbound_scopes:
        errors.append(
            f"{contract.OUTBOUND_OAUTH_SCOPES.name} is set but {contract.OUTBOUND_OAUTH_PROVIDER.name} is not: "
            "scopes need a credential provider"
        )

    if errors:
        raise SettingsError("Invalid agent configuration:\n  - " + "\n  - ".join(errors))

    return Settings(
        model_provider=provider,
        model_provider_reason=reason,
        model_id=model_id,
        model_region=region,
        retry_max_attempts=attempts,
        retry_mode=retry_mode_raw,
        http_timeout_seconds=timeout,
        log_level=log_level,
        environment=environment,
        memory_id=memory_id,
        gateway_url=gateway_url,
        local_memory_dir=local_memory_dir,
        outbound_oauth_provider=outbound_provider,
        outbound_oauth_scopes=outbound_scopes,
        max_turns=max_turns,
        max_total_tokens=max_total_tokens,
        max_seconds=float(max_seconds),
        auth=auth,
    )
