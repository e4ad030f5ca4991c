"""AgentCore production-path constructs.

Exports resolve lazily at run time (PEP 562), so the pure-Python parts (``agentcore_constructs.contract`` and
``.kit``, shipped into the agent bundle and the Lambdas) import without aws-cdk-lib. Type checkers see real imports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: The library version (semantic versioning: CHANGELOG.md, "Versioning").
__version__ = "0.6.0"

if TYPE_CHECKING:
    from agentcore_constructs.evaluation import OnlineEvaluation
    from agentcore_constructs.gateway import LambdaTool, ToolFunction, ToolGateway
    from agentcore_constructs.identity import (
        AgentIdentity,
        ExternalOidcIdentity,
        OAuthScopes,
        OutboundOAuth2,
        UserClientSettings,
        UserPoolSettings,
    )
    from agentcore_constructs.memory import AgentMemory
    from agentcore_constructs.model_access import ModelAccess
    from agentcore_constructs.network import RuntimeVpcEndpoints
    from agentcore_constructs.observability import AgentObservability, TransactionSearch
    from agentcore_constructs.options import InvocationLimits, RetryPolicy, SessionLifecycle
    from agentcore_constructs.python_function import PythonArm64Function
    from agentcore_constructs.release import EndpointRollback
    from agentcore_constructs.runtime import (
        AgentRuntime,
        CodeArtifact,
        ContainerArtifact,
        RuntimeArtifactKind,
        VpcPlacement,
    )
    from agentcore_constructs.thresholds import AlarmThresholds
    from agentcore_constructs.tool_policy import ToolPolicy

__all__ = [
    "AgentIdentity",
    "AgentMemory",
    "AgentObservability",
    "AgentRuntime",
    "AlarmThresholds",
    "CodeArtifact",
    "ContainerArtifact",
    "EndpointRollback",
    "ExternalOidcIdentity",
    "InvocationLimits",
    "LambdaTool",
    "ModelAccess",
    "OAuthScopes",
    "OnlineEvaluation",
    "OutboundOAuth2",
    "PythonArm64Function",
    "RetryPolicy",
    "RuntimeArtifactKind",
    "RuntimeVpcEndpoints",
    "SessionLifecycle",
    "ToolFunction",
    "ToolGateway",
    "ToolPolicy",
    "TransactionSearch",
    "UserClientSettings",
    "UserPoolSettings",
    "VpcPlacement",
]

_EXPORTS = {
    "AgentIdentity": "agentcore_constructs.identity",
    "AgentMemory": "agentcore_constructs.memory",
    "AgentObservability": "agentcore_constructs.observability",
    "AgentRuntime": "agentcore_constructs.runtime",
    "AlarmThresholds": "agentcore_constructs.thresholds",
    "CodeArtifact": "agentcore_constructs.runtime",
    "ContainerArtifact": "agentcore_constructs.runtime",
    "EndpointRollback": "agentcore_constructs.release",
    "ExternalOidcIdentity": "agentcore_constructs.identity",
    "InvocationLimits": "agentcore_constructs.options",
    "LambdaTool": "agentcore_constructs.gateway",
    "ModelAccess": "agentcore_constructs.model_access",
    "OAuthScopes": "agentcore_constructs.identity",
    "OnlineEvaluation": "agentcore_constructs.evaluation",
    "OutboundOAuth2": "agentcore_constructs.identity",
    "PythonArm64Function": "agentcore_constructs.python_function",
    "RetryPolicy": "agentcore_constructs.options",
    "RuntimeArtifactKind": "agentcore_constructs.runtime",
    "RuntimeVpcEndpoints": "agentcore_constructs.network",
    "SessionLifecycle": "agentcore_constructs.options",
    "ToolFunction": "agentcore_constructs.gateway",
    "ToolGateway": "agentcore_constructs.gateway",
    "ToolPolicy": "agentcore_constructs.tool_policy",
    "TransactionSearch": "agentcore_constructs.observability",
    "UserClientSettings": "agentcore_constructs.identity",
    "UserPoolSettings": "agentcore_constructs.identity",
    "VpcPlacement": "agentcore_constructs.runtime",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'agentcore_constructs' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
