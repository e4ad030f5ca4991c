"""The endpoint rollback against moto's AgentCore control plane, SSM, SNS and CloudWatch: alarm event in -> endpoint
moved back -> notification out, the known-good bookkeeping, and the failure modes (throttled, version gone, outside
the window, nothing known-good yet).

moto keeps ``liveVersion`` where the endpoint was created (it moves only ``targetVersion`` on update), so the tests
create the endpoint at the promoted version and read the rollback from ``targetVersion``."""

from __future__ import annotations

import json
from datetime import timedelta

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from agentcore_constructs.functions.endpoint_rollback import handler

REGION = "us-east-1"
PARAMETER = "/agentcore/support_agent_prod/prod/release"
WINDOW = timedelta(hours=1)
ALARMS = ("support-agent-prod-RuntimeErrorRate", "support-agent-prod-agent-unhealthy")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch):
    for name, value in {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        handler._clients.clear()
        yield
    handler._clients.clear()


class World:
    """A runtime with versions 1..n, the live endpoint at one of them, the topic with a queue to read it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, versions: int, live: str) -> None:
        self.control = boto3.client("bedrock-agentcore-control", region_name=REGION)
        runtime = self.control.create_agent_runtime(
            agentRuntimeName="support_agent_prod",
            agentRuntimeArtifact={
                "codeConfiguration": {
                    "code": {"s3": {"bucket": "b", "prefix": "k"}},
                    "runtime": "PYTHON_3_13",
                    "entryPoint": ["main.py"],
                }
            },
            roleArn="arn:aws:iam::123456789012:role/agent",
            networkConfiguration={"networkMode": "PUBLIC"},
        )
        self.runtime_id = runtime["agentRuntimeId"]
        for _ in range(versions - 1):
            self.control.update_agent_runtime(
                agentRuntimeId=self.runtime_id,
                agentRuntimeArtifact={
                    "codeConfiguration": {
                        "code": {"s3": {"bucket": "b", "prefix": "k2"}},
                        "runtime": "PYTHON_3_13",
                        "entryPoint": ["main.py"],
                    }
                },
                roleArn="arn:aws:iam::123456789012:role/agent",
                networkConfiguration={"networkMode": "PUBLIC"},
            )
        self.control.create_agent_runtime_endpoint(
            agentRuntimeId=self.runtime_id, name="prod", agentRuntimeVersion=live
        )
        sns = boto3.client("sns", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        self.topic = sns.create_topic(Name="alarms")["TopicArn"]
        self.queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=self.queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=self.topic, Protocol="sqs", Endpoint=queue_arn)
        self.sqs = sqs
        self.ssm = boto3.client("ssm", region_name=REGION)
        self.cloudwatch = boto3.client("cloudwatch", region_name=REGION)
        for name in ALARMS[:1]:
            self.cloudwatch.put_metric_alarm(
                AlarmName=name,
                MetricName="Errors",
                Namespace="AWS/Bedrock-AgentCore",
                Statistic="Sum",
                Period=60,
                EvaluationPeriods=1,
                Threshold=1,
                ComparisonOperator="GreaterThanThreshold",
            )
        for name, value in {
            "RUNTIME_ID": self.runtime_id,
            "ENDPOINT_NAME": "prod",
            "STATE_PARAMETER": PARAMETER,
            "ALARM_TOPIC_ARN": self.topic,
            "WINDOW_SECONDS": str(int(WINDOW.total_seconds())),
            "WATCHED_ALARMS": ",".join(ALARMS),
        }.items():
            monkeypatch.setenv(name, value)

    def endpoint(self) -> dict:
        return self.control.get_agent_runtime_endpoint(agentRuntimeId=self.runtime_id, endpointName="prod")

    def promoted_at(self):
        return self.endpoint()["lastUpdatedAt"]

    def known_good(self, version: str, rollbacks: list | None = None) -> None:
        self.ssm.put_parameter(
            Name=PARAMETER,
            Type="String",
            Overwrite=True,
            Value=json.dumps({"known_good": version, "rollbacks": rollbacks or []}),
        )

    def state(self) -> dict:
        return json.loads(self.ssm.get_parameter(Name=PARAMETER)["Parameter"]["Value"])

    def notifications(self) -> list[dict]:
        messages = self.sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]


def alarm_event(name: str = ALARMS[1], state: str = "ALARM") -> dict:
    return {
        "source": "aws.cloudwatch",
        "detail-type": "CloudWatch Alarm State Change",
        "resources": [f"arn:aws:cloudwatch:{REGION}:123456789012:alarm:{name}"],
        "detail": {"alarmName": name, "state": {"value": state}, "previousState": {"value": "OK"}},
    }


def test_an_alarm_inside_the_window_moves_the_endpoint_back_and_says_so(aws, monkeypatch) -> None:
    world = World(monkeypatch, versions=3, live="3")
    world.known_good("2")

    result = handler.lambda_handler(alarm_event(), None, now=world.promoted_at() + timedelta(minutes=10))

    assert result == {"result": handler.ROLLED_BACK, "from": "3", "to": "2"}
    assert world.endpoint()["targetVersion"] == "2"
    state = world.state()
    assert state["known_good"] == "2" and state["rollbacks"][0]["from"] == "3"
    (note,) = world.notifications()
    assert note["Subject"] == f"Rolled back {world.runtime_id}/prod: version 3 -> 2"
    assert 'set endpoint_version to "2"' in note["Message"]


@pytest.mark.parametrize(
    ("known_good", "minutes_after", "reason"),
    [
        (None, 10, "no known-good version"),
        ("2", 90, "outside the rollback window"),
        ("7", 10, "known-good version 7 no longer exists"),
    ],
)
def test_no_rollback_without_a_safe_target_and_the_topic_says_why(
    aws, monkeypatch, known_good, minutes_after, reason
) -> None:
    world = World(monkeypatch, versions=3, live="3")
    if known_good:
        world.known_good(known_good)

    result = handler.lambda_handler(alarm_event(), None, now=world.promoted_at() + timedelta(minutes=minutes_after))

    assert result["result"] == handler.REFUSED and reason in result["reason"]
    assert world.endpoint()["targetVersion"] == "3"
    (note,) = world.notifications()
    assert note["Subject"].startswith("No automatic rollback") and reason in note["Message"]


def test_an_alarm_on_the_known_good_version_changes_nothing(aws, monkeypatch) -> None:
    world = World(monkeypatch, versions=2, live="2")
    world.known_good("2")
    result = handler.lambda_handler(alarm_event(), None, now=world.promoted_at())
    assert result["result"] == handler.NOTHING
    assert world.notifications() == []


@pytest.mark.parametrize(
    "event",
    [alarm_event(name="someone-elses-alarm"), {"detail-type": "Scheduled Event"}, ["not", "an", "object"]],
)
def test_unwatched_or_foreign_events_are_refused(aws, monkeypatch, event) -> None:
    world = World(monkeypatch, versions=2, live="2")
    world.known_good("1")
    assert handler.lambda_handler(event, None)["result"] == handler.REFUSED
    assert world.endpoint()["targetVersion"] == "2"


def test_ok_transitions_do_nothing(aws, monkeypatch) -> None:
    world = World(monkeypatch, versions=2, live="2")
    world.known_good("1")
    assert handler.lambda_handler(alarm_event(state="OK"), None)["result"] == handler.NOTHING


def test_a_throttled_control_plane_is_reported_and_raised_for_lambda_to_retry(aws, monkeypatch) -> None:
    world = World(monkeypatch, versions=3, live="3")
    world.known_good("2")
    control = handler._client("bedrock-agentcore-control")

    def throttled(**_: object) -> None:
        raise ClientError(
            {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "UpdateAgentRuntimeEndpoint"
        )

    monkeypatch.setattr(control, "update_agent_runtime_endpoint", throttled)
    with pytest.raises(ClientError):
        handler.lambda_handler(alarm_event(), None, now=world.promoted_at() + timedelta(minutes=5))
    assert world.endpoint()["targetVersion"] == "3"
    assert world.state()["rollbacks"] == []
    (note,) = world.notifications()
    assert note["Subject"].startswith("Rollback FAILED") and "ClientError" in note["Message"]


def test_its_clients_retry_throttling_before_giving_up(aws) -> None:
    # Standard mode retries ThrottlingException and 5xx (botocore retry modes documentation).
    retries = handler._client("bedrock-agentcore-control").meta.config.retries
    assert (
        retries["mode"] == "standard" and retries["total_max_attempts"] == 6
    )  # max_attempts=5 retries after the first


def test_observe_records_a_healthy_version_after_its_window_once(aws, monkeypatch) -> None:
    world = World(monkeypatch, versions=2, live="2")
    now = world.promoted_at()
    assert (
        handler.lambda_handler({"action": "observe"}, None, now=now + timedelta(minutes=5))["result"] == handler.NOTHING
    )
    result = handler.lambda_handler({"action": "observe"}, None, now=now + WINDOW + timedelta(minutes=1))
    assert result == {"result": handler.RECORDED, "version": "2"}
    assert world.state() == {"known_good": "2", "rollbacks": []}
    again = handler.lambda_handler({"action": "observe"}, None, now=now + WINDOW + timedelta(minutes=20))
    assert again["result"] == handler.NOTHING


def test_observe_never_blesses_a_version_while_an_alarm_fires_or_one_that_was_rolled_back(aws, monkeypatch) -> None:
    world = World(monkeypatch, versions=2, live="2")
    later = world.promoted_at() + WINDOW * 2
    world.cloudwatch.set_alarm_state(AlarmName=ALARMS[0], StateValue="ALARM", StateReason="test")
    firing = handler.lambda_handler({"action": "observe"}, None, now=later)
    assert firing["result"] == handler.NOTHING and ALARMS[0] in firing["reason"]
    world.cloudwatch.set_alarm_state(AlarmName=ALARMS[0], StateValue="OK", StateReason="test")
    world.known_good("1", rollbacks=[{"from": "2", "to": "1", "alarm": ALARMS[1], "at": "t"}])
    refused = handler.lambda_handler({"action": "observe"}, None, now=later)
    assert refused["result"] == handler.NOTHING and "rolled back before" in refused["reason"]
    assert world.state()["known_good"] == "1"
