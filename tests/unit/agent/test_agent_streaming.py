"""Streamed answers (Server-Sent Events on ``/invocations`` for a caller that accepts ``text/event-stream``), both
flavours with the offline models: the events and their framing, the same answer, errors and memory as the JSON path,
and a client that leaves mid-stream."""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import json
import os
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk
from langchain_core.tools import tool as langchain_tool
from starlette.testclient import TestClient
from strands import tool as strands_tool
from strands.session import FileSessionManager

from agentcore_constructs.contract.invocation import SESSION_HEADER
from agentcore_constructs.contract.memory import MEMORY_NOT_SAVED, MEMORY_NOT_SAVED_METRIC, MEMORY_STATUS_FIELD
from agentcore_constructs.contract.streaming import DELTA_FIELD, EVENT_STREAM
from agentcore_constructs.kit.identity import LOCAL_ACTOR_ID, CallerIdentity
from agentcore_constructs.kit.langgraph import LangGraphAgentRunner, OfflineChatModel, thread_config
from agentcore_constructs.kit.runtime import INTERNAL_ERROR_MESSAGE, ToolsUnavailable, create_app
from agentcore_constructs.kit.settings import Settings
from agentcore_constructs.kit.strands import OfflineToolCallingModel, StrandsAgentRunner
from scripts import invoke as invoke_script
from tests.loopback import loopback_client, serve_asgi_on_loopback

STREAM = {"Accept": EVENT_STREAM}
FLAVOURS = ["strands", "langgraph"]


@strands_tool(name="lookup_order")
def strands_lookup_order(order_id: str) -> dict:
    """Look up an order."""
    return {"order_id": order_id, "status": "shipped"}


@langchain_tool("lookup_order")
def langchain_lookup_order(order_id: str) -> dict:
    """Look up an order."""
    return {"order_id": order_id, "status": "shipped"}


# ------------------------------------------------------------------------------------------ models, per flavour


class ChattyLooping(OfflineToolCallingModel):
    """Says something, then asks for the tool, on every call (a request that only the turn limit ends)."""

    calls = 0

    async def stream(self, *args: Any, **kwargs: Any):
        self.calls += 1
        yield {"messageStart": {"role": "assistant"}}
        yield {"contentBlockStart": {"start": {}}}
        yield {"contentBlockDelta": {"delta": {"text": "Let me check. "}}}
        yield {"contentBlockStop": {}}
        use = {"toolUseId": f"loop-{self.calls}", "name": "lookup_order"}
        yield {"contentBlockStart": {"start": {"toolUse": use}}}
        yield {"contentBlockDelta": {"delta": {"toolUse": {"input": json.dumps({"order_id": "ORD-12345"})}}}}
        yield {"contentBlockStop": {}}
        yield {"messageStop": {"stopReason": "tool_use"}}


class ChattyLoopingChat(OfflineChatModel):
    calls: int = 0

    def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> Any:
        result = super()._generate(messages, stop, run_manager, **kwargs)
        self.calls += 1
        call = {"id": f"loop-{self.calls}", "name": "lookup_order", "args": {"order_id": "ORD-12345"}}
        result.generations[0].message = AIMessage(content="Let me check. ", tool_calls=[call])
        return result


ENDLESS_PIECES = 500  # 10 s at 0.02 s a piece: a broken wall-time limit fails the test instead of hanging it


class Endless(OfflineToolCallingModel):
    """Talks until it is stopped (or, at worst, for 10 s)."""

    async def stream(self, *args: Any, **kwargs: Any):
        yield {"messageStart": {"role": "assistant"}}
        yield {"contentBlockStart": {"start": {}}}
        for _ in range(ENDLESS_PIECES):
            yield {"contentBlockDelta": {"delta": {"text": "more "}}}
            await asyncio.sleep(0.02)
        yield {"contentBlockStop": {}}
        yield {"messageStop": {"stopReason": "end_turn"}}


class EndlessChat(OfflineChatModel):
    async def _astream(self, *args: Any, **kwargs: Any):
        for _ in range(ENDLESS_PIECES):
            yield ChatGenerationChunk(message=AIMessageChunk(content="more "))
            await asyncio.sleep(0.02)


class Failing(OfflineToolCallingModel):
    async def stream(self, *args: Any, **kwargs: Any):
        raise RuntimeError("secret internal detail: the model exploded")
        yield  # pragma: no cover


class FailingChat(OfflineChatModel):
    def _generate(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internal detail: the model exploded")


MODELS: dict[str, dict[str, Callable[..., Any]]] = {
    "strands": {
        "offline": OfflineToolCallingModel,
        "chatty looping": ChattyLooping,
        "endless": Endless,
        "failing": Failing,
    },
    "langgraph": {
        "offline": OfflineChatModel,
        "chatty looping": ChattyLoopingChat,
        "endless": EndlessChat,
        "failing": FailingChat,
    },
}


def runner_for(flavour: str, settings: Settings, model: Any = None, **overrides: Any) -> Any:
    model = model if model is not None else MODELS[flavour]["offline"]()
    if flavour == "strands":
        return StrandsAgentRunner(settings, model=model, tools=[strands_lookup_order], **overrides)
    return LangGraphAgentRunner(settings, model=model, tools=[langchain_lookup_order], **overrides)


def app_for(flavour: str, settings: Settings, model: Any = None, **overrides: Any) -> Any:
    runner = runner_for(flavour, settings, model, **overrides)
    app = create_app(runner.answer, settings)
    app.state.runner = runner
    return app


def client_for(flavour: str, settings: Settings, model: Any = None, **overrides: Any) -> TestClient:
    return TestClient(app_for(flavour, settings, model, **overrides), raise_server_exceptions=False)


# ------------------------------------------------------------------------------------------ reading the stream


def events_of(response: httpx.Response) -> list[dict[str, Any]]:
    """The events of a streamed answer, checking the framing: ``text/event-stream``, every event one ``data:`` line
    holding one JSON object (the bedrock-agentcore SDK's framing)."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(EVENT_STREAM)
    assert re.fullmatch(r"(data: \{[^\n]*\}\n\n)+", response.text), response.text
    return [json.loads(block.removeprefix("data: ")) for block in response.text.split("\n\n") if block]


def deltas_then_last(events: list[dict[str, Any]]) -> tuple[list[str], dict[str, Any]]:
    *deltas, last = events
    assert all(set(event) == {DELTA_FIELD} and event[DELTA_FIELD] for event in deltas), events
    assert DELTA_FIELD not in last
    return [event[DELTA_FIELD] for event in deltas], last


def ask(client: TestClient, prompt: str, session: str, *, stream: bool) -> httpx.Response:
    headers = {SESSION_HEADER: session, **(STREAM if stream else {})}
    return client.post("/invocations", json={"prompt": prompt}, headers=headers)


# ------------------------------------------------------------------------------------------ the answer


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("prompt", ["hello there", "What is order ORD-12345?"], ids=["text", "tool call"])
def test_the_answer_streams_as_deltas_then_the_json_answer(flavour, prompt, offline_settings) -> None:
    client = client_for(flavour, offline_settings)
    answer = ask(client, prompt, "json-session", stream=False)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/json")

    deltas, last = deltas_then_last(events_of(ask(client, prompt, "stream-session", stream=True)))
    assert last == answer.json()  # the final event is the JSON path's body
    assert len(deltas) > 1 and "".join(deltas) == last["response"]  # word by word, as the model generates it


@pytest.mark.parametrize(
    ("accept", "streamed"),
    [
        (EVENT_STREAM, True),
        ("application/json, text/event-stream", True),
        ("TEXT/EVENT-STREAM ; q=0.5", True),
        ("text/event-stream;q=0", False),
        ("text/event-stream;q=0.000", False),
        ("text/event-stream;q=lots", False),
        ("text/event-stream;q=2", False),
        ("text/*", False),
        ("*/*", False),
        ("application/json", False),
        (None, False),
    ],
)
def test_only_a_caller_that_accepts_an_event_stream_gets_one(offline_settings, accept, streamed) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    response = client_for("strands", offline_settings).post("/invocations", json={"prompt": "hi"}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(EVENT_STREAM if streamed else "application/json")


def test_two_accept_headers_are_read_as_one_list(offline_settings) -> None:
    client = client_for("strands", offline_settings)
    headers = [("Accept", "application/json"), ("Accept", EVENT_STREAM)]
    response = client.post("/invocations", json={"prompt": "hi"}, headers=headers)
    assert response.headers["content-type"].startswith(EVENT_STREAM)


# ------------------------------------------------------------------------------------------ errors


def _refuse_tools(settings: Settings, bearer_token: str | None) -> list[Any]:
    raise ToolsUnavailable()


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_request_refused_before_the_first_event_keeps_its_http_status(flavour, offline_settings) -> None:
    client = client_for(flavour, offline_settings)
    assert events_of(ask(client, "hi", "s", stream=True))  # a good request streams
    for body, headers, status in [
        ({"prompt": ""}, STREAM, 400),
        ({"question": "hi"}, STREAM, 400),
        ({"prompt": "hi"}, {**STREAM, SESSION_HEADER: "../etc"}, 400),
        ({"prompt": "hi"}, {**STREAM, "Authorization": "Bearer a.b.c"}, 401),  # no identity: tokens are refused
    ]:
        response = client.post("/invocations", json=body, headers=headers)
        assert response.status_code == status, body
        assert response.headers["content-type"].startswith("application/json") and response.json()["error"]

    # The token budget cannot cover the model's first call: refused before it is made (422), as on the JSON path.
    budget = client_for(
        flavour,
        dataclasses.replace(offline_settings, max_total_tokens=1000),
        MODELS[flavour]["offline"](max_tokens=5000),
    )
    refused = ask(budget, "hi", "s", stream=True)
    assert refused.status_code == 422 and refused.json() == ask(budget, "hi", "s", stream=False).json()

    failed = ask(client_for(flavour, offline_settings, MODELS[flavour]["failing"]()), "hi", "s", stream=True)
    assert failed.status_code == 500 and failed.json() == {"error": INTERNAL_ERROR_MESSAGE}


def test_a_gateway_refused_before_the_first_event_keeps_its_503(offline_settings) -> None:
    client = client_for("strands", offline_settings, tools_factory=_refuse_tools)
    response = ask(client, "hi", "s", stream=True)
    assert response.status_code == 503 and response.json() == ask(client, "hi", "s", stream=False).json()


def test_without_a_token_a_stream_is_refused_with_401(identity_settings) -> None:
    response = ask(client_for("strands", identity_settings), "hi", "s", stream=True)
    assert response.status_code == 401 and response.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_limit_after_the_first_delta_ends_the_stream_with_the_json_paths_error(flavour, offline_settings) -> None:
    settings = dataclasses.replace(offline_settings, max_turns=1)
    refused = ask(client_for(flavour, settings, MODELS[flavour]["chatty looping"]()), "loop", "json", stream=False)
    assert refused.status_code == 422

    model = MODELS[flavour]["chatty looping"]()
    deltas, last = deltas_then_last(events_of(ask(client_for(flavour, settings, model), "loop", "s", stream=True)))
    assert deltas and "".join(deltas).startswith("Let me check. ")
    assert last == {**refused.json(), "status": 422}  # the JSON path's message, and its status


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_the_wall_time_limit_stops_a_streaming_model_mid_answer(flavour, offline_settings) -> None:
    settings = dataclasses.replace(offline_settings, max_seconds=1)
    response = ask(client_for(flavour, settings, MODELS[flavour]["endless"]()), "talk", "s", stream=True)
    deltas, last = deltas_then_last(events_of(response))
    assert 0 < len(deltas) < ENDLESS_PIECES
    assert last == {
        "error": "The request needed more than this agent's limit of 1 seconds per request; it was stopped.",
        "status": 504,
    }


def test_a_failure_after_the_first_delta_is_a_generic_error_event(offline_settings, caplog) -> None:
    class FailsAfterSpeaking(OfflineToolCallingModel):
        async def stream(self, *args: Any, **kwargs: Any):
            yield {"messageStart": {"role": "assistant"}}
            yield {"contentBlockStart": {"start": {}}}
            yield {"contentBlockDelta": {"delta": {"text": "Hello "}}}
            raise RuntimeError("secret internal detail: arn:aws:iam::123456789012:role/x")

    response = ask(client_for("strands", offline_settings, FailsAfterSpeaking()), "hi", "s", stream=True)
    deltas, last = deltas_then_last(events_of(response))
    assert deltas == ["Hello "]
    assert last == {"error": INTERNAL_ERROR_MESSAGE, "status": 500}
    assert "secret internal detail" not in response.text and "secret internal detail" in caplog.text


# ------------------------------------------------------------------------------------------ memory


def stored_conversation(flavour: str, app: Any, settings: Settings, session: str) -> list[Any]:
    """What the session's store holds, without what differs between two runs (timings, message ids)."""
    caller = CallerIdentity(actor_id=LOCAL_ACTOR_ID, session_id=session)
    if flavour == "strands":
        store = FileSessionManager(session_id=session, storage_dir=str(settings.local_memory_dir / LOCAL_ACTOR_ID))
        messages = [stored.message for stored in store.list_messages(session, "default")]
        return [
            {key: value for key, value in message.items() if key not in {"metadata", "tracking_id"}}
            for message in messages
        ]
    runner = app.state.runner
    graph = runner.graph_for([])  # the served graph with the kit's checkpointer (the local tools are its own)
    state = asyncio.run(graph.aget_state({"configurable": thread_config(settings, caller)}))
    return [
        (type(message).__name__, message.content, getattr(message, "tool_calls", None))
        for message in state.values["messages"]
    ]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_streamed_turn_is_stored_like_a_json_turn(flavour, offline_settings) -> None:
    app = app_for(flavour, offline_settings)
    client = TestClient(app)
    prompts = ["my parcel is late", "What is order ORD-12345?", "thanks"]
    for prompt in prompts:
        assert ask(client, prompt, "by-json", stream=False).status_code == 200
        events_of(ask(client, prompt, "by-stream", stream=True))
    by_json = stored_conversation(flavour, app, offline_settings, "by-json")
    assert len(by_json) >= 2 * len(prompts)
    assert stored_conversation(flavour, app, offline_settings, "by-stream") == by_json


def test_a_streamed_turn_that_could_not_be_stored_says_so_in_its_last_event(
    offline_settings, monkeypatch, capsys
) -> None:
    client = client_for("strands", offline_settings)

    def refuse(self: Any, path: str, data: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)

    with monkeypatch.context() as refused:
        refused.setattr(FileSessionManager, "_write_file", refuse)
        _, last = deltas_then_last(events_of(ask(client, "is it lost?", "s", stream=True)))
    assert last[MEMORY_STATUS_FIELD] == MEMORY_NOT_SAVED and "You said: 'is it lost?'" in last["response"]
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert [m[MEMORY_NOT_SAVED_METRIC] for m in metrics if MEMORY_NOT_SAVED_METRIC in m] == [1]  # as on the JSON path


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_client_that_leaves_mid_stream_stops_the_turn_and_the_session_goes_on(flavour, offline_settings) -> None:
    model = MODELS[flavour]["offline"]()
    with (
        serve_asgi_on_loopback(app_for(flavour, offline_settings, model)) as port,
        loopback_client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http,
    ):
        assert http.post("/invocations", json={"prompt": "my parcel is late"}).status_code == 200

        model.token_delay = 0.2  # about 9 s for this answer: it would be stored if leaving did not stop it
        with http.stream("POST", "/invocations", json={"prompt": "is it lost? " * 10}, headers=STREAM) as streamed:
            first = next(line for line in streamed.iter_lines() if line.startswith("data: "))
        assert json.loads(first.removeprefix("data: ")) == {DELTA_FIELD: "[offline "}
        model.token_delay = 0

        # Waits for the session (one request at a time); the interrupted turn is not part of it.
        after = http.post("/invocations", json={"prompt": "any news?"})
    assert after.status_code == 200
    assert after.json()["response"].endswith("history: 1 earlier user turns; last: 'my parcel is late'.")


# ------------------------------------------------------------------------------------------ make invoke


def test_make_invoke_prints_the_deltas_as_they_arrive(identity_settings, token_for) -> None:
    with serve_asgi_on_loopback(app_for("strands", identity_settings)) as port:
        url, token = f"http://127.0.0.1:{port}", token_for("alice")
        printed: list[str] = []
        status, body = invoke_script.invoke("hello there", session="s1", url=url, token=token, on_text=printed.append)
        assert status == 200 and len(printed) > 1 and "".join(printed) == body["response"]

        unstreamed: list[str] = []
        status, body = invoke_script.invoke(
            "hello again", session="s1", url=url, token=token, stream=False, on_text=unstreamed.append
        )
    assert status == 200 and unstreamed == []
    assert body == {
        "response": "[offline model] You said: 'hello again'. history: 1 earlier user turns; last: 'hello there'."
    }


def test_make_invoke_reports_an_error_event_with_its_status(identity_settings, token_for) -> None:
    settings = dataclasses.replace(identity_settings, max_turns=1)
    with serve_asgi_on_loopback(app_for("strands", settings, ChattyLooping())) as port:
        printed: list[str] = []
        status, body = invoke_script.invoke(
            "loop", session="s1", url=f"http://127.0.0.1:{port}", token=token_for("alice"), on_text=printed.append
        )
    assert printed == ["Let me check. "]
    assert status == 422 and "limit of 1 model turns" in body["error"]


def test_a_failure_building_the_last_event_is_a_generic_error_event(offline_settings, monkeypatch) -> None:
    # Without this, the SDK would end the stream with its own error event, which carries the exception's text.
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.EPIPE, "secret internal detail: stdout is gone")

    monkeypatch.setattr(FileSessionManager, "_write_file", refuse)  # the turn is not stored: a metric is due
    monkeypatch.setattr("agentcore_constructs.kit.runtime.emit_count", refuse)
    response = ask(client_for("strands", offline_settings), "hi", "s", stream=True)
    _, last = deltas_then_last(events_of(response))
    assert last == {"error": INTERNAL_ERROR_MESSAGE, "status": 500} and "secret" not in response.text
