"""EndpointRollback and the canary endpoint: validated before anything is created, least privilege."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from agentcore_constructs import EndpointRollback
from library_tests.support import new_runtime, new_stack


def _alarm(stack: cdk.Stack, name: str = "Errors") -> cw.Alarm:
    metric = cw.Metric(namespace="AWS/Bedrock-AgentCore", metric_name="SystemErrors")
    return metric.create_alarm(stack, name, threshold=1, evaluation_periods=1)


def test_a_canary_follows_the_newest_version_next_to_the_pinned_endpoint() -> None:
    stack = new_stack()
    runtime = new_runtime(stack, endpoint_version="4")
    runtime.add_canary_endpoint()
    endpoints = Template.from_stack(stack).find_resources("AWS::BedrockAgentCore::RuntimeEndpoint")
    versions = {e["Properties"]["Name"]: e["Properties"]["AgentRuntimeVersion"] for e in endpoints.values()}
    assert versions["live"] == "4"
    assert versions["canary"]["Fn::GetAtt"][1] == "AgentRuntimeVersion"


@pytest.mark.parametrize(
    ("props", "name", "message"),
    [
        ({}, "canary", "needs the main endpoint pinned"),
        ({"endpoint_version": "2"}, "live", "must match .* and differ from 'live'"),
        ({"endpoint_version": "2"}, "DEFAULT", "differ from 'live' and DEFAULT"),
        ({"endpoint_version": "2"}, "has-dash", "must match"),
    ],
)
def test_the_canary_is_refused_where_it_would_mean_nothing(props: dict, name: str, message: str) -> None:
    runtime = new_runtime(new_stack(), **props)
    with pytest.raises(ValueError, match=message):
        runtime.add_canary_endpoint(name)


def test_a_second_canary_is_refused() -> None:
    runtime = new_runtime(new_stack(), endpoint_version="2")
    runtime.add_canary_endpoint()
    with pytest.raises(ValueError, match="exists already"):
        runtime.add_canary_endpoint("canary2")


@pytest.mark.parametrize(
    ("version", "alarms", "window", "message"),
    [
        ("latest", 1, 60, "needs a pinned endpoint"),
        ("3", 0, 60, "at least one alarm"),
        ("3", 1, 2, "window must be between 5 minutes and 24 hours"),
    ],
)
def test_the_rollback_is_validated_before_anything_is_created(version, alarms, window, message) -> None:
    stack = new_stack()
    runtime = new_runtime(stack, endpoint_version=version)
    watched = [_alarm(stack)] if alarms else []
    with pytest.raises(ValueError, match=message):
        EndpointRollback(
            stack,
            "Rollback",
            runtime=runtime,
            alarms=watched,
            topic=sns.Topic(stack, "Topic"),
            window=cdk.Duration.minutes(window),
        )
    assert not Template.from_stack(stack).find_resources("AWS::Lambda::Function")


def test_the_rollback_role_reaches_only_its_endpoint_alarms_parameter_and_topic() -> None:
    stack = new_stack()
    runtime = new_runtime(stack, endpoint_version="3")
    EndpointRollback(stack, "Rollback", runtime=runtime, alarms=[_alarm(stack)], topic=sns.Topic(stack, "Topic"))
    template = Template.from_stack(stack)
    statements = [
        s
        for policy in template.find_resources("AWS::IAM::Policy").values()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if any(
            str(a).startswith(("bedrock-agentcore:", "ssm:", "cloudwatch:Describe", "sns:")) for a in _list(s["Action"])
        )
    ]
    rendered = json.dumps(statements)
    assert '"Resource": "*"' not in rendered and "bedrock-agentcore:*" not in rendered
    assert "/runtime-endpoint/live" in rendered
    assert "parameter/agentcore/release/a1/live" in rendered
    (function,) = [
        f for k, f in template.find_resources("AWS::Lambda::Function").items() if k.startswith("RollbackFunction")
    ]
    env = function["Properties"]["Environment"]["Variables"]
    assert env["ENDPOINT_NAME"] == "live" and env["STATE_PARAMETER"] == "/agentcore/release/a1/live"


def test_the_rollback_function_logs_json_and_has_time_to_wait_for_a_busy_endpoint() -> None:
    # JSON lines: an ignored event's ``reason`` (a logging ``extra`` key) becomes a field of the line (Lambda's Python
    # runtime, awslambdaric JsonFormatter). The timeout covers the handler's waits on a CREATING/UPDATING endpoint.
    from agentcore_constructs.functions.endpoint_rollback.handler import NOT_READY_DELAYS

    stack = new_stack()
    runtime = new_runtime(stack, endpoint_version="3")
    EndpointRollback(stack, "Rollback", runtime=runtime, alarms=[_alarm(stack)], topic=sns.Topic(stack, "Topic"))
    (function,) = [
        f
        for k, f in Template.from_stack(stack).find_resources("AWS::Lambda::Function").items()
        if k.startswith("RollbackFunction")
    ]
    assert function["Properties"]["LoggingConfig"]["LogFormat"] == "JSON"
    assert function["Properties"]["Timeout"] > sum(NOT_READY_DELAYS) + 30


def _list(value: object) -> list:
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("version", ["V1", "V2"])
def test_the_platform_version_is_rendered_only_when_chosen(version: str) -> None:
    stack = new_stack()
    new_runtime(stack, platform_version=version)
    new_runtime(stack, "Default", runtime_name="a2")
    runtimes = Template.from_stack(stack).find_resources("AWS::BedrockAgentCore::Runtime")
    versions = sorted(str(r["Properties"].get("PlatformVersion")) for r in runtimes.values())
    assert versions == sorted([version, "None"])


def test_an_unknown_platform_version_is_refused() -> None:
    with pytest.raises(ValueError, match="platform_version 'V9' must be one of V1, V2"):
        new_runtime(new_stack(), platform_version="V9")
