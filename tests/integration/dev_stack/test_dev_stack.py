"""``make dev`` end to end over real HTTP: agent -> local MCP gateway -> order-service handler -> fake orders API.

The offline model (a deterministic driver, not an LLM) calls ``order-service___lookup_order`` when the prompt
names an order id and summarizes the tool's answer, so the answers below are exact.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from local_dev.server import DEMO_PROMPT, start_dev_stack
from tests.loopback import loopback_get, loopback_post

pytestmark = pytest.mark.xdist_group("dev_stack")

REPO_ROOT = Path(__file__).resolve().parents[3]


def test_ping_is_healthy(agent_http):
    response = agent_http.get("/ping")
    assert response.status_code == 200
    assert response.json()["status"] == "Healthy"


def test_the_stack_is_wired_like_make_dev(dev_stack):
    assert dev_stack.settings.model_provider == "offline"
    assert dev_stack.settings.gateway_url == dev_stack.gateway.url
    assert dev_stack.gateway.url.startswith("http://127.0.0.1:") and dev_stack.gateway.url.endswith("/mcp")
    assert dev_stack.auth and dev_stack.agent.verifier is not None
    banner = dev_stack.banner()
    for url in (dev_stack.agent.url, dev_stack.gateway.url, dev_stack.upstream.url, dev_stack.issuer.issuer):
        assert url in banner
    assert 'TOKEN="$(.venv/bin/python -m scripts.dev_token alice)"' in banner
    assert f'curl -s {dev_stack.agent.url}/invocations -H "Authorization: Bearer $TOKEN"' in banner
    assert "ORD-10001" in banner
    assert "make invoke PROMPT='What is order ORD-10001?' USER=alice" in banner
    assert "agentcore" not in banner  # the sunset starter toolkit is gone


def test_identity_is_on_by_default_like_make_dev(agent_http):
    response = agent_http.post("/invocations", json={"prompt": DEMO_PROMPT})
    assert response.status_code == 401 and "Missing Authorization header" in response.json()["error"]


def test_order_question_answers_with_the_shipped_status(ask, upstream):
    answer = ask(DEMO_PROMPT)
    assert answer == "[offline model] Order ORD-12345 status: shipped."
    assert [r.path for r in upstream.requests] == ["/orders/ORD-12345"]
    assert upstream.requests[0].headers.get("X-API-Key") == "dev-local-key"


def test_unknown_order_is_a_clear_not_found(ask, upstream):
    answer = ask("What is order ORD-54321?")
    assert answer == "[offline model] The tool reported an error: order ORD-54321 not found."
    assert upstream.hits == 1  # a 404 is final: not retried


def test_malformed_order_id_reaches_the_model_as_the_tools_invalid_argument_error(ask, upstream):
    # Full-width digits: the offline driver's pattern (like a model) takes them for an order id, the tool's
    # ASCII-only validation rejects them with INVALID_ARGUMENT before any upstream call.
    answer = ask("What is order ORD-１２３４５?")
    assert answer.startswith("[offline model] The tool reported an error: arguments.order_id")
    assert "does not match ^ORD-\\d{5}$" in answer
    assert upstream.hits == 0


def test_upstream_failures_are_retried_and_still_answered(ask, upstream):
    upstream.fail_next(2, status=503)
    answer = ask(DEMO_PROMPT)
    assert answer == "[offline model] Order ORD-12345 status: shipped."
    assert upstream.hits == 3  # two injected 503s, then the answer


def test_upstream_down_is_a_clear_error_after_the_retries(ask, upstream):
    upstream.fail_next(3, status=503)  # the local order service makes 3 attempts
    answer = ask(DEMO_PROMPT)
    assert answer.startswith("[offline model] The tool reported an error: orders API unavailable after 3 attempt(s)")
    assert "HTTP 503" in answer and "try again later" in answer
    assert upstream.hits == 3


def test_no_gateway_means_an_agent_without_tools(tmp_path):
    env = {"MODEL_PROVIDER": "offline", "LOCAL_MEMORY_DIR": str(tmp_path), "MEMORY_ID": "", "GATEWAY_URL": ""}
    with start_dev_stack(port=0, gateway=False, env=env, auth=False) as stack:
        assert stack.gateway is None and stack.upstream is None and stack.settings.gateway_url is None
        assert stack.issuer is None and not stack.auth
        banner = stack.banner()
        assert "--no-gateway" in banner and "identity  off (--no-auth)" in banner
        assert f"curl -s {stack.agent.url}/invocations" in banner
        response = loopback_post(f"{stack.agent.url}/invocations", json={"prompt": DEMO_PROMPT}, timeout=30)
    assert response.status_code == 200
    assert response.json()["response"].startswith(f"[offline model] You said: '{DEMO_PROMPT}'")


# --------------------------------------------------------------------------- the real command, as a subprocess


def _read_lines(stream, lines: queue.Queue) -> None:
    for line in iter(stream.readline, ""):
        lines.put(line)
    lines.put(None)


def test_dev_server_process_serves_the_banner_and_stops_cleanly_on_sigterm(tmp_path):
    """``python -m scripts.dev_server --env staging`` (every stage) with the opt-in ``--dev-user``;
    ``scripts.dev_token`` and ``scripts.invoke`` (``make invoke``) find the stack through the state file; token-less
    requests act as the dev user only from loopback (a foreign Origin or Host gets 401)."""
    state_file = tmp_path / "dev-stack.json"
    env = {
        **os.environ,
        "MODEL_PROVIDER": "offline",
        "LOCAL_MEMORY_DIR": str(tmp_path / "memory"),
        "MEMORY_ID": "",
        "GATEWAY_URL": "",
        "PYTHONUNBUFFERED": "1",
        "AGENTCORE_SUPPRESS_RECOMMENDATION": "1",
        "DEV_STACK_STATE_FILE": str(state_file),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scripts.dev_server",
            "--env",
            "staging",
            "--port",
            "0",
            "--issuer-port",
            "0",
            "--dev-user",
            "local-dev-user",
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
    output: list[str] = []
    try:
        agent_url = None
        deadline = time.monotonic() + 60  # bounds a broken start only
        while agent_url is None and time.monotonic() < deadline:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            output.append(line)
            match = re.match(r"^\s+agent\s+(http://127\.0\.0\.1:\d+)\s", line)
            if match:
                agent_url = match.group(1)
        assert agent_url, "no banner:\n" + "".join(output)

        assert loopback_get(f"{agent_url}/ping", timeout=10).json()["status"] == "Healthy"
        assert json.loads(state_file.read_text())["agent_url"] == agent_url
        # The local stack loads no CDK: no jsii Node runtime (a child process) behind the dev server.
        tasks = Path(f"/proc/{process.pid}/task").iterdir()
        assert [child for task in tasks for child in (task / "children").read_text().split()] == []

        token = subprocess.run(
            [sys.executable, "-m", "scripts.dev_token", "alice"],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert token.returncode == 0, token.stderr
        alice = loopback_post(
            f"{agent_url}/invocations",
            json={"prompt": "What is order ORD-10001?"},
            headers={"Authorization": f"Bearer {token.stdout.strip()}"},
            timeout=30,
        )
        assert alice.json() == {"response": "[offline model] Order ORD-10001 status: processing."}
        forged = loopback_post(
            f"{agent_url}/invocations", json={"prompt": "hi"}, headers={"Authorization": "Bearer a.b.c"}, timeout=30
        )
        assert forged.status_code == 401 and forged.json()["error"]

        invoked = subprocess.run(
            [sys.executable, "-m", "scripts.invoke", "What is order ORD-10001?", "--user", "alice"],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert invoked.stdout.strip() == "[offline model] Order ORD-10001 status: processing.", invoked.stderr
        response = loopback_post(f"{agent_url}/invocations", json={"prompt": DEMO_PROMPT}, timeout=30)
        assert "Order ORD-12345 status: shipped" in response.json()["response"]  # token-less: the dev user
        for headers in ({"Origin": "https://evil.example.com"}, {"Origin": "null"}, {"Host": "rebound.example.com"}):
            refused = loopback_post(
                f"{agent_url}/invocations", json={"prompt": DEMO_PROMPT}, headers=headers, timeout=30
            )
            assert refused.status_code == 401, headers

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    while (line := lines.get(timeout=5)) is not None:
        output.append(line)
    text = "".join(output)
    assert "Stopping the local dev stack" in text and "Stopped." in text, text
    assert "Traceback" not in text, text
    assert "(--dev-user)" in text
    assert (
        "make dev: agent_src/main.py for environment 'staging' | stages up: runtime, memory, gateway, identity" in text
    )
    assert not state_file.exists()  # removed on shutdown
    with pytest.raises(httpx.TransportError):
        loopback_get(f"{agent_url}/ping", timeout=2)
