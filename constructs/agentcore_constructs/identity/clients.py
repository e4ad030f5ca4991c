"""The app clients of :class:`~agentcore_constructs.identity.AgentIdentity`: the one for people (authorization code +
PKCE, no secret, no USER_PASSWORD_AUTH) and the end-to-end suite's (admin password sign-in, short-lived tokens)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito

from agentcore_constructs.identity.options import UserClientSettings


def web_client_defaults(name: str, settings: UserClientSettings, agent_scope: str, tools_scope: str) -> dict[str, Any]:
    """``UserPool.add_client`` keywords of the client people sign in with."""
    access_token_validity = cdk.Duration.minutes(settings.access_token_minutes)
    return dict(
        user_pool_client_name=f"{name}-web",
        generate_secret=False,
        # No USER_PASSWORD_AUTH: passwords only reach Cognito's hosted UI (SRP there), never this app.
        auth_flows=cognito.AuthFlow(user_srp=True),
        o_auth=cognito.OAuthSettings(
            flows=cognito.OAuthFlows(authorization_code_grant=True),
            scopes=[
                cognito.OAuthScope.OPENID,
                cognito.OAuthScope.EMAIL,
                cognito.OAuthScope.custom(agent_scope),
                cognito.OAuthScope.custom(tools_scope),
            ],
            callback_urls=list(settings.callback_urls),
            logout_urls=list(settings.logout_urls),
        ),
        prevent_user_existence_errors=True,
        enable_token_revocation=True,
        access_token_validity=access_token_validity,
        id_token_validity=access_token_validity,
        refresh_token_validity=cdk.Duration.days(settings.refresh_token_days),
        supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
    )


def add_e2e_client(
    pool: cognito.IUserPool, name: str, callback_urls: Sequence[str], agent_scope: str, tools_scope: str
) -> cognito.UserPoolClient:
    """A client for the deployed end-to-end suite: ``ADMIN_USER_PASSWORD_AUTH`` is callable only with IAM credentials
    that may call AdminInitiateAuth on this pool, never by end users."""
    return pool.add_client(
        "E2eClient",
        user_pool_client_name=f"{name}-e2e",
        generate_secret=False,
        auth_flows=cognito.AuthFlow(admin_user_password=True),
        o_auth=cognito.OAuthSettings(
            flows=cognito.OAuthFlows(authorization_code_grant=True),
            scopes=[
                cognito.OAuthScope.OPENID,
                cognito.OAuthScope.custom(agent_scope),
                cognito.OAuthScope.custom(tools_scope),
            ],
            callback_urls=list(callback_urls),
        ),
        prevent_user_existence_errors=True,
        access_token_validity=cdk.Duration.minutes(15),
        id_token_validity=cdk.Duration.minutes(15),
        refresh_token_validity=cdk.Duration.hours(1),
    )
