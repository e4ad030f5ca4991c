"""The environment-variable contract between the constructs and the agent (agent_src).

Written once, here. The constructs set these variables on the AgentCore Runtime; the agent reads them.
This module is pure Python (no CDK import) so the agent can import it at run time: the agent bundle
installs this library with ``--no-deps``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EnvVar:
    name: str
    set_by: str
    meaning: str


MODEL_PROVIDER = EnvVar("MODEL_PROVIDER", "AgentRuntime", "'bedrock' (deployed default) or 'offline' (deterministic dev driver)")
MODEL_ID = EnvVar("MODEL_ID", "AgentRuntime", "Bedrock model or inference-profile id the agent invokes")
MODEL_REGION = EnvVar("MODEL_REGION", "AgentRuntime", "Region of the Bedrock endpoint the agent calls")
RETRY_MAX_ATTEMPTS = EnvVar("AGENT_RETRY_MAX_ATTEMPTS", "AgentRuntime", "Total attempts (first call + retries) for every remote call")
RETRY_MODE = EnvVar("AGENT_RETRY_MODE", "AgentRuntime", "botocore retry mode for AWS calls ('adaptive' or 'standard')")
HTTP_TIMEOUT_SECONDS = EnvVar("AGENT_HTTP_TIMEOUT_SECONDS", "AgentRuntime", "Read timeout for every remote call, seconds")
LOG_LEVEL = EnvVar("LOG_LEVEL", "AgentRuntime", "Python log level of the agent")
ENVIRONMENT_NAME = EnvVar("AGENT_ENVIRONMENT", "AgentRuntime", "Name of the deployment environment (dev, staging, prod)")
MEMORY_ID = EnvVar("MEMORY_ID", "AgentMemory.grant_to", "AgentCore Memory id; unset means no long-lived memory")
GATEWAY_URL = EnvVar("GATEWAY_URL", "ToolGateway.connect_to", "MCP endpoint of the AgentCore Gateway; unset means no tools")
OUTBOUND_OAUTH_PROVIDER = EnvVar(
    "OUTBOUND_OAUTH_PROVIDER", "OutboundOAuth2.grant_to", "AgentCore Identity credential provider for user-scoped external tokens"
)
OUTBOUND_OAUTH_SCOPES = EnvVar("OUTBOUND_OAUTH_SCOPES", "OutboundOAuth2.grant_to", "Space-separated scopes requested from that provider")

#: Every variable of the contract, in one place.
ALL: tuple[EnvVar, ...] = (
    MODEL_PROVIDER,
    MODEL_ID,
    MODEL_REGION,
    RETRY_MAX_ATTEMPTS,
    RETRY_MODE,
    HTTP_TIMEOUT_SECONDS,
    LOG_LEVEL,
    ENVIRONMENT_NAME,
    MEMORY_ID,
    GATEWAY_URL,
    OUTBOUND_OAUTH_PROVIDER,
    OUTBOUND_OAUTH_SCOPES,
)

#: The runtime variables the production-readiness rule pack reads as the "retries configured" signal.
RETRY_SIGNAL: tuple[EnvVar, ...] = (RETRY_MAX_ATTEMPTS, RETRY_MODE, HTTP_TIMEOUT_SECONDS)
