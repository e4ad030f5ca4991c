"""The offline driver's rules, exercised through a real Strands Agent with real @tool functions."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import BaseModel
from strands import Agent, tool

from agentcore_constructs.kit.offline_model import PREFIX, is_lookup_tool
from agentcore_constructs.kit.strands import OfflineToolCallingModel

ORDERS = {"ORD-12345": "shipped", "ORD-55555": "delayed"}
calls: list[str] = []


@tool
def lookup_order(order_id: str) -> dict:
    """Look up order status by order ID."""
    calls.append(order_id)
    if order_id not in ORDERS:
        raise ValueError(f"order {order_id} not found")
    return {"order_id": order_id, "status": ORDERS[order_id]}


@tool(name="OrderService___lookup_order")
def gateway_lookup_order(order_id: str) -> dict:
    """Gateway-named variant (<target>___<tool>)."""
    calls.append(order_id)
    return {"order_id": order_id, "status": "delivered"}


@tool
def unrelated(text: str) -> str:
    """Some other tool."""
    calls.append(text)
    return text


@pytest.fixture(autouse=True)
def _reset_calls():
    calls.clear()


def agent(*tools) -> Agent:
    return Agent(model=OfflineToolCallingModel(), tools=list(tools), callback_handler=None)


def test_order_id_with_lookup_tool_calls_the_tool_and_summarizes_the_result():
    answer = str(agent(lookup_order)("What is order ORD-12345?"))
    assert calls == ["ORD-12345"]
    assert answer.startswith(PREFIX)
    assert "ORD-12345" in answer and "shipped" in answer


def test_gateway_style_tool_name_is_recognized():
    answer = str(agent(gateway_lookup_order)("status of ORD-55555 please"))
    assert calls == ["ORD-55555"]
    assert "delivered" in answer


def test_tool_error_is_reported_not_raised():
    answer = str(agent(lookup_order)("Where is ORD-99999?"))
    assert calls == ["ORD-99999"]
    assert "error" in answer and "not found" in answer


def test_tool_is_called_once_per_turn():
    a = agent(lookup_order)
    a("What is order ORD-12345?")
    assert calls == ["ORD-12345"]
    # The next turn may call again: the tool result belongs to the earlier turn.
    a("And ORD-55555?")
    assert calls == ["ORD-12345", "ORD-55555"]


def test_without_a_lookup_tool_it_echoes_and_never_calls_tools():
    answer = str(agent(unrelated)("What is order ORD-12345?")).strip()
    assert calls == []
    assert answer == f"{PREFIX} You said: 'What is order ORD-12345?'. history: 0 earlier user turns."


def test_without_an_order_id_it_echoes():
    answer = str(agent(lookup_order)("Hello there"))
    assert calls == []
    assert "You said: 'Hello there'" in answer


def test_reports_the_history_it_received():
    a = agent()
    a("first question")
    a("second question")
    answer = str(a("third question"))
    assert "history: 2 earlier user turns; last: 'second question'" in answer


def test_history_counts_only_typed_prompts_not_tool_results():
    a = agent(lookup_order)
    a("What is order ORD-12345?")
    answer = str(a("thanks"))
    assert "history: 1 earlier user turns; last: 'What is order ORD-12345?'" in answer


def test_decide_is_deterministic():
    model = OfflineToolCallingModel()
    messages = [{"role": "user", "content": [{"text": "ORD-12345?"}]}]
    specs = [{"name": "lookup_order", "description": "d", "inputSchema": {"json": {}}}]
    assert model.decide(messages, specs) == model.decide(messages, specs)
    assert model.decide(messages, specs)["toolUse"]["input"] == {"order_id": "ORD-12345"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("lookup_order", True),
        ("OrderService___lookup_order", True),
        ("lookup_orders", False),
        ("x_lookup_order", False),
    ],
)
def test_lookup_tool_naming(name, expected):
    assert is_lookup_tool(name) is expected


def test_config_round_trip():
    model = OfflineToolCallingModel()
    model.update_config(temperature=0)
    assert model.get_config()["temperature"] == 0
    assert "offline" in model.get_config()["model_id"]


def test_structured_output_fills_defaults_only():
    class WithDefaults(BaseModel):
        answer: str = "n/a"

    class Required(BaseModel):
        answer: str

    async def collect(model_type):
        return [event async for event in OfflineToolCallingModel().structured_output(model_type, [])]

    assert asyncio.run(collect(WithDefaults))[-1]["output"] == WithDefaults()
    with pytest.raises(ValueError, match="offline model"):
        asyncio.run(collect(Required))
