"""``make dev ENV=<env>`` serves the agent the environment's cdk.json ``agent`` names with only the stages it enables,
says so in one line, and ``make invoke`` works against whatever is up (no token without identity).

Every stack here runs in this process on free loopback ports with the offline model.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentcore_constructs.kit.langgraph import LangGraphAgentRunner
from agentcore_constructs.kit.strands import StrandsAgentRunner
from local_dev.environments import DevEnvironment, DevEnvironmentError, load_agent, load_dev_environment
from local_dev.server import DEMO_PROMPT, start_dev_stack
from scripts import dev_server, dev_token, invoke
from tests.loopback import loopback_get, loopback_post

pytestmark = pytest.mark.xdist_group("dev_stack")

REPO_ROOT = Path(__file__).resolve().parents[3]
ALL_STAGES = ["runtime", "memory", "gateway", "identity"]
#: What the developer's shell might export: an environment without those stages must not pick them up.
SHELL_STAGE_VARIABLES = {
    "MEMORY_ID": "shell_memory-abcdefghij",
    "GATEWAY_URL": "https://gateway.example.com/mcp",
    "AUTH_DISCOVERY_URL": "https://issuer.example.com/.well-known/openid-configuration",
    "AUTH_ALLOWED_CLIENTS": "shell-client",
}


def _cdk_json(tmp_path: Path, environments: dict) -> Path:
    path = tmp_path / "cdk.json"
    path.write_text(json.dumps({"app": "python app.py", "context": {"environments": environments}}))
    return path


def _environment(stages: list[str], **agent: str) -> dict:
    return {
        "stages": stages,
        "model_id": "us.anthropic.claude-haiku-4-5-20251001-v1:0",
        "log_retention_days": 14,
        "network_mode": "PUBLIC",
        **({"agent": agent} if agent else {}),
    }


# --------------------------------------------------------------------------- which agent, which stages


def test_the_apps_environments_name_their_agent_and_stages():
    dev = load_dev_environment("dev")
    assert (dev.stages, dev.agent_label) == (("runtime",), "agent_src/main.py")
    assert dev.entrypoint_path == REPO_ROOT / "agent_src" / "main.py"
    assert load_dev_environment("staging").stages == tuple(ALL_STAGES)


def test_an_unknown_or_invalid_environment_is_a_clear_error(tmp_path):
    with pytest.raises(DevEnvironmentError, match=r"no environment 'qa' in .*cdk\.json \(environments: dev, staging"):
        load_dev_environment("qa")
    cdk_json = _cdk_json(tmp_path, {"qa": _environment(["memory"])})
    with pytest.raises(DevEnvironmentError, match="'runtime' is stage 1"):
        load_dev_environment("qa", cdk_json=cdk_json)


def test_the_entrypoint_is_found_without_running_it_or_building_an_app(monkeypatch):
    import support_agent.app
    import support_agent.graph

    # main.py imports `app`, which support_agent.app builds from the process environment on first access.
    monkeypatch.setattr(support_agent.app, "_default_app", None)
    assert load_agent(REPO_ROOT / "agent_src" / "main.py") is support_agent.app.support_agent
    assert support_agent.app._default_app is None
    assert load_agent(REPO_ROOT / "agent_src" / "main_langgraph.py") is support_agent.graph.support_agent


def test_an_entrypoint_that_defines_its_agent_itself(tmp_path):
    own = tmp_path / "own.py"
    own.write_text(
        "from agentcore_constructs.kit.strands import AgentCoreApp\n"
        "app = AgentCoreApp(system_prompt='be brief')\n"
        "if __name__ == '__main__':\n"
        "    raise SystemExit('served instead of loaded')\n"
    )
    assert load_agent(own).agent_kwargs == {"system_prompt": "be brief"}
    none = tmp_path / "none.py"
    none.write_text("import os\n")
    with pytest.raises(DevEnvironmentError, match="found no kit app definition"):
        load_agent(none)
    two = tmp_path / "two.py"
    two.write_text(
        "from agentcore_constructs.kit.strands import AgentCoreApp\na = AgentCoreApp()\nb = AgentCoreApp()\n"
    )
    with pytest.raises(DevEnvironmentError, match="found 2 kit app definitions"):
        load_agent(two)


# --------------------------------------------------------------------------- the stacks


def test_dev_serves_its_agent_with_the_runtime_stage_only(tmp_path):
    env = {"MODEL_PROVIDER": "offline", "LOCAL_MEMORY_DIR": str(tmp_path / "lasting"), **SHELL_STAGE_VARIABLES}
    with start_dev_stack(port=0, issuer_port=0, env=env, environment=load_dev_environment("dev")) as stack:
        url = stack.agent.url
        assert stack.summary() == (
            f"make dev: agent_src/main.py for environment 'dev' | stages up: runtime | off: memory, gateway, "
            f"identity | agent {url}"
        )
        assert stack.summary() in stack.banner().splitlines()
        assert isinstance(stack.agent.app.state.runner, StrandsAgentRunner)
        assert (stack.gateway, stack.upstream, stack.issuer) == (None, None, None)
        settings = stack.settings
        assert (settings.memory_id, settings.gateway_url, settings.auth) == (None, None, None)
        scratch = settings.local_memory_dir
        assert scratch != tmp_path / "lasting" and scratch.is_dir()  # the session's memory, not a lasting one
        assert stack.state()["identity"] is False and stack.state()["stages"] == ["runtime"]

        answered = loopback_post(f"{url}/invocations", json={"prompt": DEMO_PROMPT}, timeout=30)
        assert answered.status_code == 200
        assert answered.json()["response"].startswith(f"[offline model] You said: '{DEMO_PROMPT}'")  # no tools
        with_token = loopback_post(
            f"{url}/invocations", json={"prompt": "hi"}, headers={"Authorization": "Bearer a.b.c"}, timeout=30
        )
        assert with_token.status_code == 401  # no identity: a token cannot be verified, so it is refused
        # Open as it is, it answers loopback only: no other Origin (CSRF), no rebound Host.
        for headers in ({"Origin": "https://evil.example.com"}, {"Origin": "null"}, {"Host": "rebound.example.com"}):
            refused = loopback_post(f"{url}/invocations", json={"prompt": DEMO_PROMPT}, headers=headers, timeout=30)
            assert refused.status_code == 403 and "no identity stage" in refused.json()["error"], headers
        assert loopback_get(f"{url}/ping", headers={"Host": "rebound.example.com"}, timeout=10).status_code == 200
    assert not scratch.exists()  # gone with the stack, as a session's microVM
    assert not (tmp_path / "lasting").exists()


def test_without_identity_the_agent_binds_loopback_only():
    dev = load_dev_environment("dev")
    with pytest.raises(ValueError, match="binds a loopback address only, not '0.0.0.0'"):
        start_dev_stack(host="0.0.0.0", port=0, env={"MODEL_PROVIDER": "offline"}, environment=dev)  # noqa: S104


def test_every_stage_with_the_langgraph_entrypoint(tmp_path):
    cdk_json = _cdk_json(
        tmp_path,
        {"full": _environment(ALL_STAGES, entrypoint="main_langgraph.py", requirements="requirements-langgraph.lock")},
    )
    environment = load_dev_environment("full", cdk_json=cdk_json)
    assert environment == DevEnvironment("full", tuple(ALL_STAGES), "agent_src", "main_langgraph.py")
    env = {"MODEL_PROVIDER": "offline", "LOCAL_MEMORY_DIR": str(tmp_path / "memory"), "MEMORY_ID": ""}
    with start_dev_stack(port=0, issuer_port=0, env=env, environment=environment) as stack:
        assert stack.summary() == (
            "make dev: agent_src/main_langgraph.py for environment 'full' | stages up: runtime, memory, gateway, "
            f"identity | agent {stack.agent.url}, gateway {stack.gateway.url}, issuer {stack.issuer.issuer}"
        )
        assert isinstance(stack.agent.app.state.runner, LangGraphAgentRunner)
        assert stack.settings.local_memory_dir == tmp_path / "memory"
        assert loopback_post(f"{stack.agent.url}/invocations", json={"prompt": "hi"}, timeout=30).status_code == 401
        answered = loopback_post(
            f"{stack.agent.url}/invocations",
            json={"prompt": "What is order ORD-10001?"},
            headers={"Authorization": f"Bearer {stack.token_for('alice')}"},
            timeout=60,
        )
    assert answered.json() == {"response": "[offline model] Order ORD-10001 status: processing."}


# --------------------------------------------------------------------------- make invoke / make token / --dev-user


def test_make_invoke_calls_a_stack_without_identity_token_less(tmp_path, monkeypatch, capsys):
    env = {"MODEL_PROVIDER": "offline", "MEMORY_ID": "", "GATEWAY_URL": ""}
    with start_dev_stack(port=0, env=env, environment=load_dev_environment("dev")) as stack:
        state_file = tmp_path / "dev-stack.json"
        state_file.write_text(json.dumps(stack.state()))  # what `make dev` writes
        monkeypatch.setenv("DEV_STACK_STATE_FILE", str(state_file))
        monkeypatch.delenv("LOCAL_ISSUER_URL", raising=False)
        invoke.main([DEMO_PROMPT, "--user", "alice"])
        out, err = capsys.readouterr()
        assert out.startswith(f"[offline model] You said: '{DEMO_PROMPT}'")
        assert "has no identity stage: no token is sent and the agent answers as local-dev-user, not alice" in err
        with pytest.raises(SystemExit, match="environment 'dev'.* has no identity stage: its agent takes no tokens"):
            dev_token.main(["alice"])


def test_dev_user_needs_an_environment_with_identity():
    with pytest.raises(SystemExit, match="needs the identity stage, which environment 'dev' does not enable"):
        dev_server.dev_environment(dev_server.parse_args(["--env", "dev", "--dev-user", "alice"]))
    assert dev_server.dev_environment(dev_server.parse_args(["--env", "staging", "--dev-user", "alice"])).name == (
        "staging"
    )
    with pytest.raises(SystemExit, match="make dev: no environment 'qa'"):
        dev_server.dev_environment(dev_server.parse_args(["--env", "qa"]))
