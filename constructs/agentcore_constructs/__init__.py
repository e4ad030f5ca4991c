"""AgentCore production-path constructs.

Exports resolve lazily (PEP 562) so that ``agentcore_constructs.contract`` can be imported by the agent
at run time without importing aws-cdk-lib.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "AgentRuntime": "agentcore_constructs.runtime",
    "RuntimeArtifactKind": "agentcore_constructs.runtime",
    "ModelAccess": "agentcore_constructs.model_access",
    "AgentMemory": "agentcore_constructs.memory",
    "LambdaTool": "agentcore_constructs.gateway",
    "AgentIdentity": "agentcore_constructs.identity",
    "AgentObservability": "agentcore_constructs.observability",
    "AlarmThresholds": "agentcore_constructs.observability",
    "TransactionSearch": "agentcore_constructs.observability",
    "PythonArm64Function": "agentcore_constructs.python_function",
    "OutboundOAuth2": "agentcore_constructs.identity",
    "ToolGateway": "agentcore_constructs.gateway",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'agentcore_constructs' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
