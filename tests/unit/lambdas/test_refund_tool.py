"""issue_refund: support staff only (verified groups, not the model's word), one refund however often it is retried,
the upstream's refusals as clear tool errors."""

from __future__ import annotations

import inspect
import socket

import pytest

from agentcore_constructs.contract.tools import CALLER_REQUIRED_ENV
from order_service import handler, tools, upstream

STAFF = {"caller_id": "sam", "caller_groups": "auditors support-staff"}
SESSION = "support-session-0123456789abcdef0123456789"
#: What the gateway interceptor writes from the MCP request's _meta: which tool call of the model this is.
CALL = {"runtime_session_id": SESSION, "tool_call_id": "tooluse_first"}
REFUND = {"order_id": "ORD-10001", "amount_cents": 1500, "reason": "damaged item"}


@pytest.fixture
def identity_on(configured, monkeypatch):
    monkeypatch.setenv(CALLER_REQUIRED_ENV, "true")  # the interceptor writes caller_id and caller_groups
    return configured


def refund(invoke, arguments):
    return invoke(arguments, tool="issue_refund")


def test_staff_refund_is_posted_once_with_an_idempotency_key(identity_on, invoke) -> None:
    result = refund(invoke, {**REFUND, **STAFF, **CALL})
    assert (result["order_id"], result["amount_cents"], result["status"]) == ("ORD-10001", 1500, "issued")
    assert result["replayed"] is False
    [request] = identity_on.requests
    assert (request.method, request.path) == ("POST", "/orders/ORD-10001/refunds")
    assert request.headers["X-Staff-Id"] == "sam"
    assert request.headers["Idempotency-Key"] == handler.refund_idempotency_key("sam", SESSION, "tooluse_first")
    assert "X-Customer-Id" not in request.headers


def test_a_retry_after_a_lost_answer_does_not_refund_twice(identity_on, invoke) -> None:
    # The upstream issues the refund, then the answer is lost (timeout): our retry carries the same key.
    identity_on.hang_next(1, seconds=5)
    result = refund(invoke, {**REFUND, **STAFF, **CALL})
    assert result["replayed"] is True and result["status"] == "issued"
    assert len(identity_on.refunds) == 1
    first, second = identity_on.requests
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]


def test_the_same_tool_call_delivered_again_is_issued_once_and_says_replayed(identity_on, invoke) -> None:
    # The agent's MCP client retried the tools/call (a lost answer): same session, same tool-call id.
    first = refund(invoke, {**REFUND, **STAFF, **CALL})
    again = refund(invoke, {**REFUND, **STAFF, **CALL})
    assert again == {**first, "replayed": True}
    assert len(identity_on.refunds) == 1


def test_two_intended_identical_refunds_both_apply(identity_on, invoke) -> None:
    # Staff ask for the same 15.00 refund twice on purpose: two tool calls of the model, two refunds.
    first = refund(invoke, {**REFUND, **STAFF, **CALL})
    second = refund(invoke, {**REFUND, **STAFF, **CALL, "tool_call_id": "tooluse_second"})
    assert first["refund_id"] != second["refund_id"]
    assert (first["replayed"], second["replayed"]) == (False, False)
    assert [r["amount_cents"] for r in identity_on.refunds] == [1500, 1500]


def test_a_changed_reason_on_a_redelivery_is_not_a_second_refund(identity_on, invoke, error_code) -> None:
    # The key names the tool call, not its text: a redelivery that says something else is refused, not issued.
    refund(invoke, {**REFUND, **STAFF, **CALL})
    changed = refund(invoke, {**REFUND, **STAFF, **CALL, "reason": "late delivery"})
    assert error_code(changed) == "REFUSED" and "different request" in changed["error"]["message"]
    assert len(identity_on.refunds) == 1
    first, second = identity_on.requests
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]


def test_the_key_names_the_tool_call_in_the_callers_namespace() -> None:
    key = handler.refund_idempotency_key
    assert key("sam", SESSION, "tooluse_first") == key("sam", SESSION, "tooluse_first")  # the same call
    assert key("sam", SESSION, "tooluse_second") != key("sam", SESSION, "tooluse_first")  # another call
    assert key("sam", SESSION + "x", "tooluse_first") != key("sam", SESSION, "tooluse_first")  # another session
    assert key("kim", SESSION, "tooluse_first") != key("sam", SESSION, "tooluse_first")  # another user's namespace
    assert key("sam", "a", "b/c") != key("sam", "a/b", "c")  # parts cannot run into each other
    assert list(inspect.signature(key).parameters) == ["caller_id", "runtime_session_id", "tool_call_id"]


def test_neither_the_reason_nor_the_staff_members_groups_change_the_key(identity_on, invoke) -> None:
    refund(invoke, {**REFUND, **STAFF, **CALL})
    refund(invoke, {**REFUND, **CALL, "caller_id": "sam", "caller_groups": "support-staff", "reason": "other"})
    refund(invoke, {**REFUND, **STAFF, **CALL, "amount_cents": 99, "order_id": "ORD-20002"})
    assert len({r.headers["Idempotency-Key"] for r in identity_on.requests}) == 1
    assert len(identity_on.refunds) == 1


@pytest.mark.parametrize(
    "call",
    [{}, {"runtime_session_id": SESSION}, {"tool_call_id": "tooluse_first"}],
    ids=["neither", "no-tool-call-id", "no-session"],
)
def test_a_refund_without_its_session_and_tool_call_id_is_refused(identity_on, invoke, error_code, call) -> None:
    result = refund(invoke, {**REFUND, **STAFF, **call})
    assert error_code(result) == "CALL_CONTEXT_MISSING" and result["error"]["retryable"] is False
    assert "nothing was refunded" in result["error"]["message"]
    assert identity_on.requests == []


@pytest.mark.parametrize(
    "call",
    [
        {"tool_call_id": ""},
        {"tool_call_id": "tool use"},
        {"tool_call_id": "x" * 257},
        {"runtime_session_id": "line\nbreak"},
        {"runtime_session_id": 42},
    ],
)
def test_a_malformed_session_or_tool_call_id_is_an_invalid_argument(identity_on, invoke, error_code, call) -> None:
    result = refund(invoke, {**REFUND, **STAFF, **CALL, **call})
    assert error_code(result) == "INVALID_ARGUMENT"
    assert identity_on.requests == []


@pytest.mark.parametrize(
    "identity",
    [
        {"caller_id": "alice", "caller_groups": ""},
        {"caller_id": "alice", "caller_groups": "support-staff-trainee"},
        {"caller_id": "alice", "caller_groups": "not-support-staff"},
        {"caller_id": "alice"},
    ],
    ids=["no-groups", "prefix-lookalike", "suffix-lookalike", "groups-missing"],
)
def test_only_support_staff_may_refund(identity_on, invoke, error_code, identity) -> None:
    result = refund(invoke, {**REFUND, **CALL, **identity})
    assert error_code(result) == "FORBIDDEN"
    assert identity_on.requests == []


def test_without_the_identity_stage_nobody_may_refund(configured, invoke, error_code) -> None:
    # No interceptor: caller_id and caller_groups could only have come from the model.
    result = refund(invoke, {**REFUND, **STAFF, **CALL})
    assert error_code(result) == "FORBIDDEN"
    assert configured.requests == []


@pytest.mark.parametrize(
    "change",
    [
        {"amount_cents": 0},
        {"amount_cents": tools.REFUND_LIMIT_CENTS + 1},
        {"amount_cents": 15.5},
        {"amount_cents": True},
        {"amount_cents": "1500"},
        {"order_id": "ORD-1"},
        {"reason": ""},
        {"reason": "x" * 201},
        {"reason": "line\nbreak"},
        {"caller_groups": "support-staff\tadmins"},
    ],
)
def test_malformed_refunds_are_invalid_arguments(identity_on, invoke, error_code, change) -> None:
    result = refund(invoke, {**REFUND, **STAFF, **CALL, **change})
    assert error_code(result) == "INVALID_ARGUMENT"
    assert identity_on.requests == []


def test_more_than_is_left_to_refund_is_refused_with_the_upstreams_reason(identity_on, invoke, error_code) -> None:
    refund(invoke, {**REFUND, **STAFF, **CALL, "amount_cents": 4000})
    result = refund(invoke, {**REFUND, **STAFF, **CALL, "amount_cents": 300, "tool_call_id": "tooluse_goodwill"})
    assert error_code(result) == "REFUSED"
    assert "200 cents" in result["error"]["message"]
    assert len(identity_on.refunds) == 1


def test_unknown_order_is_not_found(identity_on, invoke, error_code) -> None:
    assert error_code(refund(invoke, {**REFUND, **STAFF, **CALL, "order_id": "ORD-99999"})) == "NOT_FOUND"


def assert_outcome_unknown(result, error_code, detail: str) -> None:
    """The model is told the refund may have been issued and to check before retrying -- never to try again."""
    assert error_code(result) == "OUTCOME_UNKNOWN", result
    message = result["error"]["message"]
    assert result["error"]["retryable"] is False
    assert "outcome is unknown" in message and "may have been issued" in message
    assert "check the order's refunds" in message and "ORD-10001" in message and detail in message
    assert "try again" not in message.lower()


def test_5xx_until_the_retries_run_out_is_an_unknown_outcome(identity_on, invoke, error_code) -> None:
    identity_on.fail_next(3, status=503)
    assert_outcome_unknown(refund(invoke, {**REFUND, **STAFF, **CALL}), error_code, "HTTP 503")
    # The same tool call delivered again (the agent's MCP client retrying): still one refund.
    assert refund(invoke, {**REFUND, **STAFF, **CALL})["status"] == "issued"
    assert len(identity_on.refunds) == 1


def test_a_timeout_after_sending_is_an_unknown_outcome(identity_on, invoke, error_code) -> None:
    identity_on.hang_next(3, seconds=5)  # every attempt arrives (the first issues the refund), no answer comes back
    assert_outcome_unknown(refund(invoke, {**REFUND, **STAFF, **CALL}), error_code, "timed out")
    assert len(identity_on.refunds) == 1


def test_a_connection_reset_after_sending_is_an_unknown_outcome(identity_on, invoke, error_code) -> None:
    identity_on.hang_next(3, seconds=0)  # the refund is issued, then the connection is closed without an answer
    assert_outcome_unknown(refund(invoke, {**REFUND, **STAFF, **CALL}), error_code, "connection error")
    assert len(identity_on.refunds) == 1


def test_an_accepted_refund_with_an_unreadable_answer_is_an_unknown_outcome(
    identity_on, invoke, error_code, monkeypatch
) -> None:
    monkeypatch.setattr(upstream, "call_upstream", lambda *args, **kwargs: (201, b"<html>ok</html>"))
    assert_outcome_unknown(refund(invoke, {**REFUND, **STAFF, **CALL}), error_code, "HTTP 201")


def test_a_refund_that_never_left_is_retryable(identity_on, invoke, error_code, monkeypatch) -> None:
    # No connection at all (nothing can have been issued): the ordinary retryable error.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv(tools.ENV_BASE_URL, f"http://127.0.0.1:{port}")
    result = refund(invoke, {**REFUND, **STAFF, **CALL})
    assert error_code(result) == "UPSTREAM_UNAVAILABLE" and result["error"]["retryable"] is True
    assert "connection error" in result["error"]["message"]


def test_a_post_without_an_idempotency_key_is_never_sent(identity_on) -> None:
    settings = handler.load_settings()
    with pytest.raises(ValueError, match="Idempotency-Key"):
        upstream.call_upstream(settings, "/orders/ORD-10001/refunds", {}, method="POST", body=b"{}")
    assert identity_on.requests == []
