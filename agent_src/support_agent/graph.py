"""The same order-support agent on LangGraph (the prebuilt ReAct agent), through the kit's LangGraph app: same
prompt, same contract, same guarantees as the Strands flavour (``app.py``)."""

from __future__ import annotations

from agentcore_constructs.kit.langgraph import AgentCoreApp

from .prompt import SYSTEM_PROMPT

support_agent = AgentCoreApp(system_prompt=SYSTEM_PROMPT)
