"""The environment-variable contract between the constructs and the agent (agent_src).

Written once, here. The constructs set these variables on the AgentCore Runtime; the agent reads them.
This module is pure Python (no CDK import) so the agent can import it at run time: the agent bundle
installs this library with ``--no-deps``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EnvVar:
    """One variable: its name, who sets it, what it means and, for a bounded one, the values the agent accepts.

    ``choices``, ``minimum``, ``maximum`` and ``default`` are read by every side that checks or defaults the value (the
    app config, the ``AgentRuntime`` props and the agent's settings), so the three agree on what is allowed and on
    what an unset variable means.
    """

    name: str
    set_by: str
    meaning: str
    #: The values a choice variable may take (empty: not a choice).
    choices: tuple[str, ...] = ()
    #: Inclusive bounds of a numeric variable (None: unbounded on that side).
    minimum: int | None = None
    maximum: int | None = None
    #: What the agent assumes when the variable is unset, and the construct's and the config's default (None: no
    #: contract default; the agent decides, e.g. from the credentials it finds, or the construct requires it).
    default: int | str | None = None

    def in_range(self, value: float) -> bool:
        """True when ``value`` lies within this variable's bounds."""
        return (self.minimum is None or value >= self.minimum) and (self.maximum is None or value <= self.maximum)

    def range_text(self) -> str:
        """The bounds for an error message: ``1..10`` or ``>= 1000``."""
        if self.maximum is None:
            return f">= {self.minimum}"
        return f"{self.minimum}..{self.maximum}"


#: The Runtime ends a synchronous invocation after 15 minutes (AgentCore guide, "Runtime quotas"): no budget beyond.
MAX_SECONDS_CEILING = 900


MODEL_PROVIDER = EnvVar(
    "MODEL_PROVIDER",
    "AgentRuntime",
    "'bedrock' (deployed default) or 'offline' (deterministic dev driver)",
    choices=("bedrock", "offline"),
)
MODEL_ID = EnvVar("MODEL_ID", "AgentRuntime", "Bedrock model or inference-profile id the agent invokes")
MODEL_REGION = EnvVar("MODEL_REGION", "AgentRuntime", "Region of the Bedrock endpoint the agent calls")
RETRY_MAX_ATTEMPTS = EnvVar(
    "AGENT_RETRY_MAX_ATTEMPTS",
    "AgentRuntime",
    "Total attempts (first call + retries) for every remote call",
    minimum=1,
    maximum=10,
    default=4,
)
#: botocore's retry modes besides "legacy" (botocore "Retries" guide,
#: https://docs.aws.amazon.com/boto3/latest/guide/retries.html).
RETRY_MODE = EnvVar(
    "AGENT_RETRY_MODE",
    "AgentRuntime",
    "botocore retry mode for AWS calls",
    choices=("adaptive", "standard"),
    default="adaptive",
)
#: At most the Runtime's own request limit, 15 minutes.
HTTP_TIMEOUT_SECONDS = EnvVar(
    "AGENT_HTTP_TIMEOUT_SECONDS",
    "AgentRuntime",
    "Read timeout for every remote call, seconds",
    minimum=1,
    maximum=MAX_SECONDS_CEILING,
    default=60,
)
MAX_TURNS = EnvVar(
    "AGENT_MAX_TURNS",
    "AgentRuntime",
    "Most model turns (model call + its tools) one invocation may take",
    minimum=1,
    maximum=100,
    default=8,
)
MAX_TOTAL_TOKENS = EnvVar(
    "AGENT_MAX_TOTAL_TOKENS",
    "AgentRuntime",
    "Most input+output tokens one invocation may spend (soft cap)",
    minimum=1000,
    maximum=10_000_000,
    default=100_000,
)
MAX_SECONDS = EnvVar(
    "AGENT_MAX_SECONDS",
    "AgentRuntime",
    "Most wall-clock seconds one invocation may take",
    minimum=1,
    maximum=MAX_SECONDS_CEILING,
    default=120,
)
#: Python's logging level names (``logging`` module, "Logging Levels").
LOG_LEVEL = EnvVar(
    "LOG_LEVEL",
    "AgentRuntime",
    "Python log level of the agent",
    choices=("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"),
    default="INFO",
)
ENVIRONMENT_NAME = EnvVar(
    "AGENT_ENVIRONMENT", "AgentRuntime", "Name of the deployment environment (dev, staging, prod)"
)
MEMORY_ID = EnvVar("MEMORY_ID", "AgentMemory.grant_to", "AgentCore Memory id; unset means no long-lived memory")
GATEWAY_URL = EnvVar(
    "GATEWAY_URL", "ToolGateway.connect_to", "MCP endpoint of the AgentCore Gateway; unset means no tools"
)
OUTBOUND_OAUTH_PROVIDER = EnvVar(
    "OUTBOUND_OAUTH_PROVIDER",
    "OutboundOAuth2.grant_to",
    "AgentCore Identity credential provider for user-scoped external tokens",
)
AUTH_DISCOVERY_URL = EnvVar(
    "AUTH_DISCOVERY_URL",
    "AgentRuntime.use_jwt_authorizer",
    "OIDC discovery URL of the issuer whose access tokens the agent verifies",
)
AUTH_ALLOWED_CLIENTS = EnvVar(
    "AUTH_ALLOWED_CLIENTS",
    "AgentRuntime.use_jwt_authorizer",
    "Space-separated client ids a token's client_id must be one of",
)
AUTH_ALLOWED_AUDIENCES = EnvVar(
    "AUTH_ALLOWED_AUDIENCES",
    "AgentRuntime.use_jwt_authorizer",
    "Space-separated audiences a token's aud must include one of (IdPs without a client_id claim)",
)
AUTH_REQUIRED_SCOPE = EnvVar(
    "AUTH_REQUIRED_SCOPE", "AgentRuntime.use_jwt_authorizer", "Space-separated scopes; a token must carry one of them"
)
OUTBOUND_OAUTH_SCOPES = EnvVar(
    "OUTBOUND_OAUTH_SCOPES", "OutboundOAuth2.grant_to", "Space-separated scopes requested from that provider"
)

#: Every variable of the contract, in one place.
ALL: tuple[EnvVar, ...] = (
    MODEL_PROVIDER,
    MODEL_ID,
    MODEL_REGION,
    RETRY_MAX_ATTEMPTS,
    RETRY_MODE,
    HTTP_TIMEOUT_SECONDS,
    MAX_TURNS,
    MAX_TOTAL_TOKENS,
    MAX_SECONDS,
    LOG_LEVEL,
    ENVIRONMENT_NAME,
    MEMORY_ID,
    GATEWAY_URL,
    AUTH_DISCOVERY_URL,
    AUTH_ALLOWED_CLIENTS,
    AUTH_ALLOWED_AUDIENCES,
    AUTH_REQUIRED_SCOPE,
    OUTBOUND_OAUTH_PROVIDER,
    OUTBOUND_OAUTH_SCOPES,
)

#: The runtime variables the production-readiness rule pack reads as the "retries configured" signal.
RETRY_SIGNAL: tuple[EnvVar, ...] = (RETRY_MAX_ATTEMPTS, RETRY_MODE, HTTP_TIMEOUT_SECONDS)
#: The per-invocation limits (one request cannot loop and burn money).
LIMITS: tuple[EnvVar, ...] = (MAX_TURNS, MAX_TOTAL_TOKENS, MAX_SECONDS)


def _int_default(var: EnvVar) -> int:
    if not isinstance(var.default, int):
        raise TypeError(f"{var.name} has no integer default")
    return var.default


def _str_default(var: EnvVar) -> str:
    if not isinstance(var.default, str):
        raise TypeError(f"{var.name} has no string default")
    return var.default


#: The defaults above under the names the construct, the option groups and examples import (the values live once, on
#: the variables): the limits, and the retry policy (total attempts, first call included).
DEFAULT_MAX_TURNS = _int_default(MAX_TURNS)
DEFAULT_MAX_TOTAL_TOKENS = _int_default(MAX_TOTAL_TOKENS)
DEFAULT_MAX_SECONDS = _int_default(MAX_SECONDS)
DEFAULT_RETRY_MAX_ATTEMPTS = _int_default(RETRY_MAX_ATTEMPTS)
DEFAULT_RETRY_MODE = _str_default(RETRY_MODE)
DEFAULT_HTTP_TIMEOUT_SECONDS = _int_default(HTTP_TIMEOUT_SECONDS)
DEFAULT_LOG_LEVEL = _str_default(LOG_LEVEL)
