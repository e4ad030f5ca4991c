"""Moves a runtime endpoint back to its last known-good version when the new version's alarms fire after a
promotion, and records why, so the pin in cdk.json and what the endpoint serves can be made to agree.

Two events drive it (EventBridge rules of ``agentcore_constructs.release.EndpointRollback``):

* a schedule (``{"action": "observe"}``): when the endpoint is READY, serves the version it targets, every watched
  alarm is OK and the version has been live for the whole window, that version becomes the known-good one;
* a watched alarm entering ALARM (EventBridge "CloudWatch Alarm State Change", CloudWatch user guide "Alarm events and
  EventBridge", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html:
  ``detail.alarmName``, ``detail.state.value``, ``detail.state.timestamp``; the envelope's ``time``): if the live
  version is not the known-good one and was promoted less than the window ago, the endpoint is moved back with
  UpdateAgentRuntimeEndpoint and the alarm topic says so.

Endpoint fields (botocore model bedrock-agentcore-control 2023-06-05, GetAgentRuntimeEndpointResponse): ``liveVersion``,
``targetVersion``, ``status`` (AgentRuntimeEndpointStatus: CREATING, CREATE_FAILED, UPDATING, UPDATE_FAILED, READY,
DELETING, DELETE_FAILED), ``lastUpdatedAt``. botocore has no waiter for endpoint status (its waiters-2.json for the
service covers memory and policies only), so CREATING/UPDATING is waited out here, a bounded number of times.

The state (``agentcore_constructs.contract.release``) lives in an SSM parameter this function owns, outside
CloudFormation, so no deploy resets it. The promotion time is the function's own record: the endpoint's
``lastUpdatedAt`` when it first sees a version live, not ``lastUpdatedAt`` itself, which any later update of the
endpoint (a description, a failed move) pushes forward. A rollback is recorded ``pending`` before the endpoint is
moved and ``confirmed`` after, so a crash in between never leaves a moved endpoint without a record; a pending record
is settled on the next run by what the endpoint serves. A version an alarm tried to roll back is never recorded as
known-good. Nothing else is touched: the role may call only this runtime's endpoint, its versions, the watched alarms,
the parameter and the topic.

Events it cannot act on (not an object, missing or mistyped fields, an alarm it does not watch, an alarm state
change older than the last promotion) are ignored with one structured log line whose ``reason`` key says why (the
function logs JSON: Lambda's Python runtime adds a record's ``extra`` keys to the line, awslambdaric
``lambda_runtime_log_utils.JsonFormatter``; "Log and monitor Python Lambda functions",
https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html).

Failure modes: throttling and 5xx are retried by botocore (standard mode); when a call still fails the topic gets
"rollback FAILED" and the error is raised so Lambda's asynchronous retries try again. A known-good version that no
longer exists (ListAgentRuntimeVersions) or an endpoint that stays not READY is reported, never guessed around.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from agentcore_constructs.contract.release import (
    CONFIRMED,
    FAILED,
    PENDING,
    Promotion,
    ReleaseState,
    Rollback,
)

logger = logging.getLogger()
logger.setLevel(logging.INFO)

ALARM_EVENT = "CloudWatch Alarm State Change"
OBSERVE = "observe"
#: What the function decided, returned for logs and tests.
ROLLED_BACK = "rolled_back"
RECORDED = "recorded_known_good"
NOTHING = "nothing_to_do"
REFUSED = "refused"
IGNORED = "ignored"
#: The ``reason`` of an ignored event.
MALFORMED = "malformed_event"
UNKNOWN_ALARM = "unknown_alarm"
STALE = "stale_alarm"
UNKNOWN_EVENT = "unknown_event"

#: Endpoint statuses that end by themselves (AgentRuntimeEndpointStatus); the *_FAILED ones do not.
TRANSITIONAL = ("CREATING", "UPDATING")
#: Seconds to wait between reads of a CREATING/UPDATING endpoint: 75 s in all, inside the function's timeout.
NOT_READY_DELAYS = (5.0, 10.0, 20.0, 40.0)

_clients: dict[str, Any] = {}


def _client(service: str) -> Any:
    if service not in _clients:
        import boto3
        from botocore.config import Config

        _clients[service] = boto3.client(
            service, config=Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=10)
        )
    return _clients[service]


@dataclass
class Settings:
    runtime_id: str
    endpoint_name: str
    parameter_name: str
    topic_arn: str
    window: timedelta
    watched_alarms: tuple[str, ...]

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            runtime_id=os.environ["RUNTIME_ID"],
            endpoint_name=os.environ["ENDPOINT_NAME"],
            parameter_name=os.environ["STATE_PARAMETER"],
            topic_arn=os.environ["ALARM_TOPIC_ARN"],
            window=timedelta(seconds=int(os.environ["WINDOW_SECONDS"])),
            watched_alarms=tuple(a for a in os.environ["WATCHED_ALARMS"].split(",") if a),
        )

    @property
    def where(self) -> str:
        return f"{self.runtime_id}/{self.endpoint_name}"


@dataclass(frozen=True)
class AlarmChange:
    alarm: str
    state: str
    at: datetime


def load_state(settings: Settings) -> ReleaseState:
    ssm = _client("ssm")
    try:
        value = ssm.get_parameter(Name=settings.parameter_name)["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        return ReleaseState()
    return ReleaseState.from_json(value)


def save_state(settings: Settings, state: ReleaseState) -> None:
    _client("ssm").put_parameter(
        Name=settings.parameter_name,
        Value=state.to_json(),
        Type="String",
        Overwrite=True,
        Description=f"Release state of {settings.where} (endpoint rollback)",
    )


def notify(settings: Settings, subject: str, message: str) -> None:
    # SNS subjects: ASCII, at most 100 characters.
    _client("sns").publish(TopicArn=settings.topic_arn, Subject=subject[:100], Message=message)


def lambda_handler(
    event: Any,
    context: Any,
    *,
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, str]:
    settings = Settings.from_env()
    now = now or datetime.now(UTC)
    if not isinstance(event, dict):
        return _ignore(MALFORMED, "the event is not an object")
    if event.get("action") == OBSERVE:
        return observe(settings, now)
    if event.get("detail-type") != ALARM_EVENT:
        return _ignore(UNKNOWN_EVENT, "neither an alarm state change nor an observe schedule")
    change = parse_alarm_change(event)
    if isinstance(change, str):
        return _ignore(MALFORMED, change)
    if change.alarm not in settings.watched_alarms:
        return _ignore(UNKNOWN_ALARM, f"alarm {change.alarm!r} is not watched", alarm=change.alarm)
    if change.state != "ALARM":
        return {"result": NOTHING, "reason": f"alarm state {change.state!r}"}
    return roll_back(settings, change, now, sleep)


def parse_alarm_change(event: dict[str, Any]) -> AlarmChange | str:
    """The alarm state change of an EventBridge event, or why it is not one."""
    detail = event.get("detail")
    if not isinstance(detail, dict):
        return "detail is not an object"
    alarm = detail.get("alarmName")
    if not isinstance(alarm, str) or not alarm:
        return "detail.alarmName is not a string"
    state = detail.get("state")
    if not isinstance(state, dict) or not isinstance(state.get("value"), str):
        return "detail.state.value is not a string"
    # When the alarm entered the state; the envelope's time (when the event was sent) if the state has none.
    stamp = state.get("timestamp", event.get("time"))
    if not isinstance(stamp, str):
        return "detail.state.timestamp (or time) is not a string"
    try:
        at = datetime.fromisoformat(stamp)
    except ValueError:
        return f"timestamp {stamp!r} is not ISO 8601"
    if at.tzinfo is None:
        return f"timestamp {stamp!r} has no time zone"
    return AlarmChange(alarm, state["value"], at)


def _ignore(reason: str, detail: str, **fields: str) -> dict[str, str]:
    logger.warning("ignored event: %s", detail, extra={"reason": reason, **fields})
    return {"result": IGNORED, "reason": reason, "detail": detail}


def _endpoint(settings: Settings) -> dict[str, Any]:
    endpoint: dict[str, Any] = _client("bedrock-agentcore-control").get_agent_runtime_endpoint(
        agentRuntimeId=settings.runtime_id, endpointName=settings.endpoint_name
    )
    return endpoint


def _settled_endpoint(settings: Settings, sleep: Callable[[float], None]) -> dict[str, Any]:
    """The endpoint once it is no longer CREATING/UPDATING, or as last seen after the bounded waits."""
    for delay in NOT_READY_DELAYS:
        endpoint = _endpoint(settings)
        if endpoint.get("status") not in TRANSITIONAL:
            return endpoint
        logger.info("endpoint %s is %s; reading it again in %s s", settings.where, endpoint.get("status"), delay)
        sleep(delay)
    return _endpoint(settings)


def _serves_one_version(endpoint: dict[str, Any]) -> bool:
    live = endpoint.get("liveVersion")
    return endpoint.get("status") == "READY" and bool(live) and live == endpoint.get("targetVersion")


def _bring_up_to_date(settings: Settings, state: ReleaseState, endpoint: dict[str, Any]) -> bool:
    """Record a newly live version as the promotion and settle pending rollbacks by what the endpoint serves.
    True when the state changed."""
    changed = False
    if _serves_one_version(endpoint):
        live = str(endpoint["liveVersion"])
        if state.promotion is None or state.promotion.version != live:
            state.promotion = Promotion(live, endpoint["lastUpdatedAt"])
            logger.info("version %s of %s is live since %s", live, settings.where, endpoint["lastUpdatedAt"])
            changed = True
    for rollback in state.rollbacks:
        if rollback.status == PENDING and endpoint.get("status") not in TRANSITIONAL:
            # A crash between the record and the move's outcome: what the endpoint serves says which it was.
            rollback.status = CONFIRMED if endpoint.get("liveVersion") == rollback.to_version else FAILED
            changed = True
    return changed


def observe(settings: Settings, now: datetime) -> dict[str, str]:
    endpoint = _endpoint(settings)
    state = load_state(settings)
    if _bring_up_to_date(settings, state, endpoint):
        save_state(settings, state)
    if not _serves_one_version(endpoint) or state.promotion is None:
        return {"result": NOTHING, "reason": f"endpoint is {endpoint.get('status')}, not serving one version"}
    live = state.promotion.version
    if now - state.promotion.at < settings.window:
        return {"result": NOTHING, "reason": f"version {live} is still inside its window"}
    alarms = _client("cloudwatch").describe_alarms(
        AlarmNames=list(settings.watched_alarms), AlarmTypes=["MetricAlarm", "CompositeAlarm"]
    )
    firing = [a["AlarmName"] for a in alarms["MetricAlarms"] + alarms["CompositeAlarms"] if a["StateValue"] == "ALARM"]
    if firing:
        return {"result": NOTHING, "reason": f"alarms firing: {', '.join(firing)}"}
    if live in state.alarmed_versions:
        return {"result": NOTHING, "reason": f"version {live} was rolled back before; not known-good"}
    if state.known_good == live:
        return {"result": NOTHING, "reason": f"version {live} is already known-good"}
    state.known_good = live
    save_state(settings, state)
    logger.info("version %s of %s is known-good", live, settings.where)
    return {"result": RECORDED, "version": live}


def roll_back(settings: Settings, change: AlarmChange, now: datetime, sleep: Callable[[float], None]) -> dict[str, str]:
    where, alarm = settings.where, change.alarm
    try:
        endpoint = _settled_endpoint(settings, sleep)
        state = load_state(settings)
        if _bring_up_to_date(settings, state, endpoint):
            save_state(settings, state)
        promotion = state.promotion
        if promotion is not None and change.at < promotion.at:
            return _ignore(
                STALE,
                f"{alarm} entered ALARM at {change.at.isoformat()}, before version {promotion.version} was promoted "
                f"at {promotion.at.isoformat()}",
                alarm=alarm,
            )
        if endpoint.get("status") != "READY":
            return _refuse(
                settings,
                alarm,
                f"the endpoint is {endpoint.get('status')}, not READY, after {len(NOT_READY_DELAYS)} waits",
            )
        live = endpoint.get("liveVersion")
        target = state.known_good
        if target is None:
            return _refuse(settings, alarm, "no known-good version is recorded yet")
        if live == target:
            return {"result": NOTHING, "reason": f"{where} already serves known-good version {target}"}
        if promotion is None or promotion.version != live:
            return _refuse(
                settings, alarm, f"the endpoint serves {live} but is moving to {endpoint.get('targetVersion')}"
            )
        promoted_ago = now - promotion.at
        if promoted_ago > settings.window:
            return _refuse(
                settings, alarm, f"version {live} was promoted {promoted_ago} ago, outside the rollback window"
            )
        if target not in _versions(settings.runtime_id):
            return _refuse(settings, alarm, f"known-good version {target} no longer exists")
        # The record first: a crash after the move must not leave a rolled-back endpoint without one.
        record = Rollback(str(live), target, alarm, now.isoformat(), PENDING)
        state.rollbacks.append(record)
        save_state(settings, state)
        _move(settings, state, record, f"Rolled back from {live} by {alarm}")
    except Exception as error:
        logger.exception("rollback of %s failed", where)
        notify(
            settings,
            f"Rollback FAILED: {where}",
            f"{alarm} fired and moving {where} back failed: {type(error).__name__}. Lambda retries the event; "
            "check which version the endpoint serves (bedrock-agentcore-control get-agent-runtime-endpoint) and move "
            "it by hand if it keeps failing.",
        )
        raise
    notify(
        settings,
        f"Rolled back {where}: version {live} -> {target}",
        f"{alarm} fired {promoted_ago} after version {live} was promoted on {where}; the endpoint now serves "
        f'known-good version {target}. Make the pin agree: set the runtime\'s endpoint_version to "{target}" (a '
        "deploy that leaves the endpoint untouched keeps the rollback; the release record in "
        f"{settings.parameter_name} names {live} rolled back, so a deploy guard that reads it refuses {live} until "
        "the pin moves).",
    )
    logger.info("rolled back %s from %s to %s (%s)", where, live, target, alarm)
    return {"result": ROLLED_BACK, "from": str(live), "to": target}


def _move(settings: Settings, state: ReleaseState, record: Rollback, description: str) -> None:
    """UpdateAgentRuntimeEndpoint (``agentRuntimeVersion``, 1-5 digits; AgentCore Control API reference), then the
    record's outcome. If writing ``failed`` fails too, the record stays pending and the next run settles it."""
    try:
        _client("bedrock-agentcore-control").update_agent_runtime_endpoint(
            agentRuntimeId=settings.runtime_id,
            endpointName=settings.endpoint_name,
            agentRuntimeVersion=record.to_version,
            description=description[:256],
        )
    except Exception:
        record.status = FAILED
        try:
            save_state(settings, state)
        except Exception:  # noqa: BLE001 - the move's error is the one to raise
            logger.exception("could not record the failed rollback of %s; it stays pending", settings.where)
        raise
    record.status = CONFIRMED
    save_state(settings, state)


def _versions(runtime_id: str) -> set[str]:
    control = _client("bedrock-agentcore-control")
    versions: set[str] = set()
    token: str | None = None
    while True:
        page = control.list_agent_runtime_versions(
            agentRuntimeId=runtime_id, maxResults=100, **({"nextToken": token} if token else {})
        )
        versions.update(v["agentRuntimeVersion"] for v in page.get("agentRuntimes", []))
        token = page.get("nextToken")
        if not token:
            return versions


def _refuse(settings: Settings, alarm: str, reason: str) -> dict[str, str]:
    where = settings.where
    notify(settings, f"No automatic rollback: {where}", f"{alarm} fired on {where}; not rolling back: {reason}.")
    logger.warning("not rolling back %s: %s", where, reason)
    return {"result": REFUSED, "reason": reason}
