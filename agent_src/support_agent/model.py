"""Model factory: Bedrock (with the contract's retry/timeout settings) or the offline driver."""

from __future__ import annotations

import logging

from botocore.config import Config
from strands.models import Model

from .offline_model import OfflineToolCallingModel
from .settings import Settings

logger = logging.getLogger(__name__)


def boto_client_config(settings: Settings, *, retry_mode: str | None = None) -> Config:
    """The botocore config every AWS client of the agent uses: bounded retries with backoff, bounded timeouts."""
    return Config(
        # total_max_attempts counts the first call, as the contract does (botocore's max_attempts counts retries only).
        retries={"mode": retry_mode or settings.retry_mode, "total_max_attempts": settings.retry_max_attempts},
        read_timeout=settings.http_timeout_seconds,
        connect_timeout=settings.connect_timeout_seconds,
    )


def create_model(settings: Settings) -> Model:
    """Build the model named by ``settings.model_provider``; logs which one is used and why."""
    if settings.model_provider == "offline":
        logger.warning(
            "Using the OFFLINE model (%s): a deterministic development/test driver, not an LLM",
            settings.model_provider_reason,
        )
        return OfflineToolCallingModel()

    from strands.models import BedrockModel

    logger.info(
        "Using Bedrock model %s in %s (%s); retries=%s/%d, read timeout %.0fs",
        settings.model_id,
        settings.model_region,
        settings.model_provider_reason,
        settings.retry_mode,
        settings.retry_max_attempts,
        settings.http_timeout_seconds,
    )
    return BedrockModel(
        model_id=settings.model_id,
        region_name=settings.model_region,
        boto_client_config=boto_client_config(settings),
    )
