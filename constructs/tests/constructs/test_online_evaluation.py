"""OnlineEvaluation: built-in evaluators on a sample of one endpoint's sessions, validated before anything exists."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template

from agentcore_constructs.evaluation import OnlineEvaluation
from tests.conftest import new_runtime, new_stack


def test_it_scores_a_sample_of_the_endpoint_with_built_in_evaluators() -> None:
    stack = new_stack()
    runtime = new_runtime(stack, endpoint_version="2")
    OnlineEvaluation(stack, "Eval", runtime=runtime, sampling_percent=5)
    (config,) = Template.from_stack(stack).find_resources("AWS::BedrockAgentCore::OnlineEvaluationConfig").values()
    props = config["Properties"]
    assert props["OnlineEvaluationConfigName"] == "a1_live_eval"
    assert props["Rule"]["SamplingConfig"]["SamplingPercentage"] == 5
    assert [e["EvaluatorId"] for e in props["Evaluators"]] == [
        "Builtin.Helpfulness",
        "Builtin.Correctness",
        "Builtin.ToolSelectionAccuracy",
        "Builtin.ToolParameterAccuracy",
    ]
    assert props["DataSourceConfig"]["CloudWatchLogs"]["ServiceNames"] == ["a1.live"]


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"sampling_percent": 0}, "sampling_percent 0 must be in 0.01..100"),
        ({"evaluators": ("HELPFULNESS", "VIBES")}, r"unknown built-in evaluators \['VIBES'\]"),
        ({"evaluators": ()}, "unknown built-in evaluators"),
    ],
)
def test_bad_settings_fail_before_anything_is_created(props: dict, message: str) -> None:
    stack = new_stack()
    runtime = new_runtime(stack)
    with pytest.raises(ValueError, match=message):
        OnlineEvaluation(stack, "Eval", runtime=runtime, **props)
    assert not Template.from_stack(stack).find_resources("AWS::BedrockAgentCore::OnlineEvaluationConfig")
