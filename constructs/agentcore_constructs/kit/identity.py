"""Who is calling, and in which session: only what this process verified itself.

* Actor: the ``sub`` of the bearer token the request guard (``agentcore_constructs.kit.guard``) verified against the
  issuer's keys, clients and scope -- the same checks as the Runtime's JWT authorizer in front of it, so the agent
  does not depend on which of two header values a proxy verified. No identity configured (stages 1-3: the Runtime
  authorizes callers with IAM): every caller is :data:`LOCAL_ACTOR_ID`, and a bearer token is refused. A ``user_id``
  or ``actor_id`` in the payload is ignored: a client must not be able to pick whose memory it reads.
* Session: the ``X-Amzn-Bedrock-AgentCore-Runtime-Session-Id`` header (``context.session_id``), else
  :data:`LOCAL_SESSION_ID`.
* Workload access token: what the Runtime sent in ``WorkloadAccessToken`` (``BedrockAgentCoreContext``), kept for
  user-scoped outbound credentials (outbound.py).

Both ids become AgentCore Memory ids and local directory names, hence the strict charset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from agentcore_constructs.kit.guard import STATE_KEY, Caller, RequestRejected
from agentcore_constructs.kit.outbound import workload_access_token_from_context

__all__ = [
    "LOCAL_ACTOR_ID",
    "LOCAL_SESSION_ID",
    "CallerIdentity",
    "RequestRejected",
    "resolve_identity",
    "session_from_header",
]

#: The actor of every request when no identity is configured (one shared conversation space: local development,
#: or a runtime that only AWS principals call).
LOCAL_ACTOR_ID = "local-dev-user"
LOCAL_SESSION_ID = "local-session"
#: Subset of AgentCore Memory's actorId/sessionId pattern with no path separators.
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")


@dataclass(frozen=True)
class CallerIdentity:
    actor_id: str
    session_id: str
    #: The caller's verified bearer token, forwarded to the Gateway (stage 3/4); None without identity.
    bearer_token: str | None = field(default=None, repr=False)
    #: The Runtime-minted workload access token of this request (``WorkloadAccessToken`` header), for
    #: AgentCore Identity outbound credentials (outbound.py); None outside the Runtime. Never the bearer token.
    workload_access_token: str | None = field(default=None, repr=False)


def is_valid_id(value: str) -> bool:
    return bool(_ID.match(value))


def session_from_header(value: str | None) -> str:
    if value is None:
        return LOCAL_SESSION_ID
    if not is_valid_id(value):
        raise RequestRejected(
            400, "Malformed session id header: expected 1-100 characters of [A-Za-z0-9_-], starting alphanumeric"
        )
    return value


def verified_caller(context: Any) -> Caller:
    """The caller the request guard verified; fails closed when the guard did not run (a wiring error)."""
    request = getattr(context, "request", None)
    state = getattr(request, "state", None)
    caller = getattr(state, STATE_KEY, None) if state is not None else None
    if not isinstance(caller, Caller):
        raise RuntimeError("no verified caller on the request: the request guard is not installed")
    return caller


def resolve_identity(context: Any) -> CallerIdentity:
    """The caller identity of a ``bedrock_agentcore`` RequestContext, from the guard's verified caller."""
    caller = verified_caller(context)
    session_id = session_from_header(getattr(context, "session_id", None))
    return CallerIdentity(
        actor_id=caller.actor_id,
        session_id=session_id,
        bearer_token=caller.bearer_token,
        workload_access_token=workload_access_token_from_context(),
    )
