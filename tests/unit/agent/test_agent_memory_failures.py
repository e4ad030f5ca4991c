"""A turn the memory backend refuses (full or read-only disk, a half-created session, AgentCore Memory errors) is
answered, flagged "not-saved" (header and field), counted (the EMF metric), and the session works again next turn.

Through the real app (``POST /invocations``), the real Strands file session manager and, for AgentCore Memory, the
real session manager and botocore with the service's answers injected at the HTTP layer (no network).
"""

from __future__ import annotations

import errno
import functools
import json
import os
from pathlib import Path

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from starlette.testclient import TestClient
from strands.session import FileSessionManager

from agentcore_constructs.contract import env_vars as contract
from agentcore_constructs.contract.invocation import SESSION_HEADER
from agentcore_constructs.contract.memory import (
    AGENT_METRICS_NAMESPACE,
    ENVIRONMENT_DIMENSION,
    MEMORY_NOT_SAVED,
    MEMORY_NOT_SAVED_METRIC,
    MEMORY_STATUS_FIELD,
    MEMORY_STATUS_HEADER,
)
from agentcore_constructs.kit.identity import LOCAL_ACTOR_ID
from agentcore_constructs.kit.settings import Settings, load_settings
from agentcore_constructs.kit.strands import create_session_manager
from support_agent.app import SupportAgent, create_app


def _ask(client: TestClient, prompt: str, session: str = "s1"):
    return client.post("/invocations", json={"prompt": prompt}, headers={SESSION_HEADER: session})


def _refuse_writes(monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    """Every file Strands writes fails as the disk would (its directories are still created, as on a real disk)."""

    def refuse(self, path: str, data: object) -> None:
        raise OSError(code, os.strerror(code), path)

    monkeypatch.setattr(FileSessionManager, "_write_file", refuse)


def _counted(stdout: str, settings: Settings) -> int:
    """How many ``TurnsNotSaved`` EMF documents the agent wrote on stdout (each checked against the contract)."""
    count = 0
    for line in stdout.splitlines():
        if not line.startswith("{"):
            continue
        document = json.loads(line)
        if MEMORY_NOT_SAVED_METRIC not in document:
            continue
        (directive,) = document["_aws"]["CloudWatchMetrics"]
        assert directive == {
            "Namespace": AGENT_METRICS_NAMESPACE,
            "Dimensions": [[ENVIRONMENT_DIMENSION]],
            "Metrics": [{"Name": MEMORY_NOT_SAVED_METRIC, "Unit": "Count"}],
        }
        assert document[ENVIRONMENT_DIMENSION] == settings.environment and document[MEMORY_NOT_SAVED_METRIC] == 1
        count += 1
    return count


def _assert_not_saved(response) -> None:
    assert response.status_code == 200, response.text
    assert response.json()[MEMORY_STATUS_FIELD] == MEMORY_NOT_SAVED
    assert response.headers[MEMORY_STATUS_HEADER] == MEMORY_NOT_SAVED


def _assert_saved(response) -> None:
    assert response.status_code == 200, response.text
    assert MEMORY_STATUS_FIELD not in response.json() and MEMORY_STATUS_HEADER not in response.headers


@pytest.fixture
def client(offline_settings: Settings) -> TestClient:
    return TestClient(create_app(offline_settings))


def _actor_dir(settings: Settings) -> Path:
    return settings.local_memory_dir / LOCAL_ACTOR_ID


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS], ids=["disk full", "read-only disk"])
def test_a_turn_the_disk_refuses_is_answered_flagged_counted_and_the_next_turn_remembers(
    client, offline_settings, monkeypatch, capsys, code
) -> None:
    _assert_saved(_ask(client, "my parcel is late"))
    assert _counted(capsys.readouterr().out, offline_settings) == 0

    with monkeypatch.context() as refused:
        _refuse_writes(refused, code)
        failed = _ask(client, "is it lost?")
    _assert_not_saved(failed)
    assert "You said: 'is it lost?'" in failed.json()["response"]  # the answer the user already got is kept
    assert _counted(capsys.readouterr().out, offline_settings) == 1

    after = _ask(client, "any news?")
    _assert_saved(after)
    assert "history: 1 earlier user turns; last: 'my parcel is late'" in after.json()["response"]


def test_a_session_half_created_by_a_full_disk_is_repaired_at_the_next_turn(client, offline_settings, monkeypatch):
    with monkeypatch.context() as refused:
        _refuse_writes(refused, errno.ENOSPC)
        _assert_not_saved(_ask(client, "my parcel is late", session="fresh"))
    session_dir = _actor_dir(offline_settings) / "session_fresh"
    assert session_dir.is_dir() and not (session_dir / "session.json").exists()  # half-created

    _assert_saved(_ask(client, "hello again", session="fresh"))
    after = _ask(client, "any news?", session="fresh")
    _assert_saved(after)
    assert "history: 1 earlier user turns; last: 'hello again'" in after.json()["response"]


@pytest.mark.parametrize("content", ["{not json", "[]", '{"session_id": 7}'], ids=["not json", "a list", "no type"])
def test_an_unreadable_session_json_is_rewritten_and_the_earlier_history_kept(client, offline_settings, content):
    _assert_saved(_ask(client, "my parcel is late"))
    session_file = _actor_dir(offline_settings) / "session_s1" / "session.json"
    session_file.write_text(content)

    after = _ask(client, "any news?")
    _assert_saved(after)
    assert "history: 1 earlier user turns; last: 'my parcel is late'" in after.json()["response"]
    assert json.loads(session_file.read_text())["session_id"] == "s1"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through a read-only mode (EROFS is simulated above)")
def test_a_read_only_memory_directory_is_flagged_and_writable_again_later(client, offline_settings):
    _assert_saved(_ask(client, "my parcel is late"))
    directories = [path for path in _actor_dir(offline_settings).rglob("*") if path.is_dir()]
    for directory in directories:
        directory.chmod(0o500)
    try:
        _assert_not_saved(_ask(client, "is it lost?"))
    finally:
        for directory in directories:
            directory.chmod(0o700)
    after = _ask(client, "any news?")
    _assert_saved(after)
    assert "history: 1 earlier user turns; last: 'my parcel is late'" in after.json()["response"]


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: object):
        yield self._body


class FakeAgentCoreMemory:
    """AgentCore Memory's data plane at botocore's HTTP layer: no stored events; CreateEvent refused while ``down``."""

    def __init__(self) -> None:
        self.down = True
        self.refused = 0
        self.created = 0

    def __call__(self, request, event_name: str, **_: object) -> AWSResponse:
        operation = event_name.rsplit(".", 1)[-1]
        if operation == "CreateEvent" and self.down:
            self.refused += 1
            body = {"message": "User is not authorized to perform: bedrock-agentcore:CreateEvent"}
            return AWSResponse(
                request.url, 403, {"x-amzn-ErrorType": "AccessDeniedException"}, _Raw(json.dumps(body).encode())
            )
        if operation == "CreateEvent":
            self.created += 1
            event = {"memoryId": "m", "actorId": "a", "sessionId": "s", "eventId": f"e{self.created}", "branch": {}}
            return AWSResponse(request.url, 201, {}, _Raw(json.dumps({"event": event}).encode()))
        return AWSResponse(request.url, 200, {}, _Raw(json.dumps({"events": [], "memoryRecordSummaries": []}).encode()))


def test_agentcore_memory_refusing_the_turn_is_flagged_and_counted_and_the_next_turn_is_stored(
    tmp_path, capsys
) -> None:
    memory = FakeAgentCoreMemory()
    boto_session = boto3.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    boto_session.events.register("before-send.bedrock-agentcore", memory)
    settings = load_settings(
        {
            contract.MODEL_PROVIDER.name: "offline",
            contract.MEMORY_ID.name: "SupportMemory-abcdefghij",
            contract.ENVIRONMENT_NAME.name: "prod",
            contract.RETRY_MODE.name: "standard",
            contract.RETRY_MAX_ATTEMPTS.name: "1",
        },
        credentials_available=lambda: False,
    )
    factory = functools.partial(create_session_manager, boto_session=boto_session)
    client = TestClient(create_app(settings, agent=SupportAgent(settings, session_manager_factory=factory)))

    failed = _ask(client, "where is my parcel?")
    _assert_not_saved(failed)
    assert "You said: 'where is my parcel?'" in failed.json()["response"]
    assert memory.refused >= 1 and memory.created == 0
    assert _counted(capsys.readouterr().out, settings) == 1

    memory.down = False
    _assert_saved(_ask(client, "and now?"))
    assert memory.created >= 2  # the session and this turn's messages
    assert _counted(capsys.readouterr().out, settings) == 0
