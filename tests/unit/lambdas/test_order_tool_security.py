"""The order tool surface (its Lambda handler, as the gateway invokes it, identity stage on): it acts only for the
caller the interceptor verified, refuses calls without one, and answers hostile input with structured errors."""

from __future__ import annotations

from typing import Any

import pytest

from agentcore_constructs.contract.tools import CALLER_REQUIRED_ENV

BOBS_ORDER, ALICES_ORDER = "ORD-20002", "ORD-10001"


@pytest.fixture
def identity_on(configured, monkeypatch):
    monkeypatch.setenv(CALLER_REQUIRED_ENV, "true")
    return configured


def test_without_a_verified_caller_nothing_is_looked_up(identity_on, invoke, error_code):
    result = invoke({"order_id": BOBS_ORDER})
    assert error_code(result) == "UNAUTHENTICATED" and identity_on.hits == 0


def test_alice_never_gets_bobs_order_and_the_answer_does_not_reveal_it_exists(identity_on, invoke, error_code):
    hidden, missing = (
        invoke({"order_id": BOBS_ORDER, "caller_id": "alice"}),
        invoke({"order_id": "ORD-99999", "caller_id": "alice"}),
    )
    assert error_code(hidden) == error_code(missing) == "NOT_FOUND"
    assert hidden["error"]["message"].replace(BOBS_ORDER, "X") == missing["error"]["message"].replace("ORD-99999", "X")
    assert invoke({"order_id": ALICES_ORDER, "caller_id": "alice"})["customer_id"] == "alice"
    assert {r.headers.get("X-Customer-Id") for r in identity_on.requests} == {"alice"}


@pytest.mark.parametrize(
    "caller",
    ["", "x" * 257, "alice\r\nX-API-Key: stolen", "al ice", "ålice", 42, None, ["bob"], {"sub": "bob"}, True],
    ids=["empty", "too long", "header injection", "space", "non-ascii", "number", "null", "list", "object", "bool"],
)
def test_hostile_caller_values_are_invalid_arguments_never_forwarded(identity_on, invoke, error_code, caller: Any):
    result = invoke({"order_id": BOBS_ORDER, "caller_id": caller})
    assert error_code(result) == "INVALID_ARGUMENT" and identity_on.hits == 0


@pytest.mark.parametrize(
    "event",
    [
        None,
        [],
        "ORD-20002",
        {"order_id": "x" * 100_000, "caller_id": "alice"},
        {"order_id": [[[[["ORD-20002"]]]]], "caller_id": "alice"},
        {"order_id": BOBS_ORDER, "caller_id": "alice", "customer_id": "bob"},
    ],
    ids=["null", "list", "string", "huge", "nested", "extra identity field"],
)
def test_malformed_events_get_structured_errors(identity_on, invoke, error_code, event: Any):
    result = invoke(event)
    assert error_code(result) in {"INVALID_ARGUMENT", "UNAUTHENTICATED"} and identity_on.hits == 0
