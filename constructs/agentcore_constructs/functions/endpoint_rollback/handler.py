"""Moves a runtime endpoint back to its last known-good version when the new version's alarms fire after a
promotion, and records why, so the pin in cdk.json and what the endpoint serves can be made to agree.

Two events drive it (EventBridge rules of ``agentcore_constructs.release.EndpointRollback``):

* a schedule (``{"action": "observe"}``): when the endpoint is READY, serves the version it targets, every watched
  alarm is OK and the version has been live for the whole window, that version becomes the known-good one;
* a watched alarm entering ALARM (EventBridge "CloudWatch Alarm State Change", CloudWatch user guide "Alarm events and
  EventBridge": ``detail.alarmName``, ``detail.state.value``): if the live version is not the known-good one and was
  promoted less than the window ago (the endpoint's ``lastUpdatedAt``), the endpoint is moved back with
  UpdateAgentRuntimeEndpoint (``agentRuntimeVersion``, 1-5 digits; the response has ``liveVersion``,
  ``targetVersion``, ``status``, ``lastUpdatedAt``: AgentCore Control API reference) and the alarm topic says so.

The state (known-good version, rollbacks) lives in an SSM parameter this function owns, outside CloudFormation, so no
deploy resets it. A version that was rolled back is never recorded as known-good again. Nothing else is touched:
the role may call only this runtime's endpoint, its versions, the watched alarms, the parameter and the topic.

Failure modes: throttling and 5xx are retried by botocore (standard mode); when a call still fails the topic gets
"rollback FAILED" and the error is raised so Lambda's asynchronous retries try again. A known-good version that no
longer exists (ListAgentRuntimeVersions) or an endpoint that is not READY is reported, never guessed around.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

logger = logging.getLogger()
logger.setLevel(logging.INFO)

ALARM_EVENT = "CloudWatch Alarm State Change"
OBSERVE = "observe"
#: What the function decided, returned for logs and tests.
ROLLED_BACK = "rolled_back"
RECORDED = "recorded_known_good"
NOTHING = "nothing_to_do"
REFUSED = "refused"
FAILED = "failed"

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


@dataclass
class ReleaseState:
    known_good: str | None = None
    rollbacks: list[dict[str, str]] = field(default_factory=list)

    @property
    def rolled_back_versions(self) -> set[str]:
        return {r["from"] for r in self.rollbacks}

    def to_json(self) -> str:
        # The newest 20 rollbacks: an SSM standard parameter holds 4 KB.
        return json.dumps({"known_good": self.known_good, "rollbacks": self.rollbacks[-20:]}, sort_keys=True)


def load_state(settings: Settings) -> ReleaseState:
    ssm = _client("ssm")
    try:
        value = ssm.get_parameter(Name=settings.parameter_name)["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        return ReleaseState()
    data = json.loads(value)
    return ReleaseState(known_good=data.get("known_good"), rollbacks=list(data.get("rollbacks", [])))


def save_state(settings: Settings, state: ReleaseState) -> None:
    _client("ssm").put_parameter(
        Name=settings.parameter_name,
        Value=state.to_json(),
        Type="String",
        Overwrite=True,
        Description=f"Release state of {settings.runtime_id}/{settings.endpoint_name} (endpoint rollback)",
    )


def notify(settings: Settings, subject: str, message: str) -> None:
    # SNS subjects: ASCII, at most 100 characters.
    _client("sns").publish(TopicArn=settings.topic_arn, Subject=subject[:100], Message=message)


def lambda_handler(event: dict[str, Any], context: Any, *, now: datetime | None = None) -> dict[str, str]:
    settings = Settings.from_env()
    now = now or datetime.now(UTC)
    if not isinstance(event, dict):
        return {"result": REFUSED, "reason": "event is not an object"}
    if event.get("action") == OBSERVE:
        return observe(settings, now)
    if event.get("detail-type") == ALARM_EVENT:
        detail = event.get("detail") or {}
        alarm = detail.get("alarmName")
        state = (detail.get("state") or {}).get("value")
        if alarm not in settings.watched_alarms:
            return {"result": REFUSED, "reason": f"alarm {alarm!r} is not watched"}
        if state != "ALARM":
            return {"result": NOTHING, "reason": f"alarm state {state!r}"}
        return roll_back(settings, alarm, now)
    return {"result": REFUSED, "reason": "neither an alarm state change nor an observe schedule"}


def _endpoint(settings: Settings) -> dict[str, Any]:
    endpoint: dict[str, Any] = _client("bedrock-agentcore-control").get_agent_runtime_endpoint(
        agentRuntimeId=settings.runtime_id, endpointName=settings.endpoint_name
    )
    return endpoint


def observe(settings: Settings, now: datetime) -> dict[str, str]:
    endpoint = _endpoint(settings)
    live = endpoint.get("liveVersion")
    if endpoint.get("status") != "READY" or not live or live != endpoint.get("targetVersion"):
        return {"result": NOTHING, "reason": f"endpoint is {endpoint.get('status')}, not serving one version"}
    if now - endpoint["lastUpdatedAt"] < settings.window:
        return {"result": NOTHING, "reason": f"version {live} is still inside its window"}
    alarms = _client("cloudwatch").describe_alarms(
        AlarmNames=list(settings.watched_alarms), AlarmTypes=["MetricAlarm", "CompositeAlarm"]
    )
    firing = [a["AlarmName"] for a in alarms["MetricAlarms"] + alarms["CompositeAlarms"] if a["StateValue"] == "ALARM"]
    if firing:
        return {"result": NOTHING, "reason": f"alarms firing: {', '.join(firing)}"}
    state = load_state(settings)
    if live in state.rolled_back_versions:
        return {"result": NOTHING, "reason": f"version {live} was rolled back before; not known-good"}
    if state.known_good == live:
        return {"result": NOTHING, "reason": f"version {live} is already known-good"}
    state.known_good = live
    save_state(settings, state)
    logger.info("version %s of %s/%s is known-good", live, settings.runtime_id, settings.endpoint_name)
    return {"result": RECORDED, "version": live}


def roll_back(settings: Settings, alarm: str, now: datetime) -> dict[str, str]:
    control = _client("bedrock-agentcore-control")
    where = f"{settings.runtime_id}/{settings.endpoint_name}"
    try:
        endpoint = _endpoint(settings)
        live = endpoint.get("liveVersion")
        state = load_state(settings)
        target = state.known_good
        if target is None:
            return _refuse(settings, where, alarm, "no known-good version is recorded yet")
        if live == target:
            return {"result": NOTHING, "reason": f"{where} already serves known-good version {target}"}
        promoted_ago = now - endpoint["lastUpdatedAt"]
        if promoted_ago > settings.window:
            return _refuse(
                settings, where, alarm, f"version {live} was promoted {promoted_ago} ago, outside the rollback window"
            )
        if endpoint.get("status") != "READY":
            return _refuse(settings, where, alarm, f"the endpoint is {endpoint.get('status')}, not READY")
        if target not in _versions(settings.runtime_id):
            return _refuse(settings, where, alarm, f"known-good version {target} no longer exists")
        control.update_agent_runtime_endpoint(
            agentRuntimeId=settings.runtime_id,
            endpointName=settings.endpoint_name,
            agentRuntimeVersion=target,
            description=f"Rolled back from {live} by {alarm}"[:256],
        )
        state.rollbacks.append({"from": str(live), "to": target, "alarm": alarm, "at": now.isoformat()})
        save_state(settings, state)
    except Exception as error:
        logger.exception("rollback of %s failed", where)
        notify(
            settings,
            f"Rollback FAILED: {where}",
            f"{alarm} fired and moving {where} back failed: {type(error).__name__}. Lambda retries the event; "
            "check the endpoint (make release-status) and move it by hand if it keeps failing.",
        )
        raise
    notify(
        settings,
        f"Rolled back {where}: version {live} -> {target}",
        f"{alarm} fired {promoted_ago} after version {live} was promoted on {where}; the endpoint now serves "
        f'known-good version {target}. Make the pin agree: set endpoint_version to "{target}" in cdk.json (a '
        f"deploy that leaves the endpoint untouched keeps the rollback; release_guard refuses to deploy {live} again "
        "until the pin moves).",
    )
    logger.info("rolled back %s from %s to %s (%s)", where, live, target, alarm)
    return {"result": ROLLED_BACK, "from": str(live), "to": target}


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


def _refuse(settings: Settings, where: str, alarm: str, reason: str) -> dict[str, str]:
    notify(settings, f"No automatic rollback: {where}", f"{alarm} fired on {where}; not rolling back: {reason}.")
    logger.warning("not rolling back %s: %s", where, reason)
    return {"result": REFUSED, "reason": reason}
