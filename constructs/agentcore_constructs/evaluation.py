"""Online evaluation of an agent endpoint (AgentCore Evaluations): a sample of real sessions scored by built-in
evaluators (helpfulness, correctness, tool selection...) from the traces the runtime already sends.

aws-cdk-lib's ``OnlineEvaluationConfig`` reads the endpoint's runtime log group and ``aws/spans`` (Transaction
Search must be on: AgentCore developer guide, "Online evaluation", prerequisites) and writes results to
``/aws/bedrock-agentcore/evaluations/results/<config id>`` with scores as CloudWatch metrics (namespace
``Bedrock-AgentCore/Evaluations`` unless configured: AgentCore Control API reference, CloudWatchOutputConfig).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from aws_cdk import aws_bedrockagentcore as agentcore
from aws_cdk import aws_iam as iam

from agentcore_constructs.acknowledgements import acknowledge, acknowledge_cfn_lint, policy_wildcards
from agentcore_constructs.runtime import AgentRuntime
from constructs import Construct

#: Built-in evaluators for a tool-using support agent.
DEFAULT_EVALUATORS = ("HELPFULNESS", "CORRECTNESS", "TOOL_SELECTION_ACCURACY", "TOOL_PARAMETER_ACCURACY")
_NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]{0,47}$")

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

    Attributes: ``config`` (``OnlineEvaluationConfig``).
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
    ) -> None:
        super().__init__(scope, construct_id)
        endpoint = endpoint_name or runtime.endpoint_name
        if not 0.01 <= sampling_percent <= 100:
            raise ValueError(f"{self.node.path}: sampling_percent {sampling_percent} must be in 0.01..100")
        unknown = [e for e in evaluators if not hasattr(agentcore.BuiltinEvaluator, e)]
        if unknown or not evaluators:
            raise ValueError(f"{self.node.path}: unknown built-in evaluators {unknown or '(none given)'}")
        name = config_name or f"{runtime.runtime_name}_{endpoint}_eval"[:48]
        if not _NAME.match(name):
            raise ValueError(f"{self.node.path}: config_name {name!r} must match {_NAME.pattern}")
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
