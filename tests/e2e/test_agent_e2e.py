"""End-to-end: the JWT-protected agent, its memory, its tools and its logs — locally in CI, deployed on demand.

Assertions hold for the offline model (local) and a real model (deployed): they check who sees what, not wording.
"""

from __future__ import annotations

import pytest

from tests.e2e.targets import call_tool, new_session_id


def test_authenticated_invoke_answers(target) -> None:
    response = target.invoke("Hello, who are you?", token=target.token_for("alice"), session_id=new_session_id())
    assert response.status == 200, response.body
    assert response.text.strip()


@pytest.mark.parametrize("token", [None, "not-a-jwt", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJib2IifQ.forged"])
def test_unauthenticated_or_forged_calls_are_rejected(target, token) -> None:
    response = target.invoke("Hello", token=token, session_id=new_session_id())
    assert response.status in (401, 403), response.body
    assert "response" not in response.body


def test_memory_persists_within_a_users_session_and_never_crosses_users(target) -> None:
    alice, bob = target.token_for("alice"), target.token_for("bob")
    session = new_session_id()
    marker = f"my favourite colour is {session[-8:]}"
    first = target.invoke(f"Remember this: {marker}", token=alice, session_id=session)
    assert first.status == 200, first.body
    again = target.invoke("What did I just tell you to remember?", token=alice, session_id=session)
    assert again.status == 200 and session[-8:] in again.text, again.body
    # Bob, even reusing Alice's session id, sees none of it.
    other = target.invoke("What did I just tell you to remember?", token=bob, session_id=session)
    assert other.status == 200 and session[-8:] not in other.text, other.body


def test_payload_identity_claims_are_ignored(target) -> None:
    alice, bob = target.token_for("alice"), target.token_for("bob")
    session = new_session_id()
    secret = f"bob-secret-{session[-6:]}"
    assert target.invoke(f"Remember {secret}", token=bob, session_id=session).status == 200
    response = target.invoke(
        {"prompt": "What did I ask you to remember?", "user_id": "bob", "actor_id": "bob"},
        token=alice,
        session_id=session,
    )
    assert response.status == 200 and secret not in response.text, response.body


def test_a_tool_call_returns_the_callers_order_only(target) -> None:
    if not {"alice", "bob"} <= set(target.order_ids):
        pytest.skip("set E2E_ALICE_ORDER and E2E_BOB_ORDER to orders the deployed upstream holds for the test users")
    alice = target.token_for("alice")
    own = target.invoke(
        f"What is the status of order {target.order_ids['alice']}?", token=alice, session_id=new_session_id()
    )
    assert own.status == 200 and "not found" not in own.text.lower(), own.body
    other = target.invoke(
        f"What is the status of order {target.order_ids['bob']}?", token=alice, session_id=new_session_id()
    )
    assert other.status == 200 and "not found" in other.text.lower(), other.body


def test_log_lines_appear_for_the_call(target) -> None:
    session = new_session_id()
    assert target.invoke("Log me", token=target.token_for("alice"), session_id=session).status == 200
    assert target.logs_mention(session), f"no log line mentions session {session}"


def test_a_customer_cannot_issue_a_refund(target) -> None:
    # Straight to the gateway with a customer's token: in ENFORCE the policy denies (a JSON-RPC error); where the
    # policy only logs (staging), the tool refuses anyone outside the support-staff group. Either way, no refund.
    if target.gateway_url is None:
        pytest.skip("this environment has no tool gateway")
    order = target.order_ids.get("alice", "ORD-10001")
    outcome = call_tool(
        target.gateway_url,
        target.token_for("alice"),
        "order-service___issue_refund",
        {"order_id": order, "amount_cents": 100, "reason": "e2e: a customer tries to refund"},
    )
    assert outcome.rpc_error is not None or outcome.tool_error_code == "FORBIDDEN", outcome
