"""The LangGraph flavour's sessions: a turn that never finished does not leave the session failing, on the local store
and on AgentCore Memory (moto), and local history survives a restart per actor, like the Strands flavour's."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from langchain_aws.chat_models.bedrock_converse import _messages_to_bedrock
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool
from moto import mock_aws
from starlette.testclient import TestClient

from agentcore_constructs.contract.invocation import SESSION_HEADER
from agentcore_constructs.kit.identity import CallerIdentity
from agentcore_constructs.kit.langgraph import LangGraphAgentRunner, OfflineChatModel
from agentcore_constructs.kit.langgraph_history import complete_turns, turn_input
from agentcore_constructs.kit.runtime import InvocationLimitExceeded, Limits, Turn
from agentcore_constructs.kit.settings import Settings
from support_agent.graph import support_agent

ALICE = CallerIdentity(actor_id="alice", session_id="session-0123456789012345678901234567")


def converse_problem(messages: list[dict[str, Any]]) -> str | None:
    """What Bedrock's Converse API refuses in a conversation, as langchain-aws sends it (consecutive same-role
    messages merged): it must start with the user; every toolUse is answered by a toolResult in the next message, and
    a toolResult answers a toolUse of the message before (Amazon Bedrock User Guide, "Call a tool with the Amazon
    Bedrock Converse API", https://docs.aws.amazon.com/bedrock/latest/userguide/tool-use-inference-call.html; the
    service's messages: https://github.com/pydantic/pydantic-ai/issues/2327)."""
    if not messages or messages[0]["role"] != "user":
        return "A conversation must start with a user message."
    asked: set[str] = set()
    for index, message in enumerate(messages):
        blocks = message["content"]
        answered = {b["toolResult"]["toolUseId"] for b in blocks if "toolResult" in b}
        if answered - asked:
            return f"The number of toolResult blocks at messages.{index}.content exceeds the number of toolUse blocks"
        if asked - answered:
            return f"Expected toolResult blocks at messages.{index}.content for the following Ids: {asked - answered}"
        asked = {b["toolUse"]["toolUseId"] for b in blocks if "toolUse" in b}
    return None


class BedrockStrictModel(OfflineChatModel):
    """The offline driver, refusing what Bedrock refuses (a provider error in a session is then a 500)."""

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Any:
        converse, _ = _messages_to_bedrock(list(messages))
        problem = converse_problem(converse)
        if problem:
            raise ValueError(f"ValidationException: {problem}")
        return super()._generate(messages, *args, **kwargs)


class CancelsAtToolCall(BedrockStrictModel):
    """Asks for the tool, and the wall-time limit fires right then (``cancel`` is the turn's cancel event)."""

    cancel: Any = None

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Any:
        result = super()._generate(messages, *args, **kwargs)
        if result.generations[0].message.tool_calls:
            self.cancel.set()
        return result


def order_service() -> tuple[Any, dict[str, bool]]:
    """A ``lookup_order`` tool (the one the offline driver calls for ``ORD-nnnnn``) and its switch."""
    state = {"down": True}

    @tool
    def lookup_order(order_id: str) -> dict:
        """Look up an order."""
        if state["down"]:
            raise ConnectionError("order service unreachable")
        return {"order_id": order_id, "status": "shipped"}

    return lookup_order, state


@pytest.fixture(params=["local", "agentcore"])
def backend_settings(request, offline_settings: Settings, monkeypatch) -> Iterator[Settings]:
    """The local file store, or AgentCore Memory's data plane (moto) through langgraph-checkpoint-aws."""
    if request.param == "local":
        yield offline_settings
        return
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield dataclasses.replace(offline_settings, memory_id="mem-abcdefghij", model_region="us-east-1")


def _client(settings: Settings, tools: list[Any], model: Any = None) -> TestClient:
    runner = support_agent.runner(settings, model=model or BedrockStrictModel(), tools=tools)
    from agentcore_constructs.kit.runtime import create_app

    return TestClient(create_app(runner.answer, settings), raise_server_exceptions=False)


def _ask(client: TestClient, prompt: str, **headers: str) -> Any:
    return client.post("/invocations", json={"prompt": prompt}, headers={SESSION_HEADER: "s-1", **headers})


# =============================================================================================================
# Part 1: a turn that never finished
# =============================================================================================================


def test_a_failed_first_turn_does_not_leave_the_session_failing(backend_settings: Settings) -> None:
    lookup_order, service = order_service()
    client = _client(backend_settings, [lookup_order])
    assert _ask(client, "where is ORD-12345?").status_code == 500  # the tool raised after the model asked for it

    service["down"] = False
    for prompt in ["hello", "where is ORD-12345 now?", "thanks"]:
        response = _ask(client, prompt)
        assert response.status_code == 200, response.text
    assert response.json()["response"].endswith("history: 2 earlier user turns; last: 'where is ORD-12345 now?'.")


def test_a_failed_later_turn_keeps_the_earlier_exchanges(backend_settings: Settings) -> None:
    lookup_order, service = order_service()
    client = _client(backend_settings, [lookup_order])
    service["down"] = False
    assert _ask(client, "my name is Ada").status_code == 200
    assert _ask(client, "where is ORD-12345?").json()["response"] == "[offline model] Order ORD-12345 status: shipped."
    service["down"] = True
    assert _ask(client, "and ORD-54321?").status_code == 500

    response = _ask(client, "hello again")
    assert response.status_code == 200, response.text
    assert response.json()["response"].endswith("history: 2 earlier user turns; last: 'where is ORD-12345?'.")


def test_a_turn_cancelled_at_the_time_limit_leaves_a_valid_history(backend_settings: Settings) -> None:
    lookup_order, _ = order_service()
    model = CancelsAtToolCall()
    runner = LangGraphAgentRunner(backend_settings, model=model, tools=[lookup_order], system_prompt="test")
    turn = Turn(prompt="where is ORD-12345?", caller=ALICE, settings=runner.settings, limits=Limits.of(runner.settings))
    model.cancel = turn.cancel
    with pytest.raises(InvocationLimitExceeded) as stopped:
        runner.answer(turn)  # stopped between the model's tool call (stored) and the tool
    assert stopped.value.status == 504

    runner.model = BedrockStrictModel()
    assert runner.ask("hello", ALICE).endswith("history: 0 earlier user turns.")
    assert runner.ask("still there?", ALICE).endswith("history: 1 earlier user turns; last: 'hello'.")


# =============================================================================================================
# complete_turns / turn_input
# =============================================================================================================


def _call(call_id: str) -> AIMessage:
    return AIMessage("", tool_calls=[{"id": call_id, "name": "lookup_order", "args": {}}], id=f"ai-{call_id}")


def _result(call_id: str) -> ToolMessage:
    return ToolMessage("ok", tool_call_id=call_id, id=f"tool-{call_id}")


EXCHANGE = [HumanMessage("q1", id="h1"), _call("c1"), _result("c1"), AIMessage("a1", id="a1")]


@pytest.mark.parametrize(
    "tail",
    [
        [HumanMessage("unanswered", id="h2")],
        [HumanMessage("q2", id="h2"), _call("c2")],
        [HumanMessage("q2", id="h2"), _call("c2"), _result("c2")],
        # parallel calls, one result missing
        [
            HumanMessage("q2", id="h2"),
            AIMessage("", tool_calls=[{"id": "x", "name": "t", "args": {}}, {"id": "y", "name": "t", "args": {}}]),
            _result("x"),
        ],
        # AgentCoreMemorySaver's load-time placeholder for the missing result (no id, never stored)
        [HumanMessage("q2", id="h2"), _call("c2"), ToolMessage("interrupted", tool_call_id="c2", status="error")],
    ],
    ids=["prompt", "call", "call-and-result", "parallel-calls", "placeholder"],
)
def test_an_unfinished_turn_is_dropped_and_the_complete_ones_kept(tail: list[BaseMessage]) -> None:
    assert complete_turns([*EXCHANGE, *tail]) == EXCHANGE
    assert complete_turns(complete_turns([*EXCHANGE, *tail])) == EXCHANGE  # idempotent


def test_an_orphan_tool_result_stored_earlier_is_dropped() -> None:
    # What the repair by ``aupdate_state`` left in AgentCore Memory: the placeholder of a removed call.
    orphan = ToolMessage("interrupted", tool_call_id="gone", id="t-gone")
    history = [SystemMessage("s", id="s"), orphan, *EXCHANGE, _result("c1")]
    assert complete_turns(history) == [SystemMessage("s", id="s"), *EXCHANGE]


def test_the_next_turn_replaces_the_history_only_when_it_needs_a_repair() -> None:
    assert turn_input(EXCHANGE, "next") == [HumanMessage("next")]
    update = turn_input([*EXCHANGE, HumanMessage("lost", id="h2"), _call("c2")], "next")
    assert update[0].id == "__remove_all__" and update[1:] == [*EXCHANGE, HumanMessage("next")]


# =============================================================================================================
# Part 2: local history survives a restart, per actor
# =============================================================================================================


def _restarted(settings: Settings) -> TestClient:
    """A new app over the same LOCAL_MEMORY_DIR, as after a restart of the process."""
    return TestClient(support_agent.create_app(settings), raise_server_exceptions=False)


def test_local_history_survives_a_restart(offline_settings: Settings) -> None:
    assert _ask(_restarted(offline_settings), "my parcel is late").status_code == 200
    second = _ask(_restarted(offline_settings), "any news?")
    assert second.json()["response"].endswith("history: 1 earlier user turns; last: 'my parcel is late'.")
    files = sorted(
        p.relative_to(offline_settings.local_memory_dir) for p in offline_settings.local_memory_dir.rglob("*")
    )
    assert [str(p) for p in files if p.suffix == ".json"] == ["local-dev-user/langgraph/session_s-1.json"]


def test_a_turn_a_dead_process_left_unfinished_is_repaired_after_the_restart(offline_settings: Settings) -> None:
    lookup_order, _ = order_service()
    first = _client(offline_settings, [lookup_order])
    assert _ask(first, "my parcel is late").status_code == 200
    assert _ask(first, "where is ORD-12345?").status_code == 500  # the call is stored, its result never is

    restarted = _client(offline_settings, [])
    response = _ask(restarted, "any news?")
    assert response.status_code == 200, response.text
    assert response.json()["response"].endswith("history: 1 earlier user turns; last: 'my parcel is late'.")


def test_each_actor_sees_only_its_own_history_across_a_restart(
    identity_settings: Settings, token_for: Callable[..., str]
) -> None:
    alice = {"Authorization": f"Bearer {token_for('alice')}"}
    bob = {"Authorization": f"Bearer {token_for('bob')}"}
    assert _ask(_restarted(identity_settings), "alice's secret: teal", **alice).status_code == 200

    restarted = _restarted(identity_settings)
    bob_answer = _ask(restarted, "what did I say?", **bob).json()["response"]  # same session id as alice's
    assert bob_answer.endswith("history: 0 earlier user turns.") and "teal" not in bob_answer
    alice_answer = _ask(restarted, "what did I say?", **alice).json()["response"]
    assert alice_answer.endswith("history: 1 earlier user turns; last: 'alice's secret: teal'.")
