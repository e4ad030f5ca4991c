"""The same order-support agent on LangGraph (LangChain's ``create_agent``, built by the kit per request with the
configured model and the gateway's tools), through the kit's LangGraph app: same prompt, same contract, same
guarantees as the Strands flavour (``app.py``)."""

from __future__ import annotations

from agentcore_constructs.kit.langgraph import AgentCoreApp

from .prompt import SYSTEM_PROMPT

support_agent = AgentCoreApp(system_prompt=SYSTEM_PROMPT)
