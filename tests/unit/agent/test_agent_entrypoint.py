"""The Runtime entrypoint over its real ASGI app: request validation, identity, error mapping."""

from __future__ import annotations

import json
import logging

import pytest
from starlette.testclient import TestClient

from agentcore_constructs.contract.invocation import SESSION_HEADER
from agentcore_constructs.kit.identity import LOCAL_ACTOR_ID, LOCAL_SESSION_ID
from agentcore_constructs.kit.strands import create_session_manager
from support_agent.app import INTERNAL_ERROR_MESSAGE, MAX_PROMPT_CHARS, SupportAgent, create_app


class RecordingFactory:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def __call__(self, settings, *, actor_id, session_id):
        self.calls.append((actor_id, session_id))
        return create_session_manager(settings, actor_id=actor_id, session_id=session_id)


@pytest.fixture
def recorder() -> RecordingFactory:
    return RecordingFactory()


@pytest.fixture
def client(offline_settings, recorder) -> TestClient:
    app = create_app(offline_settings, agent=SupportAgent(offline_settings, session_manager_factory=recorder))
    return TestClient(app, raise_server_exceptions=False)


def test_answers_a_prompt(client):
    response = client.post("/invocations", json={"prompt": "What is order ORD-12345?"})
    assert response.status_code == 200
    assert response.json() == {
        "response": "[offline model] You said: 'What is order ORD-12345?'. history: 0 earlier user turns."
    }


def test_ping(client):
    response = client.get("/ping")
    assert response.status_code == 200 and response.json()["status"] == "Healthy"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([{"prompt": "hi"}], "must be a JSON object, got list"),
        ("hi", "must be a JSON object, got str"),
        (42, "must be a JSON object, got int"),
        (None, "must be a JSON object, got NoneType"),
        ({}, "Missing required field 'prompt'"),
        ({"question": "hi"}, "Missing required field 'prompt'"),
        ({"prompt": ""}, "must not be empty"),
        ({"prompt": " \n\t "}, "must not be empty"),
        ({"prompt": 7}, "must be a string, got int"),
        ({"prompt": None}, "must be a string, got NoneType"),
        ({"prompt": ["a"]}, "must be a string, got list"),
        ({"prompt": "x" * (MAX_PROMPT_CHARS + 1)}, f"longer than {MAX_PROMPT_CHARS}"),
    ],
)
def test_bad_payloads_get_400_json(client, recorder, body, message):
    response = client.post("/invocations", content=json.dumps(body), headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert recorder.calls == []


def test_non_json_body_gets_400_json(client):
    response = client.post("/invocations", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "error" in response.json()


def test_prompt_at_the_limit_is_accepted(client):
    assert client.post("/invocations", json={"prompt": "x" * MAX_PROMPT_CHARS}).status_code == 200


def test_local_caller_defaults(client, recorder):
    client.post("/invocations", json={"prompt": "hi"})
    assert recorder.calls == [(LOCAL_ACTOR_ID, LOCAL_SESSION_ID)]


@pytest.fixture
def identity_client(identity_settings, recorder) -> TestClient:
    app = create_app(identity_settings, agent=SupportAgent(identity_settings, session_manager_factory=recorder))
    return TestClient(app, raise_server_exceptions=False)


def test_actor_comes_from_the_verified_token_and_session_from_the_header(identity_client, recorder, token_for):
    headers = {"Authorization": f"Bearer {token_for('alice-123')}", SESSION_HEADER: "sess-0001"}
    assert identity_client.post("/invocations", json={"prompt": "hi"}, headers=headers).status_code == 200
    assert recorder.calls == [("alice-123", "sess-0001")]


def test_payload_identity_fields_are_ignored(identity_client, recorder, token_for, caplog):
    caplog.set_level(logging.DEBUG, logger="agentcore_constructs")
    headers = {"Authorization": f"Bearer {token_for('alice')}"}
    payload = {"prompt": "hi", "user_id": "bob", "actor_id": "bob", "session_id": "bobs-session"}
    assert identity_client.post("/invocations", json=payload, headers=headers).status_code == 200
    assert recorder.calls == [("alice", LOCAL_SESSION_ID)]
    assert "Ignoring identity fields" in caplog.text


def test_without_identity_a_bearer_token_is_refused_not_trusted(client, recorder, token_for):
    response = client.post(
        "/invocations", json={"prompt": "hi"}, headers={"Authorization": f"Bearer {token_for('bob')}"}
    )
    assert response.status_code == 401 and recorder.calls == []


@pytest.mark.parametrize("session_id", ["", "../etc", "a b", "x" * 101, "-leading-dash", "semi;colon"])
def test_malformed_session_header_gets_400(client, recorder, session_id):
    response = client.post("/invocations", json={"prompt": "hi"}, headers={SESSION_HEADER: session_id})
    assert response.status_code == 400
    assert "session id" in response.json()["error"]
    assert recorder.calls == []


@pytest.mark.parametrize(
    "authorization",
    ["Basic dXNlcjpwdw==", "Bearer", "Bearer not-a-jwt", "Bearer a.b.c", "Bearer {nosub}", "Bearer {badsub}", None],
)
def test_unusable_authorization_gets_401(identity_client, recorder, token_for, authorization):
    headers = {}
    if authorization is not None:
        authorization = authorization.replace("{nosub}", token_for("x", omit_claims=["sub"]))
        authorization = authorization.replace("{badsub}", token_for("x", extra_claims={"sub": "../../etc"}))
        headers["Authorization"] = authorization
    response = identity_client.post("/invocations", json={"prompt": "hi"}, headers=headers)
    assert response.status_code == 401
    assert "error" in response.json()
    assert recorder.calls == []


def test_internal_failure_is_a_generic_500_and_logged(offline_settings, caplog):
    class Exploding(SupportAgent):
        def answer(self, turn):
            raise RuntimeError("secret internal detail: arn:aws:iam::123456789012:role/x")

    app = create_app(offline_settings, agent=Exploding(offline_settings))
    response = TestClient(app, raise_server_exceptions=False).post("/invocations", json={"prompt": "hi"})
    assert response.status_code == 500
    assert response.json() == {"error": INTERNAL_ERROR_MESSAGE}
    assert "secret internal detail" not in response.text
    assert "secret internal detail" in caplog.text  # the operator still sees it


def test_model_failure_is_a_generic_500(offline_settings):
    from agentcore_constructs.kit.strands import OfflineToolCallingModel

    class FailingModel(OfflineToolCallingModel):
        async def stream(self, *args, **kwargs):
            raise RuntimeError("model exploded")
            yield  # pragma: no cover

    app = create_app(offline_settings, agent=SupportAgent(offline_settings, model=FailingModel()))
    response = TestClient(app, raise_server_exceptions=False).post("/invocations", json={"prompt": "hi"})
    assert response.status_code == 500 and "exploded" not in response.text
