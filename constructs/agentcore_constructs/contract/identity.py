"""OAuth scope names: the identity construct's defaults, and how a scope string is formed."""

from __future__ import annotations

#: Scope a caller needs to invoke the agent (Runtime JWT authorizer).
AGENT_SCOPE_NAME = "invoke"
#: Scope the caller's token needs at the gateway (the agent forwards it).
TOOLS_SCOPE_NAME = "tools"
#: The claim of a Cognito access token that lists the user's groups (a JSON array of strings; absent when the user is
#: in no group). Cognito developer guide, "Understanding the access token": ``cognito:groups``.
GROUPS_CLAIM = "cognito:groups"


def full_scope(resource_server_id: str, scope_name: str) -> str:
    """The scope string a token carries: ``<resource server id>/<scope name>``."""
    return f"{resource_server_id}/{scope_name}"
