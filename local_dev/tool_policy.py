"""The gateway's Cedar tool policies, evaluated locally by the real Cedar engine (cedarpy), so `make dev` and the
tests refuse exactly what the deployed policy engine would.

The request is built the way AgentCore Gateway builds it (developer guide, "Authorization flow"): principal
``AgentCore::OAuthUser::"<sub>"`` with the verified token's claims as tags, action
``AgentCore::Action::"<target>___<tool>"``, resource ``AgentCore::Gateway::"<gateway ARN>"``, context
``{"input": <tool arguments as the model sent them>}``. The files are the ones ``ToolPolicy`` deploys, with the same
placeholders filled in.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cedarpy

from agentcore_constructs.contract.tool_policy import GATEWAY_ARN_PLACEHOLDER, read_policy_files, render_policy
from local_dev.gateway import InterceptorRejected, RequestInterceptor

#: The policies the app deploys (stacks/agent_stage.py passes the same folder to ToolPolicy).
TOOL_POLICY_DIR = Path(__file__).resolve().parent.parent / "policies" / "gateway"
#: The local gateway's stand-in ARN (account and id are obvious fakes).
LOCAL_GATEWAY_ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/local-gateway-0000000000"
#: JSON-RPC error code of a call the policy denies (the local choice; what AgentCore returns is not documented here).
POLICY_DENIED = -32003


@dataclass(frozen=True)
class Decision:
    allowed: bool
    policies: tuple[str, ...]  #: the policies that decided (permits for an allow, forbids for a deny, if any)


class LocalToolPolicy:
    def __init__(
        self,
        policy_dir: Path,
        variables: Mapping[str, str] | None = None,
        *,
        gateway_arn: str = LOCAL_GATEWAY_ARN,
        mode: str = "ENFORCE",
    ) -> None:
        values = {**dict(variables or {}), GATEWAY_ARN_PLACEHOLDER: gateway_arn}
        files = read_policy_files(policy_dir)
        # Cedar ids: policy0..N in file order; keep the file names to report which one decided.
        self._names = list(files)
        self.policies = "\n".join(render_policy(text, values, name) for name, text in files.items())
        self.gateway_arn = gateway_arn
        self.mode = mode

    def authorize(self, claims: Mapping[str, Any], tool_name: str, arguments: Mapping[str, Any]) -> Decision:
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            return Decision(False, ())
        tags = {name: tag for name, value in claims.items() if (tag := claim_tag(value)) is not None}
        entities = [
            {
                "uid": {"type": "AgentCore::OAuthUser", "id": subject},
                "attrs": {"id": subject},
                "parents": [],
                "tags": tags,
            }
        ]
        request = {
            "principal": f'AgentCore::OAuthUser::"{_escape(subject)}"',
            "action": f'AgentCore::Action::"{_escape(tool_name)}"',
            "resource": f'AgentCore::Gateway::"{_escape(self.gateway_arn)}"',
            "context": {"input": dict(arguments)},
        }
        result = cedarpy.is_authorized(request, self.policies, entities)
        reasons = tuple(self._names[int(r.removeprefix("policy"))] for r in result.diagnostics.reasons)
        return Decision(result.decision == cedarpy.Decision.Allow, reasons)


def claim_tag(value: Any) -> str | None:
    """A JWT claim as AgentCore tags it: every claim becomes a string (numbers as their digits, booleans as
    "true"/"false", arrays and objects as their JSON text); a null claim is no tag at all (developer guide,
    "Principal-scoped policies", OAuth principals). Compact JSON as the guide's example shows
    (``["insurance:claim","insurance:view"]``)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def policy_interceptor(
    policy: LocalToolPolicy, verify: Callable[[str | None], Mapping[str, Any]], then: RequestInterceptor
) -> RequestInterceptor:
    """A request interceptor that asks the policy first (on the verified caller and the arguments as sent), then
    runs ``then``. In ENFORCE mode a deny answers the call with a JSON-RPC error; LOG_ONLY lets it through."""

    def intercept(
        headers: Mapping[str, str], tool_name: str, arguments: dict[str, Any], meta: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        try:
            claims = verify(headers.get("authorization"))
        except Exception:  # noqa: BLE001 - no verified caller: the policy has no principal, fail closed
            raise InterceptorRejected(POLICY_DENIED, "tool call denied: no verified caller") from None
        decision = policy.authorize(claims, tool_name, arguments)
        if not decision.allowed and policy.mode == "ENFORCE":
            raise InterceptorRejected(POLICY_DENIED, f"tool call denied by policy: {tool_name}")
        return then(headers, tool_name, arguments, meta)

    return intercept
