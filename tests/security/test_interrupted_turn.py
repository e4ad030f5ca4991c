"""A turn killed mid-request (SIGKILL after the user's message, or the model's tool call, was stored) never leaves a
conversation the model provider rejects: on the next load the dangling turn is dropped.

The next request's model checks the history the way Bedrock's Converse API does (starts with the user, roles
alternate, every toolUse answered by a toolResult in the next message) and fails loudly otherwise.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agentcore_constructs.kit.identity import CallerIdentity
from agentcore_constructs.kit.settings import load_settings
from agentcore_constructs.kit.strands import OfflineToolCallingModel
from support_agent.app import SupportAgent
from tests.security.interrupted_turn import ACTOR, SESSION
from tests.support import REPO_ROOT


class ConverseRules(OfflineToolCallingModel):
    """Refuses what Converse refuses (Amazon Bedrock API reference, Converse: messages)."""

    def decide(self, messages, tool_specs):
        assert messages and messages[0]["role"] == "user", "must start with a user message"
        for earlier, later in zip(messages, messages[1:], strict=False):
            assert earlier["role"] != later["role"], "roles must alternate"
            asked = {b["toolUse"]["toolUseId"] for b in earlier["content"] if "toolUse" in b}
            answered = {b["toolResult"]["toolUseId"] for b in later["content"] if "toolResult" in b}
            assert asked == answered, "every toolUse needs its toolResult in the next message"
        return super().decide(messages, tool_specs)


def _stored_messages(memory: Path) -> list[Path]:
    return sorted(memory.rglob("message_*.json"))


def _kill_mid_turn(memory: Path, mode: str, stored: int) -> None:
    # `-m` from the repo root imports `tests` like pytest does; agent_src and lambdas are installed packages.
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.security.interrupted_turn", str(memory), mode], cwd=REPO_ROOT
    )
    try:
        deadline = time.monotonic() + 60
        while len(_stored_messages(memory)) < stored:
            assert child.poll() is None, "the child exited before it was killed"
            assert time.monotonic() < deadline, "the child never stored the message"
            time.sleep(0.05)
        time.sleep(0.2)  # well inside the blocking call
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL


@pytest.mark.parametrize(("mode", "stored"), [("prompt", 1), ("tool", 2)])
def test_a_turn_killed_mid_request_does_not_corrupt_the_conversation(tmp_path: Path, mode: str, stored: int) -> None:
    _kill_mid_turn(tmp_path, mode, stored)
    assert len(_stored_messages(tmp_path)) == stored  # the dangling turn is on disk
    settings = load_settings(
        {"MODEL_PROVIDER": "offline", "LOCAL_MEMORY_DIR": str(tmp_path)}, credentials_available=lambda: False
    )
    agent = SupportAgent(settings, model=ConverseRules())
    caller = CallerIdentity(actor_id=ACTOR, session_id=SESSION)
    first = agent.ask("hello again", caller)
    assert first.startswith("[offline model] You said: 'hello again'") and "history: 0 earlier user turns" in first
    second = agent.ask("and now?", caller)  # the repaired history (and the dangling turn still on disk) stays valid
    assert "history: 1 earlier user turns; last: 'hello again'" in second
