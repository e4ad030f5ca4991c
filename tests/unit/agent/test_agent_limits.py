"""One retry layer for the model, and per-invocation limits that stop a looping request with a clear error."""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Any

from starlette.testclient import TestClient
from strands import tool
from strands.types.exceptions import ModelThrottledException

from agentcore_constructs.kit.strands import OfflineToolCallingModel
from support_agent.app import SupportAgent, create_app


@tool
def lookup_order(order_id: str) -> dict:
    """Look up an order."""
    return {"order_id": order_id, "status": "shipped"}


class LoopingModel(OfflineToolCallingModel):
    """Asks for the tool on every turn: a request that would never end without limits."""

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__()
        self.calls = 0
        self.delay = delay

    def decide(self, messages, tool_specs):
        self.calls += 1
        time.sleep(self.delay)
        return {
            "toolUse": {"toolUseId": f"loop-{self.calls}", "name": "lookup_order", "input": {"order_id": "ORD-12345"}}
        }


class MeteredModel(OfflineToolCallingModel):
    """Loops on the tool like :class:`LoopingModel`, each call reporting ``tokens`` tokens of usage; configured
    with ``max_tokens`` like a real model."""

    def __init__(self, *, tokens: int, max_tokens: int) -> None:
        super().__init__(max_tokens=max_tokens)
        self.tokens = tokens
        self.calls = 0

    def decide(self, messages, tool_specs):
        return {"toolUse": {"toolUseId": f"m-{self.calls}", "name": "lookup_order", "input": {"order_id": "ORD-12345"}}}

    async def stream(self, *args: Any, **kwargs: Any):
        self.calls += 1
        async for event in super().stream(*args, **kwargs):
            if "metadata" in event:
                usage = {"inputTokens": self.tokens, "outputTokens": 0, "totalTokens": self.tokens}
                event = {"metadata": {"usage": usage, "metrics": {"latencyMs": 0}}}
            yield event


class ThrottledModel(OfflineToolCallingModel):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    async def stream(self, *args: Any, **kwargs: Any):
        self.calls += 1
        raise ModelThrottledException("ThrottlingException: slow down")
        yield  # pragma: no cover


def _client(settings, model) -> TestClient:
    agent = SupportAgent(settings, model=model, tools_factory=lambda s, token: [lookup_order])
    return TestClient(create_app(settings, agent=agent), raise_server_exceptions=False)


def test_a_looping_request_stops_at_the_turn_limit_with_a_clear_422(offline_settings) -> None:
    settings = dataclasses.replace(offline_settings, max_turns=3)
    model = LoopingModel()
    response = _client(settings, model).post("/invocations", json={"prompt": "loop"})
    assert response.status_code == 422
    assert response.json() == {
        "error": "The request needed more than this agent's limit of 3 model turns per request; it was stopped."
    }
    assert model.calls == 3


def test_a_slow_request_stops_at_the_time_limit_with_504(offline_settings) -> None:
    settings = dataclasses.replace(offline_settings, max_seconds=0.5, max_turns=100)
    model = LoopingModel(delay=0.1)
    started = time.monotonic()
    response = _client(settings, model).post("/invocations", json={"prompt": "loop"})
    assert response.status_code == 504
    assert (
        json.loads(response.text)["error"]
        == "The request needed more than this agent's limit of 0.5 seconds per request; it was stopped."
    )
    assert time.monotonic() - started < 5 and model.calls < 10


def test_the_framework_does_not_retry_the_model_on_top_of_botocore(offline_settings) -> None:
    # Throttles are retried by botocore inside one model call (AGENT_RETRY_*); Strands' own ModelRetryStrategy (6
    # attempts with 4-240 s backoff by default) is off, so a throttled call is attempted exactly once here.
    model = ThrottledModel()
    started = time.monotonic()
    response = _client(offline_settings, model).post("/invocations", json={"prompt": "hello"})
    assert response.status_code == 500
    assert model.calls == 1 and time.monotonic() - started < 3


TOKENS_422 = {"error": "The request needed more than this agent's limit of 1000 tokens per request; it was stopped."}


def test_a_model_call_the_token_budget_cannot_cover_is_never_made(offline_settings) -> None:
    settings = dataclasses.replace(offline_settings, max_total_tokens=1000)
    model = MeteredModel(tokens=0, max_tokens=5000)  # one call may generate more than the whole budget
    response = _client(settings, model).post("/invocations", json={"prompt": "What is order ORD-12345?"})
    assert response.status_code == 422
    assert response.json() == TOKENS_422
    assert model.calls == 0


def test_the_token_budget_is_checked_before_each_model_call_not_after(offline_settings) -> None:
    # 400 tokens per call, up to 300 more per call: 0+300 and 400+300 fit in 1000, 800+300 does not.
    settings = dataclasses.replace(offline_settings, max_total_tokens=1000, max_turns=100)
    model = MeteredModel(tokens=400, max_tokens=300)
    response = _client(settings, model).post("/invocations", json={"prompt": "loop"})
    assert response.status_code == 422
    assert response.json() == TOKENS_422
    assert model.calls == 2  # the third call, which could blow the budget, was refused before it was made
