"""`make release-status` and the deploy guard against moto's AgentCore control plane, SSM and CloudFormation."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from scripts import release

REGION = "us-east-1"
PARAMETER = "/agentcore/release/support_agent_prod/prod"


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch):
    for name, value in {"AWS_DEFAULT_REGION": REGION, "AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t"}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        control = boto3.client("bedrock-agentcore-control", region_name=REGION)
        runtime_id = control.create_agent_runtime(
            agentRuntimeName="support_agent_prod",
            agentRuntimeArtifact={
                "containerConfiguration": {"containerUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/a:1"}
            },
            roleArn="arn:aws:iam::123456789012:role/agent",
            networkConfiguration={"networkMode": "PUBLIC"},
        )["agentRuntimeId"]
        control.create_agent_runtime_endpoint(agentRuntimeId=runtime_id, name="prod", agentRuntimeVersion="1")
        control.create_agent_runtime_endpoint(agentRuntimeId=runtime_id, name="canary")
        outputs = {
            "RuntimeId": runtime_id,
            "EndpointName": "prod",
            "CanaryEndpointName": "canary",
            "ReleaseStateParameter": PARAMETER,
        }
        # The stack's outputs as CloudFormation returns them (moto's CloudFormation needs extras this suite lacks).
        monkeypatch.setattr(release, "stack_outputs", lambda _session, env: outputs if env == "prod" else {})
        yield boto3.Session(region_name=REGION)


def _state(known_good: str | None, rollbacks: list[dict]) -> None:
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name=PARAMETER,
        Type="String",
        Overwrite=True,
        Value=json.dumps({"known_good": known_good, "rollbacks": rollbacks}),
    )


def test_status_shows_each_endpoint_and_the_release_state(session) -> None:
    _state("1", [{"from": "2", "to": "1", "at": "2026-11-29T10:00:00+00:00", "alarm": "prod-agent-unhealthy"}])
    status = release.read_status(session, "prod")
    assert [(e.name, e.live) for e in status.endpoints] == [("prod", "1"), ("canary", "1")]
    text = release.render(status, "2")
    assert "cdk.json pins prod to 2" in text and "known-good   1" in text and "rolled back  2 -> 1" in text
    assert "[confirmed]" in text  # a record from before rollbacks had a status: written after the endpoint moved


def test_the_guard_refuses_a_pin_that_would_undo_a_rollback(session) -> None:
    _state("1", [{"from": "2", "to": "1", "at": "2026-11-29T10:00:00+00:00", "alarm": "prod-agent-unhealthy"}])
    status = release.read_status(session, "prod")
    refusal = release.guard(status, "2")
    assert refusal is not None and 'Set endpoint_version to "1"' in refusal
    assert release.guard(status, "1") is None and release.guard(status, "3") is None


def test_before_any_rollback_there_is_nothing_to_guard(session) -> None:
    status = release.read_status(session, "prod")
    assert status.known_good is None and status.rollbacks == []
    assert release.guard(status, "2") is None


def test_without_credentials_it_says_so_in_one_line(monkeypatch, capsys) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert release.main(["status", "prod"]) == 2
    assert "no AWS credentials" in capsys.readouterr().err
    assert release.main(["status", "nowhere"]) == 2


def _rollback(status: str) -> dict:
    return {
        "from": "2",
        "to": "1",
        "at": "2026-11-29T10:00:00+00:00",
        "alarm": "prod-agent-unhealthy",
        "status": status,
    }


def test_a_failed_rollback_attempt_does_not_refuse_the_pin(session) -> None:
    # The function recorded the attempt, then the move failed: the endpoint still serves 1 as pinned before; 2 was
    # never rolled back, so deploying 2 undoes nothing.
    _state("1", [_rollback("failed")])
    assert release.guard(release.read_status(session, "prod"), "2") is None


def test_a_pending_rollback_refuses_only_once_the_endpoint_shows_the_move(session) -> None:
    # The function died between its record and the record's outcome. moto's endpoint "prod" serves 1.
    _state("1", [{**_rollback("pending"), "to": "1"}])
    status = release.read_status(session, "prod")
    assert release.guard(status, "2") is not None  # the endpoint serves the rollback's target: it happened
    _state("1", [{**_rollback("pending"), "to": "7"}])
    assert release.guard(release.read_status(session, "prod"), "2") is None  # it did not happen


class _StubbedSession:
    """A session whose CloudFormation client answers as CloudFormation does for a stack that does not exist
    (botocore's Stubber; moto's CloudFormation needs extras this suite lacks)."""

    def __init__(self) -> None:
        self.cloudformation = boto3.client("cloudformation", region_name=REGION)
        self.stubber = Stubber(self.cloudformation)
        self.stubber.add_client_error(
            "describe_stacks",
            service_error_code="ValidationError",
            service_message="Stack with id prod-agent-runtime does not exist",
            http_status_code=400,
            expected_params={"StackName": "prod-agent-runtime"},
        )
        self.stubber.activate()

    def client(self, service: str) -> object:
        assert service == "cloudformation"
        return self.cloudformation


def test_a_runtime_stack_that_does_not_exist_means_not_deployed(monkeypatch) -> None:
    for name, value in {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t"}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(release.NotDeployed, match="prod is not deployed"):
        release.stack_outputs(_StubbedSession(), "prod")


def test_the_guard_passes_an_environment_that_was_never_deployed(monkeypatch, capsys) -> None:
    # The first deploy (make deploy, or the pipeline's first run) has no rollback to undo.
    for name, value in {"AWS_DEFAULT_REGION": REGION, "AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t"}.items():
        monkeypatch.setenv(name, value)

    def not_deployed(_session: object, environment: str) -> None:
        raise release.NotDeployed(f"{environment} is not deployed (no stack {environment}-agent-runtime)")

    monkeypatch.setattr(release, "read_status", not_deployed)
    assert release.main(["guard", "prod"]) == 0
    assert "prod is not deployed (no stack prod-agent-runtime): pin 1 undoes no rollback" in capsys.readouterr().out
    assert release.main(["status", "prod"]) == 2
    assert "not deployed" in capsys.readouterr().err


def test_an_unreadable_state_stops_the_guard(session, capsys) -> None:
    boto3.client("ssm", region_name=REGION).put_parameter(Name=PARAMETER, Type="String", Value='{"rollbacks": 5}')
    assert release.main(["guard", "prod"]) == 2
    assert "ReleaseStateError: rollbacks is not a list" in capsys.readouterr().err
