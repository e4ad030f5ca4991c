"""Property: whatever the Gateway (or a broken caller) sends, the handler answers with a JSON-serializable dict."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local_dev.gateway import make_lambda_context
from order_service import handler

KNOWN_CODES = {
    handler.INVALID_ARGUMENT,
    handler.UNKNOWN_TOOL,
    handler.NOT_FOUND,
    handler.NOT_CONFIGURED,
    handler.UPSTREAM_ERROR,
    handler.UPSTREAM_UNAVAILABLE,
    handler.INTERNAL,
}

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
order_ids = st.from_regex(r"ORD-\d{5}", fullmatch=True) | st.sampled_from(["ORD-12345", "ORD-10001", "ORD-20002"])
caller_ids = st.sampled_from(["alice", "bob", "local-dev-user"]) | json_values
events = (
    json_values
    | st.fixed_dictionaries({"order_id": order_ids | json_values})
    | st.fixed_dictionaries({"order_id": order_ids, "caller_id": caller_ids})
    | st.fixed_dictionaries({"order_id": order_ids}, optional={"caller_id": caller_ids, "junk": json_values})
)
tool_names = (
    st.sampled_from(["order-service___lookup_order", "lookup_order", "x___lookup_order", "order-service___"])
    | st.text(max_size=40)
    | st.builds(lambda t, n: f"{t}___{n}", st.text(max_size=10), st.text(max_size=20))
)
contexts = st.one_of(
    tool_names.map(make_lambda_context),
    tool_names.map(lambda n: _with_custom(make_lambda_context(n), {"bedrockAgentCoreToolName": 42})),
    tool_names.map(lambda n: _with_custom(make_lambda_context(n), None)),
)


def _with_custom(context: Any, custom: Any) -> Any:
    context.client_context = SimpleNamespace(custom=custom)
    return context


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(event=events, context=contexts)
def test_any_event_and_tool_name_gives_a_dict(configured, event: Any, context: Any) -> None:
    result = handler.lambda_handler(event, context)
    assert isinstance(result, dict)
    json.dumps(result)
    if "error" in result:
        assert set(result) == {"error"}
        assert result["error"]["code"] in KNOWN_CODES - {handler.INTERNAL}
        assert isinstance(result["error"]["message"], str) and result["error"]["message"]
    else:
        assert result["order_id"] == event["order_id"]
