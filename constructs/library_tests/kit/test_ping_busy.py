"""``GET /ping`` says HealthyBusy while a turn runs and Healthy once none does, so AgentCore does not reclaim a
session as idle in the middle of a long turn (developer guide, "Handle asynchronous and long running agents").

The turn blocks on an event the test releases; the clock the SDK stamps ``time_of_last_update`` with is the test's,
so the timestamps are exact: the moment of each change, never the moment of a later ping. The waits have a limit
only so that a regression fails instead of hanging; nothing asserts on time passing.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from bedrock_agentcore.runtime import app as sdk_app

from agentcore_constructs.contract.invocation import SESSION_HEADER
from agentcore_constructs.kit.runtime import InvocationLimitExceeded, Turn, busy, create_app
from agentcore_constructs.kit.settings import load_settings

WAIT_LIMIT_SECONDS = 10.0


class Clock:
    """The SDK's wall clock (``time.time`` in ``bedrock_agentcore.runtime.app``), set by the test."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock(1_000.0)
    monkeypatch.setattr(sdk_app, "time", SimpleNamespace(time=clock.time))
    return clock


class BlockingTurn:
    """An agent whose turn runs until the test releases it, then answers, or raises ``error``."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.error = error

    def __call__(self, turn: Turn) -> str:
        self.started.set()
        self.release.wait(WAIT_LIMIT_SECONDS)
        if self.error is not None:
            raise self.error
        return "done"


def _app(answer: Callable[[Turn], str]) -> Any:
    settings = load_settings({"MODEL_PROVIDER": "offline"}, credentials_available=lambda: False)
    return create_app(answer, settings)


async def _ping(client: httpx.AsyncClient) -> tuple[str, int]:
    response = await client.get("/ping")
    assert response.status_code == 200
    body = response.json()
    return body["status"], body["time_of_last_update"]


def _during_and_after_a_turn(app: Any, agent: BlockingTurn, clock: Clock) -> dict[str, Any]:
    """Pings before, during (twice, the clock moving on) and after one turn; the turn's HTTP status."""

    async def scenario() -> dict[str, Any]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://agent") as client:
            before = await _ping(client)
            clock.now = 2_000.0
            turn = asyncio.create_task(client.post("/invocations", json={"prompt": "a long task"}))
            assert await asyncio.to_thread(agent.started.wait, WAIT_LIMIT_SECONDS)
            clock.now = 2_500.0
            during = [await _ping(client)]
            clock.now = 2_600.0
            during.append(await _ping(client))
            clock.now = 3_000.0
            agent.release.set()
            status = (await turn).status_code
            clock.now = 4_000.0
            return {"before": before, "during": during, "status": status, "after": await _ping(client)}

    return asyncio.run(scenario())


def test_ping_is_busy_while_a_turn_runs_and_healthy_after(clock: Clock) -> None:
    agent = BlockingTurn()
    seen = _during_and_after_a_turn(_app(agent), agent, clock)
    assert seen["before"] == ("Healthy", 1_000)
    # Stamped when the turn started (2000), not when a ping noticed it; repeated pings do not move it.
    assert seen["during"] == [("HealthyBusy", 2_000), ("HealthyBusy", 2_000)]
    assert seen["status"] == 200
    assert seen["after"] == ("Healthy", 3_000)  # the moment the turn ended


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (RuntimeError("the model crashed"), 500),
        (InvocationLimitExceeded.for_limit("seconds", 120), 504),
    ],
    ids=["unexpected-error", "wall-time-limit"],
)
def test_a_failed_turn_goes_back_to_healthy(clock: Clock, error: BaseException, status: int) -> None:
    agent = BlockingTurn(error)
    seen = _during_and_after_a_turn(_app(agent), agent, clock)
    assert seen["during"][0] == ("HealthyBusy", 2_000)
    assert seen["status"] == status
    assert seen["after"] == ("Healthy", 3_000)


def test_busy_while_any_of_two_concurrent_turns_runs(clock: Clock) -> None:
    first, second = BlockingTurn(), BlockingTurn()
    app = _app(lambda turn: (first if turn.prompt == "first" else second)(turn))

    async def scenario() -> list[str]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://agent") as client:
            headers = [{SESSION_HEADER: f"session-{n}-" + "x" * 33} for n in (1, 2)]
            turns = [
                asyncio.create_task(client.post("/invocations", json={"prompt": p}, headers=h))
                for p, h in zip(("first", "second"), headers, strict=True)
            ]
            assert await asyncio.to_thread(first.started.wait, WAIT_LIMIT_SECONDS)
            assert await asyncio.to_thread(second.started.wait, WAIT_LIMIT_SECONDS)
            first.release.set()
            assert (await turns[0]).status_code == 200
            one_running = (await _ping(client))[0]
            second.release.set()
            assert (await turns[1]).status_code == 200
            return [one_running, (await _ping(client))[0]]

    assert asyncio.run(scenario()) == ["HealthyBusy", "Healthy"]


def test_busy_is_released_when_the_block_raises(clock: Clock) -> None:
    app = _app(lambda turn: "ok")
    with pytest.raises(KeyError), busy(app, "stream"):
        assert app.get_current_ping_status().value == "HealthyBusy"
        raise KeyError("cancelled")
    assert app.get_current_ping_status().value == "Healthy"
    assert app.get_async_task_info()["active_count"] == 0
