"""The order-support agent: what is specific to it (its prompt and id) on the kit's Strands app, which brings every
stage the constructs provide (identity, memory, gateway tools, model, limits: ``agentcore_constructs.kit.strands``).

``POST /invocations`` with ``{"prompt": "..."}`` -> ``{"response": "..."}`` (plus ``"memory": "not-saved"`` and the
``X-Agent-Memory: not-saved`` header when the turn could not be stored); client errors -> 4xx ``{"error": ...}``;
anything unexpected -> 500 with a generic message (details only in the logs). With ``Accept: text/event-stream`` the
answer streams as Server-Sent Events (``agentcore_constructs.contract.streaming``).
"""

from __future__ import annotations

from typing import Any

from agentcore_constructs.kit.runtime import INTERNAL_ERROR_MESSAGE, MAX_PROMPT_CHARS
from agentcore_constructs.kit.settings import Settings
from agentcore_constructs.kit.strands import AgentCoreApp, StrandsAgentRunner

from .prompt import AGENT_ID, SYSTEM_PROMPT

support_agent = AgentCoreApp(system_prompt=SYSTEM_PROMPT, agent_id=AGENT_ID)

__all__ = [
    "AGENT_ID",
    "INTERNAL_ERROR_MESSAGE",
    "MAX_PROMPT_CHARS",
    "SYSTEM_PROMPT",
    "SupportAgent",
    "create_app",
    "support_agent",
]


class SupportAgent(StrandsAgentRunner):
    """The support agent's runner (its prompt and id); the factories stay injectable for tests."""

    def __init__(self, settings: Settings, **overrides: Any) -> None:
        super().__init__(settings, **{**support_agent.agent_kwargs, **overrides})


def create_app(settings: Settings | None = None, *, agent: SupportAgent | None = None) -> Any:
    """The Runtime app. ``settings`` default to the environment (raises ``SettingsError`` if invalid)."""
    if agent is None:
        return support_agent.create_app(settings, logger_name="support_agent")
    from agentcore_constructs.kit.runtime import create_app as create_runtime_app

    app = create_runtime_app(agent.answer, settings or agent.settings, logger_name="support_agent")
    app.state.runner = agent
    return app


_default_app: Any = None


def __getattr__(name: str) -> Any:
    # `from support_agent.app import app` builds the app on first use, so importing this module (tests, tooling)
    # reads no environment and probes no credentials.
    global _default_app
    if name == "app":
        if _default_app is None:
            _default_app = create_app()
        return _default_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
