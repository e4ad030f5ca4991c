from __future__ import annotations

from types import SimpleNamespace

import pytest
from bedrock_agentcore.runtime.context import RequestContext

from agentcore_constructs.kit.guard import Caller
from agentcore_constructs.kit.identity import LOCAL_SESSION_ID, RequestRejected, resolve_identity, session_from_header


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


def test_identity_is_the_guards_verified_caller_never_a_header():
    caller = Caller(actor_id="carol", verified=True, claims={"sub": "carol"}, bearer_token="h.p.s")
    context = SimpleNamespace(
        session_id="sess-1",
        request=SimpleNamespace(state=SimpleNamespace(caller=caller)),
        request_headers={"Authorization": "Bearer forged.claims.here"},  # never read
    )
    identity = resolve_identity(context)
    assert (identity.actor_id, identity.session_id, identity.bearer_token) == ("carol", "sess-1", "h.p.s")


def test_without_the_guard_there_is_no_identity_at_all():
    with pytest.raises(RuntimeError, match="request guard is not installed"):
        resolve_identity(RequestContext(session_id="s", request_headers={"Authorization": "Bearer a.b.c"}))
