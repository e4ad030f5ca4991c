"""Memory: per-actor local stores, the AgentCore Memory wiring, and fail-open behaviour under faults."""

from __future__ import annotations

import functools
import json
import logging

import boto3
import botocore.retries.standard
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from strands.session import FileSessionManager

from agentcore_constructs.contract import env_vars as contract
from agentcore_constructs.kit import strands as memory
from agentcore_constructs.kit.identity import CallerIdentity
from agentcore_constructs.kit.settings import load_settings
from agentcore_constructs.kit.strands import LONG_TERM_NAMESPACES, ResilientSessionManager, create_session_manager
from support_agent.app import SupportAgent

ALICE = CallerIdentity(actor_id="alice", session_id="s1")


def answer(settings, identity, prompt, **kwargs) -> str:
    return SupportAgent(settings, **kwargs).ask(prompt, identity)


def test_local_history_persists_per_actor(offline_settings):
    answer(offline_settings, ALICE, "my parcel is late")
    # A new SupportAgent (as after a restart) reads the same files.
    second = answer(offline_settings, ALICE, "any news?")
    assert "history: 1 earlier user turns; last: 'my parcel is late'" in second

    bob_same_session = answer(offline_settings, CallerIdentity(actor_id="bob", session_id="s1"), "hello")
    assert "history: 0 earlier user turns" in bob_same_session
    assert sorted(p.name for p in offline_settings.local_memory_dir.iterdir()) == ["alice", "bob"]


def test_local_session_manager_is_a_file_store_under_the_actor_dir(offline_settings):
    manager = create_session_manager(offline_settings, actor_id="alice", session_id="s1")
    assert isinstance(manager, ResilientSessionManager)
    assert isinstance(manager.inner, FileSessionManager)
    assert manager.inner.storage_dir == str(offline_settings.local_memory_dir / "alice")
    assert manager.session_id == "s1"


def test_agentcore_memory_config(monkeypatch, offline_settings):
    from bedrock_agentcore.memory.integrations.strands import session_manager as agentcore_module

    captured = {}

    class Recorder(FileSessionManager):
        def __init__(self, config, **kwargs):
            captured.update(config=config, **kwargs)
            super().__init__(session_id=config.session_id, storage_dir=str(offline_settings.local_memory_dir))

    monkeypatch.setattr(agentcore_module, "AgentCoreMemorySessionManager", Recorder)
    settings = load_settings(
        {
            contract.MODEL_PROVIDER.name: "offline",
            contract.MEMORY_ID.name: "SupportMemory-abcdefghij",
            contract.RETRY_MAX_ATTEMPTS.name: "4",
        }
    )
    manager = create_session_manager(
        settings, actor_id="alice", session_id="s1", boto_session=boto3.Session(region_name="us-east-1")
    )
    assert isinstance(manager, ResilientSessionManager)
    config = captured["config"]
    assert (config.memory_id, config.actor_id, config.session_id) == ("SupportMemory-abcdefghij", "alice", "s1")
    assert set(config.retrieval_config) == set(LONG_TERM_NAMESPACES)
    assert captured["boto_client_config"].retries == {"mode": "adaptive", "total_max_attempts": 4}
    # The library fills these placeholders with str.format(actorId=..., sessionId=..., memoryStrategyId=...).
    assert {ns.format(actorId="alice", sessionId="s1", memoryStrategyId="") for ns in LONG_TERM_NAMESPACES} == {
        "/facts/alice",
        "/preferences/alice",
        "/summaries/alice/s1",
    }


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: object):
        yield self._body


def test_throttled_agentcore_memory_is_retried_then_the_agent_answers_without_history(monkeypatch, caplog):
    """Fault test: AgentCore Memory throttles every call (real botocore retry path, no network)."""
    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)
    attempts: list[str] = []

    def throttle(request, **_: object) -> AWSResponse:
        attempts.append(request.url)
        body = json.dumps({"message": "Rate exceeded"}).encode()
        return AWSResponse(request.url, 429, {"x-amzn-ErrorType": "ThrottlingException"}, _Raw(body))

    boto_session = boto3.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    boto_session.events.register("before-send.bedrock-agentcore", throttle)
    settings = load_settings(
        {
            contract.MODEL_PROVIDER.name: "offline",
            contract.MEMORY_ID.name: "SupportMemory-abcdefghij",
            contract.RETRY_MAX_ATTEMPTS.name: "3",
            contract.RETRY_MODE.name: "standard",
        }
    )
    caplog.set_level(logging.WARNING, logger="agentcore_constructs")

    reply = answer(
        settings,
        ALICE,
        "hello after an outage",
        session_manager_factory=functools.partial(create_session_manager, boto_session=boto_session),
    )

    assert len(attempts) == 3  # first call + 2 retries, then the failure surfaced
    assert "You said: 'hello after an outage'. history: 0 earlier user turns" in reply
    warnings = [
        r for r in caplog.records if r.levelno == logging.WARNING and r.name == "agentcore_constructs.kit.strands"
    ]
    assert warnings and "ThrottlingException" in warnings[0].getMessage()
    assert "without history" in warnings[0].getMessage()


class ThrottledOnWrite(FileSessionManager):
    """Loads history fine, then throttles on the first write (after botocore would have given up)."""

    writes = 0

    def append_message(self, message, agent, **kwargs):
        type(self).writes += 1
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "CreateEvent")


def test_memory_failing_mid_request_still_answers_and_warns(offline_settings, caplog):
    answer(offline_settings, ALICE, "earlier question")
    caplog.set_level(logging.WARNING, logger="agentcore_constructs")

    def factory(settings, *, actor_id, session_id):
        storage = str(settings.local_memory_dir / actor_id)
        return ResilientSessionManager(ThrottledOnWrite(session_id=session_id, storage_dir=storage))

    reply = answer(offline_settings, ALICE, "now with a broken backend", session_manager_factory=factory)

    assert "You said: 'now with a broken backend'" in reply
    assert ThrottledOnWrite.writes == 1  # degraded after the first failure: no further writes
    assert any(
        r.levelno == logging.WARNING and "ThrottlingException" in r.getMessage() and "without memory" in r.getMessage()
        for r in caplog.records
    )
    # The failed request left the stored history as it was.
    assert "history: 1 earlier user turns; last: 'earlier question'" in answer(offline_settings, ALICE, "check")


def test_memory_failing_to_load_answers_without_partial_history(offline_settings, caplog):
    answer(offline_settings, ALICE, "earlier question")

    class BrokenRead(FileSessionManager):
        def list_messages(self, *args, **kwargs):
            raise OSError("disk unavailable")

    def factory(settings, *, actor_id, session_id):
        return ResilientSessionManager(
            BrokenRead(session_id=session_id, storage_dir=str(settings.local_memory_dir / actor_id))
        )

    reply = answer(offline_settings, ALICE, "hello", session_manager_factory=factory)
    assert "history: 0 earlier user turns" in reply
    assert "OSError" in caplog.text and "without memory" in caplog.text


def test_memory_setup_failure_answers_without_history(tmp_path, caplog):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    settings = load_settings({contract.MODEL_PROVIDER.name: "offline", "LOCAL_MEMORY_DIR": str(blocker)})

    assert create_session_manager(settings, actor_id="alice", session_id="s1") is None
    assert "unavailable at setup" in caplog.text
    assert "history: 0 earlier user turns" in answer(settings, ALICE, "hello")


@pytest.mark.parametrize("namespace", LONG_TERM_NAMESPACES)
def test_namespaces_are_actor_scoped(namespace):
    assert "{actorId}" in namespace
    assert memory.LONG_TERM_NAMESPACES.count(namespace) == 1
