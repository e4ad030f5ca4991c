"""The request on ``/invocations``: what callers (``scripts/invoke.py``, e2e and local clients) send, the kit reads.

The Runtime passes the caller's session to the agent in :data:`SESSION_HEADER` (``InvokeAgentRuntime``'s
``runtimeSessionId``); requests to a local agent carry it the same way.
"""

from __future__ import annotations

#: botocore bedrock-agentcore service model (2024-02-28), ``InvokeAgentRuntimeRequest.runtimeSessionId``: location
#: ``header``, locationName ``X-Amzn-Bedrock-AgentCore-Runtime-Session-Id``; AgentCore developer guide, "HTTP protocol
#: contract", https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/runtime-http-protocol-contract.html.
SESSION_HEADER = "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id"
