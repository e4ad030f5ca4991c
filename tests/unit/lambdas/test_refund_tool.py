"""issue_refund: support staff only (verified groups, not the model's word), one refund however often it is retried,
the upstream's refusals as clear tool errors."""

from __future__ import annotations

import pytest

from agentcore_constructs.contract.tools import CALLER_REQUIRED_ENV
from order_service import handler, tools, upstream

STAFF = {"caller_id": "sam", "caller_groups": "auditors support-staff"}
REFUND = {"order_id": "ORD-10001", "amount_cents": 1500, "reason": "damaged item"}


@pytest.fixture
def identity_on(configured, monkeypatch):
    monkeypatch.setenv(CALLER_REQUIRED_ENV, "true")  # the interceptor writes caller_id and caller_groups
    return configured


def refund(invoke, arguments):
    return invoke(arguments, tool="issue_refund")


def test_staff_refund_is_posted_once_with_an_idempotency_key(identity_on, invoke) -> None:
    result = refund(invoke, {**REFUND, **STAFF})
    assert (result["order_id"], result["amount_cents"], result["status"]) == ("ORD-10001", 1500, "issued")
    [request] = identity_on.requests
    assert (request.method, request.path) == ("POST", "/orders/ORD-10001/refunds")
    assert request.headers["X-Staff-Id"] == "sam"
    assert request.headers["Idempotency-Key"] == handler.refund_idempotency_key(
        "sam", "ORD-10001", 1500, "damaged item"
    )
    assert "X-Customer-Id" not in request.headers


def test_a_retry_after_a_lost_answer_does_not_refund_twice(identity_on, invoke) -> None:
    # The upstream issues the refund, then the answer is lost (timeout): our retry carries the same key.
    identity_on.hang_next(1, seconds=5)
    result = refund(invoke, {**REFUND, **STAFF})
    assert result["replayed"] is True and result["status"] == "issued"
    assert len(identity_on.refunds) == 1
    first, second = identity_on.requests
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]


def test_the_same_refund_asked_again_is_issued_once(identity_on, invoke) -> None:
    # The model (or the staff member) repeats the call: same caller, order, amount and reason -> same refund.
    first = refund(invoke, {**REFUND, **STAFF})
    again = refund(invoke, {**REFUND, **STAFF})
    assert again["refund_id"] == first["refund_id"] and again["replayed"] is True
    assert len(identity_on.refunds) == 1


def test_a_different_reason_is_a_different_refund(identity_on, invoke) -> None:
    refund(invoke, {**REFUND, **STAFF})
    second = refund(invoke, {**REFUND, **STAFF, "reason": "late delivery"})
    assert second["refund_id"] != "RF-00001" and len(identity_on.refunds) == 2


def test_the_key_depends_on_every_part_of_the_refund() -> None:
    base = ("sam", "ORD-10001", 1500, "damaged item")
    keys = {
        handler.refund_idempotency_key(*base),
        handler.refund_idempotency_key("kim", *base[1:]),
        handler.refund_idempotency_key(base[0], "ORD-10002", *base[2:]),
        handler.refund_idempotency_key(*base[:2], 1501, base[3]),
        handler.refund_idempotency_key(*base[:3], "damaged item "),
    }
    assert len(keys) == 5


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
    result = refund(invoke, {**REFUND, **identity})
    assert error_code(result) == "FORBIDDEN"
    assert identity_on.requests == []


def test_without_the_identity_stage_nobody_may_refund(configured, invoke, error_code) -> None:
    # No interceptor: caller_id and caller_groups could only have come from the model.
    result = refund(invoke, {**REFUND, **STAFF})
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
    result = refund(invoke, {**REFUND, **STAFF, **change})
    assert error_code(result) == "INVALID_ARGUMENT"
    assert identity_on.requests == []


def test_more_than_is_left_to_refund_is_refused_with_the_upstreams_reason(identity_on, invoke, error_code) -> None:
    refund(invoke, {**REFUND, **STAFF, "amount_cents": 4000})
    result = refund(invoke, {**REFUND, **STAFF, "amount_cents": 300, "reason": "goodwill"})
    assert error_code(result) == "REFUSED"
    assert "200 cents" in result["error"]["message"]
    assert len(identity_on.refunds) == 1


def test_unknown_order_is_not_found(identity_on, invoke, error_code) -> None:
    assert error_code(refund(invoke, {**REFUND, **STAFF, "order_id": "ORD-99999"})) == "NOT_FOUND"


def test_retries_exhausted_is_retryable_and_later_succeeds_once(identity_on, invoke, error_code) -> None:
    identity_on.fail_next(3, status=503)
    assert error_code(refund(invoke, {**REFUND, **STAFF})) == "UPSTREAM_UNAVAILABLE"
    assert refund(invoke, {**REFUND, **STAFF})["status"] == "issued"
    assert len(identity_on.refunds) == 1


def test_a_post_without_an_idempotency_key_is_never_sent(identity_on) -> None:
    settings = handler.load_settings()
    with pytest.raises(ValueError, match="Idempotency-Key"):
        upstream.call_upstream(settings, "/orders/ORD-10001/refunds", {}, method="POST", body=b"{}")
    assert identity_on.requests == []
