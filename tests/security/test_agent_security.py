"""The agent surface (POST /invocations of the real app): no request acts as another user, bad input gets 4xx.

The agent verifies tokens itself (request guard, as deployed behind the Runtime's JWT authorizer). Every case asserts
the exact status, that the agent code and memory never ran for a rejected request, and that bob's data never appears.
"""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from agentcore_constructs.contract import env_vars
from agentcore_constructs.kit.settings import load_settings
from agentcore_constructs.kit.strands import create_session_manager
from local_dev.token_issuer import AGENT_SCOPE, DEFAULT_CLIENT_ID, TOOLS_SCOPE
from support_agent.app import SupportAgent, create_app
from tests.security.tokens import TOKEN_CASES, VICTIM, forged_tokens, malformed_bodies, unsigned


class Recorder:
    """Records whose memory the agent opened (nothing may be recorded for a rejected request)."""

    def __init__(self) -> None:
        self.actors: list[str] = []

    def __call__(self, settings, *, actor_id, session_id):
        self.actors.append(actor_id)
        return create_session_manager(settings, actor_id=actor_id, session_id=session_id)


@pytest.fixture(scope="module")
def agent(issuer, tmp_path_factory):
    memory = tmp_path_factory.mktemp("security-memory")
    settings = load_settings(
        {
            "MODEL_PROVIDER": "offline",
            "LOCAL_MEMORY_DIR": str(memory),
            env_vars.AUTH_DISCOVERY_URL.name: issuer.discovery_url,
            env_vars.AUTH_ALLOWED_CLIENTS.name: DEFAULT_CLIENT_ID,
            env_vars.AUTH_REQUIRED_SCOPE.name: AGENT_SCOPE,
        },
        credentials_available=lambda: False,
    )
    recorder = Recorder()
    client = TestClient(
        create_app(settings, agent=SupportAgent(settings, session_manager_factory=recorder)),
        raise_server_exceptions=False,
    )
    # bob's conversation exists: nothing below may read or write it.
    bob = {"Authorization": f"Bearer {issuer.issue_token(VICTIM)}"}
    assert client.post("/invocations", json={"prompt": "bob's secret is 42"}, headers=bob).status_code == 200
    return client, recorder, memory


def _assert_untouched(agent, before: list[str]) -> None:
    _, recorder, _ = agent
    assert recorder.actors == before


@pytest.fixture(scope="module")
def tokens(issuer):
    return forged_tokens(issuer, wrong_scope=TOOLS_SCOPE)


@pytest.mark.parametrize("case", TOKEN_CASES)
def test_every_forged_or_broken_token_is_401_before_the_agent_runs(agent, tokens, case):
    client, recorder, _ = agent
    before = list(recorder.actors)
    response = client.post(
        "/invocations", json={"prompt": "what is my secret?"}, headers={"Authorization": f"Bearer {tokens[case]}"}
    )
    assert response.status_code == 401, (case, response.text)
    assert set(response.json()) == {"error"} and "42" not in response.text
    _assert_untouched(agent, before)


def test_two_authorization_headers_are_401_even_when_the_first_is_valid(agent, issuer):
    # The attack that worked: alice's valid token first, an unsigned token claiming bob second.
    client, recorder, _ = agent
    before = list(recorder.actors)
    forged = unsigned({"alg": "none"}, {"sub": VICTIM})
    for pair in ((issuer.issue_token("alice"), forged), (forged, issuer.issue_token("alice"))):
        headers = [("Authorization", f"Bearer {pair[0]}"), ("authorization", f"Bearer {pair[1]}")]
        response = client.post("/invocations", json={"prompt": "what is my secret?"}, headers=headers)
        assert response.status_code == 401 and response.json() == {"error": "More than one Authorization header"}
    _assert_untouched(agent, before)


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "BeArEr"])
def test_the_bearer_scheme_is_case_insensitive(agent, issuer, scheme):
    client, recorder, _ = agent
    response = client.post(
        "/invocations", json={"prompt": "hi"}, headers={"Authorization": f"{scheme} {issuer.issue_token('alice')}"}
    )
    assert response.status_code == 200 and recorder.actors[-1] == "alice"


@pytest.mark.parametrize("authorization", ["Basic YWxpY2U6cHc=", "Token abc", "Bearer", "Bearer a b", "Digest x"])
def test_other_schemes_and_shapes_are_401(agent, authorization):
    client, recorder, _ = agent
    before = list(recorder.actors)
    assert (
        client.post("/invocations", json={"prompt": "hi"}, headers={"Authorization": authorization}).status_code == 401
    )
    _assert_untouched(agent, before)


@pytest.mark.parametrize("case", list(malformed_bodies()))
def test_malformed_bodies_are_400_with_a_fixed_message_and_nothing_is_stored(agent, issuer, case):
    client, recorder, memory = agent
    before = list(recorder.actors)
    files_before = sorted(p.name for p in memory.rglob("*"))
    content, content_type = malformed_bodies()[case]
    headers = {"Authorization": f"Bearer {issuer.issue_token('alice')}", "Content-Type": content_type}
    response = client.post("/invocations", content=content, headers=headers)
    assert response.status_code == 400, (case, response.text)
    error = response.json()["error"]
    assert "Traceback" not in error and "line " not in error and len(error) < 120
    _assert_untouched(agent, before)
    assert sorted(p.name for p in memory.rglob("*")) == files_before


def test_a_valid_request_from_alice_never_sees_bobs_conversation(agent, issuer):
    client, recorder, _ = agent
    headers = {"Authorization": f"Bearer {issuer.issue_token('alice')}"}
    response = client.post(
        "/invocations", json={"prompt": "what is my secret?", "user_id": VICTIM, "actor_id": VICTIM}, headers=headers
    )
    assert response.status_code == 200
    assert recorder.actors[-1] == "alice" and "42" not in response.text
