"""``AgentObservability`` — one dashboard and alarms to an encrypted SNS topic, built
from whatever stages exist: pass the runtime, and the memory / gateway (with its tools) when they are on. Adding a
tool to the gateway adds its widgets and alarm with no change here.

Runtime metrics are per endpoint: the L2 ``metric_*`` methods are dimensioned ``Name=<runtime>::DEFAULT``; we
override ``Name`` with the environment's endpoint, which is what clients invoke.
"""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_xray as xray

from agentcore_constructs.aws_facts import (
    AGENTCORE_METRICS_NAMESPACE,
    GATEWAY_METRIC_DIMENSIONS,
    GATEWAY_TOOL_CALL_METHOD,
    LOG_RETENTION_DAYS,
    RUNTIME_INVOKE_OPERATION,
    TRANSACTION_SEARCH_LOG_GROUPS,
)
from agentcore_constructs.contract import tools as tool_contract
from agentcore_constructs.gateway import LambdaTool, ToolGateway
from agentcore_constructs.keys import (
    allow_cloudwatch_alarms,
    allow_cloudwatch_logs,
    check_not_alias,
    key_for_alarm_topic,
)
from agentcore_constructs.memory import AgentMemory
from agentcore_constructs.naming import kebab_case, name_prefix_problem, pascal_case
from agentcore_constructs.props import Problems
from agentcore_constructs.runtime import AgentRuntime
from agentcore_constructs.thresholds import AlarmThresholds
from constructs import Construct

__all__ = [
    "AgentObservability",
    "TransactionSearch",
    "allow_cloudwatch_alarms",
    "allow_cloudwatch_logs",
    "retention_days",
]

PERIOD = cdk.Duration.minutes(5)
#: Where the tool Lambdas publish Powertools metrics (the contract; LambdaTool sets POWERTOOLS_METRICS_NAMESPACE).
TOOLS_METRICS_NAMESPACE = tool_contract.TOOL_METRICS_NAMESPACE


class AgentObservability(Construct):
    """Dashboard rows per stage, alarms with a composite "agent unhealthy", SNS (KMS, TLS-only).

    Transaction Search (account-wide) is :class:`TransactionSearch`, created once per account and Region.

    Args:
        runtime: the agent runtime (required).
        name_prefix: starts the dashboard (``<prefix>-agent``), alarm (``<prefix>-<Alarm>``) and topic display names,
            which are physical names: dashboards are unique per account (global, not per Region), alarms per account
            and Region. Default: the runtime name in kebab case (``support_agent_dev`` -> ``support-agent-dev``), so
            two agents never collide.
        memory: the memory, when stage 2 is on. Default: none.
        gateway: the tool gateway, when stage 3 is on (its ``tools`` get a row each). Default: none.
        thresholds: alarm thresholds. Default: :class:`AlarmThresholds` defaults.
        alarm_emails: email subscriptions of the alarm topic. Default: none.
        topic_key: KMS key of the alarm topic (not an alias). A ``kms.Key`` of this app gets the key-policy
            statement CloudWatch needs to publish to it (:func:`agentcore_constructs.keys.allow_cloudwatch_alarms`);
            an imported key gets a synth warning naming it. Default: a new rotating key.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        runtime: AgentRuntime,
        name_prefix: str | None = None,
        memory: AgentMemory | None = None,
        gateway: ToolGateway | None = None,
        thresholds: AlarmThresholds = AlarmThresholds(),
        alarm_emails: Sequence[str] = (),
        topic_key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        problems = Problems.of(self)
        # An alarm whose threshold the metric can never cross never fires: refuse it.
        problems.check(
            0 < thresholds.error_rate_percent < 100,
            "thresholds.error_rate_percent",
            f"{thresholds.error_rate_percent} must be in (0, 100): a rate cannot exceed 100",
        )
        problems.check(
            0 < thresholds.latency_p90_ms < runtime.max_invocation_seconds * 1000,
            "thresholds.latency_p90_ms",
            f"{thresholds.latency_p90_ms:g} must be below the runtime's limits.max_seconds "
            f"({runtime.max_invocation_seconds * 1000:g} ms): no invocation lasts longer, so the alarm could never "
            "fire",
        )
        problems.check(
            thresholds.evaluation_periods >= 1,
            "thresholds.evaluation_periods",
            f"{thresholds.evaluation_periods} must be >= 1",
        )
        for email in alarm_emails:
            problems.check("@" in email, "alarm_emails", f"{email!r} is not an email address")
        self.name_prefix = name_prefix if name_prefix is not None else kebab_case(runtime.runtime_name)
        prefix_problem = name_prefix_problem(self.name_prefix)
        if prefix_problem is not None:
            problems.add("name_prefix", prefix_problem)
        check_not_alias(problems, "topic_key", topic_key)
        problems.raise_if_any()

        self._runtime = runtime
        self._thresholds = thresholds
        self._prefix = self.name_prefix
        topic_key = key_for_alarm_topic(self, problems.owner, "topic_key", topic_key)
        if topic_key is None:
            created = kms.Key(
                self,
                "AlarmTopicKey",
                enable_key_rotation=True,
                description=f"Encrypts {self._prefix} alarm notifications",
                removal_policy=cdk.RemovalPolicy.DESTROY,
            )
            allow_cloudwatch_alarms(created)
            topic_key = created
        self.topic_key = topic_key
        self.topic = sns.Topic(
            self, "AlarmTopic", display_name=f"{self._prefix} alarms", master_key=self.topic_key, enforce_ssl=True
        )
        for email in alarm_emails:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))

        self.dashboard = cw.Dashboard(
            self, "Dashboard", dashboard_name=f"{self._prefix}-agent", default_interval=cdk.Duration.hours(3)
        )
        self.alarms: list[cw.Alarm] = []
        self._add_runtime_row()
        if memory is not None:
            self._add_memory_row(memory)
        if gateway is not None:
            self._add_gateway_row(gateway)
            for tool in gateway.tools:
                self._add_tool_row(tool)

        self.unhealthy = cw.CompositeAlarm(
            self,
            "AgentUnhealthy",
            composite_alarm_name=f"{self._prefix}-agent-unhealthy",
            alarm_description="Any of the agent's alarms is firing: the agent is failing, slow or throttled for users.",
            alarm_rule=cw.AlarmRule.any_of(*[cw.AlarmRule.from_alarm(a, cw.AlarmState.ALARM) for a in self.alarms]),
        )
        self.unhealthy.add_alarm_action(cw_actions.SnsAction(self.topic))
        self.unhealthy.add_ok_action(cw_actions.SnsAction(self.topic))
        self.dashboard.add_widgets(
            cw.AlarmStatusWidget(title="Alarms", alarms=[*self.alarms, self.unhealthy], width=24)
        )

    # ---- rows ------------------------------------------------------------------------------------------------------

    def _add_runtime_row(self) -> None:
        runtime = self._runtime.runtime
        # The L2's metric() merges these over its own Operation and Resource: the full set of
        # aws_facts.RUNTIME_METRIC_DIMENSIONS, for this endpoint (the L2 defaults to DEFAULT).
        endpoint = {
            "Name": f"{self._runtime.runtime_name}::{self._runtime.endpoint_name}",
            "Operation": RUNTIME_INVOKE_OPERATION,
            "Resource": self._runtime.runtime.agent_runtime_arn,
        }
        invocations = runtime.metric_invocations(dimensions_map=endpoint, statistic="Sum", period=PERIOD)
        system_errors = runtime.metric_system_errors(dimensions_map=endpoint, statistic="Sum", period=PERIOD)
        user_errors = runtime.metric_user_errors(dimensions_map=endpoint, statistic="Sum", period=PERIOD)
        throttles = runtime.metric_throttles(dimensions_map=endpoint, statistic="Sum", period=PERIOD)
        sessions = runtime.metric_session_count(dimensions_map=endpoint, statistic="Sum", period=PERIOD)
        latency = {
            p: runtime.metric_latency(dimensions_map=endpoint, statistic=p, period=PERIOD, label=f"latency {p}")
            for p in ("p50", "p90", "p99")
        }
        error_rate = cw.MathExpression(
            expression="IF(invocations > 0, 100 * errors / invocations, 0)",
            using_metrics={"errors": system_errors, "invocations": invocations},
            label="system error rate %",
            period=PERIOD,
        )
        self.dashboard.add_widgets(
            cw.TextWidget(
                markdown=f"## Runtime `{self._runtime.runtime_name}` — endpoint `{self._runtime.endpoint_name}`",
                width=24,
                height=1,
            ),
            cw.GraphWidget(title="Invocations and sessions", left=[invocations, sessions], width=6),
            cw.GraphWidget(title="Latency p50 / p90 / p99 (ms)", left=list(latency.values()), width=6),
            cw.GraphWidget(
                title="System / user errors, throttles", left=[system_errors, user_errors, throttles], width=6
            ),
            cw.GraphWidget(title="System error rate (%)", left=[error_rate], width=6),
        )
        t = self._thresholds
        #: The alarms that say the version the endpoint serves is bad (what a release rollback watches).
        self.runtime_error_rate = self._alarm(
            "RuntimeErrorRate", error_rate, t.error_rate_percent, "Runtime system error rate above threshold (%)"
        )
        self.runtime_latency = self._alarm(
            "RuntimeLatencyP90", latency["p90"], t.latency_p90_ms, "Runtime p90 latency above threshold (ms)"
        )
        self._alarm(
            "RuntimeThrottles", throttles, t.throttles, "Runtime invocations are being throttled", inclusive=True
        )

    def _add_memory_row(self, memory: AgentMemory) -> None:
        m = memory.memory
        self.dashboard.add_widgets(
            cw.TextWidget(markdown="## Memory", width=24, height=1),
            cw.GraphWidget(
                title="Events and long-term records created",
                left=[
                    m.metric_event_creation_count(statistic="Sum", period=PERIOD),
                    m.metric_memory_record_creation_count(statistic="Sum", period=PERIOD),
                ],
                width=8,
            ),
            cw.GraphWidget(
                title="Errors by operation",
                left=[
                    m.metric_errors_for_api_operation(op, statistic="Sum", period=PERIOD, label=op)
                    for op in ("CreateEvent", "ListEvents", "RetrieveMemoryRecords")
                ],
                width=8,
            ),
            cw.GraphWidget(
                title="Latency by operation (avg, ms)",
                left=[
                    m.metric_latency_for_api_operation(op, statistic="Average", period=PERIOD, label=op)
                    for op in ("CreateEvent", "ListEvents", "RetrieveMemoryRecords")
                ],
                width=8,
            ),
        )

    def _add_gateway_row(self, gateway: ToolGateway) -> None:
        arn = gateway.gateway.gateway_arn
        per_tool = ",".join((AGENTCORE_METRICS_NAMESPACE, *GATEWAY_METRIC_DIMENSIONS))
        per_method = ",".join((AGENTCORE_METRICS_NAMESPACE, *(d for d in GATEWAY_METRIC_DIMENSIONS if d != "Name")))

        def search(schema: str, metric: str, statistic: str, label: str) -> cw.MathExpression:
            return cw.MathExpression(
                expression=f"SEARCH('{{{schema}}} MetricName=\"{metric}\" Resource=\"{arn}\"', '{statistic}', 300)",
                label=label,
                period=PERIOD,
            )

        def tool_calls(metric: str) -> cw.MathExpression:
            # Metrics Insights sums every series of this gateway's tool calls, whatever dimension set AgentCore
            # publishes them under (a plain metric would need the exact set).
            return cw.MathExpression(
                expression=(
                    f'SELECT SUM({metric}) FROM "{AGENTCORE_METRICS_NAMESPACE}" '
                    f"WHERE Resource = '{arn}' AND Method = '{GATEWAY_TOOL_CALL_METHOD}'"
                ),
                label=f"{metric} (tools/call)",
                period=PERIOD,
            )

        self.dashboard.add_widgets(
            cw.TextWidget(markdown=f"## Gateway `{gateway.gateway_name}`", width=24, height=1),
            cw.GraphWidget(title="Tool calls by tool", left=[search(per_tool, "Invocations", "Sum", "")], width=6),
            cw.GraphWidget(
                title="Requests by MCP method", left=[search(per_method, "Invocations", "Sum", "")], width=6
            ),
            cw.GraphWidget(
                title="Latency and target execution time by tool (p90, ms)",
                left=[search(per_tool, "Latency", "p90", ""), search(per_tool, "TargetExecutionTime", "p90", "")],
                width=6,
            ),
            cw.GraphWidget(
                title="System / user errors and throttles by method",
                left=[search(per_method, m, "Sum", "") for m in ("SystemErrors", "UserErrors", "Throttles")],
                width=6,
            ),
        )
        self._alarm(
            "GatewaySystemErrors",
            tool_calls("SystemErrors"),
            self._thresholds.tool_errors,
            "Gateway system errors on tool calls above threshold",
        )
        self._alarm(
            "GatewayThrottles",
            tool_calls("Throttles"),
            self._thresholds.throttles,
            "Gateway tool calls are being throttled",
            inclusive=True,
        )

    def _add_tool_row(self, tool: LambdaTool) -> None:
        fn = tool.function
        errors = fn.metric_errors(statistic="Sum", period=PERIOD)
        error_lines: list[cw.IMetric] = [errors]
        if tool.emits_tool_metrics:
            schema = ",".join((TOOLS_METRICS_NAMESPACE, *tool_contract.TOOL_ERROR_DIMENSIONS))
            error_lines.append(
                cw.MathExpression(
                    expression=(
                        f'SUM(SEARCH(\'{{{schema}}} MetricName="{tool_contract.TOOL_ERRORS_METRIC}" '
                        f"{tool_contract.SERVICE_DIMENSION}=\"{tool.service_name}\"', 'Sum', 300))"
                    ),
                    label="tool errors by code (Powertools)",
                    period=PERIOD,
                )
            )
        self.dashboard.add_widgets(
            cw.TextWidget(markdown=f"## Tool `{tool.target_name}` (Lambda)", width=24, height=1),
            cw.GraphWidget(title="Invocations", left=[fn.metric_invocations(statistic="Sum", period=PERIOD)], width=5),
            cw.GraphWidget(title="Errors", left=error_lines, width=5),
            cw.GraphWidget(
                title="Duration p50 / p90 (ms)",
                left=[fn.metric_duration(statistic=s, period=PERIOD) for s in ("p50", "p90")],
                width=5,
            ),
            cw.GraphWidget(title="Throttles", left=[fn.metric_throttles(statistic="Sum", period=PERIOD)], width=4),
            cw.GraphWidget(
                title="Concurrent executions",
                left=[fn.metric("ConcurrentExecutions", statistic="Maximum", period=PERIOD)],
                width=5,
            ),
        )
        self._alarm(
            f"{pascal_case(tool.target_name)}Errors",
            errors,
            self._thresholds.tool_errors,
            f"Tool {tool.target_name} Lambda errors above threshold",
        )

    # ---- alarms / traces ------------------------------------------------------------------------------------------

    def _alarm(
        self,
        name: str,
        metric: cw.Metric | cw.MathExpression,
        threshold: float,
        description: str,
        *,
        inclusive: bool = False,
    ) -> cw.Alarm:
        alarm = metric.create_alarm(
            self,
            name,
            alarm_name=f"{self._prefix}-{name}",
            alarm_description=description,
            threshold=threshold,
            evaluation_periods=self._thresholds.evaluation_periods,
            comparison_operator=(
                cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
                if inclusive
                else cw.ComparisonOperator.GREATER_THAN_THRESHOLD
            ),
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(cw_actions.SnsAction(self.topic))
        self.alarms.append(alarm)
        return alarm


class TransactionSearch(Construct):
    """X-Ray Transaction Search for the whole account and Region: spans go to CloudWatch Logs (``aws/spans``).

    Transaction Search is a per-account, per-Region singleton (``AWS::XRay::TransactionSearchConfig`` is keyed by
    the account id) and enabling it fails if it is already on (CloudWatch user guide, "Using Transaction Search with
    AWS CloudFormation"). So: create this construct once per account and Region, in a stack whose lifecycle is the
    account's (never with one environment's runtime), and declare it "already enabled" everywhere else. Both
    resources are retained: deleting the stack never turns tracing off for the account. The readiness pack fails synth
    when an app holds two of these for one account and Region.

    X-Ray creates ``aws/spans`` itself; CloudFormation cannot (CreateLogGroup refuses names starting with ``aws/``),
    so its retention is set after the first deploy (``aws logs put-retention-policy --log-group-name aws/spans``).

    Args:
        indexing_percent: share of spans indexed as trace summaries (0..100). Default: 1 (AWS's free default).
    """

    def __init__(self, scope: Construct, construct_id: str, *, indexing_percent: float = 1) -> None:
        super().__init__(scope, construct_id)
        problems = Problems.of(self)
        problems.check(0 <= indexing_percent <= 100, "indexing_percent", f"{indexing_percent} must be 0..100")
        problems.raise_if_any()
        stack = cdk.Stack.of(self)
        log_group_arns = [
            f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:{name}:*"
            for name in TRANSACTION_SEARCH_LOG_GROUPS
        ]
        # X-Ray writes spans (and Application Signals data) to CloudWatch Logs with this resource policy.
        self.logs_policy = logs.CfnResourcePolicy(
            self,
            "LogsPolicy",
            policy_name="TransactionSearchAccess",
            policy_document=stack.to_json_string(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "TransactionSearchXRayAccess",
                            "Effect": "Allow",
                            "Principal": {"Service": "xray.amazonaws.com"},
                            "Action": "logs:PutLogEvents",
                            "Resource": log_group_arns,
                            "Condition": {
                                "ArnLike": {
                                    "aws:SourceArn": f"arn:{stack.partition}:xray:{stack.region}:{stack.account}:*"
                                },
                                "StringEquals": {"aws:SourceAccount": stack.account},
                            },
                        }
                    ],
                }
            ),
        )
        self.config = xray.CfnTransactionSearchConfig(self, "Config", indexing_percentage=indexing_percent)
        self.config.node.add_dependency(self.logs_policy)
        for resource in (self.logs_policy, self.config):
            resource.apply_removal_policy(cdk.RemovalPolicy.RETAIN)


def retention_days(days: int) -> logs.RetentionDays:
    """The ``RetentionDays`` member for a number of days CloudWatch Logs accepts (``aws_facts.LOG_RETENTION_DAYS``)."""
    if days not in LOG_RETENTION_DAYS:
        raise ValueError(f"{days} is not a CloudWatch Logs retention value {LOG_RETENTION_DAYS}")
    # RetentionDays lists the finite values in ascending order, like LOG_RETENTION_DAYS.
    finite = [member for member in logs.RetentionDays if member is not logs.RetentionDays.INFINITE]
    return dict(zip(LOG_RETENTION_DAYS, finite, strict=True))[days]
