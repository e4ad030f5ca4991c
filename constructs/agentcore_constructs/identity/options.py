"""Option groups :class:`~agentcore_constructs.identity.AgentIdentity` takes: pure Python (no aws-cdk-lib), each with
its documented defaults and a ``problems()`` method returning ``(prop, what is wrong)`` pairs for the values Cognito
would refuse, like :mod:`agentcore_constructs.options`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agentcore_constructs.contract import identity as identity_contract
from agentcore_constructs.identity.validation import RESOURCE_SERVER_ID, SCOPE_NAME

#: Cognito's bounds for an app client's tokens (Cognito API reference, TokenValidityUnitsType: "AccessTokenValidity
#: duration can range from five minutes to one day", "RefreshTokenValidity duration can range from 60 minutes to 10
#: years": https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_TokenValidityUnitsType.html).
ACCESS_TOKEN_MINUTES = (5, 1440)
REFRESH_TOKEN_DAYS = (1, 3650)


def _whole_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class OAuthScopes:
    """The OAuth resource server and the two scopes the runtime and the gateway require.

    Attributes:
        resource_server_id: the resource server, the prefix of every scope (``<id>/<scope>``); 1-256 printable ASCII
            characters without spaces, ``\\`` or ``"``. Default: None (the identity's ``name``).
        agent_scope_name: the scope a caller needs to invoke the agent. Default: ``"invoke"``.
        tools_scope_name: the scope the gateway requires (the agent forwards the caller's token). Default: ``"tools"``.
    """

    resource_server_id: str | None = None
    agent_scope_name: str = identity_contract.AGENT_SCOPE_NAME
    tools_scope_name: str = identity_contract.TOOLS_SCOPE_NAME

    def problems(self) -> list[tuple[str, str]]:
        """``(prop, what is wrong)`` for each value Cognito's CreateResourceServer would refuse, and one scope for
        both surfaces."""
        found = []
        server = self.resource_server_id
        if server is not None and not (isinstance(server, str) and RESOURCE_SERVER_ID.match(server)):
            found.append(
                (
                    "resource_server_id",
                    f"{server!r} must be 1-256 printable ASCII characters without spaces, '\\' or '\"'",
                )
            )
        for prop in ("agent_scope_name", "tools_scope_name"):
            value = getattr(self, prop)
            if not (isinstance(value, str) and SCOPE_NAME.match(value)):
                found.append(
                    (prop, f"{value!r} must be 1-256 printable ASCII characters without spaces, '/', '\\' or '\"'")
                )
        if self.agent_scope_name == self.tools_scope_name:
            found.append(("tools_scope_name", "must differ from agent_scope_name (one scope per surface)"))
        return found


@dataclass(frozen=True)
class UserPoolSettings:
    """Settings of the user pool the identity creates (not with ``existing_user_pool``: that pool is yours).

    Attributes:
        mfa_required: MFA REQUIRED (TOTP) when True (prod); OPTIONAL with TOTP when False (dev). Default: True.
        deletion_protection: Cognito deletion protection. Default: True.
    """

    mfa_required: bool = True
    deletion_protection: bool = True

    def problems(self) -> list[tuple[str, str]]:
        """``(prop, what is wrong)`` for a value that is not a bool (a string "false" would turn MFA on)."""
        return [
            (prop, f"{getattr(self, prop)!r} must be True or False")
            for prop in ("mfa_required", "deletion_protection")
            if not isinstance(getattr(self, prop), bool)
        ]


@dataclass(frozen=True)
class UserClientSettings:
    """Settings of the app client the identity creates for people (authorization code + PKCE; not with
    ``existing_user_pool_client``). The redirect URLs also apply to the end-to-end test client.

    Attributes:
        callback_urls: OAuth redirect URLs, at least one; https (Cognito allows http only for localhost; app
            schemes such as ``myapp://`` are allowed). Default: ``("http://localhost:8765/callback",)``.
        logout_urls: sign-out redirect URLs, same rules. Default: ``("http://localhost:8765/",)``.
        access_token_minutes: lifetime of access and ID tokens, 5..1440. Default: 60.
        refresh_token_days: lifetime of refresh tokens, 1..3650. Default: 30.
    """

    callback_urls: Sequence[str] = ("http://localhost:8765/callback",)
    logout_urls: Sequence[str] = ("http://localhost:8765/",)
    access_token_minutes: int = 60
    refresh_token_days: int = 30

    def problems(self) -> list[tuple[str, str]]:
        """``(prop, what is wrong)`` for each value Cognito's CreateUserPoolClient would refuse."""
        found = []
        if not self.callback_urls:
            found.append(("callback_urls", "must not be empty (the authorization code flow redirects to one)"))
        for prop in ("callback_urls", "logout_urls"):
            if isinstance(getattr(self, prop), str):
                found.append((prop, "must be a list of URLs, not one string"))
                continue
            # Cognito API reference, CreateUserPoolClient CallbackURLs: "Amazon Cognito requires HTTPS over HTTP
            # except for http://localhost for testing purposes only" (https://docs.aws.amazon.com/cognito-user-
            # identity-pools/latest/APIReference/API_CreateUserPoolClient.html).
            for url in getattr(self, prop):
                if not isinstance(url, str) or (url.startswith("http://") and not url.startswith("http://localhost")):
                    found.append((prop, f"{url!r} must be https:// (http only for localhost)"))
        for prop, (low, high), unit in (
            ("access_token_minutes", ACCESS_TOKEN_MINUTES, "minutes"),
            ("refresh_token_days", REFRESH_TOKEN_DAYS, "days"),
        ):
            value = getattr(self, prop)
            if not (_whole_number(value) and low <= value <= high):
                found.append((prop, f"{value!r} must be a whole number of {unit} within {low}..{high}"))
        return found
