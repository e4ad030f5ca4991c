"""Where the end-to-end test bodies run: a deployed environment, or the local stack (`make dev`) in CI.

Both targets expose the same small surface, so every e2e test body runs against both:

* ``token_for(user)``: an access token for a test user (deployed: a Cognito user created — and later deleted — by
  the suite; local: the local token issuer);
* ``invoke(prompt, token=..., session_id=...)``: POST /invocations through the JWT-protected entry point;
* ``logs_mention(session_id, timeout)``: the agent's log lines for that session appeared (deployed: CloudWatch
  Logs, bounded wait; local: the same log records, captured in-process);
* ``order_ids``: an order each test user owns (deployed: from E2E_* variables; local: the fake upstream's data);
* ``gateway_url`` and :func:`call_tool`: the tool gateway, called directly over MCP with a user's token (None when
  the environment has no gateway).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import string
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentcore_constructs.contract.invocation import SESSION_HEADER


@dataclass
class Response:
    status: int
    body: dict[str, Any]

    @property
    def text(self) -> str:
        return str(self.body.get("response", self.body.get("error", "")))


def new_session_id() -> str:
    # AgentCore session ids are at least 33 characters.
    return f"e2e-{uuid.uuid4().hex}{uuid.uuid4().hex[:8]}"


def _post(url: str, payload: Any, headers: dict[str, str], timeout: float) -> Response:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Response(response.status, _json(response.read()))
    except urllib.error.HTTPError as error:
        return Response(error.code, _json(error.read()))


@dataclass
class ToolOutcome:
    """How the gateway answered one tools/call: a JSON-RPC error (e.g. a policy denial), or the tool's result."""

    rpc_error: str | None = None
    is_error: bool = False
    text: str = ""

    @property
    def tool_error_code(self) -> str | None:
        try:
            error = json.loads(self.text).get("error")
        except (ValueError, AttributeError):
            return None
        return error.get("code") if isinstance(error, dict) else None


def call_tool(gateway_url: str, token: str, name: str, arguments: dict[str, Any]) -> ToolOutcome:
    """One MCP tools/call through the gateway with ``token`` (the real mcp client, streamable HTTP)."""
    import asyncio

    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client
    from mcp.shared.exceptions import McpError

    async def main() -> ToolOutcome:
        async with create_mcp_http_client(headers={"Authorization": f"Bearer {token}"}) as http:
            async with streamable_http_client(gateway_url, http_client=http) as (read, write, _):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    result = await session.call_tool(name, arguments)
                    text = "".join(getattr(block, "text", "") for block in result.content)
                    return ToolOutcome(is_error=bool(result.isError), text=text)

    try:
        return asyncio.run(main())
    except BaseException as raised:  # noqa: BLE001 - the MCP client raises the JSON-RPC error inside a task group
        errors: list[BaseException] = [raised]
        while errors:
            error = errors.pop()
            if isinstance(error, McpError):
                return ToolOutcome(rpc_error=error.error.message)
            errors.extend(getattr(error, "exceptions", ()))
        raise


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw or b"{}")
    except json.JSONDecodeError:
        return {"raw": raw.decode(errors="replace")}
    return value if isinstance(value, dict) else {"value": value}


class _LogCapture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        from bedrock_agentcore.runtime.app import RequestContextFormatter

        self.setFormatter(RequestContextFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


_MIGRATION = Path(__file__).resolve().parents[2] / "docs" / "migration"
#: The migrated seed PoC after its last stage (docs/migration.md), in Strands and in LangGraph: the e2e suite runs
#: each as written.
MIGRATED_POCS = {
    "poc": _MIGRATION / "stage4_identity.py",
    "poc-langgraph": _MIGRATION / "langgraph" / "stage4_identity.py",
}


def app_of_agent_file(path: Path) -> Any:
    """The kit app an agent file runs under ``__main__`` (``AgentCoreApp(...).run()``, Strands or LangGraph),
    captured instead of served."""
    import runpy
    from contextlib import ExitStack
    from unittest import mock

    from agentcore_constructs.kit import langgraph, strands

    captured: list[Any] = []
    with ExitStack() as patches:
        for app_class in (strands.AgentCoreApp, langgraph.AgentCoreApp):
            patches.enter_context(mock.patch.object(app_class, "run", lambda self, port=None: captured.append(self)))
        runpy.run_path(str(path), run_name="__main__")
    (app,) = captured
    return app


@dataclass
class LocalTarget:
    """The `make dev` stack (agent + JWT authorizer + local gateway + fake upstream), in this process.

    ``agent``: the Strands support agent (``"strands"``), its LangGraph flavour (``"langgraph"``), or the migrated
    seed PoC (``"poc"``, in LangGraph ``"poc-langgraph"``)."""

    name: str = "local"
    agent: str = "strands"
    order_ids: dict[str, str] = field(default_factory=lambda: {"alice": "ORD-10001", "bob": "ORD-20002"})

    def __post_init__(self) -> None:
        from local_dev.server import start_dev_stack

        self._memory_dir = tempfile.TemporaryDirectory(prefix="e2e-memory-")
        self._stack = start_dev_stack(
            port=0,
            env={"LOCAL_MEMORY_DIR": self._memory_dir.name, "MODEL_PROVIDER": "offline"},
            agent=app_of_agent_file(MIGRATED_POCS[self.agent]) if self.agent in MIGRATED_POCS else self.agent,
        )
        self._capture = _LogCapture()
        logging.getLogger("bedrock_agentcore.app").addHandler(self._capture)
        self.gateway_url: str | None = self._stack.gateway.url if self._stack.gateway is not None else None

    def token_for(self, user: str) -> str:
        return self._stack.token_for(user)

    def invoke(self, prompt: Any, *, token: str | None, session_id: str) -> Response:
        headers = {SESSION_HEADER: session_id}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return _post(
            f"{self._stack.agent.url}/invocations",
            {"prompt": prompt} if not isinstance(prompt, dict) else prompt,
            headers,
            30,
        )

    def logs_mention(self, session_id: str, timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(f'"sessionId": "{session_id}"' in line for line in self._capture.lines):
                return True
            time.sleep(0.05)
        return False

    def close(self) -> None:
        logging.getLogger("bedrock_agentcore.app").removeHandler(self._capture)
        self._stack.stop()
        self._memory_dir.cleanup()


class DeployedTarget:
    """A deployed environment, found from its CloudFormation outputs (nothing hard-coded)."""

    def __init__(self, environment: str, region: str | None = None) -> None:
        import boto3

        self.name = f"deployed:{environment}"
        self._session = boto3.Session(region_name=region)
        self.region = self._session.region_name or "us-east-1"
        cloudformation = self._session.client("cloudformation")
        self.outputs: dict[str, str] = {}
        for stack_name in (f"{environment}-agent-stateful", f"{environment}-agent-runtime"):
            (stack,) = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
            self.outputs.update({o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])})
        missing = {"RuntimeArn", "RuntimeId", "EndpointName", "UserPoolId", "E2eClientId"} - set(self.outputs)
        if missing:
            raise LookupError(
                f"{environment} lacks outputs {sorted(missing)}: deploy with the identity stage and "
                "identity_e2e_client on"
            )
        # `make e2e ENV=staging ENDPOINT=canary`: exercise the newest version before the pinned endpoint moves to it.
        self.endpoint = os.environ.get("E2E_ENDPOINT") or self.outputs["EndpointName"]
        self.gateway_url: str | None = self.outputs.get("GatewayUrl")
        self._cognito = self._session.client("cognito-idp")
        self._logs = self._session.client("logs")
        self._users: dict[str, str] = {}
        # Orders the deployed upstream holds for the suite's users (the fake data exists only locally).
        self.order_ids = {
            user: os.environ[f"E2E_{user.upper()}_ORDER"]
            for user in ("alice", "bob")
            if os.environ.get(f"E2E_{user.upper()}_ORDER")
        }

    def token_for(self, user: str) -> str:
        username = self._users.get(user) or f"e2e-{user}-{uuid.uuid4().hex[:10]}@example.com"
        password = _strong_password()
        pool = self.outputs["UserPoolId"]
        if user not in self._users:
            self._cognito.admin_create_user(
                UserPoolId=pool,
                Username=username,
                MessageAction="SUPPRESS",
                UserAttributes=[{"Name": "email", "Value": username}, {"Name": "email_verified", "Value": "true"}],
            )
            self._users[user] = username
        self._cognito.admin_set_user_password(UserPoolId=pool, Username=username, Password=password, Permanent=True)
        result = self._cognito.admin_initiate_auth(
            UserPoolId=pool,
            ClientId=self.outputs["E2eClientId"],
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
        if "AuthenticationResult" not in result:
            raise RuntimeError(
                f"Cognito asked for {result.get('ChallengeName')}: run the e2e suite where MFA is optional"
            )
        return result["AuthenticationResult"]["AccessToken"]

    def invoke(self, prompt: Any, *, token: str | None, session_id: str) -> Response:
        arn = urllib.parse.quote(self.outputs["RuntimeArn"], safe="")
        qualifier = urllib.parse.quote(self.endpoint, safe="")
        url = f"https://bedrock-agentcore.{self.region}.amazonaws.com/runtimes/{arn}/invocations?qualifier={qualifier}"
        headers = {SESSION_HEADER: session_id}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return _post(url, {"prompt": prompt} if not isinstance(prompt, dict) else prompt, headers, 120)

    def logs_mention(self, session_id: str, timeout: float = 180) -> bool:
        group = f"/aws/bedrock-agentcore/runtimes/{self.outputs['RuntimeId']}-{self.endpoint}"
        start = int((time.time() - 900) * 1000)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                events = self._logs.filter_log_events(
                    logGroupName=group, startTime=start, filterPattern=f'"{session_id}"', limit=5
                )
                if events.get("events"):
                    return True
            except self._logs.exceptions.ResourceNotFoundException:
                pass
            time.sleep(10)
        return False

    def served_version(self) -> str | None:
        """The runtime version the endpoint serves (GetAgentRuntimeEndpoint ``liveVersion``), None if unreadable."""
        try:
            endpoint = self._session.client("bedrock-agentcore-control").get_agent_runtime_endpoint(
                agentRuntimeId=self.outputs["RuntimeId"], endpointName=self.endpoint
            )
        except Exception:  # noqa: BLE001 - the run record says "version unknown" rather than fail the suite
            return None
        version = endpoint.get("liveVersion")
        return str(version) if version else None

    def close(self) -> None:
        for username in self._users.values():
            try:
                self._cognito.admin_delete_user(UserPoolId=self.outputs["UserPoolId"], Username=username)
            except self._cognito.exceptions.UserNotFoundException:
                pass


def _strong_password() -> str:
    alphabet = string.ascii_letters + string.digits
    return "E2e!" + "".join(secrets.choice(alphabet) for _ in range(20)) + "a1Z"


def deployed_target_or_skip_reason() -> tuple[DeployedTarget | None, str | None]:
    environment = os.environ.get("E2E_ENV")
    if not environment:
        return None, "no deployed environment: set E2E_ENV=<env> (e.g. `make e2e ENV=staging`) with AWS credentials"
    try:
        import boto3

        if boto3.Session().get_credentials() is None:
            return None, "no AWS credentials found for the deployed e2e run"
        return DeployedTarget(environment), None
    except Exception as error:  # noqa: BLE001 - any lookup failure is a reason to skip, stated in full
        return None, f"deployed environment {environment!r} not usable: {error}"
