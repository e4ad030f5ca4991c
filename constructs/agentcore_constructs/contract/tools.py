"""What the gateway, its interceptor, the tool Lambdas and the dashboards share about tools."""

from __future__ import annotations

#: Reserved tool argument: the verified caller, written by the gateway request interceptor, never by the model.
CALLER_ID_ARGUMENT = "caller_id"
#: Reserved tool argument: the verified caller's groups (the token's ``cognito:groups``), space-separated, written by
#: the same interceptor on every call (empty when the caller is in no group), never by the model.
CALLER_GROUPS_ARGUMENT = "caller_groups"
#: Reserved tool arguments: the agent runtime session and the model's id of this tool call, copied by the same
#: interceptor from the ``tools/call`` request's ``params._meta`` (:data:`RUNTIME_SESSION_META`,
#: :data:`TOOL_CALL_ID_META`), never from the model. Together with the verified caller they name one intended tool
#: call: a retry of it (the MCP client's, after a lost answer) carries the same pair, a new call of the model another.
RUNTIME_SESSION_ARGUMENT = "runtime_session_id"
TOOL_CALL_ID_ARGUMENT = "tool_call_id"
#: The ``_meta`` keys the agent kit's MCP client sends them under. ``_meta`` is MCP's field for metadata a client
#: attaches to a request; a key is ``prefix/name``, and prefixes whose labels are ``modelcontextprotocol``/``mcp``
#: are MCP's own (MCP specification, Overview, "General fields": ``_meta``,
#: https://modelcontextprotocol.io/specification/2025-06-18/basic).
RUNTIME_SESSION_META = "agentcore-constructs/runtime-session-id"
TOOL_CALL_ID_META = "agentcore-constructs/tool-call-id"
#: What a session or tool-call id may look like: visible ASCII, at most 256 characters (safe in a header and a log
#: line). The Runtime session id is 33-256 characters (botocore bedrock-agentcore InvokeAgentRuntime
#: ``runtimeSessionId``, shape ``SessionType``); Bedrock's ``toolUseId`` is ``[a-zA-Z0-9_.:-]{1,64}`` (botocore
#: bedrock-runtime shape ``ToolUseId``); local sessions and other models' ids are shorter or differently spelled.
CALL_CONTEXT_VALUE_PATTERN = r"^[\x21-\x7e]{1,256}$"
#: AgentCore Gateway publishes a target's tools as ``<target>___<tool>`` (three underscores; AgentCore developer
#: guide, "Gateway tool naming").
TOOL_NAME_DELIMITER = "___"
#: Lambda env var: "true" when a tool call without a verified caller must be refused (identity stage on);
#: "false" only when the gateway has no caller interceptor (stage 3 without identity). Unset means "true".
CALLER_REQUIRED_ENV = "AGENT_TOOL_CALLER_REQUIRED"

#: Interceptor Lambda env var: space-separated names of the gateway targets whose tool calls get the verified caller
#: (everything else, e.g. the gateway's built-in search tool, passes through untouched).
INTERCEPTED_TARGETS_ENV = "AGENT_TOOL_TARGETS"

#: CloudWatch namespace of the tool Lambdas' own metrics (Powertools), and the dimensions of ``ToolErrors``.
TOOL_METRICS_NAMESPACE = "AgentCoreTools"
TOOL_ERRORS_METRIC = "ToolErrors"
SERVICE_DIMENSION = "service"
TOOL_DIMENSION = "tool"
CODE_DIMENSION = "code"
TOOL_ERROR_DIMENSIONS = (SERVICE_DIMENSION, TOOL_DIMENSION, CODE_DIMENSION)

#: Powertools reads these (Powertools for AWS Lambda, "Metrics": POWERTOOLS_SERVICE_NAME and
#: POWERTOOLS_METRICS_NAMESPACE); the construct sets them, so the template shows what each Lambda emits.
POWERTOOLS_SERVICE_NAME_ENV = "POWERTOOLS_SERVICE_NAME"
POWERTOOLS_METRICS_NAMESPACE_ENV = "POWERTOOLS_METRICS_NAMESPACE"
