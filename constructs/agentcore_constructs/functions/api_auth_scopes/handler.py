"""Cognito pre token generation trigger (V2_0): API sign-ins get the OAuth scopes their app client is allowed.

Why: access tokens from InitiateAuth / AdminInitiateAuth (SRP, password, admin password, refresh) carry no custom
resource-server scopes, only ``aws.cognito.signin.user.admin``: custom scopes come from the OAuth endpoints or from
a pre token generation trigger (Cognito developer guide, "Using the access token"; AWS Knowledge Center
"api-calls-access-tokens-custom-scopes"). The AgentCore JWT authorizers require such scopes, so without this
trigger every API-signed-in user (the e2e suite, SRP front ends) gets 403.

What: for every token generation except the OAuth endpoints' own (``TokenGeneration_HostedAuth``, where the client
asked for the scopes it wanted), add the custom scopes (``<resource server>/<scope>``) the calling app client is
allowed in OAuth (its ``AllowedOAuthScopes``), nothing more. A client with no custom scopes gets nothing. The
client's scopes are read with DescribeUserPoolClient (cached), so the trigger needs no client id at deploy time (that
would be a dependency cycle: pool -> trigger -> client -> pool).

Event and response shapes: Cognito developer guide, "Pre token generation Lambda trigger" (version 2 event:
``triggerSource``, ``userPoolId``, ``callerContext.clientId``, ``request.scopes``; response
``claimsAndScopeOverrideDetails.accessTokenGeneration.scopesToAdd``). Errors propagate: Cognito then fails the sign-in
rather than issue a token without the scopes the user needs (fail closed).
"""

from __future__ import annotations

import logging
import time
from typing import Any

logger = logging.getLogger()
logger.setLevel(logging.INFO)

HOSTED_AUTH = "TokenGeneration_HostedAuth"
CACHE_SECONDS = 300.0

_cache: dict[tuple[str, str], tuple[float, tuple[str, ...]]] = {}
_client: Any = None


def _cognito() -> Any:
    global _client
    if _client is None:
        import boto3

        _client = boto3.client("cognito-idp")
    return _client


def allowed_custom_scopes(user_pool_id: str, client_id: str, *, now: float | None = None) -> tuple[str, ...]:
    """The resource-server scopes (``<id>/<name>``) the app client may request in OAuth, cached per container."""
    now = time.monotonic() if now is None else now
    cached = _cache.get((user_pool_id, client_id))
    if cached is not None and cached[0] > now:
        return cached[1]
    described = _cognito().describe_user_pool_client(UserPoolId=user_pool_id, ClientId=client_id)["UserPoolClient"]
    scopes = tuple(sorted(s for s in described.get("AllowedOAuthScopes") or [] if "/" in s))
    _cache[(user_pool_id, client_id)] = (now + CACHE_SECONDS, scopes)
    return scopes


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    source = event.get("triggerSource")
    if source == HOSTED_AUTH:
        return event
    pool_id = event.get("userPoolId")
    client_id = (event.get("callerContext") or {}).get("clientId")
    if not isinstance(pool_id, str) or not isinstance(client_id, str):
        raise ValueError("pre token generation event without userPoolId/callerContext.clientId")
    requested = set((event.get("request") or {}).get("scopes") or [])
    to_add = [scope for scope in allowed_custom_scopes(pool_id, client_id) if scope not in requested]
    if to_add:
        response = event.setdefault("response", {}) or {}
        event["response"] = response
        details = response.get("claimsAndScopeOverrideDetails") or {}
        access = details.get("accessTokenGeneration") or {}
        access["scopesToAdd"] = [*(access.get("scopesToAdd") or []), *to_add]
        details["accessTokenGeneration"] = access
        response["claimsAndScopeOverrideDetails"] = details
    logger.info("token generation %s for client %s: added scopes %s", source, client_id, to_add)
    return event
