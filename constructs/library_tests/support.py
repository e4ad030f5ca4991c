"""Plain helpers the library's tests import: the fixture agent and tool, a fresh stack, the fixture runtime.

Fixtures and hooks live in conftest.py, which is never imported.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import aws_cdk as cdk

from agentcore_constructs.testing import OFFLINE_CONTEXT

LIBRARY_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: A minimal agent source folder (main.py + an empty requirements.lock).
FIXTURE_AGENT = FIXTURES / "agent"
#: The seed PoC wrapped in a bare BedrockAgentCoreApp: it consumes no stage.
FIXTURE_WRAPPED_POC = FIXTURES / "wrapped_poc"
#: A code root holding one tool package (``echo_tool.handler.lambda_handler``).
FIXTURE_TOOLS = FIXTURES / "tools"
FIXTURE_TOOL_HANDLER = "echo_tool.handler.lambda_handler"
#: Bundling skipped (no wheels vendored in unit tests), built-in template validation off except where asked for.
NO_BUNDLING = OFFLINE_CONTEXT

if TYPE_CHECKING:
    from agentcore_constructs import AgentRuntime


def new_stack(region: str = "us-east-1", *, context: dict | None = None) -> cdk.Stack:
    """A stack in a fresh app (fake account, no bundling, built-in validation off)."""
    app = cdk.App(context={**NO_BUNDLING, **(context or {})})
    return cdk.Stack(app, "Test", env=cdk.Environment(account="111122223333", region=region))


#: A cross-Region inference profile the fixture agent invokes.
FIXTURE_MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0"


def new_runtime(stack: cdk.Stack, construct_id: str = "Agent", **props: object) -> AgentRuntime:
    """The fixture agent on an AgentRuntime named ``a1`` (props override)."""
    from agentcore_constructs import AgentRuntime

    settings: dict[str, object] = {"runtime_name": "a1", "source_dir": FIXTURE_AGENT, "model_id": FIXTURE_MODEL}
    return AgentRuntime(stack, construct_id, **{**settings, **props})  # type: ignore[arg-type]
