"""AgentCore Memory long-term namespaces: the strategies write there (constructs), the agent retrieves (agent_src);
and how the agent reports a turn it could not store (response header and field, metric: agent, clients, dashboards).

Keyed by actor so one user's records are never retrieved for another; ``{actorId}``/``{sessionId}`` are AgentCore
Memory's namespace template variables (AgentCore developer guide, "Memory strategies: namespaces").
"""

from __future__ import annotations

FACTS_NAMESPACE = "/facts/{actorId}"
PREFERENCES_NAMESPACE = "/preferences/{actorId}"
SUMMARIES_NAMESPACE = "/summaries/{actorId}/{sessionId}"
LONG_TERM_NAMESPACES = (FACTS_NAMESPACE, PREFERENCES_NAMESPACE, SUMMARIES_NAMESPACE)

#: A turn the agent answered but could not store (full or read-only disk, a half-written session, AgentCore Memory
#: refusing the event): the answer is still returned, and the response says so in this header and JSON field, with
#: :data:`MEMORY_NOT_SAVED` as the value. Clients show "this turn was not remembered"; the next turn works again.
MEMORY_STATUS_HEADER = "X-Agent-Memory"
MEMORY_STATUS_FIELD = "memory"
MEMORY_NOT_SAVED = "not-saved"
#: The agent's own CloudWatch metrics (embedded metric format on its log; ``agentcore_constructs.kit.metrics``), and
#: the count of turns answered but not stored, per deployment environment (``ENVIRONMENT_NAME``).
AGENT_METRICS_NAMESPACE = "AgentCoreAgent"
MEMORY_NOT_SAVED_METRIC = "TurnsNotSaved"
ENVIRONMENT_DIMENSION = "environment"
