"""AgentObservability used as a library: built from what it is given."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from agentcore_constructs import AgentObservability, AgentRuntime, AlarmThresholds, TransactionSearch
from agentcore_constructs.gateway import LambdaTool, ToolGateway
from tests.conftest import FIXTURE_TOOL_HANDLER, FIXTURE_TOOLS, new_runtime, new_stack

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
                stack, name, target_name=name, tools=[TOOL], code_root=FIXTURE_TOOLS, handler=FIXTURE_TOOL_HANDLER
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
