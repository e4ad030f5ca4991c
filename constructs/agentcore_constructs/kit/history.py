"""Keep only complete turns of a stored conversation, so an interrupted request never corrupts it.

A process can die between storing the user's message and storing the answer (a crash, a deploy, the Runtime's
session ending). The stored history then ends with a user message, or with a tool call whose result never came;
the next request adds another user message, and Bedrock's Converse API refuses the conversation (messages must
start with the user and alternate roles; every ``toolUse`` must be answered by a ``toolResult`` in the next user
message: Amazon Bedrock API reference, Converse, "messages").

:func:`complete_turns` keeps exactly the turns that ended: a user prompt, then (assistant ``toolUse``, user
``toolResult`` with the same ids)*, then an assistant message without ``toolUse``. Anything else is dropped, on every
load (the store is append-only, so the repair is applied each time, idempotently). Messages are Strands/Converse
shaped dicts: ``{"role": "user" | "assistant", "content": [blocks]}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Message = dict[str, Any]


def _blocks(message: Message, kind: str) -> list[dict[str, Any]]:
    return [b[kind] for b in message.get("content") or [] if isinstance(b, dict) and kind in b]


def _is_prompt(message: Message) -> bool:
    """A user message a person typed (not one that only carries tool results)."""
    return message.get("role") == "user" and not _blocks(message, "toolResult")


def _turn_is_valid(turn: Sequence[Message]) -> bool:
    expected = "user"
    pending: set[str] = set()
    for index, message in enumerate(turn):
        if message.get("role") != expected:
            return False
        if expected == "assistant":
            pending = {str(t.get("toolUseId")) for t in _blocks(message, "toolUse")}
            last = index == len(turn) - 1
            if last != (not pending):  # only the final assistant message may (and must) be tool-free
                return False
            expected = "user"
        else:
            if index > 0 and {str(r.get("toolUseId")) for r in _blocks(message, "toolResult")} != pending:
                return False
            expected = "assistant"
    return expected == "user" and not pending and len(turn) >= 2


def complete_turns(messages: Sequence[Message]) -> list[Message]:
    """The messages of every complete, well-formed turn, in order (see the module docs)."""
    kept: list[Message] = []
    current: list[Message] = []
    for message in messages:
        if not isinstance(message, dict):
            continue
        if _is_prompt(message):
            current = [message]  # an unanswered earlier prompt is dropped with its partial turn
            continue
        if not current:
            continue  # orphan: no prompt starts this turn
        current.append(message)
        if message.get("role") == "assistant" and not _blocks(message, "toolUse"):
            if _turn_is_valid(current):
                kept.extend(current)
            current = []
    return kept


def repair_in_place(messages: list[Message]) -> int:
    """Replace ``messages`` by its complete turns; the number of messages dropped."""
    kept = complete_turns(messages)
    dropped = len(messages) - len(kept)
    if dropped:
        messages[:] = kept
    return dropped
