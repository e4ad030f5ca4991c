"""A deterministic, rule-based stand-in for the LLM: a development and test driver, NOT a language model.

It lets the whole agent (Strands event loop, tools, sessions, HTTP contract) run with no AWS account and
gives tests exact answers to assert on. Every answer starts with ``[offline model]`` so nobody mistakes it
for a real model. Rules, applied to the latest turn:

(a) the latest user message names an order id (``ORD-\\d{5}``), a ``lookup_order`` tool is offered (plain
    name or Gateway-style ``<target>___lookup_order``) and was not already called in this turn
    -> request that tool with ``{"order_id": ...}``;
(b) the latest message carries a tool result -> summarize it (order status, or the tool's error text);
(c) otherwise -> echo the prompt and report the history it received (number of earlier user turns and the
    previous user prompt), which lets tests prove that memory reaches the model.
"""

from __future__ import annotations

import json
import re
from typing import Any

from agentcore_constructs.contract.tools import TOOL_NAME_DELIMITER

#: Converse-shaped message, content block and tool spec (plain dicts: ``{"role": ..., "content": [...]}``).
Message = dict[str, Any]
Messages = list[Message]
ContentBlock = dict[str, Any]
ToolSpec = dict[str, Any]

PREFIX = "[offline model]"
ORDER_ID = re.compile(r"\bORD-\d{5}\b")
LOOKUP_TOOL = "lookup_order"
GATEWAY_TOOL_SEPARATOR = TOOL_NAME_DELIMITER  # AgentCore Gateway names tools "<target>___<tool>"
_MAX_ECHO = 200


def _texts(message: Message) -> list[str]:
    return [block["text"] for block in message.get("content", []) if "text" in block]


def _is_user_prompt(message: Message) -> bool:
    """A user message typed by a person (not a user-role message that only carries tool results)."""
    return message.get("role") == "user" and bool(_texts(message))


def _prompt_text(message: Message) -> str:
    # The last text block is the prompt; memory integrations prepend retrieved context as earlier blocks.
    return _texts(message)[-1]


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_ECHO else text[: _MAX_ECHO - 3] + "..."


def text_pieces(text: str) -> list[str]:
    """``text`` as the offline models stream it, word by word: each word with the whitespace after it (joined, they
    are exactly ``text``), so a streamed answer arrives in several deltas like a real model's."""
    return [piece for piece in re.findall(r"\S*\s*", text) if piece]


def is_lookup_tool(name: str) -> bool:
    return name == LOOKUP_TOOL or name.endswith(GATEWAY_TOOL_SEPARATOR + LOOKUP_TOOL)


class OfflineDriver:
    """The rules above over Bedrock Converse-shaped messages (what Strands uses; the LangChain adapter converts).
    Framework-neutral: no framework import."""

    def decide(self, messages: Messages, tool_specs: list[ToolSpec] | None) -> ContentBlock:
        """Return the single content block the driver answers with (a ``text`` or a ``toolUse`` block)."""
        if not messages:
            return {"text": f"{PREFIX} No prompt received."}
        latest = messages[-1]
        results = [block["toolResult"] for block in latest.get("content", []) if "toolResult" in block]
        if results:
            return {"text": self._summarize_tool_results(results)}

        prompt_index = max((i for i, m in enumerate(messages) if _is_user_prompt(m)), default=None)
        if prompt_index is None:
            return {"text": f"{PREFIX} No prompt received."}
        prompt = _prompt_text(messages[prompt_index])

        order = ORDER_ID.search(prompt)
        tool = next((s["name"] for s in tool_specs or [] if is_lookup_tool(s["name"])), None)
        if order and tool and not self._tool_called_in_turn(messages[prompt_index:], tool):
            return {
                "toolUse": {
                    # Deterministic id: position in the conversation.
                    "toolUseId": f"offline-{len(messages)}",
                    "name": tool,
                    "input": {"order_id": order.group(0)},
                }
            }

        earlier = [m for m in messages[:prompt_index] if _is_user_prompt(m)]
        history = f"history: {len(earlier)} earlier user turns"
        if earlier:
            history += f"; last: '{_clip(_prompt_text(earlier[-1]))}'"
        return {"text": f"{PREFIX} You said: '{_clip(prompt)}'. {history}."}

    @staticmethod
    def _tool_called_in_turn(turn: Messages, tool: str) -> bool:
        called = {
            block["toolUse"]["toolUseId"]
            for message in turn
            for block in message.get("content", [])
            if "toolUse" in block and block["toolUse"]["name"] == tool
        }
        return any(
            "toolResult" in block and block["toolResult"]["toolUseId"] in called
            for message in turn
            for block in message.get("content", [])
        )

    @staticmethod
    def _summarize_tool_results(results: list[Any]) -> str:
        parts = []
        for result in results:
            payloads: list[Any] = []
            for block in result.get("content", []):
                if "json" in block:
                    payloads.append(block["json"])
                elif "text" in block:
                    try:
                        payloads.append(json.loads(block["text"]))
                    except ValueError:
                        payloads.append(block["text"])
            if result.get("status") == "error":
                detail = "; ".join(p if isinstance(p, str) else json.dumps(p, sort_keys=True) for p in payloads)
                parts.append(f"The tool reported an error: {_clip(detail) or 'no details'}.")
                continue
            for payload in payloads:
                if isinstance(payload, dict) and "status" in payload:
                    order_id = payload.get("order_id") or payload.get("orderId") or "the order"
                    parts.append(f"Order {order_id} status: {payload['status']}.")
                else:
                    text = payload if isinstance(payload, str) else json.dumps(payload, sort_keys=True)
                    parts.append(f"Tool result: {_clip(text)}.")
        return f"{PREFIX} " + (" ".join(parts) or "The tool returned nothing.")
