"""Calls an agent's ``/invocations`` over HTTP and finds a deployed environment from its CloudFormation outputs:
shared by the end-to-end suite (tests/e2e) and the evaluation runner (evals/run.py), which must not import tests.

A deployed target creates Cognito test users (``token_for``) and deletes them on ``close()``; it needs AWS
credentials and the stacks' outputs (``RuntimeArn``, ``RuntimeId``, ``EndpointName``, ``UserPoolId``,
``E2eClientId``).
"""

from __future__ import annotations

import json
import os
import secrets
import string
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

from agentcore_constructs.contract.invocation import SESSION_HEADER  # re-exported for the e2e suite


@dataclass
class Response:
    status: int
    body: dict[str, Any]

    @property
    def text(self) -> str:
        return str(self.body.get("response", self.body.get("error", "")))


def post_json(url: str, payload: Any, headers: dict[str, str], timeout: float) -> Response:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Response(response.status, _json(response.read()))
    except urllib.error.HTTPError as error:
        return Response(error.code, _json(error.read()))


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw or b"{}")
    except json.JSONDecodeError:
        return {"raw": raw.decode(errors="replace")}
    return value if isinstance(value, dict) else {"value": value}


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
        return post_json(url, {"prompt": prompt} if not isinstance(prompt, dict) else prompt, headers, 120)

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
