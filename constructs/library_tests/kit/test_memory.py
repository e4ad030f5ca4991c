"""The neutral memory API against moto's AgentCore Memory data plane (the cloud code path) and local files."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from agentcore_constructs.kit.identity import CallerIdentity
from agentcore_constructs.kit.memory import ConversationTurn, conversation_memory
from agentcore_constructs.kit.settings import load_settings

ALICE = CallerIdentity(actor_id="alice", session_id="session-0123456789012345678901234567")
BOB = CallerIdentity(actor_id="bob", session_id=ALICE.session_id)


def _settings(tmp_path: Path, **env: str):
    return load_settings(
        {"MODEL_PROVIDER": "offline", "LOCAL_MEMORY_DIR": str(tmp_path), **env}, credentials_available=lambda: False
    )


@pytest.mark.parametrize("backend", ["agentcore", "local"])
def test_turns_are_kept_per_actor_and_session(tmp_path: Path, backend: str, monkeypatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        env = {"MEMORY_ID": "mem-abcdefghij", "MODEL_REGION": "us-east-1"} if backend == "agentcore" else {}
        settings = _settings(tmp_path, **env)
        client = boto3.client("bedrock-agentcore", region_name="us-east-1") if backend == "agentcore" else None
        alice = conversation_memory(settings, ALICE, client=client)
        alice.add("my colour is teal", "noted")
        alice.add("and my size is M", "noted too")
        assert alice.recent() == [
            ConversationTurn("USER", "my colour is teal"),
            ConversationTurn("ASSISTANT", "noted"),
            ConversationTurn("USER", "and my size is M"),
            ConversationTurn("ASSISTANT", "noted too"),
        ]
        assert alice.recent(limit=1) == [ConversationTurn("ASSISTANT", "noted too")]
        # Bob, even in Alice's session id, sees none of it.
        assert conversation_memory(settings, BOB, client=client).recent() == []


def test_a_failing_backend_means_no_history_not_a_failed_request(tmp_path: Path, caplog) -> None:
    class Broken:
        def __getattr__(self, name):
            def fail(**kwargs):
                raise ConnectionError("memory endpoint unreachable")

            return fail

    settings = _settings(tmp_path, MEMORY_ID="mem-abcdefghij")
    memory = conversation_memory(settings, ALICE, client=Broken())
    assert memory.recent() == [] and memory.long_term("colour") == []
    memory.add("hi", "hello")  # logged, not raised
    assert "answering without history" in caplog.text and "not remembered" in caplog.text


def test_a_half_written_local_line_is_skipped(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    memory = conversation_memory(settings, ALICE)
    memory.add("one", "two")
    with (tmp_path / "alice" / f"{ALICE.session_id}.jsonl").open("a") as file:
        file.write('{"role": "USER", "te')  # killed mid-write
    assert [t.text for t in memory.recent()] == ["one", "two"]
    memory.add("three", "four")
    assert [t.text for t in memory.recent()] == ["one", "two", "three", "four"]


def test_a_turn_the_backend_refuses_is_reported_not_raised(tmp_path: Path, monkeypatch) -> None:
    import errno

    class Broken:
        def create_event(self, **kwargs):
            raise ConnectionError("memory endpoint unreachable")

    cloud = conversation_memory(_settings(tmp_path, MEMORY_ID="mem-abcdefghij"), ALICE, client=Broken())
    assert cloud.add("hi", "hello") is False

    local = conversation_memory(_settings(tmp_path), ALICE)
    assert local.add("one", "two") is True

    def full_disk(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "open", full_disk)
    assert local.add("three", "four") is False  # the answer is not lost to an exception: the caller flags the turn
    monkeypatch.undo()
    assert local.add("five", "six") is True
    assert [t.text for t in local.recent()] == ["one", "two", "five", "six"]
