"""Releases of an agent runtime: a canary endpoint that follows the newest version, and an automatic rollback of the
pinned endpoint when the new version's alarms fire within a window after its promotion.

How the pin in cdk.json and the automation agree: promotion is moving ``endpoint_version`` (CloudFormation updates
the endpoint). When the rollback fires, the endpoint serves the known-good version while the template still names the
promoted one; a deploy that leaves the endpoint resource unchanged does not touch it (CloudFormation updates only
resources whose template changed), so the rollback holds, and the function's SSM parameter records which version was
rolled back (its format: ``agentcore_constructs.contract.release``). The app's deploy guard (``make deploy``, and the
pipeline before each stage's runtime stack) refuses a deploy whose pin is a rolled-back version, so the pin must move
back (or forward to a new version) before anything else is deployed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns

from agentcore_constructs.components import mark_component
from agentcore_constructs.contract.release import STATE_PARAMETER_PREFIX, state_parameter_name
from agentcore_constructs.keys import check_not_alias
from agentcore_constructs.props import Problems
from agentcore_constructs.python_function import PythonArm64Function
from agentcore_constructs.runtime import LATEST_VERSION, AgentRuntime
from constructs import Construct

_FUNCTION_DIR = Path(__file__).parent / "functions" / "endpoint_rollback"

__all__ = ["STATE_PARAMETER_PREFIX", "EndpointRollback", "state_parameter_name"]


class EndpointRollback(Construct):
    """Moves ``runtime``'s pinned endpoint back to its last known-good version when a watched alarm fires within
    ``window`` after a promotion, and says so on ``topic``.

    Args:
        runtime: the agent runtime; its endpoint must be pinned (``endpoint_version`` not ``"latest"``).
        alarms: the alarms that mean "this version is bad" (e.g. error rate, latency, the composite unhealthy).
        topic: where the rollback (or why there was none) is announced: the alarm topic.
        topic_key: the topic's KMS key, when it is encrypted (the function gets ``kms:GenerateDataKey``/``Decrypt``
            on it to publish). Default: none.
        window: how long after a promotion an alarm still rolls back; also how long a version must stay healthy to
            become known-good. Default: one hour.
        check_interval: how often the function looks for a healthy version to record as known-good. Default: 15 min.
        log_retention: the function's log retention. Default: one month.
        log_encryption_key: the function's log group key. Default: none.

    Attributes: ``function`` (:class:`PythonArm64Function`), ``alarm_rule``, ``schedule_rule``, ``parameter_name``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        runtime: AgentRuntime,
        alarms: Sequence[cw.IAlarm],
        topic: sns.ITopic,
        topic_key: kms.IKey | None = None,
        window: cdk.Duration = cdk.Duration.hours(1),
        check_interval: cdk.Duration = cdk.Duration.minutes(15),
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        log_encryption_key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        problems = Problems.of(self)
        problems.check(
            runtime.endpoint_version != LATEST_VERSION,
            "runtime",
            "needs a pinned endpoint: endpoint_version 'latest' follows every new version, so there is nothing to "
            "roll back to. Pin it (e.g. '1').",
        )
        problems.check(alarms, "alarms", "is empty: pass at least one alarm to watch")
        window_minutes, interval_minutes = window.to_minutes(), check_interval.to_minutes()
        problems.check(
            5 <= window_minutes <= 24 * 60,
            "window",
            f"must be between 5 minutes and 24 hours (is {window_minutes:g} min)",
        )
        problems.check(
            1 <= interval_minutes <= window_minutes,
            "check_interval",
            f"must be 1 minute .. the window (is {interval_minutes:g} min, the window {window_minutes:g} min)",
        )
        # The function is granted kms:GenerateDataKey/Decrypt on topic_key's ARN: an IAM statement names a KMS key by
        # its key ARN only, never an alias ARN (KMS developer guide, "Specifying KMS keys in IAM policy statements":
        # https://docs.aws.amazon.com/kms/latest/developerguide/cmks-in-iam-policies.html).
        check_not_alias(problems, "topic_key", topic_key)
        check_not_alias(problems, "log_encryption_key", log_encryption_key)
        problems.raise_if_any()
        stack = cdk.Stack.of(self)
        self.parameter_name = state_parameter_name(runtime.runtime_name, runtime.endpoint_name)
        self.function = PythonArm64Function(
            self,
            "Function",
            code_root=_FUNCTION_DIR,
            handler="handler.lambda_handler",
            service_name="endpoint-rollback",
            description=f"Rolls {runtime.runtime_name}/{runtime.endpoint_name} back to its known-good version on alarm",
            environment={
                "RUNTIME_ID": runtime.runtime.agent_runtime_id,
                "ENDPOINT_NAME": runtime.endpoint_name,
                "STATE_PARAMETER": self.parameter_name,
                "ALARM_TOPIC_ARN": topic.topic_arn,
                "WINDOW_SECONDS": str(int(window.to_seconds())),
                "WATCHED_ALARMS": ",".join(alarm.alarm_name for alarm in alarms),
            },
            # Room for the waits on a CREATING/UPDATING endpoint (75 s, the handler's NOT_READY_DELAYS) and the calls.
            timeout=cdk.Duration.minutes(3),
            # One rollback at a time: two alarms firing together must not race on the endpoint and the state.
            reserved_concurrency=1,
            log_retention=log_retention,
            log_encryption_key=log_encryption_key,
            # JSON lines, so an ignored event's ``reason`` is a field Logs Insights can filter on (Lambda developer
            # guide, "Log and monitor Python Lambda functions": advanced logging controls, JSON format).
            function_props={"logging_format": lambda_.LoggingFormat.JSON},
        )
        mark_component(self.function.function, "release-rollback")
        runtime_arn = runtime.runtime.agent_runtime_arn
        # Only this runtime and its one endpoint (endpoint ARN: <runtime ARN>/runtime-endpoint/<name>, AgentCore
        # Control API reference, AgentRuntimeEndpoint); the runtime ARN too, as aws-cdk-lib's Runtime grants do.
        endpoint_arn = f"{runtime_arn}/runtime-endpoint/{runtime.endpoint_name}"
        parameter_arn = stack.format_arn(
            service="ssm", resource="parameter", resource_name=self.parameter_name.lstrip("/")
        )
        iam.Policy(
            self,
            "Policy",
            roles=[self.function.role],
            statements=[
                iam.PolicyStatement(
                    sid="MoveThisEndpoint",
                    actions=[
                        "bedrock-agentcore:GetAgentRuntimeEndpoint",
                        "bedrock-agentcore:UpdateAgentRuntimeEndpoint",
                    ],
                    resources=[runtime_arn, endpoint_arn],
                ),
                iam.PolicyStatement(
                    sid="ListThisRuntimesVersions",
                    actions=["bedrock-agentcore:ListAgentRuntimeVersions"],
                    resources=[runtime_arn],
                ),
                iam.PolicyStatement(
                    sid="ReadWatchedAlarms",
                    actions=["cloudwatch:DescribeAlarms"],
                    resources=[alarm.alarm_arn for alarm in alarms],
                ),
                iam.PolicyStatement(
                    sid="OwnReleaseState",
                    actions=["ssm:GetParameter", "ssm:PutParameter"],
                    resources=[parameter_arn],
                ),
            ],
        )
        # Not topic.grant_publish: for an encrypted topic it adds kms:GenerateDataKey* (a wildcard action); a
        # publisher needs exactly GenerateDataKey and Decrypt on the key (SNS developer guide, "Encryption at rest":
        # "Enable compatibility between event sources ... and encrypted topics").
        self.function.role.add_to_principal_policy(
            iam.PolicyStatement(sid="AnnounceOnAlarmTopic", actions=["sns:Publish"], resources=[topic.topic_arn])
        )
        if topic_key is not None:
            self.function.role.add_to_principal_policy(
                iam.PolicyStatement(
                    sid="UseAlarmTopicKey",
                    actions=["kms:GenerateDataKey", "kms:Decrypt"],
                    resources=[topic_key.key_arn],
                )
            )

        # CloudWatch sends alarm state changes to EventBridge (CloudWatch user guide, "Alarm events and EventBridge").
        self.alarm_rule = events.Rule(
            self,
            "OnAlarm",
            description=f"A watched alarm of {runtime.runtime_name} entered ALARM",
            event_pattern=events.EventPattern(
                source=["aws.cloudwatch"],
                detail_type=["CloudWatch Alarm State Change"],
                resources=[alarm.alarm_arn for alarm in alarms],
                detail={"state": {"value": ["ALARM"]}},
            ),
        )
        self.alarm_rule.add_target(targets.LambdaFunction(self.function.function, retry_attempts=2))
        self.schedule_rule = events.Rule(
            self,
            "Observe",
            description=f"Record the healthy version of {runtime.runtime_name}/{runtime.endpoint_name} as known-good",
            schedule=events.Schedule.rate(check_interval),
        )
        self.schedule_rule.add_target(
            targets.LambdaFunction(
                self.function.function, event=events.RuleTargetInput.from_object({"action": "observe"})
            )
        )
