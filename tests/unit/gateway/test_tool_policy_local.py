"""The deployed Cedar tool policies (policies/gateway/*.cedar) evaluated by the real Cedar engine, as `make dev` and
the local gateway do: the allow/deny matrix per tool and caller, and the interceptor chain that applies it."""

from __future__ import annotations

import pytest

from local_dev.gateway import InterceptorRejected
from local_dev.tool_policy import POLICY_DENIED, TOOL_POLICY_DIR, LocalToolPolicy, claim_tag, policy_interceptor
from order_service import tools as order_tools

TOOLS_SCOPE = "support-agent-local/tools"
LOOKUP = "order-service___lookup_order"
REFUND = "order-service___issue_refund"
ALICE = {"sub": "alice", "scope": f"openid {TOOLS_SCOPE}", "client_id": "local-client"}
STAFF = {"sub": "sam", "scope": TOOLS_SCOPE, "client_id": "local-client", "cognito:groups": ["support-staff"]}
A_REFUND = {"order_id": "ORD-10001", "amount_cents": 1000, "reason": "damaged item"}


@pytest.fixture(scope="module")
def policy() -> LocalToolPolicy:
    return LocalToolPolicy(TOOL_POLICY_DIR, {"tools_scope": TOOLS_SCOPE, **order_tools.policy_variables()})


@pytest.mark.parametrize(
    ("claims", "tool", "arguments", "allowed", "why"),
    [
        (ALICE, LOOKUP, {"order_id": "ORD-10001"}, True, ("lookup_order",)),
        ({**ALICE, "scope": TOOLS_SCOPE}, LOOKUP, {"order_id": "ORD-10001"}, True, ("lookup_order",)),
        ({**ALICE, "scope": "openid"}, LOOKUP, {"order_id": "ORD-10001"}, False, ()),
        ({**ALICE, "scope": f"{TOOLS_SCOPE}x"}, LOOKUP, {"order_id": "ORD-10001"}, False, ()),
        ({k: v for k, v in ALICE.items() if k != "scope"}, LOOKUP, {"order_id": "ORD-10001"}, False, ()),
        (ALICE, LOOKUP, {"order_id": "ORD-1,ORD-2"}, False, ("no_bulk_lookup",)),
        (ALICE, LOOKUP, {"order_id": "ORD-*"}, False, ("no_bulk_lookup",)),
        (ALICE, LOOKUP, {"order_id": "12345"}, False, ()),
        (ALICE, "order-service___cancel_order", {"order_id": "ORD-10001"}, False, ()),
        ({"scope": TOOLS_SCOPE}, LOOKUP, {"order_id": "ORD-10001"}, False, ()),
        (STAFF, REFUND, A_REFUND, True, ("issue_refund",)),
        ({**STAFF, "cognito:groups": ["auditors", "support-staff"]}, REFUND, A_REFUND, True, ("issue_refund",)),
        (ALICE, REFUND, A_REFUND, False, ()),
        ({**STAFF, "cognito:groups": ["support-staff-trainee"]}, REFUND, A_REFUND, False, ()),
        ({**STAFF, "cognito:groups": ["not-support-staff"]}, REFUND, A_REFUND, False, ()),
        ({**STAFF, "cognito:groups": ['x","support-staff']}, REFUND, A_REFUND, False, ()),
        ({**STAFF, "cognito:groups": ['support-staff","x']}, REFUND, A_REFUND, False, ()),
        ({**STAFF, "cognito:groups": "support-staff"}, REFUND, A_REFUND, False, ()),
        ({**STAFF, "scope": "openid"}, REFUND, A_REFUND, False, ()),
        (STAFF, REFUND, {**A_REFUND, "amount_cents": order_tools.REFUND_LIMIT_CENTS}, True, ("issue_refund",)),
        (STAFF, REFUND, {**A_REFUND, "amount_cents": order_tools.REFUND_LIMIT_CENTS + 1}, False, ()),
        (STAFF, REFUND, {**A_REFUND, "amount_cents": 0}, False, ()),
        (STAFF, REFUND, {**A_REFUND, "amount_cents": -500}, False, ()),
        (STAFF, REFUND, {**A_REFUND, "order_id": "12345"}, False, ()),
    ],
    ids=[
        "customer-own-lookup",
        "scope-alone",
        "no-tools-scope",
        "scope-lookalike",
        "no-scope-claim",
        "bulk-list",
        "wildcard",
        "not-an-order-id",
        "tool-nobody-is-permitted",
        "no-sub",
        "staff-refund",
        "staff-among-groups",
        "customer-refund",
        "group-prefix-lookalike",
        "group-suffix-lookalike",
        "crafted-group-name-before",
        "crafted-group-name-after",
        "groups-claim-not-an-array",
        "staff-without-tools-scope",
        "refund-at-the-limit",
        "refund-over-the-limit",
        "refund-of-nothing",
        "negative-refund",
        "refund-not-an-order-id",
    ],
)
def test_allow_deny_matrix(policy, claims, tool, arguments, allowed, why) -> None:
    decision = policy.authorize(claims, tool, arguments)
    assert decision.allowed is allowed
    assert decision.policies == why


def _chain(policy: LocalToolPolicy, claims: dict | None):
    seen: list[dict] = []

    def verify(header: str | None) -> dict:
        if claims is None:
            raise ValueError("no token")
        return claims

    def then(headers, tool, arguments, meta=None):
        seen.append(arguments)
        return {**arguments, "caller_id": claims["sub"] if claims else None}

    return policy_interceptor(policy, verify, then), seen


def test_a_permitted_call_goes_on_to_the_caller_interceptor(policy) -> None:
    intercept, seen = _chain(policy, ALICE)
    assert intercept({"authorization": "Bearer t"}, LOOKUP, {"order_id": "ORD-10001"})["caller_id"] == "alice"
    assert seen == [{"order_id": "ORD-10001"}]


@pytest.mark.parametrize("claims", [None, {**ALICE, "scope": "openid"}], ids=["unverified", "denied"])
def test_a_denied_or_unverified_call_never_reaches_the_tool(policy, claims) -> None:
    intercept, seen = _chain(policy, claims)
    with pytest.raises(InterceptorRejected) as rejected:
        intercept({"authorization": "Bearer t"}, LOOKUP, {"order_id": "ORD-10001"})
    assert rejected.value.code == POLICY_DENIED and seen == []


def test_log_only_lets_a_denied_call_through() -> None:
    observing = LocalToolPolicy(
        TOOL_POLICY_DIR, {"tools_scope": TOOLS_SCOPE, **order_tools.policy_variables()}, mode="LOG_ONLY"
    )
    intercept, seen = _chain(observing, {**ALICE, "scope": "openid"})
    intercept({}, LOOKUP, {"order_id": "ORD-10001"})
    assert seen == [{"order_id": "ORD-10001"}]


@pytest.mark.parametrize(
    ("claim", "tag"),
    [
        ("a b", "a b"),
        (1735689600, "1735689600"),
        (True, "true"),
        (["insurance:claim", "insurance:view"], '["insurance:claim","insurance:view"]'),
        ({"k": "v"}, '{"k":"v"}'),
        (None, None),
    ],
)
def test_claims_become_string_tags_as_agentcore_documents(claim, tag) -> None:
    # Developer guide, "Principal-scoped policies": every claim becomes a string tag, arrays and objects their JSON
    # text, a null claim no tag at all.
    assert claim_tag(claim) == tag
