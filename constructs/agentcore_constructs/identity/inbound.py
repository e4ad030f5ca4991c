"""Who may call the agent and its tools: the :class:`InboundIdentity` protocol, the wiring both identities share, and
:class:`ExternalOidcIdentity` (any OIDC issuer you already run)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import aws_cdk as cdk
from aws_cdk import aws_bedrockagentcore as agentcore

from agentcore_constructs.contract import env_vars as env_contract
from agentcore_constructs.identity.validation import discovery_url_problems
from agentcore_constructs.props import Problems
from agentcore_constructs.runtime import AgentRuntime


@runtime_checkable
class InboundIdentity(Protocol):
    """Who may call the agent and its tools: what :class:`AgentIdentity` (Cognito) and :class:`ExternalOidcIdentity`
    (any OIDC issuer) both provide, and what the runtime, the gateway and its interceptor are wired with."""

    discovery_url: str
    agent_scope: str
    tools_scope: str

    @property
    def allowed_clients(self) -> list[str]: ...

    @property
    def allowed_audiences(self) -> list[str]: ...

    def protect_runtime(self, runtime: AgentRuntime) -> None: ...

    def gateway_authorizer(self) -> agentcore.IGatewayAuthorizerConfig: ...

    def gateway_verifier_environment(self) -> dict[str, str]: ...


class InboundWiring:
    """The wiring both identities share: the runtime's and the gateway's JWT authorizers and the interceptor env."""

    discovery_url: str
    agent_scope: str
    tools_scope: str

    @property
    def allowed_clients(self) -> list[str]:
        raise NotImplementedError

    @property
    def allowed_audiences(self) -> list[str]:
        return []

    def _problems(self) -> Problems:
        """Where a problem found after construction is reported (``<Class> <path>``, or the class alone)."""
        raise NotImplementedError

    def protect_runtime(self, runtime: AgentRuntime) -> None:
        """Require this issuer's access tokens (its clients/audiences, the agent scope) on ``runtime``; forward
        ``Authorization`` so the agent verifies the token itself. A runtime takes one issuer: a second call fails."""
        problems = self._problems()
        problems.check(
            runtime.jwt_authorizer is None,
            "runtime",
            f"{runtime.node.path} already requires a JWT from an issuer (one inbound identity per runtime; "
            "a second would silently replace the first)",
        )
        problems.raise_if_any()
        runtime.use_jwt_authorizer(
            discovery_url=self.discovery_url,
            allowed_clients=self.allowed_clients,
            allowed_audiences=self.allowed_audiences,
            allowed_scopes=[self.agent_scope],
        )

    def gateway_verifier_environment(self) -> dict[str, str]:
        """The env vars a component behind the gateway (its request interceptor) verifies the caller's token with:
        the discovery URL, the clients/audiences and the tools scope (``agentcore_constructs.kit.auth``)."""
        environment = {
            env_contract.AUTH_DISCOVERY_URL.name: self.discovery_url,
            env_contract.AUTH_REQUIRED_SCOPE.name: self.tools_scope,
        }
        if self.allowed_clients:
            environment[env_contract.AUTH_ALLOWED_CLIENTS.name] = cdk.Fn.join(" ", self.allowed_clients)
        if self.allowed_audiences:
            environment[env_contract.AUTH_ALLOWED_AUDIENCES.name] = " ".join(self.allowed_audiences)
        return environment

    def gateway_authorizer(self) -> agentcore.IGatewayAuthorizerConfig:
        """CUSTOM_JWT for a :class:`ToolGateway`: the caller's token, forwarded by the agent, has the tools scope."""
        return agentcore.GatewayAuthorizer.using_custom_jwt(
            discovery_url=self.discovery_url,
            allowed_clients=self.allowed_clients or None,
            allowed_audience=self.allowed_audiences or None,
            allowed_scopes=[self.tools_scope],
        )


class ExternalOidcIdentity(InboundWiring):
    """Trust an OIDC issuer you already run (Entra ID, Okta, Auth0, another Cognito pool) instead of creating one.

    AgentCore's inbound JWT authorizer is IdP-agnostic: it fetches keys through the discovery URL and matches
    ``allowed_clients`` against the token's ``client_id`` claim and ``allowed_audiences`` against ``aud``, and requires
    one of the allowed scopes (AgentCore guide, "Configure inbound JWT authorizer"). Issuers that put no
    ``client_id`` in access tokens (Entra ID, Okta, Auth0 use ``azp``/``cid``/``appid``) are matched by audience.
    The agent and the interceptor verify the same claims (``agentcore_constructs.kit.auth``).

    Not a construct (it creates nothing): its errors read ``ExternalOidcIdentity: <prop> <what is wrong>``.

    Args:
        discovery_url: the issuer's OIDC discovery URL (``https://.../.well-known/openid-configuration``).
        agent_scope / tools_scope: the scope a caller's access token needs to invoke the agent, and to reach its
            tools through the gateway (as the token's ``scope`` claim carries them); two different scopes.
        allowed_clients: client ids (``client_id`` claim). Default: none.
        allowed_audiences: audiences (``aud`` claim), e.g. the API's application id URI. Default: none.
            At least one client or audience is required.
    """

    def __init__(
        self,
        *,
        discovery_url: str,
        agent_scope: str,
        tools_scope: str,
        allowed_clients: Sequence[str] = (),
        allowed_audiences: Sequence[str] = (),
    ) -> None:
        problems = self._problems()
        if not cdk.Token.is_unresolved(discovery_url):
            problems.extend(discovery_url_problems("discovery_url", discovery_url))
        problems.check(
            allowed_clients or allowed_audiences,
            "allowed_clients",
            "and allowed_audiences are both empty: name the clients (client_id claim) or audiences (aud) to trust",
        )
        problems.check(agent_scope, "agent_scope", "must not be empty (the scope that invokes the agent)")
        problems.check(tools_scope, "tools_scope", "must not be empty (the scope that reaches the tools)")
        problems.check(
            not agent_scope or agent_scope != tools_scope,
            "tools_scope",
            "must differ from agent_scope (one scope per surface)",
        )
        problems.raise_if_any()
        self.discovery_url = discovery_url
        self.agent_scope = agent_scope
        self.tools_scope = tools_scope
        self._clients = list(allowed_clients)
        self._audiences = list(allowed_audiences)

    def _problems(self) -> Problems:
        return Problems("ExternalOidcIdentity")

    @property
    def allowed_clients(self) -> list[str]:
        return list(self._clients)

    @property
    def allowed_audiences(self) -> list[str]:
        return list(self._audiences)
