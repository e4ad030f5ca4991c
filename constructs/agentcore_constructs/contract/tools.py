"""What the gateway, its interceptor, the tool Lambdas and the dashboards share about tools."""

from __future__ import annotations

#: Reserved tool argument: the verified caller, written by the gateway request interceptor, never by the model.
CALLER_ID_ARGUMENT = "caller_id"
#: Reserved tool argument: the verified caller's groups (the token's ``cognito:groups``), space-separated, written by
#: the same interceptor on every call (empty when the caller is in no group), never by the model.
CALLER_GROUPS_ARGUMENT = "caller_groups"
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
