"""AgentObservability used as a library: built from what it is given."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from agentcore_constructs import AgentObservability, AgentRuntime, AlarmThresholds, TransactionSearch
from agentcore_constructs.gateway import LambdaTool, ToolFunction, ToolGateway
from library_tests.support import FIXTURE_TOOL_HANDLER, FIXTURE_TOOLS, new_runtime, new_stack

TOOL = {
    "name": "echo",
    "description": "Echo",
    "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}},
}


def _stack_with_runtime() -> tuple[cdk.Stack, AgentRuntime]:
    stack = new_stack()
    runtime = new_runtime(stack, endpoint_name="live")
    return stack, runtime


def test_each_added_tool_gets_its_row_and_alarm_without_dashboard_code_changes() -> None:
    stack, runtime = _stack_with_runtime()
    gateway = ToolGateway(stack, "Gateway", gateway_name="g1")
    for name in ("alpha-service", "beta-service", "gamma-service"):
        gateway.add_lambda_tool(
            LambdaTool(
                stack,
                name,
                target_name=name,
                tools=[TOOL],
                function=ToolFunction(code_root=FIXTURE_TOOLS, handler=FIXTURE_TOOL_HANDLER),
            )
        )
    AgentObservability(stack, "Obs", runtime=runtime, gateway=gateway)
    template = Template.from_stack(stack).to_json()
    alarms = {
        a["Properties"]["AlarmName"] for a in template["Resources"].values() if a["Type"] == "AWS::CloudWatch::Alarm"
    }
    assert {
        "a1-AlphaServiceErrors",
        "a1-BetaServiceErrors",
        "a1-GammaServiceErrors",
    } <= alarms
    body = json.dumps(next(r for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard"))
    for name in ("alpha-service", "beta-service", "gamma-service"):
        assert f"## Tool `{name}` (Lambda)" in body


def test_runtime_only_has_runtime_alarms_and_no_transaction_search_by_default() -> None:
    stack, runtime = _stack_with_runtime()
    AgentObservability(stack, "Obs", runtime=runtime, thresholds=AlarmThresholds(error_rate_percent=7))
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::CloudWatch::Alarm", 3)
    template.resource_count_is("AWS::XRay::TransactionSearchConfig", 0)
    template.has_resource_properties("AWS::CloudWatch::Alarm", {"AlarmName": "a1-RuntimeErrorRate", "Threshold": 7})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"thresholds": AlarmThresholds(error_rate_percent=0)}, "error_rate_percent 0"),
        ({"thresholds": AlarmThresholds(evaluation_periods=0)}, "evaluation_periods"),
        ({"alarm_emails": ["not-an-email"]}, "not an email"),
        ({"name_prefix": "team/agent"}, "name_prefix 'team/agent'"),
        ({"name_prefix": ""}, "name_prefix ''"),
    ],
)
def test_invalid_props(kwargs: dict, message: str) -> None:
    stack, runtime = _stack_with_runtime()
    with pytest.raises(ValueError, match=message):
        AgentObservability(stack, "Obs", runtime=runtime, **kwargs)


def test_transaction_search_is_retained_and_waits_for_its_logs_policy() -> None:
    stack = cdk.Stack(cdk.App(), "Account", env=cdk.Environment(account="123456789012", region="us-east-1"))
    TransactionSearch(stack, "Search", indexing_percent=5)
    template = Template.from_stack(stack).to_json()
    ((config_id, config),) = [
        (k, r) for k, r in template["Resources"].items() if r["Type"] == "AWS::XRay::TransactionSearchConfig"
    ]
    ((policy_id, policy),) = [
        (k, r) for k, r in template["Resources"].items() if r["Type"] == "AWS::Logs::ResourcePolicy"
    ]
    assert config["Properties"]["IndexingPercentage"] == 5 and config["DependsOn"] == [policy_id]
    assert config["DeletionPolicy"] == policy["DeletionPolicy"] == "Retain"
    document = json.loads(
        "".join(p if isinstance(p, str) else "TOKEN" for p in policy["Properties"]["PolicyDocument"]["Fn::Join"][1])
    )
    assert document["Statement"][0]["Principal"] == {"Service": "xray.amazonaws.com"}
    assert [r.split(":log-group:")[1] for r in document["Statement"][0]["Resource"]] == [
        "aws/spans:*",
        "/aws/application-signals/data:*",
    ]
    with pytest.raises(ValueError, match="indexing_percent 150"):
        TransactionSearch(stack, "Bad", indexing_percent=150)


def test_runtime_alarms_read_the_endpoints_metrics_under_the_dimension_set_aws_publishes() -> None:
    """A metric alarm matches one exact dimension set; these are aws-cdk-lib's (aws_facts.RUNTIME_METRIC_DIMENSIONS)
    with this endpoint's name, not the L2's DEFAULT one."""
    stack, runtime = _stack_with_runtime()
    AgentObservability(stack, "Obs", runtime=runtime)
    alarms = [a["Properties"] for a in Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm").values()]
    runtime_alarms = [a for a in alarms if a["AlarmName"].startswith("a1-Runtime")]
    assert len(runtime_alarms) == 3
    metrics = [
        q["MetricStat"]["Metric"] if "MetricStat" in q else None
        for a in runtime_alarms
        for q in a.get("Metrics", [{"MetricStat": {"Metric": a}}])
        if "MetricStat" in q
    ]
    dimension_sets = {json.dumps(sorted(d["Name"] for d in m["Dimensions"])) for m in metrics}
    assert dimension_sets == {json.dumps(["Name", "Operation", "Resource"])}
    names = {d["Value"] for m in metrics for d in m["Dimensions"] if d["Name"] == "Name"}
    assert names == {"a1::live"}


@pytest.mark.parametrize(
    ("thresholds", "message"),
    [
        (AlarmThresholds(error_rate_percent=100), r"error_rate_percent 100 must be in \(0, 100\)"),
        (AlarmThresholds(latency_p90_ms=900_000), "must be below the runtime's limits.max_seconds"),
    ],
)
def test_a_threshold_the_metric_can_never_cross_is_refused(thresholds: AlarmThresholds, message: str) -> None:
    stack, runtime = _stack_with_runtime()
    with pytest.raises(ValueError, match=message):
        AgentObservability(stack, "Obs", runtime=runtime, thresholds=thresholds)
