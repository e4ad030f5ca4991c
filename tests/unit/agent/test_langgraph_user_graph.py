"""``AgentCoreApp(graph)``: the user's own compiled LangGraph graph, served by the kit with its memory, identity and
limits, as ``AgentCoreApp(Agent(...))`` serves a Strands agent."""

from __future__ import annotations

import dataclasses
from typing import Any, TypedDict

import pytest
from langchain.agents import create_agent
from langchain.agents.middleware import AgentMiddleware
from langchain_core.outputs import ChatResult
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, MessagesState, StateGraph
from starlette.testclient import TestClient

from agentcore_constructs.contract.invocation import SESSION_HEADER
from agentcore_constructs.kit.langgraph import AgentCoreApp, AgentCoreChatModel, OfflineChatModel
from agentcore_constructs.kit.settings import Settings
from tests.unit.agent.test_langgraph_agent import Looping, echo

SESSION = "session-0123456789012345678901234567"


@tool
def lookup_order(order_id: str) -> dict:
    """Look up an order."""
    return {"order_id": order_id, "status": "shipped"}


def _client(graph: Any, settings: Settings, **runner: Any) -> TestClient:
    app = AgentCoreApp(graph).create_app(settings) if not runner else _app_with(graph, settings, **runner)
    return TestClient(app, raise_server_exceptions=False)


def _app_with(graph: Any, settings: Settings, **runner: Any) -> Any:
    from agentcore_constructs.kit.runtime import create_app

    return create_app(AgentCoreApp(graph).runner(settings, **runner).answer, settings)


def _ask(client: TestClient, prompt: str, session: str = SESSION, **headers: str) -> Any:
    return client.post("/invocations", json={"prompt": prompt}, headers={SESSION_HEADER: session, **headers})


# =============================================================================================================
# The user's graph, served
# =============================================================================================================


def test_a_create_agent_graph_is_served_with_its_own_tools_and_the_configured_model(offline_settings) -> None:
    graph = create_agent(AgentCoreChatModel(), [lookup_order], system_prompt="You are a helpful assistant.")
    client = _client(graph, offline_settings)

    response = _ask(client, "where is ORD-12345?")
    # The offline driver (MODEL_PROVIDER=offline) asked for the graph's own tool and summarized its result.
    assert response.status_code == 200, response.text
    assert response.json()["response"] == "[offline model] Order ORD-12345 status: shipped."


def test_a_state_graph_of_ones_own_is_served(offline_settings) -> None:
    model = AgentCoreChatModel()
    builder = StateGraph(MessagesState)
    builder.add_node("answer", lambda state: {"messages": [model.invoke(state["messages"])]})
    builder.add_edge(START, "answer")
    builder.add_edge("answer", END)
    client = _client(builder.compile(), offline_settings)

    assert (
        _ask(client, "hello").json()["response"] == "[offline model] You said: 'hello'. history: 0 earlier user turns."
    )
    second = _ask(client, "again").json()["response"]
    assert second == "[offline model] You said: 'again'. history: 1 earlier user turns; last: 'hello'."


def test_a_graph_the_kit_cannot_serve_is_refused_when_the_app_is_built(offline_settings) -> None:
    class TextState(TypedDict):
        text: str

    builder = StateGraph(TextState)
    builder.add_node("echo", lambda state: state)
    builder.add_edge(START, "echo")
    with pytest.raises(TypeError, match="'messages' channel"):
        AgentCoreApp(builder.compile()).create_app(offline_settings)
    with pytest.raises(TypeError, match="its own prompt and tools"):
        AgentCoreApp(create_agent(OfflineChatModel()), system_prompt="ignored").create_app(offline_settings)
    with pytest.raises(TypeError, match="compiled graph or build_graph"):
        AgentCoreApp("graph.py").create_app(offline_settings)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"compile it first"):
        AgentCoreApp(builder).create_app(offline_settings)  # type: ignore[arg-type]


def test_build_graph_gets_the_configured_model_and_the_tools(offline_settings) -> None:
    seen: list[tuple[Any, list[str]]] = []

    def build_graph(model: Any, tools: list[Any]) -> Any:
        seen.append((model, [t.name for t in tools]))
        return create_agent(model, tools)

    model = OfflineChatModel()
    client = _client(build_graph, offline_settings, model=model, tools=[lookup_order])
    assert _ask(client, "where is ORD-12345?").json()["response"] == "[offline model] Order ORD-12345 status: shipped."
    assert seen == [(model, ["lookup_order"])]  # no GATEWAY_URL here: the gateway adds none


# =============================================================================================================
# Memory: the kit's checkpointer, per verified caller and session
# =============================================================================================================


def test_the_kit_keeps_history_per_caller_in_its_own_store_not_the_graphs(identity_settings, token_for) -> None:
    own = InMemorySaver()
    graph = create_agent(AgentCoreChatModel(), system_prompt="t", checkpointer=own)
    client = _client(graph, identity_settings)
    alice = {"Authorization": f"Bearer {token_for('alice')}"}
    bob = {"Authorization": f"Bearer {token_for('bob')}"}

    assert _ask(client, "my name is Ada", **alice).status_code == 200
    assert (
        _ask(client, "who am I?", **alice)
        .json()["response"]
        .endswith("history: 1 earlier user turns; last: 'my name is Ada'.")
    )
    # Bob, in a session with the same id, sees none of it.
    assert _ask(client, "who am I?", **bob).json()["response"].endswith("history: 0 earlier user turns.")
    # The graph's own saver was replaced by the kit's (files per actor under LOCAL_MEMORY_DIR): nothing went there.
    assert list(own.list(None)) == []
    assert (identity_settings.local_memory_dir / "alice").is_dir() and (
        identity_settings.local_memory_dir / "bob"
    ).is_dir()

    # A restart (a new app over the same memory directory) continues Alice's session.
    restarted = _client(create_agent(AgentCoreChatModel(), system_prompt="t"), identity_settings)
    assert (
        _ask(restarted, "still there?", **alice)
        .json()["response"]
        .endswith("history: 2 earlier user turns; last: 'who am I?'.")
    )


# =============================================================================================================
# Limits
# =============================================================================================================


class BeforeEveryModelCall(AgentMiddleware):
    """A ``before_model`` hook: one more graph step per model turn."""

    def before_model(self, state: Any, runtime: Any) -> None:
        return None


@pytest.mark.parametrize("middleware", [(), (BeforeEveryModelCall(),)], ids=["plain", "with-a-before-model-hook"])
def test_the_turn_limit_counts_model_calls_whatever_the_graphs_shape(offline_settings, middleware) -> None:
    model = Looping()
    graph = create_agent(model, [echo], middleware=list(middleware))
    client = _client(graph, dataclasses.replace(offline_settings, max_turns=3))
    response = _ask(client, "loop")
    assert response.status_code == 422 and "3 model turns" in response.json()["error"]
    assert model.calls == 3  # exactly the limit: not stopped early by the graph's extra steps


def test_the_token_budget_reads_the_configured_models_max_tokens(offline_settings) -> None:
    class Counting(OfflineChatModel):
        calls: int = 0

        def _generate(self, *args: Any, **kwargs: Any) -> ChatResult:
            self.calls += 1
            return super()._generate(*args, **kwargs)

    configured = Counting(max_tokens=5000)  # one call may generate more than the whole budget
    graph = create_agent(AgentCoreChatModel(), [lookup_order])
    client = _client(graph, dataclasses.replace(offline_settings, max_total_tokens=1000), model=configured)
    response = _ask(client, "where is ORD-12345?")
    assert response.status_code == 422 and "1000 tokens" in response.json()["error"]
    assert configured.calls == 0


def test_the_configured_model_outside_a_request_comes_from_the_environment(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("MODEL_PROVIDER", "offline")
    monkeypatch.setenv("LOCAL_MEMORY_DIR", str(tmp_path))
    graph = create_agent(AgentCoreChatModel(), [lookup_order])
    state = graph.invoke({"messages": [("user", "where is ORD-12345?")]})  # a script, no kit around it
    assert state["messages"][-1].content == "[offline model] Order ORD-12345 status: shipped."


LOOKUP_ORDER_SPEC = {
    "name": "lookup_order",
    "description": "Look up an order.",
    "inputSchema": {
        "json": {"properties": {"order_id": {"type": "string"}}, "required": ["order_id"], "type": "object"}
    },
}


def test_the_configured_bedrock_model_gets_the_graphs_tools_in_its_converse_request(
    offline_settings, monkeypatch
) -> None:
    from botocore.stub import ANY, Stubber
    from langchain_aws import ChatBedrockConverse

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    bedrock = ChatBedrockConverse(model="us.anthropic.claude-haiku-4-5-20251001-v1:0", region_name="us-east-1")
    reply = {
        "output": {"message": {"role": "assistant", "content": [{"text": "Hello."}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": 3, "outputTokens": 2, "totalTokens": 5},
        "metrics": {"latencyMs": 1},
    }
    graph = create_agent(AgentCoreChatModel(), [lookup_order], system_prompt="You are a helpful assistant.")
    with Stubber(bedrock.client) as stub:  # botocore validates the request against the Converse API model
        stub.add_response(
            "converse",
            reply,
            {
                "modelId": "us.anthropic.claude-haiku-4-5-20251001-v1:0",
                "messages": [{"role": "user", "content": [{"text": "hello"}]}],
                "system": [{"text": "You are a helpful assistant."}],
                "inferenceConfig": ANY,
                "toolConfig": {"tools": [{"toolSpec": LOOKUP_ORDER_SPEC}]},
            },
        )
        response = _ask(_client(graph, offline_settings, model=bedrock), "hello")
        stub.assert_no_pending_responses()
    assert response.json()["response"] == "Hello."
