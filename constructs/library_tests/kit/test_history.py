"""complete_turns keeps exactly the turns that ended, in every interrupted shape."""

from __future__ import annotations

from agentcore_constructs.kit.history import complete_turns, repair_in_place


def user(text: str) -> dict:
    return {"role": "user", "content": [{"text": text}]}


def answer(text: str) -> dict:
    return {"role": "assistant", "content": [{"text": text}]}


def tool_use(tool_id: str) -> dict:
    return {"role": "assistant", "content": [{"toolUse": {"toolUseId": tool_id, "name": "t", "input": {}}}]}


def tool_result(tool_id: str) -> dict:
    return {"role": "user", "content": [{"toolResult": {"toolUseId": tool_id, "content": [{"text": "ok"}]}}]}


def test_complete_turns_are_kept_whole() -> None:
    history = [user("a"), answer("A"), user("b"), tool_use("1"), tool_result("1"), answer("B")]
    assert complete_turns(history) == history


def test_a_dangling_prompt_is_dropped_wherever_it_is() -> None:
    assert complete_turns([user("a"), answer("A"), user("lost")]) == [user("a"), answer("A")]
    assert complete_turns([user("lost"), user("b"), answer("B")]) == [user("b"), answer("B")]


def test_an_unanswered_tool_call_drops_its_turn() -> None:
    assert complete_turns([user("a"), tool_use("1")]) == []
    assert complete_turns([user("a"), tool_use("1"), tool_result("1")]) == []
    assert complete_turns([user("a"), tool_use("1"), user("b"), answer("B")]) == [user("b"), answer("B")]


def test_malformed_turns_are_dropped() -> None:
    mismatched = [user("a"), tool_use("1"), tool_result("2"), answer("A")]
    doubled = [user("a"), answer("A"), answer("again")]
    assert complete_turns(mismatched) == []
    assert complete_turns(doubled) == [user("a"), answer("A")]
    assert complete_turns([answer("orphan"), "not a message", user("b"), answer("B")]) == [user("b"), answer("B")]


def test_repair_in_place_reports_what_it_dropped() -> None:
    messages = [user("a"), answer("A"), user("lost")]
    assert repair_in_place(messages) == 1 and messages == [user("a"), answer("A")]
    assert repair_in_place(messages) == 0
