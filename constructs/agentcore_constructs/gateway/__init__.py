"""Stage 3: the agent's tools behind an AgentCore Gateway (MCP), no credentials in the agent.

* :class:`ToolGateway` (:mod:`.tool_gateway`): the gateway, its conditioned role, its targets and interceptor.
* :class:`LambdaTool` (:mod:`.lambda_tool`): one tool service, a function this library builds (:class:`ToolFunction`,
  :mod:`.options`, pure Python) or one you bring.

Names resolve lazily (PEP 562): the option group imports without aws-cdk-lib.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentcore_constructs.gateway.lambda_tool import LambdaTool
    from agentcore_constructs.gateway.options import ToolFunction
    from agentcore_constructs.gateway.tool_gateway import ToolGateway

__all__ = ["LambdaTool", "ToolFunction", "ToolGateway"]

_EXPORTS = {
    "LambdaTool": "agentcore_constructs.gateway.lambda_tool",
    "ToolFunction": "agentcore_constructs.gateway.options",
    "ToolGateway": "agentcore_constructs.gateway.tool_gateway",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'agentcore_constructs.gateway' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
