"""Keep a LangGraph conversation valid for the model after a turn that never finished.

A turn can stop half-way: the model or a tool raises, the wall-time limit cancels it, or the process dies. The
checkpointer has by then stored the user's prompt and often the model's ``AIMessage`` with ``tool_calls``, but not the
``ToolMessage`` results. Sent again, that history is refused by the provider: every ``toolUse`` must be answered by a
``toolResult`` in the next message and a ``toolResult`` must answer a ``toolUse`` of the message before (Amazon Bedrock
User Guide, "Call a tool with the Amazon Bedrock Converse API",
https://docs.aws.amazon.com/bedrock/latest/userguide/tool-use-inference-call.html; the ValidationException that then
repeats on every later turn: https://github.com/strands-agents/harness-sdk/issues/1435). Without a repair, the session
answers 500 forever.

:func:`complete_turns` keeps exactly the turns that ended, like :func:`.history.complete_turns` does for Strands: a
``HumanMessage``, then (``AIMessage`` with tool calls, a ``ToolMessage`` for each of them)*, then ``AIMessage``\\s
without tool calls; a ``ToolMessage`` that answers no call is dropped on its own. :func:`turn_input` is what the kit
sends for the next prompt: the prompt alone when the stored history is already complete, else the prompt with the
repaired history replacing the stored one (``REMOVE_ALL_MESSAGES``), so the repair is stored by the turn itself, with
any checkpointer. It is idempotent: a repaired history is complete and is never rewritten again.

langgraph-checkpoint-aws's ``AgentCoreMemorySaver`` patches such a history on load with placeholder ``ToolMessage``\\s
(``patch_orphan_tool_calls``) that exist only in the loaded state; they are dropped with their unfinished turn here, so
none is stored as an orphan tool result.
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, RemoveMessage, SystemMessage, ToolMessage
from langgraph.graph.message import REMOVE_ALL_MESSAGES

__all__ = ["complete_turns", "turn_input"]


def _tool_call_ids(message: AIMessage) -> set[str]:
    return {str(call.get("id")) for call in message.tool_calls}


def _complete_turn(turn: Sequence[BaseMessage]) -> list[BaseMessage]:
    """``turn`` (a ``HumanMessage`` and what followed it up to the next one) without orphan tool results, if it ended
    with an answer and each of its tool calls was answered right after the call; else []."""
    kept = [turn[0]]
    pending: set[str] = set()
    last: BaseMessage | None = None
    for message in turn[1:]:
        if isinstance(message, ToolMessage):
            if message.tool_call_id not in pending:
                continue  # answers no call of this exchange (an orphan or a duplicate): dropped alone
            pending.discard(message.tool_call_id)
            last = message
        elif isinstance(message, AIMessage):
            if pending:
                return []  # the model spoke again before all results came back
            pending = _tool_call_ids(message)
            last = message
        kept.append(message)  # system and other messages do not change the exchange
    complete = isinstance(last, AIMessage) and not last.tool_calls and not pending
    return kept if complete else []


def complete_turns(messages: Sequence[BaseMessage]) -> list[BaseMessage]:
    """The messages of every complete turn, in order (see the module docs); system messages before the first prompt
    are kept, anything else outside a complete turn (an unanswered prompt, an orphan tool result) is dropped."""
    kept: list[BaseMessage] = []
    turn: list[BaseMessage] = []
    for message in messages:
        if isinstance(message, HumanMessage):
            kept.extend(_complete_turn(turn) if turn else [])
            turn = [message]
        elif turn:
            turn.append(message)
        elif isinstance(message, SystemMessage):
            kept.append(message)
    kept.extend(_complete_turn(turn) if turn else [])
    return kept


def turn_input(stored: Sequence[BaseMessage], prompt: str) -> list[BaseMessage]:
    """The ``messages`` update that starts the next turn: the prompt, preceded by the repaired history when the stored
    one holds an unfinished turn (needs the ``add_messages`` reducer, as ``MessagesState`` and the prebuilt agent
    have)."""
    question = HumanMessage(content=prompt)
    kept = complete_turns(stored)
    if len(kept) == len(stored):
        return [question]
    return [RemoveMessage(id=REMOVE_ALL_MESSAGES), *kept, question]
