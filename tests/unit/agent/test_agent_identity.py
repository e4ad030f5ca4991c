from __future__ import annotations

import pytest
from bedrock_agentcore.runtime.context import RequestContext

from support_agent.identity import (
    LOCAL_ACTOR_ID,
    LOCAL_SESSION_ID,
    RequestRejected,
    actor_from_authorization,
    resolve_identity,
    session_from_header,
)


def test_no_header_is_the_local_actor():
    assert actor_from_authorization(None) == (LOCAL_ACTOR_ID, None)


def test_sub_claim_is_the_actor(make_jwt):
    token = make_jwt({"sub": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "aud": "client"})
    assert actor_from_authorization(f"Bearer {token}") == ("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", token)
    assert actor_from_authorization(f"bearer   {token}")[0] == "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"


@pytest.mark.parametrize("value", ["abc", "ABC-123_x", "a" * 100, "b530b961-e5dd-4ccd-a037-13d7adfde8f0"])
def test_valid_session_ids(value):
    assert session_from_header(value) == value


def test_missing_session_is_the_local_session():
    assert session_from_header(None) == LOCAL_SESSION_ID


@pytest.mark.parametrize("value", ["", "a/b", "a" * 101, "_x", "ü"])
def test_invalid_session_ids(value):
    with pytest.raises(RequestRejected) as raised:
        session_from_header(value)
    assert raised.value.status == 400


def test_resolve_identity_reads_the_runtime_context(make_jwt):
    token = make_jwt({"sub": "carol"})
    context = RequestContext(session_id="sess-1", request_headers={"Authorization": f"Bearer {token}"})
    identity = resolve_identity(context)
    assert (identity.actor_id, identity.session_id, identity.bearer_token) == ("carol", "sess-1", token)


def test_resolve_identity_without_context_is_local():
    identity = resolve_identity(RequestContext())
    assert (identity.actor_id, identity.session_id, identity.bearer_token) == (LOCAL_ACTOR_ID, LOCAL_SESSION_ID, None)
