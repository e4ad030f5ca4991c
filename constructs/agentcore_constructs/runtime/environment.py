"""What the runtime tells the agent: the env-var contract's values (the only way the stages talk to the agent)."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk

from agentcore_constructs.contract import env_vars as env_contract
from agentcore_constructs.options import InvocationLimits, RetryPolicy


def agent_environment(
    *,
    model_provider: str,
    model_id: str,
    region: str,
    retry: RetryPolicy,
    limits: InvocationLimits,
    log_level: str,
    environment_name: str,
    adot_instrumentation: bool,
) -> dict[str, str]:
    """The runtime's environment variables at creation; later stages add theirs (``AgentRuntime.add_environment``)."""
    environment = {
        env_contract.MODEL_PROVIDER.name: model_provider,
        env_contract.MODEL_ID.name: model_id,
        env_contract.MODEL_REGION.name: region,
        env_contract.RETRY_MAX_ATTEMPTS.name: str(retry.max_attempts),
        env_contract.RETRY_MODE.name: retry.mode,
        env_contract.HTTP_TIMEOUT_SECONDS.name: str(retry.timeout_seconds),
        env_contract.MAX_TURNS.name: str(limits.max_turns),
        env_contract.MAX_TOTAL_TOKENS.name: str(limits.max_total_tokens),
        env_contract.MAX_SECONDS.name: str(limits.max_seconds),
        env_contract.LOG_LEVEL.name: log_level,
        env_contract.ENVIRONMENT_NAME.name: environment_name,
    }
    if adot_instrumentation:
        # Read by the ADOT distro the entrypoint runs under (AgentCore observability docs).
        environment.update(
            {
                "AGENT_OBSERVABILITY_ENABLED": "true",
                "OTEL_PYTHON_DISTRO": "aws_distro",
                "OTEL_PYTHON_CONFIGURATOR": "aws_configurator",
            }
        )
    return environment


def jwt_authorizer(
    discovery_url: str, allowed_clients: Sequence[str], allowed_scopes: Sequence[str], allowed_audiences: Sequence[str]
) -> tuple[dict, dict[env_contract.EnvVar, str]]:
    """The runtime's custom JWT authorizer, and the same settings for the agent (``AUTH_*``): it verifies the
    forwarded token itself (verify, never decode)."""
    authorizer: dict = {"DiscoveryUrl": discovery_url, "AllowedScopes": list(allowed_scopes)}
    settings = {env_contract.AUTH_DISCOVERY_URL: discovery_url}
    if allowed_clients:
        authorizer["AllowedClients"] = list(allowed_clients)
        settings[env_contract.AUTH_ALLOWED_CLIENTS] = cdk.Fn.join(" ", list(allowed_clients))
    if allowed_audiences:
        authorizer["AllowedAudience"] = list(allowed_audiences)
        settings[env_contract.AUTH_ALLOWED_AUDIENCES] = " ".join(allowed_audiences)
    settings[env_contract.AUTH_REQUIRED_SCOPE] = " ".join(allowed_scopes)
    return authorizer, settings
