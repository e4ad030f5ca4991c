"""Who is calling, and in which session: taken only from what the AgentCore Runtime vouches for.

* Actor: the ``sub`` claim of the ``Authorization: Bearer <jwt>`` header. The Runtime forwards that header
  only after its JWT authorizer verified signature, issuer, audience and expiry, so the agent decodes the
  payload WITHOUT re-verifying it (it has no keys and must not pretend to). Without the header (local
  development, before stage 4) every caller is the fixed :data:`LOCAL_ACTOR_ID`. Any ``user_id`` /
  ``actor_id`` in the payload is ignored: a client must not be able to pick whose memory it reads.
* Session: the ``X-Amzn-Bedrock-AgentCore-Runtime-Session-Id`` header (``context.session_id``), else
  :data:`LOCAL_SESSION_ID`.
* Workload access token: what the Runtime sent in ``WorkloadAccessToken`` (``BedrockAgentCoreContext``), kept
  for user-scoped outbound credentials (outbound.py). Locally, the dev server's JWT check stands in for the
  Runtime's authorizer; the agent code path is the same.

Both ids become AgentCore Memory ids and local directory names, hence the strict charset.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from typing import Any

LOCAL_ACTOR_ID = "local-dev-user"
LOCAL_SESSION_ID = "local-session"
#: Subset of AgentCore Memory's actorId/sessionId pattern with no path separators.
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")


class RequestRejected(Exception):
    """A client error; ``message`` is safe to return to the caller."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class CallerIdentity:
    actor_id: str
    session_id: str
    #: The caller's bearer token, forwarded to the Gateway (stage 3/4); None locally.
    bearer_token: str | None = field(default=None, repr=False)
    #: The Runtime-minted workload access token of this request (``WorkloadAccessToken`` header), for
    #: AgentCore Identity outbound credentials (outbound.py); None outside the Runtime. Never the bearer token.
    workload_access_token: str | None = field(default=None, repr=False)


def is_valid_id(value: str) -> bool:
    return bool(_ID.match(value))


def _claims_without_verification(token: str) -> dict[str, Any]:
    """Decode a JWT payload. NOT a verification: the Runtime's JWT authorizer already verified the token."""
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("not a JWT")
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    claims = json.loads(base64.urlsafe_b64decode(payload))
    if not isinstance(claims, dict):
        raise ValueError("JWT payload is not an object")
    return claims


def actor_from_authorization(header: str | None) -> tuple[str, str | None]:
    """(actor id, bearer token) from an ``Authorization`` header value (None -> the local actor)."""
    if header is None:
        return LOCAL_ACTOR_ID, None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise RequestRejected(401, "Authorization header must be 'Bearer <token>'")
    try:
        claims = _claims_without_verification(token)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise RequestRejected(401, "Bearer token is not a decodable JWT") from None
    subject = claims.get("sub")
    if not isinstance(subject, str) or not is_valid_id(subject):
        raise RequestRejected(401, "Bearer token has no usable 'sub' claim")
    return subject, token


def session_from_header(value: str | None) -> str:
    if value is None:
        return LOCAL_SESSION_ID
    if not is_valid_id(value):
        raise RequestRejected(
            400, "Malformed session id header: expected 1-100 characters of [A-Za-z0-9_-], starting alphanumeric"
        )
    return value


def resolve_identity(context: Any) -> CallerIdentity:
    """Build the caller identity from a ``bedrock_agentcore`` RequestContext (``None`` -> local defaults)."""
    headers = {k.lower(): v for k, v in ((getattr(context, "request_headers", None) or {}).items())}
    actor_id, token = actor_from_authorization(headers.get("authorization"))
    session_id = session_from_header(getattr(context, "session_id", None))
    return CallerIdentity(
        actor_id=actor_id, session_id=session_id, bearer_token=token, workload_access_token=_workload_access_token()
    )


def _workload_access_token() -> str | None:
    """The workload access token ``BedrockAgentCoreApp`` stored for this request (None when absent)."""
    from bedrock_agentcore.runtime import BedrockAgentCoreContext

    return BedrockAgentCoreContext.get_workload_access_token()
