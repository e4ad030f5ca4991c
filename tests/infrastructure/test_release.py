"""Releases: promotion and rollback are one line of cdk.json and one resource in ``cdk diff`` terms; the rollback
function is wired to the watched alarms and may touch only its runtime's endpoint."""

from __future__ import annotations

import copy
import json

import pytest

from scripts.stage_diff import diff_step, synthesize
from tests.infrastructure.synth import CDK_JSON

STAGING = CDK_JSON["context"]["environments"]["staging"]


@pytest.mark.parametrize(("before", "after"), [("1", "2"), ("2", "1")], ids=["promote", "roll-back"])
def test_moving_the_pin_changes_exactly_the_endpoint(before: str, after: str) -> None:
    old, new = copy.deepcopy(STAGING), copy.deepcopy(STAGING)
    old["endpoint_version"], new["endpoint_version"] = before, after
    step = diff_step("pin", synthesize("staging", old), synthesize("staging", new))
    assert not step.added and not step.removed
    assert [(kind, keys) for _, _, kind, keys in step.modified] == [
        ("AWS::BedrockAgentCore::RuntimeEndpoint", ["Properties.AgentRuntimeVersion"])
    ]
    (stack, logical_id, _, _) = step.modified[0]
    assert stack.endswith("Runtime") and logical_id.startswith("AgentEndpoint")


def _resources(templates: dict, cfn_type: str) -> dict[str, dict]:
    return {k: v for t in templates.values() for k, v in t["Resources"].items() if v["Type"] == cfn_type}


@pytest.fixture(scope="module")
def staging() -> dict:
    return synthesize("staging", copy.deepcopy(STAGING))


def test_the_rollback_listens_to_the_runtime_alarms_entering_alarm(staging: dict) -> None:
    rules = _resources(staging, "AWS::Events::Rule")
    (on_alarm,) = [r for k, r in rules.items() if k.startswith("RollbackOnAlarm")]
    pattern = on_alarm["Properties"]["EventPattern"]
    assert pattern["source"] == ["aws.cloudwatch"]
    assert pattern["detail-type"] == ["CloudWatch Alarm State Change"]
    assert pattern["detail"] == {"state": {"value": ["ALARM"]}}
    watched = json.dumps(pattern["resources"])
    for alarm in ("ObservabilityRuntimeErrorRate", "ObservabilityRuntimeLatencyP90"):
        assert alarm in watched
    # Not the composite: it also holds throttles and the tools' errors (an orders API outage is not the version's).
    assert "ObservabilityAgentUnhealthy" not in watched
    (observe,) = [r for k, r in rules.items() if k.startswith("RollbackObserve")]
    assert observe["Properties"]["ScheduleExpression"] == "rate(15 minutes)"


def test_the_rollback_may_move_only_its_own_runtime_endpoint(staging: dict) -> None:
    (policy,) = [p for k, p in _resources(staging, "AWS::IAM::Policy").items() if k.startswith("RollbackPolicy")]
    by_sid = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    move = by_sid["MoveThisEndpoint"]
    assert sorted(move["Action"]) == [
        "bedrock-agentcore:GetAgentRuntimeEndpoint",
        "bedrock-agentcore:UpdateAgentRuntimeEndpoint",
    ]
    resources = json.dumps(move["Resource"])
    assert "*" not in resources and "/runtime-endpoint/staging" in resources
    assert "AgentRuntime" in resources  # the GetAtt of this stack's runtime, nobody else's
    assert "*" not in json.dumps(by_sid["ReadWatchedAlarms"]["Resource"])
    assert (
        json.dumps(by_sid["OwnReleaseState"]["Resource"]).count(
            "parameter/agentcore/release/support_agent_staging/staging"
        )
        == 1
    )
    functions = [f for k, f in _resources(staging, "AWS::Lambda::Function").items() if k.startswith("Rollback")]
    (function,) = functions
    assert function["Properties"]["ReservedConcurrentExecutions"] == 1


def test_without_a_release_block_there_is_no_canary_and_no_rollback() -> None:
    plain = copy.deepcopy(STAGING)
    plain.pop("release")
    templates = synthesize("staging", plain)
    assert not [k for k in _resources(templates, "AWS::Lambda::Function") if k.startswith("Rollback")]
    names = [e["Properties"]["Name"] for e in _resources(templates, "AWS::BedrockAgentCore::RuntimeEndpoint").values()]
    assert names == ["staging"]
