"""kit.runtime.create_app reseeds `random` on the process's first request: instances restored from one V2 snapshot
start with the same `random` state and must not draw the same numbers (retry jitter in step across instances)."""

from __future__ import annotations

import random

from starlette.testclient import TestClient

from agentcore_constructs.kit.runtime import create_app
from agentcore_constructs.kit.settings import load_settings


def _client() -> TestClient:
    settings = load_settings({"MODEL_PROVIDER": "offline"}, credentials_available=lambda: False)
    return TestClient(create_app(lambda turn: "ok", settings), raise_server_exceptions=False)


def test_two_instances_restored_from_one_state_draw_different_numbers() -> None:
    draws = []
    for _ in range(2):  # two "restored instances": the same random state before their first request
        client = _client()
        random.seed(1234)
        assert client.post("/invocations", json={"prompt": "hi"}).status_code == 200
        draws.append(random.random())
    assert draws[0] != draws[1]
    random.seed(1234)
    assert random.random() not in draws  # neither kept the snapshot's sequence


def test_only_the_first_request_reseeds() -> None:
    client = _client()
    assert client.post("/invocations", json={"prompt": "hi"}).status_code == 200
    random.seed(99)
    expected = random.Random(99).random()
    assert client.post("/invocations", json={"prompt": "again"}).status_code == 200
    assert random.random() == expected
