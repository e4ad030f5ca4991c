"""The model side of the contract, framework-neutral: one botocore config for every AWS call of the agent (the single
retry layer, bounded timeouts) and one log line saying which model is used and why.

The framework adapters build their model from it: :func:`agentcore_constructs.kit.strands.create_model` (Strands
``BedrockModel``) and :func:`agentcore_constructs.kit.langgraph.create_chat_model` (``ChatBedrockConverse``); both
use the offline driver (:mod:`.offline_model`) when ``MODEL_PROVIDER=offline``.
"""

from __future__ import annotations

import logging

from botocore.config import Config

from agentcore_constructs.kit.settings import Settings

logger = logging.getLogger(__name__)


def boto_client_config(settings: Settings, *, retry_mode: str | None = None) -> Config:
    """The botocore config every AWS client of the agent uses: bounded retries with backoff, bounded timeouts."""
    return Config(
        # total_max_attempts counts the first call, as the contract does (botocore's max_attempts counts retries only).
        retries={"mode": retry_mode or settings.retry_mode, "total_max_attempts": settings.retry_max_attempts},
        read_timeout=settings.http_timeout_seconds,
        connect_timeout=settings.connect_timeout_seconds,
    )


def log_model_choice(settings: Settings) -> None:
    """One line at startup: which model, where, why, with which retry policy."""
    if settings.model_provider == "offline":
        logger.warning(
            "Using the OFFLINE model (%s): a deterministic development/test driver, not an LLM",
            settings.model_provider_reason,
        )
        return
    logger.info(
        "Using Bedrock model %s in %s (%s); retries=%s/%d, read timeout %.0fs",
        settings.model_id,
        settings.model_region,
        settings.model_provider_reason,
        settings.retry_mode,
        settings.retry_max_attempts,
        settings.http_timeout_seconds,
    )
