"""AgentCore Memory long-term namespaces: the strategies write there (constructs), the agent retrieves (agent_src).

Keyed by actor so one user's records are never retrieved for another; ``{actorId}``/``{sessionId}`` are AgentCore
Memory's namespace template variables (AgentCore developer guide, "Memory strategies: namespaces").
"""

from __future__ import annotations

FACTS_NAMESPACE = "/facts/{actorId}"
PREFERENCES_NAMESPACE = "/preferences/{actorId}"
SUMMARIES_NAMESPACE = "/summaries/{actorId}/{sessionId}"
LONG_TERM_NAMESPACES = (FACTS_NAMESPACE, PREFERENCES_NAMESPACE, SUMMARIES_NAMESPACE)
