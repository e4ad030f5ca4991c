"""The tool services behind the gateway. Adding a service = one entry here (its schema comes from its tools.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from order_service import tools as order_tools  # lambdas/ is an editable path dependency of the app
from stacks.config import EnvironmentConfig


@dataclass(frozen=True)
class ToolService:
    target_name: str
    handler: str
    tool_schemas: Sequence[Mapping[str, Any]]
    environment: Callable[[EnvironmentConfig], dict[str, str]] = field(default=lambda config: {})
    api_key_secret_env: str | None = None
    #: Placeholders the service's Cedar policies use (policies/gateway/*.cedar), besides the gateway ARN and scope.
    policy_variables: Mapping[str, str] = field(default_factory=dict)
    #: Cognito groups the service's tools check (created in the user pool the identity stage creates).
    user_groups: Sequence[str] = ()


TOOL_SERVICES: tuple[ToolService, ...] = (
    ToolService(
        target_name=order_tools.TARGET_NAME,
        handler="order_service.handler.lambda_handler",
        tool_schemas=order_tools.gateway_tool_schemas(),
        environment=lambda config: {order_tools.ENV_BASE_URL: config.orders_api_base_url},
        api_key_secret_env=order_tools.ENV_API_KEY_SECRET_ARN,
        policy_variables=order_tools.policy_variables(),
        user_groups=(order_tools.REFUND_GROUP,),
    ),
)


def policy_variables() -> dict[str, str]:
    """Every service's policy placeholders; two services naming one placeholder differently is refused."""
    merged: dict[str, str] = {}
    for service in TOOL_SERVICES:
        for name, value in service.policy_variables.items():
            if merged.setdefault(name, value) != value:
                raise ValueError(f"policy placeholder {name!r} has two values ({merged[name]!r}, {value!r})")
    return merged
