"""kit.runtime.serve: the Runtime's port 8080 unless a local run names another (argument, first CLI argument, PORT)."""

from __future__ import annotations

import sys

import pytest

from agentcore_constructs.kit.runtime import serve


class _App:
    def __init__(self) -> None:
        self.ports: list[int] = []

    def run(self, port: int) -> None:
        self.ports.append(port)


@pytest.mark.parametrize(
    ("argv", "env", "port", "expected"),
    [
        ([], {}, None, 8080),
        ([], {"PORT": "9001"}, None, 9001),
        (["9002"], {"PORT": "9001"}, None, 9002),
        (["9002"], {}, 9003, 9003),
    ],
    ids=["runtime-default", "env", "cli-argument", "explicit"],
)
def test_the_port_is_8080_unless_a_local_run_names_one(monkeypatch, argv, env, port, expected) -> None:
    monkeypatch.setattr(sys, "argv", ["agent", *argv])
    monkeypatch.delenv("PORT", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = _App()
    serve(app, port)
    assert app.ports == [expected]
