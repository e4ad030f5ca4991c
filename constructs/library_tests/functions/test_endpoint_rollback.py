"""The endpoint rollback against moto's AgentCore control plane, SSM, SNS and CloudWatch: alarm event in -> endpoint
moved back -> notification out, the known-good bookkeeping, and the failure modes (throttled, version gone, outside
the window, nothing known-good yet), the state machine around them (promotion time, pending/confirmed/failed
records, stale and malformed events, an endpoint that is not READY yet).

moto keeps ``liveVersion`` where the endpoint was created (it moves only ``targetVersion`` on update, and leaves the
endpoint UPDATING), so the tests create the endpoint at the promoted version and read the rollback from
``targetVersion``. moto's state manager (``manual`` progression) keeps a new endpoint CREATING for a number of reads."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.moto_api import state_manager

from agentcore_constructs.contract.release import ReleaseState
from agentcore_constructs.functions.endpoint_rollback import handler

REGION = "us-east-1"
PARAMETER = "/agentcore/support_agent_prod/prod/release"
WINDOW = timedelta(hours=1)
ALARMS = ("support-agent-prod-RuntimeErrorRate", "support-agent-prod-agent-unhealthy")


@pytest.fixture(scope="module")
def models_session() -> boto3.Session:
    """One boto3 session for the module's tests: moto's default (a fresh default session per test) re-read and
    re-parsed the service models of the clients each test and the handler create, half the module's CPU. The session
    keeps only the parsed models and the fixture's fake credentials; every test still gets moto's fresh backends and
    the handler new clients."""
    return boto3.Session()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, models_session: boto3.Session):
    for name, value in {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws(config={"core": {"reset_boto3_session": False}}):
        monkeypatch.setattr(boto3, "DEFAULT_SESSION", models_session)  # restored after the test
        handler._clients.clear()
        yield
    handler._clients.clear()
    state_manager.unset_transition(ENDPOINT_MODEL)


#: moto's name for the endpoint's status transitions (CREATING -> READY).
ENDPOINT_MODEL = "bedrock-agentcore-control::agent_runtime_endpoint"


def no_sleep(_: float) -> None:
    raise AssertionError("the endpoint was READY: nothing to wait for")


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

    def known_good(self, version: str | None, rollbacks: list | None = None, promotion: dict | None = None) -> None:
        value = {"known_good": version, "rollbacks": rollbacks or []}
        if promotion is not None:
            value["promotion"] = promotion
        self.ssm.put_parameter(Name=PARAMETER, Type="String", Overwrite=True, Value=json.dumps(value))

    def state(self) -> dict:
        return json.loads(self.ssm.get_parameter(Name=PARAMETER)["Parameter"]["Value"])

    def notifications(self) -> list[dict]:
        messages = self.sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]


def alarm_event(at: datetime, name: str = ALARMS[1], state: str = "ALARM") -> dict:
    """The EventBridge event of an alarm state change at ``at`` (CloudWatch user guide, "Alarm events and
    EventBridge": the state's timestamp is written like 2019-10-02T17:04:40.989+0000)."""
    return {
        "source": "aws.cloudwatch",
        "detail-type": "CloudWatch Alarm State Change",
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "resources": [f"arn:aws:cloudwatch:{REGION}:123456789012:alarm:{name}"],
        "detail": {
            "alarmName": name,
            "state": {"value": state, "timestamp": at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"},
            "previousState": {"value": "OK"},
        },
    }


def test_an_alarm_inside_the_window_moves_the_endpoint_back_and_says_so(aws, monkeypatch) -> None:
    world = World(monkeypatch, versions=3, live="3")
    world.known_good("2")
    at = world.promoted_at() + timedelta(minutes=10)

    result = handler.lambda_handler(alarm_event(at), None, now=at, sleep=no_sleep)

    assert result == {"result": handler.ROLLED_BACK, "from": "3", "to": "2"}
    assert world.endpoint()["targetVersion"] == "2"
    state = world.state()
    assert state["known_good"] == "2"
    assert [(r["from"], r["to"], r["status"]) for r in state["rollbacks"]] == [("3", "2", "confirmed")]
    (note,) = world.notifications()
    assert note["Subject"] == f"Rolled back {world.runtime_id}/prod: version 3 -> 2"
    assert 'set the runtime\'s endpoint_version to "2"' in note["Message"]
    # Advice for any app built on the library: no make targets or files of this repository.
    assert "make " not in note["Message"] and "cdk.json" not in note["Message"]


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

    at = world.promoted_at() + timedelta(minutes=minutes_after)
    result = handler.lambda_handler(alarm_event(at), None, now=at, sleep=no_sleep)

    assert result["result"] == handler.REFUSED and reason in result["reason"]
    assert world.endpoint()["targetVersion"] == "3"
    (note,) = world.notifications()
    assert note["Subject"].startswith("No automatic rollback") and reason in note["Message"]


def test_an_alarm_on_the_known_good_version_changes_nothing(aws, monkeypatch) -> None:
    world = World(monkeypatch, versions=2, live="2")
    world.known_good("2")
    at = world.promoted_at() + timedelta(minutes=1)
    result = handler.lambda_handler(alarm_event(at), None, now=at, sleep=no_sleep)
    assert result["result"] == handler.NOTHING
    assert world.notifications() == []


def test_ok_transitions_do_nothing(aws, monkeypatch) -> None:
    world = World(monkeypatch, versions=2, live="2")
    world.known_good("1")
    at = world.promoted_at()
    assert handler.lambda_handler(alarm_event(at, state="OK"), None, now=at)["result"] == handler.NOTHING


def test_a_throttled_control_plane_is_reported_and_raised_for_lambda_to_retry(aws, monkeypatch) -> None:
    world = World(monkeypatch, versions=3, live="3")
    world.known_good("2")
    control = handler._client("bedrock-agentcore-control")

    def throttled(**_: object) -> None:
        raise ClientError(
            {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "UpdateAgentRuntimeEndpoint"
        )

    monkeypatch.setattr(control, "update_agent_runtime_endpoint", throttled)
    at = world.promoted_at() + timedelta(minutes=5)
    with pytest.raises(ClientError):
        handler.lambda_handler(alarm_event(at), None, now=at, sleep=no_sleep)
    assert world.endpoint()["targetVersion"] == "3"
    # The attempt is on record as failed: it keeps version 3 from being blessed, and the deploy guard does not
    # refuse the pin 3 for a rollback that never happened.
    (attempt,) = world.state()["rollbacks"]
    assert (attempt["from"], attempt["status"]) == ("3", "failed")
    assert ReleaseState.from_json(json.dumps(world.state())).rollback_undone_by("3", live="3", target="3") is None
    (note,) = world.notifications()
    assert note["Subject"].startswith("Rollback FAILED") and "ClientError" in note["Message"]
    assert "get-agent-runtime-endpoint" in note["Message"] and "make " not in note["Message"]


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
    assert world.state() == {"known_good": "2", "promotion": {"version": "2", "at": now.isoformat()}, "rollbacks": []}
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


# ---- the promotion time is the function's own record -------------------------------------------------------------
def test_the_window_runs_from_the_recorded_promotion_not_from_the_endpoints_last_update(aws, monkeypatch) -> None:
    # Version 3 went live 80 minutes ago (recorded then); something updated the endpoint since (lastUpdatedAt moved).
    world = World(monkeypatch, versions=3, live="3")
    last_update = world.promoted_at()
    promoted = last_update - timedelta(minutes=70)
    world.known_good("2", promotion={"version": "3", "at": promoted.isoformat()})
    at = last_update + timedelta(minutes=10)

    result = handler.lambda_handler(alarm_event(at), None, now=at, sleep=no_sleep)

    assert result["result"] == handler.REFUSED and "outside the rollback window" in result["reason"]
    assert world.endpoint()["targetVersion"] == "3"
    assert world.state()["promotion"] == {"version": "3", "at": promoted.isoformat()}


def test_a_newly_live_version_is_recorded_with_the_endpoints_update_time_once(aws, monkeypatch) -> None:
    world = World(monkeypatch, versions=3, live="3")
    world.known_good("2", promotion={"version": "2", "at": "2020-01-01T00:00:00+00:00"})
    promoted = world.promoted_at()

    handler.lambda_handler({"action": "observe"}, None, now=promoted + timedelta(minutes=1))

    assert world.state()["promotion"] == {"version": "3", "at": promoted.isoformat()}


# ---- the record before the move ----------------------------------------------------------------------------------
def test_the_rollback_is_on_record_as_pending_before_the_endpoint_moves(aws, monkeypatch) -> None:
    world = World(monkeypatch, versions=3, live="3")
    world.known_good("2")
    control = handler._client("bedrock-agentcore-control")
    move = control.update_agent_runtime_endpoint
    seen_at_move: list[dict] = []

    def recording_move(**kwargs: object) -> dict:
        seen_at_move.append(world.state())
        return move(**kwargs)

    monkeypatch.setattr(control, "update_agent_runtime_endpoint", recording_move)
    at = world.promoted_at() + timedelta(minutes=10)
    handler.lambda_handler(alarm_event(at), None, now=at, sleep=no_sleep)

    (before,) = seen_at_move
    assert [(r["from"], r["to"], r["status"]) for r in before["rollbacks"]] == [("3", "2", "pending")]
    assert world.state()["rollbacks"][0]["status"] == "confirmed"


class Crash(BaseException):
    """The function dying mid-run (a timeout, the sandbox going away): not an Exception its handlers catch."""


def test_a_crash_after_the_move_leaves_a_pending_record_the_guard_honours(aws, monkeypatch) -> None:
    world = World(monkeypatch, versions=3, live="3")
    world.known_good("2")
    control = handler._client("bedrock-agentcore-control")
    move = control.update_agent_runtime_endpoint

    def move_then_crash(**kwargs: object) -> None:
        move(**kwargs)
        raise Crash

    monkeypatch.setattr(control, "update_agent_runtime_endpoint", move_then_crash)
    at = world.promoted_at() + timedelta(minutes=10)
    with pytest.raises(Crash):
        handler.lambda_handler(alarm_event(at), None, now=at, sleep=no_sleep)

    endpoint = world.endpoint()
    assert endpoint["targetVersion"] == "2"
    state = ReleaseState.from_json(json.dumps(world.state()))
    undone = state.rollback_undone_by("3", live=endpoint.get("liveVersion"), target=endpoint.get("targetVersion"))
    assert undone is not None and undone.status == "pending"


@pytest.mark.parametrize(("live", "settled"), [("2", "confirmed"), ("3", "failed")])
def test_a_pending_record_is_settled_by_what_the_endpoint_serves(aws, monkeypatch, live, settled) -> None:
    world = World(monkeypatch, versions=3, live=live)
    pending = {"from": "3", "to": "2", "alarm": ALARMS[1], "at": "2020-01-01T00:00:00+00:00", "status": "pending"}
    world.known_good("2", rollbacks=[pending])

    handler.lambda_handler({"action": "observe"}, None, now=world.promoted_at())

    assert world.state()["rollbacks"][0]["status"] == settled


# ---- events it cannot act on ---------------------------------------------------------------------------------
def _event_with(at: datetime, **detail_changes: object) -> dict:
    event = alarm_event(at)
    event["detail"].update(detail_changes)
    return event


def _without_timestamps(at: datetime) -> dict:
    event = alarm_event(at)
    del event["detail"]["state"]["timestamp"], event["time"]
    return event


def test_an_alarm_from_before_the_promotion_is_ignored_with_a_structured_log_line(aws, monkeypatch, caplog) -> None:
    world = World(monkeypatch, versions=3, live="3")
    world.known_good("2")
    promoted = world.promoted_at()
    before = promoted - timedelta(minutes=5)

    with caplog.at_level(logging.INFO):
        result = handler.lambda_handler(alarm_event(before), None, now=promoted + timedelta(minutes=1), sleep=no_sleep)

    assert result["result"] == handler.IGNORED and result["reason"] == handler.STALE
    assert world.endpoint()["targetVersion"] == "3" and world.notifications() == []
    (line,) = [r for r in caplog.records if getattr(r, "reason", None) == handler.STALE]
    assert line.levelno == logging.WARNING and line.alarm == ALARMS[1]


@pytest.mark.parametrize(
    ("make_event", "reason"),
    [
        (lambda at: ["not", "an", "object"], handler.MALFORMED),
        (lambda at: {"detail-type": "CloudWatch Alarm State Change"}, handler.MALFORMED),
        (lambda at: {"detail-type": "CloudWatch Alarm State Change", "detail": "ALARM"}, handler.MALFORMED),
        (lambda at: _event_with(at, alarmName=7), handler.MALFORMED),
        (lambda at: _event_with(at, state="ALARM"), handler.MALFORMED),
        (lambda at: _event_with(at, state={"value": ["ALARM"]}), handler.MALFORMED),
        (lambda at: _event_with(at, state={"value": "ALARM", "timestamp": "yesterday"}), handler.MALFORMED),
        (lambda at: _event_with(at, state={"value": "ALARM", "timestamp": "2030-01-01T00:00:00"}), handler.MALFORMED),
        (_without_timestamps, handler.MALFORMED),
        (lambda at: alarm_event(at, name="someone-elses-alarm"), handler.UNKNOWN_ALARM),
        (lambda at: {"detail-type": "Scheduled Event"}, handler.UNKNOWN_EVENT),
    ],
    ids=[
        "not-an-object",
        "no-detail",
        "detail-not-an-object",
        "alarm-name-not-a-string",
        "state-not-an-object",
        "state-value-not-a-string",
        "timestamp-not-iso",
        "timestamp-without-zone",
        "no-timestamp",
        "unwatched-alarm",
        "foreign-event",
    ],
)
def test_malformed_or_foreign_events_are_ignored_with_one_reason_key(
    aws, monkeypatch, caplog, make_event, reason
) -> None:
    world = World(monkeypatch, versions=3, live="3")
    world.known_good("2")
    at = world.promoted_at() + timedelta(minutes=5)

    with caplog.at_level(logging.INFO):
        result = handler.lambda_handler(make_event(at), None, now=at, sleep=no_sleep)

    assert result["result"] == handler.IGNORED and result["reason"] == reason
    assert world.endpoint()["targetVersion"] == "3" and world.notifications() == []
    assert [getattr(r, "reason", None) for r in caplog.records if r.levelno >= logging.WARNING] == [reason]


# ---- an endpoint that is not READY yet -----------------------------------------------------------------------------
def test_a_creating_endpoint_is_waited_for_then_rolled_back(aws, monkeypatch) -> None:
    # The endpoint reads CREATING three times, then READY.
    state_manager.set_transition(ENDPOINT_MODEL, {"progression": "manual", "times": 4})
    world = World(monkeypatch, versions=3, live="3")
    world.known_good("2", promotion={"version": "3", "at": datetime.now().astimezone().isoformat()})
    assert world.endpoint()["status"] == "CREATING"
    waits: list[float] = []
    at = datetime.now().astimezone() + timedelta(minutes=5)

    result = handler.lambda_handler(alarm_event(at), None, now=at, sleep=waits.append)

    assert result == {"result": handler.ROLLED_BACK, "from": "3", "to": "2"}
    assert waits == list(handler.NOT_READY_DELAYS[:2])


def test_an_endpoint_that_stays_updating_is_refused_after_bounded_backoff(aws, monkeypatch) -> None:
    world = World(monkeypatch, versions=3, live="3")
    world.known_good("2", promotion={"version": "3", "at": world.promoted_at().isoformat()})
    # Someone else's update in flight (moto leaves an updated endpoint UPDATING).
    world.control.update_agent_runtime_endpoint(agentRuntimeId=world.runtime_id, endpointName="prod", description="x")
    waits: list[float] = []
    at = world.promoted_at() + timedelta(minutes=5)

    result = handler.lambda_handler(alarm_event(at), None, now=at, sleep=waits.append)

    assert result["result"] == handler.REFUSED and "UPDATING, not READY" in result["reason"]
    assert waits == list(handler.NOT_READY_DELAYS)
    assert waits == sorted(waits) and len(set(waits)) == len(waits)  # backing off
    (note,) = world.notifications()
    assert note["Subject"].startswith("No automatic rollback") and "not READY" in note["Message"]
