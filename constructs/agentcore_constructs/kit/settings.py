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
from typing import TypeVar
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


_Number = TypeVar("_Number", int, float)


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
    """Read and validate the settings; raise :class:`SettingsError` naming every bad variable, one per line.

    A contract variable's choices, bounds and default are the contract's own (:class:`contract.EnvVar`)."""
    reader = _Reader(os.environ if environ is None else environ)
    get = reader.get

    provider, reason = _model_provider(reader, credentials_available)
    model_id = get(contract.MODEL_ID) or DEFAULT_MODEL_ID
    reader.check(
        contract.MODEL_ID,
        model_id,
        len(model_id) <= 2048 and not any(c.isspace() for c in model_id),
        "a model or inference-profile id",
    )
    env = reader.environ
    region = get(contract.MODEL_REGION) or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
    reader.check(contract.MODEL_REGION, region, bool(_REGION.match(region)), "an AWS region name (e.g. us-east-1)")

    auth: VerifierConfig | None = None
    try:
        auth = VerifierConfig.from_env(env)
    except ValueError as error:  # its message names the AUTH_* variables
        reader.errors.append(str(error))

    environment = get(contract.ENVIRONMENT_NAME) or DEFAULT_ENVIRONMENT
    reader.check(contract.ENVIRONMENT_NAME, environment, bool(_ENVIRONMENT.match(environment)), "1-32 of [A-Za-z0-9_-]")
    memory_id = get(contract.MEMORY_ID)
    reader.check(
        contract.MEMORY_ID, memory_id, memory_id is None or bool(_MEMORY_ID.match(memory_id)), "an AgentCore Memory id"
    )
    gateway_url = get(contract.GATEWAY_URL)
    reader.check(contract.GATEWAY_URL, gateway_url, gateway_url is None or _is_http_url(gateway_url), "an http(s) URL")

    outbound_provider = get(contract.OUTBOUND_OAUTH_PROVIDER)
    reader.check(
        contract.OUTBOUND_OAUTH_PROVIDER,
        outbound_provider,
        outbound_provider is None or bool(_PROVIDER_NAME.match(outbound_provider)),
        "a credential provider name ([A-Za-z0-9_-]{1,128})",
    )
    outbound_scopes = tuple((get(contract.OUTBOUND_OAUTH_SCOPES) or "").split())
    if outbound_provider is None and outbound_scopes:
        reader.errors.append(
            f"{contract.OUTBOUND_OAUTH_SCOPES.name}: is set but {contract.OUTBOUND_OAUTH_PROVIDER.name} is not "
            "(scopes need a credential provider)"
        )

    settings = Settings(
        model_provider=provider,
        model_provider_reason=reason,
        model_id=model_id,
        model_region=region,
        retry_max_attempts=reader.bounded(contract.RETRY_MAX_ATTEMPTS, int),
        retry_mode=reader.choice(contract.RETRY_MODE),
        http_timeout_seconds=reader.bounded(contract.HTTP_TIMEOUT_SECONDS, float),
        log_level=reader.choice(contract.LOG_LEVEL),
        environment=environment,
        memory_id=memory_id,
        gateway_url=gateway_url,
        local_memory_dir=Path(env.get(LOCAL_MEMORY_DIR_ENV) or DEFAULT_LOCAL_MEMORY_DIR),
        outbound_oauth_provider=outbound_provider,
        outbound_oauth_scopes=outbound_scopes,
        max_turns=reader.bounded(contract.MAX_TURNS, int),
        max_total_tokens=reader.bounded(contract.MAX_TOTAL_TOKENS, int),
        max_seconds=float(reader.bounded(contract.MAX_SECONDS, int)),
        auth=auth,
    )
    if reader.errors:
        raise SettingsError("\n".join(reader.errors))
    return settings


class _Reader:
    """Reads contract variables from ``environ``; records each bad one as ``<VAR_NAME>: <what is wrong>``."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.errors: list[str] = []

    def get(self, var: contract.EnvVar) -> str | None:
        """The variable's value, None when unset or blank."""
        value = self.environ.get(var.name)
        return value.strip() if value is not None and value.strip() else None

    def check(self, var: contract.EnvVar, value: str | None, ok: bool, expected: str) -> None:
        if not ok:
            self.errors.append(f"{var.name}: {value!r} must be {expected}")

    def choice(self, var: contract.EnvVar, fallback: str | None = None) -> str:
        """One of the contract's choices (any case), else its default (``fallback`` for a variable without one)."""
        default = str(var.default) if var.default is not None else str(fallback)
        raw = self.get(var)
        by_folded = {choice.casefold(): choice for choice in var.choices}
        if raw is None:
            return default
        if raw.casefold() not in by_folded:
            self.check(var, raw, False, _one_of(var))
            return default
        return by_folded[raw.casefold()]

    def bounded(self, var: contract.EnvVar, parse: Callable[[str], _Number]) -> _Number:
        """A number within the contract's bounds, else its default."""
        default = parse(str(var.default))
        raw = self.get(var)
        if raw is None:
            return default
        try:
            value = parse(raw)
        except ValueError:
            value = None
        if value is None or not var.in_range(value):
            kind = "an integer" if parse is int else "a number"
            self.check(var, raw, False, f"{kind} {var.range_text()}")
            return default
        return value


def _model_provider(reader: _Reader, credentials_available: Callable[[], bool]) -> tuple[ModelProvider, str]:
    """The provider and why it was chosen: the variable when set, else the credentials found."""
    var = contract.MODEL_PROVIDER
    bedrock, offline = var.choices
    raw = reader.get(var)
    if raw is not None:
        return reader.choice(var, fallback=offline), f"{var.name}={raw}"
    # Lazy on purpose: probing the credential chain is only needed when the provider is not given.
    if credentials_available():
        return bedrock, f"{var.name} unset and AWS credentials found"
    return offline, f"{var.name} unset and no AWS credentials found"


def _is_http_url(value: str) -> bool:
    parsed = urlparse(value)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)
