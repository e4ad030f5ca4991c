"""Stage 2, the agent side, for any framework: a small neutral conversation-memory API over AgentCore Memory.

Strands and LangGraph agents get memory through their maintained integrations (:mod:`.strands`, :mod:`.langgraph`).
Any other agent uses :func:`conversation_memory` for the verified caller and session:

    memory = conversation_memory(turn.settings, turn.caller)
    history = memory.recent()              # the session's earlier turns, oldest first
    facts = memory.long_term(turn.prompt)  # long-term records of this actor (the AgentMemory strategies' namespaces)
    ...
    turn.memory_saved = memory.add(turn.prompt, answer)  # one event: the prompt and the answer; False if not stored

``MEMORY_ID`` set: AgentCore Memory's data plane (CreateEvent, ListEvents, RetrieveMemoryRecords: the actions
``AgentMemory.grant_to`` grants) with the contract's retries. Unset: a JSON-lines file per actor and session under
``LOCAL_MEMORY_DIR``. Memory is an enhancement, not a dependency: a failing backend is logged and the agent goes on
without history (``recent``/``long_term`` return [], ``add`` returns False: the runtime then flags the response
"not-saved" and counts it, :mod:`.runtime`).
"""

from __future__ import annotations

import datetime
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from agentcore_constructs.contract import memory as memory_contract
from agentcore_constructs.kit.identity import CallerIdentity
from agentcore_constructs.kit.model import boto_client_config
from agentcore_constructs.kit.settings import Settings

logger = logging.getLogger(__name__)

USER, ASSISTANT = "USER", "ASSISTANT"


@dataclass(frozen=True)
class ConversationTurn:
    role: str  #: USER or ASSISTANT (AgentCore Memory's conversational roles)
    text: str


class ConversationMemory(Protocol):
    def recent(self, limit: int = 20) -> list[ConversationTurn]: ...

    def add(self, prompt: str, answer: str) -> bool: ...

    def long_term(self, query: str, top_k: int = 5) -> list[str]: ...


class AgentCoreConversationMemory:
    """One actor's session in AgentCore Memory (``client``: a boto3 ``bedrock-agentcore`` client)."""

    def __init__(self, client: Any, memory_id: str, caller: CallerIdentity) -> None:
        self._client = client
        self._memory_id = memory_id
        self._caller = caller

    def _keys(self) -> dict[str, str]:
        return {"memoryId": self._memory_id, "actorId": self._caller.actor_id, "sessionId": self._caller.session_id}

    def recent(self, limit: int = 20) -> list[ConversationTurn]:
        try:
            events = self._client.list_events(**self._keys(), includePayloads=True, maxResults=100)["events"]
        except Exception as error:
            logger.warning("Memory unavailable (%s: %s); answering without history", type(error).__name__, error)
            return []
        turns: list[ConversationTurn] = []
        for event in sorted(events, key=lambda e: e.get("eventTimestamp") or 0):
            for item in event.get("payload") or []:
                message = item.get("conversational") if isinstance(item, dict) else None
                if isinstance(message, dict) and message.get("role") in (USER, ASSISTANT):
                    turns.append(ConversationTurn(message["role"], str((message.get("content") or {}).get("text", ""))))
        return turns[-limit:]

    def add(self, prompt: str, answer: str) -> bool:
        """Store the turn as one event; False (logged) when AgentCore Memory refused it."""
        try:
            self._client.create_event(
                **self._keys(),
                eventTimestamp=datetime.datetime.now(datetime.UTC),
                payload=[
                    {"conversational": {"role": USER, "content": {"text": prompt}}},
                    {"conversational": {"role": ASSISTANT, "content": {"text": answer}}},
                ],
            )
        except Exception as error:
            logger.warning("Memory unavailable (%s: %s); this turn is not remembered", type(error).__name__, error)
            return False
        return True

    def long_term(self, query: str, top_k: int = 5) -> list[str]:
        records: list[str] = []
        for template in memory_contract.LONG_TERM_NAMESPACES:
            namespace = template.format(actorId=self._caller.actor_id, sessionId=self._caller.session_id)
            try:
                found = self._client.retrieve_memory_records(
                    memoryId=self._memory_id,
                    namespace=namespace,
                    searchCriteria={"searchQuery": query, "topK": top_k},
                )
            except Exception as error:
                logger.warning("Long-term memory unavailable (%s); answering without it", type(error).__name__)
                return records
            for record in found.get("memoryRecordSummaries") or []:
                text = (record.get("content") or {}).get("text")
                if isinstance(text, str):
                    records.append(text)
        return records


class LocalConversationMemory:
    """One actor's session as a JSON-lines file (local runs): ``<directory>/<actor>/<session>.jsonl``."""

    def __init__(self, directory: Path, caller: CallerIdentity) -> None:
        # Both ids are of the actor-id charset (verified or validated): no path separators.
        self._path = directory / caller.actor_id / f"{caller.session_id}.jsonl"

    def recent(self, limit: int = 20) -> list[ConversationTurn]:
        if not self._path.is_file():
            return []
        turns: list[ConversationTurn] = []
        for line in self._path.read_text(encoding="utf-8").splitlines():
            try:
                item = json.loads(line)
            except ValueError:
                continue  # a line a killed process left half-written
            if isinstance(item, dict) and item.get("role") in (USER, ASSISTANT) and isinstance(item.get("text"), str):
                turns.append(ConversationTurn(item["role"], item["text"]))
        return turns[-limit:]

    def add(self, prompt: str, answer: str) -> bool:
        """Append the turn; False (logged) when the disk refused it (full, read-only): the file stays readable."""
        lines = [json.dumps({"role": USER, "text": prompt}), json.dumps({"role": ASSISTANT, "text": answer})]
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            prefix = ""
            if self._path.is_file() and self._path.stat().st_size:
                with self._path.open("rb") as existing:
                    existing.seek(-1, 2)
                    prefix = "" if existing.read(1) == b"\n" else "\n"  # end a line a killed process left open
            with self._path.open("a", encoding="utf-8") as file:
                file.write(prefix + "\n".join(lines) + "\n")  # one write: the pair lands together or not at all
        except OSError as error:
            # A partial write ends in a half line: recent() skips it, the next add() ends it first.
            logger.warning("Memory unavailable (%s: %s); this turn is not remembered", type(error).__name__, error)
            return False
        return True

    def long_term(self, query: str, top_k: int = 5) -> list[str]:
        return []


def conversation_memory(settings: Settings, caller: CallerIdentity, *, client: Any = None) -> ConversationMemory:
    """The caller's session memory: AgentCore Memory when ``MEMORY_ID`` is set, else local files."""
    if settings.memory_id:
        if client is None:
            import boto3

            client = boto3.client(
                "bedrock-agentcore", region_name=settings.model_region, config=boto_client_config(settings)
            )
        return AgentCoreConversationMemory(client, settings.memory_id, caller)
    return LocalConversationMemory(settings.local_memory_dir, caller)
