"""OnlineEvaluation: built-in evaluators on a sample of one endpoint's sessions, validated before anything exists."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template

from agentcore_constructs import AgentObservability
from agentcore_constructs.evaluation import OnlineEvaluation
from library_tests.support import new_runtime, new_stack


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


def test_scores_alarm_on_the_topic_and_get_a_dashboard_row() -> None:
    stack = new_stack()
    runtime = new_runtime(stack, endpoint_version="2")
    observability = AgentObservability(stack, "Obs", runtime=runtime)
    evaluation = OnlineEvaluation(
        stack,
        "Eval",
        runtime=runtime,
        evaluators=("HELPFULNESS", "HARMFULNESS"),
        observability=observability,
        min_score=0.6,
    )
    template = Template.from_stack(stack)
    (config_id,) = template.find_resources("AWS::BedrockAgentCore::OnlineEvaluationConfig")
    # The metric's service name is the one the data source reads (one computation, checked against the L2's).
    (config,) = template.find_resources("AWS::BedrockAgentCore::OnlineEvaluationConfig").values()
    assert config["Properties"]["DataSourceConfig"]["CloudWatchLogs"]["ServiceNames"] == [evaluation.service_name]
    alarms = {
        a["Properties"]["AlarmName"]: a["Properties"]
        for a in template.find_resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("Namespace") == "Bedrock-AgentCore/Evaluations"
    }
    assert set(alarms) == {"a1-QualityHelpfulness"}  # harmfulness: higher is worse, no low-score alarm
    alarm = alarms["a1-QualityHelpfulness"]
    assert alarm["MetricName"] == "Builtin.Helpfulness"
    assert alarm["Dimensions"] == [
        {"Name": "onlineEvaluationConfigId", "Value": {"Fn::GetAtt": [config_id, "OnlineEvaluationConfigId"]}},
        {"Name": "service.name", "Value": "a1.live"},
    ]
    assert (alarm["Statistic"], alarm["Period"], alarm["Threshold"]) == ("Average", 3600, 0.6)
    assert (alarm["ComparisonOperator"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (
        "LessThanThreshold",
        3,
        2,
    )
    assert alarm["TreatMissingData"] == "notBreaching"
    (topic,) = template.find_resources("AWS::SNS::Topic")
    assert alarm["AlarmActions"] == [{"Ref": topic}]
    assert set(evaluation.score_alarms) == {"HELPFULNESS"}
    (dashboard,) = template.find_resources("AWS::CloudWatch::Dashboard").values()
    body = str(dashboard["Properties"]["DashboardBody"])
    assert "Builtin.Harmfulness" in body and "Quality alarms" in body
    # Quality is not health: the composite the release rollback watches is unchanged.
    (composite,) = template.find_resources("AWS::CloudWatch::CompositeAlarm").values()
    assert "Quality" not in str(composite["Properties"]["AlarmRule"])


def test_metric_score_refuses_an_evaluator_it_does_not_run() -> None:
    stack = new_stack()
    evaluation = OnlineEvaluation(stack, "Eval", runtime=new_runtime(stack), evaluators=("HELPFULNESS",))
    with pytest.raises(ValueError, match="CORRECTNESS is not one of"):
        evaluation.metric_score("CORRECTNESS")


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"sampling_percent": 0}, "sampling_percent 0 must be in 0.01..100"),
        ({"evaluators": ("HELPFULNESS", "VIBES")}, r"unknown built-in evaluators \['VIBES'\]"),
        ({"evaluators": ()}, "unknown built-in evaluators"),
        ({"min_score": 0}, r"min_score 0 must be in \(0, 1\]"),
        ({"min_score": 1.5}, "min_score 1.5"),
    ],
)
def test_bad_settings_fail_before_anything_is_created(props: dict, message: str) -> None:
    stack = new_stack()
    runtime = new_runtime(stack)
    with pytest.raises(ValueError, match=message):
        OnlineEvaluation(stack, "Eval", runtime=runtime, **props)
    assert not Template.from_stack(stack).find_resources("AWS::BedrockAgentCore::OnlineEvaluationConfig")


def test_silence_despite_sampled_traffic_is_an_alarm_so_the_quality_alarms_cannot_be_silently_dead() -> None:
    """The score metric names come from AWS's strands-agents/evals emitter, not an AgentCore guide: if they are wrong
    (or the evaluation is not running), the low-score alarms never fire. This alarm fires when the endpoint served
    enough sessions that some were sampled and no evaluator published a score."""
    stack = new_stack()
    runtime = new_runtime(stack, endpoint_version="2")
    observability = AgentObservability(stack, "Obs", runtime=runtime)
    evaluation = OnlineEvaluation(
        stack,
        "Eval",
        runtime=runtime,
        evaluators=("HELPFULNESS", "HARMFULNESS"),
        observability=observability,
        sampling_percent=20,
    )
    assert evaluation.scores_missing_alarm is not None
    (alarm,) = [
        a["Properties"]
        for a in Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("AlarmName") == "a1-QualityScoresMissing"
    ]
    queries = {q["Id"]: q for q in alarm["Metrics"]}
    expression = queries[next(i for i, q in queries.items() if "Expression" in q)]["Expression"]
    assert expression == "IF(invocations * 0.2 >= 5 AND (FILL(s0, 0) + FILL(s1, 0)) == 0, 1, 0)"
    # Every evaluator counts, the inverted ones too: any score at all proves the pipeline runs.
    scored = [queries[f"s{i}"]["MetricStat"] for i in (0, 1)]
    assert [s["Metric"]["MetricName"] for s in scored] == ["Builtin.Helpfulness", "Builtin.Harmfulness"]
    assert {s["Stat"] for s in scored} == {"SampleCount"}
    invocations = queries["invocations"]["MetricStat"]["Metric"]
    assert (invocations["Namespace"], invocations["MetricName"]) == ("AWS/Bedrock-AgentCore", "Invocations")
    assert sorted(d["Name"] for d in invocations["Dimensions"]) == ["Name", "Operation", "Resource"]
    assert {"Name": "Name", "Value": "a1::live"} in invocations["Dimensions"]
    assert alarm["TreatMissingData"] == "notBreaching"  # no traffic: no datapoint, nothing expected
