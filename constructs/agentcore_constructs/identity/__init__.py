"""Stage 4: per-user authentication and outbound user-scoped OAuth2 credentials.

* :class:`AgentIdentity` (:mod:`.cognito`): a hardened Cognito user pool and app client the Runtime and the Gateway
  trust, with its option groups :class:`OAuthScopes`, :class:`UserPoolSettings`, :class:`UserClientSettings`
  (:mod:`.options`, pure Python).
* :class:`ExternalOidcIdentity` (:mod:`.inbound`): trust an OIDC issuer you already run; :class:`InboundIdentity` is
  what both provide.
* :class:`OutboundOAuth2` (:mod:`.outbound`): an AgentCore Identity OAuth2 credential provider for an external service.

Names resolve lazily (PEP 562): the option groups import without aws-cdk-lib.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentcore_constructs.identity.cognito import AgentIdentity
    from agentcore_constructs.identity.inbound import ExternalOidcIdentity, InboundIdentity
    from agentcore_constructs.identity.options import OAuthScopes, UserClientSettings, UserPoolSettings
    from agentcore_constructs.identity.outbound import CLIENT_SECRET_JSON_KEY, OutboundOAuth2

__all__ = [
    "CLIENT_SECRET_JSON_KEY",
    "AgentIdentity",
    "ExternalOidcIdentity",
    "InboundIdentity",
    "OAuthScopes",
    "OutboundOAuth2",
    "UserClientSettings",
    "UserPoolSettings",
]

_EXPORTS = {
    "AgentIdentity": "agentcore_constructs.identity.cognito",
    "CLIENT_SECRET_JSON_KEY": "agentcore_constructs.identity.outbound",
    "ExternalOidcIdentity": "agentcore_constructs.identity.inbound",
    "InboundIdentity": "agentcore_constructs.identity.inbound",
    "OAuthScopes": "agentcore_constructs.identity.options",
    "OutboundOAuth2": "agentcore_constructs.identity.outbound",
    "UserClientSettings": "agentcore_constructs.identity.options",
    "UserPoolSettings": "agentcore_constructs.identity.options",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'agentcore_constructs.identity' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
