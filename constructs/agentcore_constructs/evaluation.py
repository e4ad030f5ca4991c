"""Online evaluation of an agent endpoint (AgentCore Evaluations): a sample of real sessions scored by built-in
evaluators (helpfulness, correctness, tool selection...) from the traces the runtime already sends.

aws-cdk-lib's ``OnlineEvaluationConfig`` reads the endpoint's runtime log group and ``aws/spans`` (Transaction
Search must be on: AgentCore developer guide, "Online evaluation", prerequisites) and writes results to
``/aws/bedrock-agentcore/evaluations/results/<config id>`` with scores as CloudWatch metrics (namespace
``Bedrock-AgentCore/Evaluations`` unless configured: AgentCore Control API reference, CloudWatchOutputConfig).

Score metrics: one per evaluator, named by the evaluator id (``Builtin.Helpfulness``), value the score normalized to
0 (worst) .. 1 (best), with dimensions ``service.name`` (the evaluated service, ``<runtime name>.<endpoint>``) and
``onlineEvaluationConfigId`` (among other dimension sets). The AgentCore guides do not list the metric names: this is
the embedded-metric format of AWS's own strands-agents/evals (``src/strands_evals/telemetry/_cloudwatch_logger.py``),
which writes results in the AgentCore format, and the 0..1 range is the AgentCore CLI's (aws/agentcore-cli
``docs/evals.md``). Verify with ``aws cloudwatch list-metrics --namespace Bedrock-AgentCore/Evaluations`` once deployed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_bedrockagentcore as agentcore
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam

from agentcore_constructs.acknowledgements import acknowledge, acknowledge_cfn_lint, policy_wildcards
from agentcore_constructs.aws_facts import RUNTIME_INVOKE_OPERATION
from agentcore_constructs.naming import pascal_case
from agentcore_constructs.observability import AgentObservability
from agentcore_constructs.props import Problems
from agentcore_constructs.runtime import AgentRuntime
from constructs import Construct

#: Built-in evaluators for a tool-using support agent.
DEFAULT_EVALUATORS = ("HELPFULNESS", "CORRECTNESS", "TOOL_SELECTION_ACCURACY", "TOOL_PARAMETER_ACCURACY")
#: Evaluators whose higher score is worse (agent-toolkit-for-aws, "agent-evaluation"): an alarm on them would need
#: the opposite comparison, so they get a dashboard line but no low-score alarm.
INVERTED_EVALUATORS = frozenset({"HARMFULNESS", "STEREOTYPING", "REFUSAL"})
#: Where AgentCore publishes evaluation scores by default (AgentCore Control API reference, CloudWatchOutputConfig).
EVALUATION_METRICS_NAMESPACE = "Bedrock-AgentCore/Evaluations"
#: Scores arrive only for sampled sessions: hourly averages, alarm when 2 of the last 3 hours were low.
SCORE_PERIOD = cdk.Duration.hours(1)
_NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]{0,47}$")
#: The window in which scores must have arrived once enough sessions were sampled, and how many sampled sessions
#: make silence a failure rather than chance.
SILENCE_PERIOD = cdk.Duration.hours(6)
EXPECTED_SCORED_SESSIONS = 5

#: Why each wildcard of aws-cdk-lib's generated execution role is there (acknowledged one finding at a time; a
#: wildcard of a kind not listed stays a finding).
_ROLE_WILDCARDS: tuple[tuple[str, str], ...] = (
    (r"^\*$", "logs:DescribeLogGroups has no narrower resource (Service Authorization Reference, CloudWatch Logs)"),
    (
        r"^arn:aws:logs:[\w-]+:\d{12}:log-group:aws/spans:\*$",
        "log streams of aws/spans, where Transaction Search puts the traces the evaluators read",
    ),
    (
        r"^arn:aws:logs:[\w-]+:\d{12}:log-group:/aws/bedrock-agentcore/runtimes/<[\w.]+>-\w+:\*$",
        "log streams of this endpoint's own runtime log group",
    ),
    (
        r"^arn:aws:logs:[\w-]+:\d{12}:log-group:/aws/bedrock-agentcore/evaluations/\*$",
        "the results log group AgentCore creates for the configuration, named by an id assigned at creation",
    ),
    (
        r"^arn:aws:bedrock:\*:\d{12}:inference-profile/\*$|^arn:<AWS::Partition>:bedrock:\*::foundation-model/\*$",
        "built-in evaluators judge with models the service chooses (not documented per evaluator); aws-cdk-lib's grant",
    ),
)


class OnlineEvaluation(Construct):
    """Scores ``sampling_percent`` of ``runtime``'s sessions on ``endpoint_name`` with built-in ``evaluators``.

    Args:
        runtime: the agent runtime.
        endpoint_name: the endpoint whose traffic is evaluated. Default: the runtime's endpoint.
        evaluators: names of ``aws_bedrockagentcore.BuiltinEvaluator`` members. Default: :data:`DEFAULT_EVALUATORS`.
        sampling_percent: share of sessions scored, 0.01..100. Default: 10.
        config_name: the configuration's name. Default: ``<runtime name>_<endpoint>_eval``.
        observability: the agent's observability. When given, a dashboard row with every evaluator's hourly score
            and, per evaluator (not the inverted ones), an alarm on the topic when the hourly average is below
            ``min_score`` in 2 of 3 hours (hours without sampled sessions count as fine). Default: none.
        min_score: the lowest acceptable hourly average score, 0..1. Default: 0.5.

    Attributes: ``config`` (``OnlineEvaluationConfig``), ``service_name`` (the evaluated service),
    ``score_alarms`` (evaluator -> alarm; empty without ``observability``), ``scores_missing_alarm`` (fires when
    the endpoint served enough sessions for some to be sampled and no score was published in 6 hours; None without
    ``observability``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        runtime: AgentRuntime,
        endpoint_name: str | None = None,
        evaluators: Sequence[str] = DEFAULT_EVALUATORS,
        sampling_percent: float = 10,
        config_name: str | None = None,
        observability: AgentObservability | None = None,
        min_score: float = 0.5,
    ) -> None:
        super().__init__(scope, construct_id)
        problems = Problems.of(self)
        problems.check(0 < min_score <= 1, "min_score", f"{min_score} must be in (0, 1]")
        endpoint = endpoint_name or runtime.endpoint_name
        problems.check(0.01 <= sampling_percent <= 100, "sampling_percent", f"{sampling_percent} must be in 0.01..100")
        unknown = [e for e in evaluators if not hasattr(agentcore.BuiltinEvaluator, e)]
        problems.check(
            evaluators and not unknown,
            "evaluators",
            f"has unknown built-in evaluators {unknown or '(none given)'}: name aws_bedrockagentcore.BuiltinEvaluator "
            "members",
        )
        name = config_name or f"{runtime.runtime_name}_{endpoint}_eval"[:48]
        problems.check(_NAME.match(name), "config_name", f"{name!r} must match {_NAME.pattern}")
        problems.raise_if_any()
        self.evaluators = tuple(evaluators)
        #: The OTel service name the data source reads (``DataSourceConfig.from_agent_runtime_endpoint_name``).
        self.service_name = f"{runtime.runtime_name}.{endpoint}"
        self.config = agentcore.OnlineEvaluationConfig(
            self,
            "Config",
            online_evaluation_config_name=name,
            description=f"Online evaluation of {runtime.runtime_name} ({endpoint})",
            evaluators=[
                agentcore.EvaluatorSelector.builtin(getattr(agentcore.BuiltinEvaluator, e)) for e in evaluators
            ],
            data_source=agentcore.DataSourceConfig.from_agent_runtime_endpoint_name(runtime.runtime, endpoint),
            sampling_percentage=sampling_percent,
        )
        acknowledge_cfn_lint(
            self.config.node.default_child,  # type: ignore[arg-type]
            "W3005",
            "aws-cdk-lib's OnlineEvaluationConfig adds DependsOn on its execution role next to the GetAtt of its ARN",
        )
        for policy in self.node.find_all():
            if isinstance(policy, iam.CfnPolicy):
                for kind, value in policy_wildcards(policy):
                    reason = next((r for pattern, r in _ROLE_WILDCARDS if re.match(pattern, value)), None)
                    if reason is not None and kind == "Resource":
                        acknowledge(policy, f"AwsSolutions-IAM5[Resource::{value}]", reason)
                        if value == "*":
                            acknowledge(policy, "Readiness-LeastPrivilege[Resource::*]", reason)

        self.score_alarms: dict[str, cw.Alarm] = {}
        self.scores_missing_alarm: cw.Alarm | None = None
        self._runtime, self._endpoint, self._sampling_percent = runtime, endpoint, sampling_percent
        if observability is not None:
            self._add_scores(observability, min_score)
            self.scores_missing_alarm = self._add_scores_missing(observability)

    def metric_score(self, evaluator: str, *, period: cdk.Duration = SCORE_PERIOD) -> cw.Metric:
        """The average score of ``evaluator`` (a ``BuiltinEvaluator`` member name) on this configuration."""
        problems = Problems.of(self)
        problems.check(
            evaluator in self.evaluators,
            "evaluator",
            f"{evaluator} is not one of this configuration's evaluators ({', '.join(self.evaluators)})",
        )
        problems.raise_if_any()
        evaluator_id = getattr(agentcore.BuiltinEvaluator, evaluator).value
        return cw.Metric(
            namespace=EVALUATION_METRICS_NAMESPACE,
            metric_name=evaluator_id,
            dimensions_map={
                "service.name": self.service_name,
                "onlineEvaluationConfigId": self.config.online_evaluation_config_id,
            },
            statistic="Average",
            period=period,
        )

    def _add_scores_missing(self, observability: AgentObservability) -> cw.Alarm:
        """Silence that means broken: the endpoint served enough sessions that some must have been sampled, and no
        evaluator published a single score. Either the evaluation is not running (Transaction Search off, the
        configuration disabled or failing) or the score metrics are not where this construct reads them (their names
        come from AWS's strands-agents/evals emitter, not an AgentCore guide) -- then the low-score alarms could
        never fire, and this one says so."""
        invocations = self._runtime.runtime.metric_invocations(
            dimensions_map={
                "Name": f"{self._runtime.runtime_name}::{self._endpoint}",
                "Operation": RUNTIME_INVOKE_OPERATION,
                "Resource": self._runtime.runtime.agent_runtime_arn,
            },
            statistic="Sum",
            period=SILENCE_PERIOD,
        )
        counts = {
            f"s{index}": self.metric_score(evaluator, period=SILENCE_PERIOD).with_(statistic="SampleCount")
            for index, evaluator in enumerate(self.evaluators)
        }
        scored = " + ".join(f"FILL({name}, 0)" for name in counts)
        expected = f"invocations * {self._sampling_percent / 100:g}"
        silent = cw.MathExpression(
            expression=f"IF({expected} >= {EXPECTED_SCORED_SESSIONS} AND ({scored}) == 0, 1, 0)",
            using_metrics={"invocations": invocations, **counts},
            label="sampled sessions expected, no score published",
            period=SILENCE_PERIOD,
        )
        alarm = silent.create_alarm(
            self,
            "QualityScoresMissing",
            alarm_name=f"{observability.name_prefix}-QualityScoresMissing",
            alarm_description=(
                f"Online evaluation: {EXPECTED_SCORED_SESSIONS}+ sampled sessions expected in "
                f"{SILENCE_PERIOD.to_hours():g} h and no evaluator score published: the evaluation is not running or "
                "its score metrics are not where the quality alarms read them"
            ),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            # No invocations: no datapoint, nothing expected.
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(cw_actions.SnsAction(observability.topic))
        return alarm

    def _add_scores(self, observability: AgentObservability, min_score: float) -> None:
        for evaluator in self.evaluators:
            if evaluator in INVERTED_EVALUATORS:
                continue
            name = f"Quality{pascal_case(evaluator.lower())}"
            alarm = self.metric_score(evaluator).create_alarm(
                self,
                name,
                alarm_name=f"{observability.name_prefix}-{name}",
                alarm_description=(
                    f"Online evaluation: hourly average {evaluator.lower()} score below {min_score} in 2 of 3 hours"
                ),
                threshold=min_score,
                evaluation_periods=3,
                datapoints_to_alarm=2,
                comparison_operator=cw.ComparisonOperator.LESS_THAN_THRESHOLD,
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            )
            alarm.add_alarm_action(cw_actions.SnsAction(observability.topic))
            self.score_alarms[evaluator] = alarm
        observability.dashboard.add_widgets(
            cw.TextWidget(markdown=f"## Quality (online evaluation of `{self.service_name}`)", width=24, height=1),
            cw.GraphWidget(
                title="Evaluation scores (hourly average, 0 worst .. 1 best)",
                left=[self.metric_score(e) for e in self.evaluators],
                left_y_axis=cw.YAxisProps(min=0, max=1),
                width=16,
            ),
            cw.AlarmStatusWidget(title="Quality alarms", alarms=list(self.score_alarms.values()), width=8),
        )
