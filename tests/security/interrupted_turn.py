"""Child process of the SIGKILL test: start a turn that never finishes, so the parent can kill it mid-turn.

    python -m tests.security.interrupted_turn <memory dir> <prompt|tool>

``prompt``: the model blocks as soon as it is called (the user's message is already stored);
``tool``: the model asks for a tool and the tool blocks (the assistant's toolUse is already stored).
"""

from __future__ import annotations

import sys
import time

from strands import tool

from agentcore_constructs.kit.identity import CallerIdentity
from agentcore_constructs.kit.settings import load_settings
from agentcore_constructs.kit.strands import OfflineToolCallingModel
from support_agent.app import SupportAgent

ACTOR, SESSION = "alice", "interrupted-session"


@tool
def lookup_order(order_id: str) -> dict:
    """Look up an order (blocks: the process is killed while it runs)."""
    time.sleep(600)
    return {}


class BlockingModel(OfflineToolCallingModel):
    def decide(self, messages, tool_specs):
        time.sleep(600)
        return super().decide(messages, tool_specs)


def main() -> None:
    memory_dir, mode = sys.argv[1], sys.argv[2]
    settings = load_settings(
        {"MODEL_PROVIDER": "offline", "LOCAL_MEMORY_DIR": memory_dir, "AGENT_MAX_SECONDS": "900"},
        credentials_available=lambda: False,
    )
    model = BlockingModel() if mode == "prompt" else OfflineToolCallingModel()
    agent = SupportAgent(settings, model=model, tools_factory=lambda s, token: [lookup_order])
    prompt = "remember this: my order is late" if mode == "prompt" else "What is order ORD-12345?"
    agent.ask(prompt, CallerIdentity(actor_id=ACTOR, session_id=SESSION))


if __name__ == "__main__":
    main()
