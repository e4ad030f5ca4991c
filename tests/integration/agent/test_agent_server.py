"""The agent over real HTTP on loopback: Runtime contract, validation, memory, restarts, isolation."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from agentcore_constructs.contract.invocation import SESSION_HEADER
from local_dev.server import start_local_agent
from tests.loopback import loopback_client

REPO_ROOT = Path(__file__).resolve().parents[3]


def new_session() -> str:
    return f"it-{uuid.uuid4()}"


@pytest.fixture(scope="module")
def ask(identity_headers):
    def ask(http: httpx.Client, prompt: str, **identity: str | None) -> str:
        response = http.post("/invocations", json={"prompt": prompt}, headers=identity_headers(**identity))
        assert response.status_code == 200, response.text
        return response.json()["response"]

    return ask


def test_ping(http):
    response = http.get("/ping")
    assert response.status_code == 200
    assert response.json()["status"] == "Healthy"


def test_order_question_is_answered(http, ask):
    answer = ask(http, "What is order ORD-12345?", session=new_session())
    assert answer.startswith("[offline model]") and "ORD-12345" in answer


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b'[{"prompt": "hi"}]', "JSON object"),
        (b'"just a string"', "JSON object"),
        (b"{}", "Missing required field 'prompt'"),
        (b'{"prompt": 12}', "must be a string"),
        (b'{"prompt": "   "}', "must not be empty"),
    ],
)
def test_malformed_payloads_get_400_json(http, content, message):
    response = http.post("/invocations", content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    assert message in response.json()["error"]


def test_malformed_session_header_gets_400(http):
    response = http.post("/invocations", json={"prompt": "hi"}, headers={SESSION_HEADER: "../x"})
    assert response.status_code == 400 and "session id" in response.json()["error"]


def test_second_turn_sees_the_first(http, ask):
    session = new_session()
    first = ask(http, "my name is Arthur", actor="arthur", session=session)
    assert "history: 0 earlier user turns" in first
    second = ask(http, "what is my name?", actor="arthur", session=session)
    assert "history: 1 earlier user turns; last: 'my name is Arthur'" in second


def test_payload_user_id_never_reaches_bobs_history(http, agent_server, ask, identity_headers):
    session = new_session()
    ask_payload = {"prompt": "alice's secret plan", "user_id": "bob", "actor_id": "bob"}
    response = http.post("/invocations", json=ask_payload, headers=identity_headers(actor="alice", session=session))
    assert response.status_code == 200

    bob = ask(http, "what do you know?", actor="bob", session=session)
    assert "history: 0 earlier user turns" in bob
    alice = ask(http, "remind me", actor="alice", session=session)
    assert "last: 'alice's secret plan'" in alice

    memory_dir = agent_server.app.state.settings.local_memory_dir
    bob_files = "".join(p.read_text() for p in (memory_dir / "bob").rglob("*.json"))
    assert "secret plan" not in bob_files


def test_fifty_concurrent_sessions_across_actors_never_leak(http, ask):
    actors = ["zaphod", "ford", "trillian", "marvin", "arthur"]
    sessions = [(actors[i % len(actors)], new_session(), f"marker-{i:02d}") for i in range(50)]

    def converse(actor: str, session: str, marker: str) -> tuple[str, str]:
        first = ask(http, f"{marker} from {actor}", actor=actor, session=session)
        second = ask(http, "what did I say?", actor=actor, session=session)
        return first, second

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(lambda s: converse(*s), sessions))

    for (actor, _, marker), (first, second) in zip(sessions, results, strict=True):
        assert "history: 0 earlier user turns" in first
        assert f"history: 1 earlier user turns; last: '{marker} from {actor}'" in second
        leaked = [m for _, _, m in sessions if m != marker and m in first + second]
        assert leaked == []


def test_history_survives_a_restart_in_a_new_app_instance(tmp_path, ask, make_env):
    env = make_env(tmp_path / "memory")
    session = new_session()
    url, stop = start_local_agent(env=env)
    try:
        with loopback_client(base_url=url, timeout=30) as http:
            ask(http, "remember the towel", actor="dent", session=session)
    finally:
        stop()

    url, stop = start_local_agent(env=env)
    try:
        with loopback_client(base_url=url, timeout=30) as http:
            answer = ask(http, "what should I remember?", actor="dent", session=session)
    finally:
        stop()
    assert "last: 'remember the towel'" in answer


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_dev_server_process_serves_the_contract_with_history_from_an_earlier_server(
    tmp_path, make_env, identity_headers, ask
):
    """``python -m scripts.dev_server`` (what ``make dev`` runs) in a new process over an existing memory dir."""
    env = make_env(tmp_path / "memory")
    session = new_session()
    url, stop = start_local_agent(env=env)
    try:
        with loopback_client(base_url=url, timeout=30) as http:
            ask(http, "said before the restart", session=session)
    finally:
        stop()

    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "scripts.dev_server", "--port", str(port), "--no-auth"],  # unsigned test JWTs
        cwd=REPO_ROOT,
        env={**os.environ, **env, "DEV_STACK_STATE_FILE": str(tmp_path / "dev-stack.json")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        with loopback_client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            deadline = time.monotonic() + 60  # bounds a broken start only; not a performance assertion
            while True:
                try:
                    if http.get("/ping").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.poll() is None, process.stderr.read().decode()
                assert time.monotonic() < deadline, "dev server did not come up"
                time.sleep(0.05)
            response = http.post(
                "/invocations",
                content=json.dumps({"prompt": "what did I say?"}),
                headers={"Content-Type": "application/json", **identity_headers(session=session)},
            )
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert response.status_code == 200, response.text
    assert "history: 1 earlier user turns; last: 'said before the restart'" in response.json()["response"]
