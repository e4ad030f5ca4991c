"""The Runtime's V2 platform starts agents from snapshots (cdk.json platform_version): whatever the agent does at
import is frozen into the snapshot. Importing each agent entrypoint must connect nowhere, leave no socket open and
start no thread (a connection or a background thread captured in a snapshot is dead or duplicated after restore);
the kit's clients and sessions are created on the first request instead.

Nor may the agent's own modules keep a value at import that differs from one start to the next (a timestamp, a
random number, a uuid, the pid): in a snapshot it would be the same on every restored instance (AgentCore developer
guide, "Optimize your agent for AgentCore Runtime V2": "A value read at startup is copied into the snapshot and is
identical on every instance"). Two imports in two processes are compared: what differs was captured at import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
PROBE = r"""
import json, socket, sys, threading, runpy
created, connected = [], []
class _Watched(socket.socket):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        created.append(self)
    def connect(self, address):
        connected.append(repr(address))
        raise OSError("connect at import")
    def connect_ex(self, address):
        connected.append(repr(address))
        return 111
socket.socket = _Watched
before = {t.ident for t in threading.enumerate()}
entry_globals = runpy.run_path(PATH, run_name="agent_import_probe")
import os, agentcore_constructs.kit as kit
own_dirs = (os.path.dirname(PATH) + os.sep, os.path.dirname(kit.__file__) + os.sep)
def simple(value):
    return isinstance(value, (str, bytes, int, float)) or (
        isinstance(value, tuple) and all(isinstance(v, (str, bytes, int, float)) for v in value))
captured = {"<entrypoint>." + k: repr(v)[:200] for k, v in entry_globals.items() if simple(v) and k != "__file__"}
for name, module in list(sys.modules.items()):
    if (getattr(module, "__file__", None) or "").startswith(own_dirs):
        captured.update({name + "." + k: repr(v)[:200] for k, v in vars(module).items() if simple(v)})
print(json.dumps({
    "connected": connected,
    "open_sockets": [repr(s) for s in created if s.fileno() != -1],
    "threads": [t.name for t in threading.enumerate() if t.ident not in before],
    "captured": captured,
}))
"""


@pytest.mark.parametrize(
    "entrypoint",
    [
        "agent_src/main.py",
        "agent_src/main_langgraph.py",
        pytest.param(
            "docs/migration/stage4_identity.py",
            # Known and documented (docs/migration.md): the article's module-level Agent() builds Strands' default
            # BedrockModel, whose boto3 client resolves credentials (instance metadata here) at import. Strict: this
            # fails loudly once that stops, so the guide can drop the caveat.
            marks=pytest.mark.xfail(strict=True, reason="Strands' default model creates a boto3 client at import"),
        ),
        # The same PoC in LangGraph: AgentCoreChatModel creates its model client on the first request.
        "docs/migration/langgraph/stage4_identity.py",
    ],
    ids=["strands", "langgraph", "migrated-poc", "migrated-poc-langgraph"],
)
def test_importing_the_agent_opens_no_socket_and_starts_no_thread(entrypoint: str) -> None:
    path = REPO / entrypoint
    if not path.is_file():
        pytest.fail(f"{entrypoint} is missing")
    first, second = _probe_twice(path)
    # A probe socket opened and closed at import (urllib3 checks IPv6 support that way) is harmless; a connection
    # attempt, a socket left open or a thread is not.
    assert {k: first[k] for k in ("connected", "open_sockets", "threads")} == {
        "connected": [],
        "open_sockets": [],
        "threads": [],
    }
    assert first["captured"], "the probe found none of the agent's own modules"
    differing = sorted(k for k in first["captured"] if first["captured"][k] != second["captured"].get(k))
    assert differing == [], f"values captured at import, identical on every restored instance: {differing}"


def _probe_twice(path: Path) -> tuple[dict, dict]:
    """The probe in two processes started together (two starts of the agent, as two restored instances)."""
    code = PROBE.replace("PATH", repr(str(path)))
    env = {"MODEL_PROVIDER": "offline", "PATH": "/usr/bin:/bin", "AWS_REGION": "us-east-1", "HOME": str(REPO)}
    started = [
        subprocess.Popen(
            [sys.executable, "-c", code], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    reports = []
    for process in started:
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr[-2000:]
        reports.append(json.loads(stdout.strip().splitlines()[-1]))
    return reports[0], reports[1]


def test_the_probe_sees_a_value_captured_at_import(tmp_path: Path) -> None:
    # The check itself can fail: an entrypoint that keeps its start time and a uuid at import is caught.
    entrypoint = tmp_path / "main.py"
    entrypoint.write_text("import time, uuid\nSTARTED = time.time()\nINSTANCE = str(uuid.uuid4())\nLIMIT = 3\n")
    first, second = _probe_twice(entrypoint)
    differing = sorted(k for k in first["captured"] if first["captured"][k] != second["captured"].get(k))
    assert differing == ["<entrypoint>.INSTANCE", "<entrypoint>.STARTED"]
