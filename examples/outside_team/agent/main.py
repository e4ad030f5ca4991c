"""The ledger team's agent: plain Python (standard-library HTTP server, boto3 Converse), not Strands.

It serves AgentCore Runtime's HTTP contract (``GET /ping``, ``POST /invocations`` on port 8080), verifies the
caller's token itself with the library's kit (the Runtime's JWT authorizer checked it too), answers with Bedrock
Converse, may call its two tools through the AgentCore Gateway (MCP over HTTP, the caller's token forwarded) and
keeps each turn in AgentCore Memory under the caller's verified ``sub``. Settings come from the environment variables
the constructs set (``agentcore_constructs.contract.env_vars``).
"""

from __future__ import annotations

import datetime
import json
import os
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
from botocore.config import Config

from agentcore_constructs.contract import env_vars
from agentcore_constructs.contract.invocation import SESSION_HEADER
from agentcore_constructs.kit.auth import JWTVerifier, TokenRejected, VerifierConfig, single_authorization

MAX_BODY_BYTES = 64 * 1024


def _setting(variable: env_vars.EnvVar, default: str = "") -> str:
    return os.environ.get(variable.name, default)


RETRIES = Config(
    retries={
        "max_attempts": int(_setting(env_vars.RETRY_MAX_ATTEMPTS, "4")),
        "mode": _setting(env_vars.RETRY_MODE, env_vars.DEFAULT_RETRY_MODE),
    },
    read_timeout=int(_setting(env_vars.HTTP_TIMEOUT_SECONDS, "60")),
)
_verifier_config = VerifierConfig.from_env()
VERIFIER = JWTVerifier.from_config(_verifier_config) if _verifier_config else None


def _mcp(gateway_url: str, authorization: str, method: str, params: dict[str, Any]) -> Any:
    """One MCP JSON-RPC request to the gateway with the caller's own token (the gateway and its interceptor verify
    it); the ``result`` member, or RuntimeError."""
    body = {"jsonrpc": "2.0", "id": str(uuid.uuid4()), "method": method, "params": params}
    request = urllib.request.Request(
        gateway_url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json", "Authorization": authorization},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the gateway URL is https
        reply = json.loads(response.read())
    if not isinstance(reply, dict) or "result" not in reply:
        raise RuntimeError(f"gateway {method} failed")
    return reply["result"]


def answer(prompt: str, actor: str, session: str, authorization: str) -> str:
    """Converse with the model, letting it call the gateway's tools, for at most AGENT_MAX_TURNS turns."""
    runtime = boto3.client("bedrock-runtime", region_name=_setting(env_vars.MODEL_REGION) or None, config=RETRIES)
    gateway_url = _setting(env_vars.GATEWAY_URL)
    tools = _mcp(gateway_url, authorization, "tools/list", {})["tools"] if gateway_url else []
    tool_config = {
        "tools": [
            {
                "toolSpec": {
                    "name": t["name"],
                    "description": t.get("description", ""),
                    "inputSchema": {"json": t["inputSchema"]},
                }
            }
            for t in tools
        ]
    }
    messages: list[dict[str, Any]] = [{"role": "user", "content": [{"text": prompt}]}]
    text = ""
    for _ in range(int(_setting(env_vars.MAX_TURNS, "8"))):
        result = runtime.converse(
            modelId=_setting(env_vars.MODEL_ID),
            messages=messages,
            inferenceConfig={"maxTokens": 1024},
            **({"toolConfig": tool_config} if tools else {}),
        )
        message = result["output"]["message"]
        messages.append(message)
        text = "".join(block.get("text", "") for block in message["content"])
        uses = [block["toolUse"] for block in message["content"] if "toolUse" in block]
        if not uses:
            break
        results = []
        for use in uses:
            outcome = _mcp(gateway_url, authorization, "tools/call", {"name": use["name"], "arguments": use["input"]})
            results.append({"toolResult": {"toolUseId": use["toolUseId"], "content": [{"json": outcome}]}})
        messages.append({"role": "user", "content": results})
    _remember(actor, session, prompt, text)
    return text


def _remember(actor: str, session: str, prompt: str, text: str) -> None:
    memory_id = _setting(env_vars.MEMORY_ID)
    if not memory_id:
        return
    boto3.client("bedrock-agentcore", config=RETRIES).create_event(
        memoryId=memory_id,
        actorId=actor,
        sessionId=session,
        eventTimestamp=datetime.datetime.now(datetime.UTC),
        payload=[
            {"conversational": {"role": "USER", "content": {"text": prompt}}},
            {"conversational": {"role": "ASSISTANT", "content": {"text": text}}},
        ],
    )


class Handler(BaseHTTPRequestHandler):
    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._send(200, {"status": "Healthy"}) if self.path == "/ping" else self._send(404, {"error": "Not found"})

    def do_POST(self) -> None:  # noqa: N802
        if self.path != "/invocations":
            return self._send(404, {"error": "Not found"})
        if VERIFIER is None:
            return self._send(401, {"error": "No identity configured"})
        try:
            authorization = single_authorization(self.headers.get_all("Authorization") or [])
            claims = VERIFIER.verify_authorization(authorization)
        except TokenRejected as rejected:
            return self._send(rejected.status, {"error": rejected.reason})
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= MAX_BODY_BYTES:
            return self._send(400, {"error": "Body must be a JSON object of at most 64 KiB"})
        try:
            payload = json.loads(self.rfile.read(length))
            prompt = payload["prompt"]
            if not isinstance(prompt, str) or not prompt.strip():
                raise ValueError
        except (ValueError, KeyError, TypeError):
            return self._send(400, {"error": "Expected a JSON object with a non-empty 'prompt'"})
        session = self.headers.get(SESSION_HEADER) or str(uuid.uuid4())
        return self._send(200, {"response": answer(prompt, claims["sub"], session, authorization or "")})


if __name__ == "__main__":
    ThreadingHTTPServer(("0.0.0.0", 8080), Handler).serve_forever()  # noqa: S104 - the Runtime's contract
