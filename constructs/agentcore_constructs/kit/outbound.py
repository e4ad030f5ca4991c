"""User-scoped outbound credentials through AgentCore Identity (stage 4, behind ``OUTBOUND_OAUTH_PROVIDER``).

When the constructs' ``OutboundOAuth2.grant_to(runtime)`` sets ``OUTBOUND_OAUTH_PROVIDER`` (and
``OUTBOUND_OAUTH_SCOPES``), the agent can obtain an OAuth2 access token for an external service **on behalf of the
calling user** (``USER_FEDERATION``: the user consents once; AgentCore Identity's token vault keeps the token per
user and workload). Unset = off: :func:`user_token_provider` returns None and nothing here touches AWS.

Getting it right (the seed sample's bug was the first point):

* The identity presented to AgentCore Identity is the **workload access token** -- minted by the Runtime for this
  agent *and this user* and delivered in the ``WorkloadAccessToken`` request header, which ``BedrockAgentCoreApp``
  stores in ``BedrockAgentCoreContext`` -- NOT the user's inbound bearer JWT. The workload token is what scopes the
  vault entry to the user; the bearer token is for the Runtime/Gateway authorizers only.
* ``IdentityClient.get_token`` is a coroutine: it is awaited (:meth:`UserTokenProvider.get_token`), or run to
  completion on a private event loop from synchronous code (:meth:`UserTokenProvider.get_token_sync`) -- never
  called and left un-awaited.
* Without a workload access token the call fails fast with :class:`MissingWorkloadAccessToken` (a clear message),
  instead of the SDK decorator's local-dev fallback that creates a workload identity in the AWS account.
* First use needs the user's consent: the SDK's default poller would block the invocation for up to 10 minutes;
  here the authorization URL is raised as :class:`UserConsentRequired` so the agent can hand it to the user.

The workload access token is captured per request by ``identity.resolve_identity`` (``CallerIdentity.
workload_access_token``), because tools may run on another thread/event loop than the request handler.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from agentcore_constructs.kit.settings import Settings

logger = logging.getLogger(__name__)

USER_FEDERATION = "USER_FEDERATION"


class OutboundCredentialsError(RuntimeError):
    """A user-scoped token for the external service could not be obtained; the message is safe to show."""


class MissingWorkloadAccessToken(OutboundCredentialsError):
    def __init__(self) -> None:
        super().__init__(
            "No workload access token on this request: user-scoped external credentials are only available when "
            "the agent runs in AgentCore Runtime behind its JWT authorizer (the Runtime sends the "
            "'WorkloadAccessToken' header). The user's bearer token is never used for this."
        )


class UserConsentRequired(OutboundCredentialsError):
    """The user has not authorized the external service yet: send them to ``authorization_url``."""

    def __init__(self, authorization_url: str) -> None:
        super().__init__(f"Authorization needed: open {authorization_url} to connect your account, then ask again.")
        self.authorization_url = authorization_url


def workload_access_token_from_context() -> str | None:
    """The Runtime-minted workload access token of the current request (``BedrockAgentCoreContext``), if any."""
    from bedrock_agentcore.runtime import BedrockAgentCoreContext

    return BedrockAgentCoreContext.get_workload_access_token()


def oauth2_callback_url_from_context() -> str | None:
    from bedrock_agentcore.runtime import BedrockAgentCoreContext

    return BedrockAgentCoreContext.get_oauth2_callback_url()


def _consent_poller(auth_urls: list[str]) -> Any:
    """A ``TokenPoller`` that does not poll: it raises :class:`UserConsentRequired` with the URL just received."""
    from bedrock_agentcore.services.identity import TokenPoller

    class _RaiseConsentRequired(TokenPoller):
        async def poll_for_token(self) -> str:
            raise UserConsentRequired(auth_urls[-1] if auth_urls else "(no authorization URL returned)")

    return _RaiseConsentRequired()


@dataclass(frozen=True)
class OutboundConfig:
    provider_name: str
    scopes: tuple[str, ...]
    region: str


def outbound_config(settings: Settings) -> OutboundConfig | None:
    if not settings.outbound_oauth_provider:
        return None
    return OutboundConfig(settings.outbound_oauth_provider, settings.outbound_oauth_scopes, settings.model_region)


class UserTokenProvider:
    """Obtains the calling user's token for the configured credential provider (USER_FEDERATION).

    ``client_factory(region)`` builds the ``bedrock_agentcore.services.identity.IdentityClient`` (lazily, once;
    injectable for tests).
    """

    def __init__(self, config: OutboundConfig, *, client_factory: Callable[[str], Any] | None = None) -> None:
        self.config = config
        self._client_factory = client_factory
        self._client: Any = None

    def _identity_client(self) -> Any:
        if self._client is None:
            if self._client_factory is None:
                from bedrock_agentcore.services.identity import IdentityClient

                self._client = IdentityClient(self.config.region)
            else:
                self._client = self._client_factory(self.config.region)
        return self._client

    async def get_token(
        self,
        workload_access_token: str | None = None,
        *,
        callback_url: str | None = None,
        force_authentication: bool = False,
    ) -> str:
        """The user's access token. ``workload_access_token`` defaults to the request context's.

        Raises :class:`MissingWorkloadAccessToken`, :class:`UserConsentRequired`, or
        :class:`OutboundCredentialsError` for anything else the service answers.
        """
        token = workload_access_token or workload_access_token_from_context()
        if not token:
            raise MissingWorkloadAccessToken()
        auth_urls: list[str] = []
        try:
            user_token: str = await self._identity_client().get_token(
                provider_name=self.config.provider_name,
                scopes=list(self.config.scopes),
                agent_identity_token=token,
                auth_flow=USER_FEDERATION,
                on_auth_url=auth_urls.append,
                callback_url=callback_url or oauth2_callback_url_from_context(),
                force_authentication=force_authentication,
                token_poller=_consent_poller(auth_urls),
            )
            return user_token
        except OutboundCredentialsError:
            raise
        except Exception as error:  # botocore ClientError, timeouts, ...: logged in full, reported briefly
            logger.warning("Getting a user token from provider %s failed: %s", self.config.provider_name, error)
            raise OutboundCredentialsError(
                f"Could not get credentials for the external service (provider {self.config.provider_name})."
            ) from error

    def get_token_sync(self, workload_access_token: str | None = None, **kwargs: Any) -> str:
        """:meth:`get_token` from synchronous code (e.g. a sync Strands tool), awaited to completion.

        With no running event loop in this thread it uses ``asyncio.run``; inside one (a sync function called
        from async code) it runs the coroutine on a fresh loop in a worker thread with this context copied.
        """
        token = workload_access_token or workload_access_token_from_context()

        def coroutine_factory() -> Coroutine[Any, Any, str]:
            return self.get_token(token, **kwargs)

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(coroutine_factory())
        context = contextvars.copy_context()
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(context.run, asyncio.run, coroutine_factory()).result()


def user_token_provider(settings: Settings, **kwargs: Any) -> UserTokenProvider | None:
    """The provider when ``OUTBOUND_OAUTH_PROVIDER`` is set, else None (feature off)."""
    config = outbound_config(settings)
    return None if config is None else UserTokenProvider(config, **kwargs)
