"""The kit's LangGraph app: the same limits and interrupted-turn repair as the Strands one, over a real graph."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.tools import tool

from agentcore_constructs.kit.identity import CallerIdentity
from agentcore_constructs.kit.langgraph import LangGraphAgentRunner, OfflineChatModel
from agentcore_constructs.kit.runtime import InvocationLimitExceeded, Limits, Turn
from agentcore_constructs.kit.settings import load_settings

ALICE = CallerIdentity(actor_id="alice", session_id="session-0123456789012345678901234567")


@tool
def echo(text: str) -> str:
    """Echo the text."""
    return text


class Looping(BaseChatModel):
    """Calls the echo tool forever, each call reporting ``tokens`` tokens of usage."""

    tokens: int = 10
    fail_first: bool = False
    calls: int = 0
    max_tokens: int | None = None

    @property
    def _llm_type(self) -> str:
        return "looping"

    def bind_tools(self, tools: Any, **kwargs: Any) -> Any:
        return self

    def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> ChatResult:
        self.calls += 1
        if self.fail_first and self.calls == 1:
            raise ConnectionError("the model endpoint dropped the connection")
        usage = {"input_tokens": self.tokens, "output_tokens": 0, "total_tokens": self.tokens}
        message = AIMessage(
            content="",
            tool_calls=[{"id": f"c{self.calls}", "name": "echo", "args": {"text": "x"}}],
            usage_metadata=usage,
        )
        return ChatResult(generations=[ChatGeneration(message=message)])


def _settings(tmp_path, **env: str):
    return load_settings(
        {"MODEL_PROVIDER": "offline", "LOCAL_MEMORY_DIR": str(tmp_path), **env}, credentials_available=lambda: False
    )


def _runner(tmp_path, model: BaseChatModel, **env: str) -> LangGraphAgentRunner:
    return LangGraphAgentRunner(_settings(tmp_path, **env), model=model, tools=[echo], system_prompt="test")


def test_a_looping_agent_stops_at_the_turn_limit_with_422(tmp_path) -> None:
    with pytest.raises(InvocationLimitExceeded) as stopped:
        _runner(tmp_path, Looping(), AGENT_MAX_TURNS="3").ask("loop", ALICE)
    assert stopped.value.status == 422 and "3 model turns" in stopped.value.message


def test_the_token_budget_stops_the_run_with_422(tmp_path) -> None:
    with pytest.raises(InvocationLimitExceeded) as stopped:
        _runner(tmp_path, Looping(tokens=600), AGENT_MAX_TOTAL_TOKENS="1000").ask("loop", ALICE)
    assert stopped.value.status == 422 and "1000 tokens" in stopped.value.message


def test_the_token_budget_is_checked_before_each_model_call_not_after(tmp_path) -> None:
    # 400 tokens per call, up to 300 more per call: 0+300 and 400+300 fit in 1000, 800+300 does not.
    model = Looping(tokens=400, max_tokens=300)
    with pytest.raises(InvocationLimitExceeded) as stopped:
        _runner(tmp_path, model, AGENT_MAX_TOTAL_TOKENS="1000").ask("loop", ALICE)
    assert stopped.value.status == 422 and "1000 tokens" in stopped.value.message
    assert model.calls == 2  # the third call, which could blow the budget, was refused before it was made


def test_a_model_call_the_token_budget_cannot_cover_is_never_made(tmp_path) -> None:
    class Counting(OfflineChatModel):
        calls: int = 0

        def _generate(self, *args: Any, **kwargs: Any) -> ChatResult:
            self.calls += 1
            return super()._generate(*args, **kwargs)

    model = Counting(max_tokens=5000)  # one call may generate more than the whole budget
    with pytest.raises(InvocationLimitExceeded) as stopped:
        _runner(tmp_path, model, AGENT_MAX_TOTAL_TOKENS="1000").ask("What is order ORD-12345?", ALICE)
    assert stopped.value.status == 422 and "1000 tokens" in stopped.value.message
    assert model.calls == 0


def test_the_wall_clock_limit_stops_the_run_with_504(tmp_path) -> None:
    runner = _runner(tmp_path, Looping())
    turn = Turn(prompt="loop", caller=ALICE, settings=runner.settings, limits=Limits.of(runner.settings))
    turn.cancel.set()  # the timer fired
    with pytest.raises(InvocationLimitExceeded) as stopped:
        runner.answer(turn)
    assert stopped.value.status == 504


def test_an_interrupted_turn_is_removed_before_the_next_one(tmp_path) -> None:
    runner = LangGraphAgentRunner(_settings(tmp_path), model=Looping(fail_first=True), system_prompt="test")
    with pytest.raises(ConnectionError):
        runner.ask("first prompt, never answered", ALICE)
    runner.model = OfflineChatModel()
    answer = runner.ask("second prompt", ALICE)
    # The driver reports the history it received: the unanswered prompt is gone.
    assert "history: 0 earlier user turns" in answer
