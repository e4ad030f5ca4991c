"""The LangGraph flavour's local store: bounded per session and in memory, durable, one file per actor and session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage

from agentcore_constructs.kit.identity import CallerIdentity
from agentcore_constructs.kit.langgraph import LangGraphAgentRunner, OfflineChatModel, thread_config
from agentcore_constructs.kit.langgraph_checkpointer import DEFAULT_CHECKPOINTS_PER_SESSION, LocalCheckpointSaver
from agentcore_constructs.kit.settings import Settings

ALICE = CallerIdentity(actor_id="alice", session_id="s1")


def _config(thread_id: str, **extra: str) -> dict:
    return {"configurable": {"thread_id": thread_id, "checkpoint_ns": "", **extra}}


def _stored_checkpoints(path: Path) -> int:
    return len(json.loads(path.read_text(encoding="utf-8"))["checkpoints"])


def test_a_session_keeps_only_its_latest_checkpoint_however_many_turns(offline_settings: Settings) -> None:
    runner = LangGraphAgentRunner(offline_settings, system_prompt="test")  # the kit's own checkpointer
    for number in range(5):
        answer = runner.ask(f"prompt {number}", ALICE)
    assert answer.endswith("history: 4 earlier user turns; last: 'prompt 3'.")  # nothing of the history is lost

    config = {"configurable": thread_config(offline_settings, ALICE)}
    # LangGraph stores a checkpoint per step (3+ per turn); only the latest stays, in memory and on disk.
    assert len(list(runner.checkpointer.list(config))) == DEFAULT_CHECKPOINTS_PER_SESSION == 1
    assert _stored_checkpoints(runner.checkpointer.path_of(config)) == 1


def test_the_number_of_checkpoints_kept_is_configurable(tmp_path: Path) -> None:
    saver = LocalCheckpointSaver(tmp_path, checkpoints_per_session=3)
    runner = LangGraphAgentRunner(
        _offline(tmp_path), model=OfflineChatModel(), system_prompt="test", checkpointer=saver
    )
    runner.ask("one", ALICE)
    runner.ask("two", ALICE)
    config = _config("alice/s1")
    assert len(list(saver.list(config))) == 3 == _stored_checkpoints(saver.path_of(config))
    with pytest.raises(ValueError):
        LocalCheckpointSaver(tmp_path, checkpoints_per_session=0)


def test_a_subgraphs_checkpoints_go_once_its_step_is_stored(tmp_path: Path) -> None:
    from langgraph.graph import END, START, MessagesState, StateGraph

    inner = StateGraph(MessagesState)
    inner.add_node("answer", lambda state: {"messages": [AIMessage(f"seen {len(state['messages'])}")]})
    inner.add_edge(START, "answer")
    inner.add_edge("answer", END)
    outer = StateGraph(MessagesState)
    outer.add_node("inner", inner.compile())  # its checkpoints are stored under a new "inner:<task id>" each run
    outer.add_edge(START, "inner")
    outer.add_edge("inner", END)
    saver = LocalCheckpointSaver(tmp_path)
    graph = outer.compile(checkpointer=saver)
    config = _config("alice/s1")
    for number in range(4):
        state = graph.invoke({"messages": [("user", f"q{number}")]}, config)
    assert state["messages"][-1].content == "seen 7"
    stored = json.loads(saver.path_of(config).read_text(encoding="utf-8"))
    assert [c["ns"] for c in stored["checkpoints"]] == [""]


def test_sessions_in_memory_are_bounded_and_an_evicted_one_is_read_back_from_its_file(tmp_path: Path) -> None:
    saver = LocalCheckpointSaver(tmp_path, sessions_in_memory=2)
    runner = LangGraphAgentRunner(_offline(tmp_path), model=OfflineChatModel(), system_prompt="t", checkpointer=saver)
    for session in ("s1", "s2", "s3"):
        runner.ask(f"hello from {session}", CallerIdentity(actor_id="alice", session_id=session))
        assert saver.loaded_sessions <= 2
    # s1 was evicted first (least recently used); its history is intact.
    again = runner.ask("back", CallerIdentity(actor_id="alice", session_id="s1"))
    assert again.endswith("history: 1 earlier user turns; last: 'hello from s1'.")
    assert saver.loaded_sessions == 2


def test_two_processes_on_one_directory_see_each_others_turns(tmp_path: Path) -> None:
    settings = _offline(tmp_path)
    first, second = (
        LangGraphAgentRunner(
            settings, model=OfflineChatModel(), system_prompt="t", checkpointer=LocalCheckpointSaver(tmp_path)
        )
        for _ in range(2)
    )
    first.ask("one", ALICE)
    assert second.ask("two", ALICE).endswith("history: 1 earlier user turns; last: 'one'.")
    # The first one's copy in memory is stale: it rereads the file the second one replaced.
    assert first.ask("three", ALICE).endswith("history: 2 earlier user turns; last: 'two'.")


DAMAGED_CHECKPOINT = {
    "format": 1,
    "checkpoints": [
        {"ns": "", "id": "1", "parent_id": None, "checkpoint": ["msgpack", "wf8="], "metadata": ["null", ""]}
    ],
    "writes": [],
}


@pytest.mark.parametrize(
    "damaged", ['{"format": 1, "checkpoints": [', "[]", json.dumps(DAMAGED_CHECKPOINT)], ids=["cut", "list", "value"]
)
def test_files_are_replaced_whole_and_an_unreadable_one_is_kept_aside(tmp_path: Path, caplog, damaged: str) -> None:
    saver = LocalCheckpointSaver(tmp_path)
    runner = LangGraphAgentRunner(_offline(tmp_path), model=OfflineChatModel(), system_prompt="t", checkpointer=saver)
    runner.ask("one", ALICE)
    session_dir = tmp_path / "alice" / "langgraph"
    assert [p.name for p in session_dir.iterdir()] == ["session_s1.json"]  # no temporary file left behind

    (session_dir / "session_s1.json").write_text(damaged, encoding="utf-8")
    fresh = LangGraphAgentRunner(
        _offline(tmp_path), model=OfflineChatModel(), system_prompt="t", checkpointer=LocalCheckpointSaver(tmp_path)
    )
    assert fresh.ask("two", ALICE).endswith("history: 0 earlier user turns.")
    assert "Unreadable session file" in caplog.text
    names = sorted(p.name for p in session_dir.iterdir())
    assert names[0] == "session_s1.json" and names[1].startswith("session_s1.json.unreadable-")


@pytest.mark.parametrize(
    ("thread_id", "extra"),
    [
        ("../alice/s1", {}),
        ("alice/../bob", {}),
        ("alice", {}),
        ("alice/s1/x", {}),
        ("", {}),
        ("bob/s1", {"actor_id": "alice"}),  # the config's actor must own the thread
    ],
)
def test_only_the_kits_thread_ids_of_the_configs_actor_map_to_a_file(
    tmp_path: Path, thread_id: str, extra: dict
) -> None:
    saver = LocalCheckpointSaver(tmp_path)
    with pytest.raises(ValueError):
        saver.get_tuple(_config(thread_id, **extra))
    assert list(tmp_path.iterdir()) == []


def test_writes_of_a_pruned_checkpoint_are_not_kept(tmp_path: Path) -> None:
    saver = LocalCheckpointSaver(tmp_path)
    runner = LangGraphAgentRunner(_offline(tmp_path), model=OfflineChatModel(), system_prompt="t", checkpointer=saver)
    runner.ask("one", ALICE)
    (latest,) = saver.list(_config("alice/s1"))
    # A write that arrives for a checkpoint older than the kept one (ids sort by time) is dropped, not piled up.
    saver.put_writes(_config("alice/s1", checkpoint_id="0" * 36), [("messages", [AIMessage("late")])], "task")
    stored = json.loads(saver.path_of(_config("alice/s1")).read_text(encoding="utf-8"))
    assert {w["checkpoint_id"] for w in stored["writes"]} <= {latest.config["configurable"]["checkpoint_id"]}
    assert runner.ask("two", ALICE).endswith("history: 1 earlier user turns; last: 'one'.")


def _offline(tmp_path: Path) -> Settings:
    from agentcore_constructs.kit.settings import load_settings

    return load_settings(
        {"MODEL_PROVIDER": "offline", "LOCAL_MEMORY_DIR": str(tmp_path)}, credentials_available=lambda: False
    )
