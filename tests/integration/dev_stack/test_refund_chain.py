"""Refunds through the whole local chain of `make dev`, as the deployed gateway runs it: JWT authorizer -> the Cedar
policies (ENFORCE) -> the caller interceptor Lambda -> the order service -> the orders API. Staff membership comes only
from the verified token's cognito:groups; which intended refund a call is comes only from the MCP request's _meta
(the runtime session and the model's tool-call id), which the kit's MCP clients send."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from mcp import McpError
from strands.models import Model

from agentcore_constructs.contract.tools import RUNTIME_SESSION_META, TOOL_CALL_ID_META
from agentcore_constructs.kit.identity import CallerIdentity
from agentcore_constructs.kit.langgraph import LangGraphAgentRunner, gateway_tools
from agentcore_constructs.kit.settings import load_settings
from agentcore_constructs.kit.strands import StrandsAgentRunner
from local_dev.tool_policy import POLICY_DENIED
from order_service.handler import refund_idempotency_key
from tests.integration.gateway.test_local_gateway_mcp import run_session

REFUND = "order-service___issue_refund"
ARGS = {"order_id": "ORD-20002", "amount_cents": 500, "reason": "one tea arrived broken"}
SESSION = "refund-chain-session-0123456789abcdef"
STAFF_CLAIMS = {"cognito:groups": ["support-staff"]}


def call(dev_stack, token: str, arguments: dict, tool_call_id: str | None = "tooluse_1", session: str = SESSION):
    """One tools/call as the kit's MCP client sends it: the session and the tool-call id in _meta."""
    headers = {"Authorization": f"Bearer {token}"}
    meta = {RUNTIME_SESSION_META: session, TOOL_CALL_ID_META: tool_call_id} if tool_call_id else None
    return run_session(dev_stack.gateway.url, lambda s: s.call_tool(REFUND, arguments, meta=meta), headers=headers)


def denial(dev_stack, token: str, arguments: dict) -> McpError:
    """The JSON-RPC error the call was answered with (the MCP client raises it inside its task group)."""
    try:
        call(dev_stack, token, arguments)
    except BaseException as raised:  # noqa: BLE001 - unwrapped below
        errors = [raised]
        while errors:
            error = errors.pop()
            if isinstance(error, McpError):
                return error
            errors.extend(getattr(error, "exceptions", ()))
        raise
    raise AssertionError("the call was not refused")


def test_support_staff_refund_reaches_the_orders_api_once(dev_stack, upstream):
    token = dev_stack.token_for("sam", extra_claims=STAFF_CLAIMS)
    first = json.loads(call(dev_stack, token, ARGS).content[0].text)
    again = json.loads(call(dev_stack, token, ARGS).content[0].text)  # the same tool call, delivered again
    assert first["status"] == "issued" and first["issued_by"] == "sam" and first["replayed"] is False
    assert again == {**first, "replayed": True}
    assert len(upstream.refunds) == 1


def test_two_intended_refunds_with_the_same_arguments_both_apply(dev_stack, upstream):
    token = dev_stack.token_for("sam", extra_claims=STAFF_CLAIMS)
    first = json.loads(call(dev_stack, token, ARGS, tool_call_id="tooluse_1").content[0].text)
    second = json.loads(call(dev_stack, token, ARGS, tool_call_id="tooluse_2").content[0].text)
    assert first["refund_id"] != second["refund_id"] and not first["replayed"] and not second["replayed"]
    assert [r["amount_cents"] for r in upstream.refunds] == [500, 500]


def test_a_refund_without_session_and_tool_call_id_is_refused(dev_stack, upstream):
    token = dev_stack.token_for("sam", extra_claims=STAFF_CLAIMS)
    result = call(dev_stack, token, ARGS, tool_call_id=None)
    assert result.isError and "no runtime session id or tool-call id" in result.content[0].text
    assert upstream.requests == []


def test_a_session_and_tool_call_id_in_the_arguments_are_replaced_by_the_interceptor(dev_stack, upstream):
    token = dev_stack.token_for("sam", extra_claims=STAFF_CLAIMS)
    forged = {**ARGS, "runtime_session_id": "victim-session", "tool_call_id": "tooluse_victim"}
    result = json.loads(call(dev_stack, token, forged, tool_call_id="tooluse_mine").content[0].text)
    assert result["status"] == "issued"
    [request] = upstream.requests
    assert request.headers["Idempotency-Key"] == refund_idempotency_key("sam", SESSION, "tooluse_mine")


@pytest.mark.parametrize(
    ("claims", "arguments"),
    [
        ({}, ARGS),  # a customer
        ({"cognito:groups": ["support-staff-trainee"]}, ARGS),
        (STAFF_CLAIMS, {**ARGS, "amount_cents": 50_001}),
    ],
    ids=["customer", "lookalike-group", "over-the-limit"],
)
def test_the_policy_denies_before_anything_runs(dev_stack, upstream, claims, arguments):
    token = dev_stack.token_for("alice", extra_claims=claims)
    assert denial(dev_stack, token, arguments).error.code == POLICY_DENIED
    assert upstream.requests == []


def test_a_model_claiming_staff_in_the_arguments_changes_nothing(dev_stack, upstream):
    token = dev_stack.token_for("alice")
    denied = denial(dev_stack, token, {**ARGS, "caller_groups": "support-staff", "caller_id": "sam"})
    assert denied.error.code == POLICY_DENIED
    assert upstream.requests == []


# --------------------------------------------------------------------------- the kit's agents


def settings_for(dev_stack, tmp_path) -> Any:
    env = {"MODEL_PROVIDER": "offline", "LOCAL_MEMORY_DIR": str(tmp_path), "GATEWAY_URL": dev_stack.gateway.url}
    return load_settings(env, credentials_available=lambda: False)


def staff_member(dev_stack) -> CallerIdentity:
    return CallerIdentity(
        actor_id="sam", session_id=SESSION, bearer_token=dev_stack.token_for("sam", extra_claims=STAFF_CLAIMS)
    )


class RefundingModel(Model):
    """A scripted Strands model: asks for one refund per id in ``tool_use_ids`` (in one message), then answers with
    the tool results it was given, verbatim -- what the model saw."""

    def __init__(self, *tool_use_ids: str) -> None:
        self.tool_use_ids = tool_use_ids

    def update_config(self, **config: Any) -> None:
        pass

    def get_config(self) -> dict[str, Any]:
        return {}

    async def structured_output(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError
        yield

    async def stream(self, messages: Any, tool_specs: Any = None, system_prompt: Any = None, **kwargs: Any) -> Any:
        results = [block["toolResult"] for block in messages[-1]["content"] if "toolResult" in block]
        yield {"messageStart": {"role": "assistant"}}
        if results:
            text = json.dumps([{"status": r["status"], "content": r["content"]} for r in results])
            yield {"contentBlockStart": {"start": {}}}
            yield {"contentBlockDelta": {"delta": {"text": text}}}
            yield {"contentBlockStop": {}}
            yield {"messageStop": {"stopReason": "end_turn"}}
            return
        for tool_use_id in self.tool_use_ids:
            yield {"contentBlockStart": {"start": {"toolUse": {"toolUseId": tool_use_id, "name": REFUND}}}}
            yield {"contentBlockDelta": {"delta": {"toolUse": {"input": json.dumps(ARGS)}}}}
            yield {"contentBlockStop": {}}
        yield {"messageStop": {"stopReason": "tool_use"}}


def strands_refunds(dev_stack, tmp_path, *tool_use_ids: str) -> list[dict[str, Any]]:
    """The tool results the Strands model saw, after the kit's agent ran its refund tool calls."""
    runner = StrandsAgentRunner(settings_for(dev_stack, tmp_path), model=RefundingModel(*tool_use_ids))
    try:
        answer = runner.ask("Refund 5.00 on ORD-20002: one tea arrived broken.", staff_member(dev_stack))
    finally:
        runner.gateway_sessions.close()
    return [json.loads(result["content"][0]["text"]) for result in json.loads(answer)]


def test_the_strands_agent_sends_its_tool_use_ids_so_two_intended_refunds_both_apply(dev_stack, upstream, tmp_path):
    first, second = strands_refunds(dev_stack, tmp_path, "tooluse_a", "tooluse_b")
    assert first["refund_id"] != second["refund_id"] and not first["replayed"] and not second["replayed"]
    keys = {r.headers["Idempotency-Key"] for r in upstream.requests}
    assert keys == {refund_idempotency_key("sam", SESSION, t) for t in ("tooluse_a", "tooluse_b")}


def test_a_lost_answer_is_retried_refunded_once_and_the_agent_sees_replayed(dev_stack, upstream, tmp_path):
    # The gateway ran the refund, then its answer was lost (HTTP 502): the kit's MCP client retries the same
    # tools/call -- same _meta, same key -- and the orders API answers with the refund it already issued.
    dev_stack.gateway.lose_next_answers(1, status=502)
    [seen] = strands_refunds(dev_stack, tmp_path, "tooluse_lost")
    assert seen["status"] == "issued" and seen["replayed"] is True
    assert len(upstream.refunds) == 1
    first, retried = upstream.requests
    assert first.headers["Idempotency-Key"] == retried.headers["Idempotency-Key"]


class RefundingChatModel(BaseChatModel):
    """The same script as a LangChain chat model: two identical refund tool calls, then the results verbatim."""

    @property
    def _llm_type(self) -> str:
        return "refunding"

    def bind_tools(self, tools: Any, **kwargs: Any) -> Any:
        return self

    def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> ChatResult:
        results = [m.content for m in messages if isinstance(m, ToolMessage)]
        if results:
            message = AIMessage(content=json.dumps(results))
        else:
            calls = [{"id": f"call_{n}", "name": REFUND, "args": ARGS} for n in (1, 2)]
            message = AIMessage(content="", tool_calls=calls)
        return ChatResult(generations=[ChatGeneration(message=message)])


def test_the_langgraph_agent_sends_its_tool_call_ids_so_two_intended_refunds_both_apply(dev_stack, upstream, tmp_path):
    runner = LangGraphAgentRunner(settings_for(dev_stack, tmp_path), model=RefundingChatModel())
    answer = runner.ask("Refund 5.00 on ORD-20002 twice.", staff_member(dev_stack))
    first, second = (
        json.loads(content if isinstance(content, str) else content[0]["text"]) for content in json.loads(answer)
    )
    assert first["refund_id"] != second["refund_id"] and not first["replayed"] and not second["replayed"]
    keys = {r.headers["Idempotency-Key"] for r in upstream.requests}
    assert keys == {refund_idempotency_key("sam", SESSION, t) for t in ("call_1", "call_2")}


def test_a_langgraph_tool_called_outside_a_tool_node_has_no_tool_call_id_and_is_refused(dev_stack, upstream, tmp_path):
    # No ToolNode, no ToolRuntime, no tool-call id: the refund fails closed rather than guess which call this is.
    async def direct_call() -> Any:
        caller = staff_member(dev_stack)
        async with gateway_tools(
            settings_for(dev_stack, tmp_path), caller.bearer_token, session_id=caller.session_id
        ) as tools:
            [refund] = [t for t in tools if t.name == REFUND]
            return await refund.ainvoke(ARGS)

    result = asyncio.run(direct_call())
    assert "no runtime session id or tool-call id" in json.dumps(result)
    assert upstream.requests == []
