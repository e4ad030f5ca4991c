"""A local stand-in for AgentCore Gateway: MCP (streamable HTTP) in front of the Lambda tool handlers, in-process.

* Serves every tool declared in each service's ``tools.py`` as ``<target>___<tool>`` with the declaration's
  Gateway schema (exactly what the CDK app publishes).
* Calls the Lambda handler with the Gateway Lambda contract: ``event`` = the tool arguments,
  ``context.client_context.custom`` = ``bedrockAgentCoreToolName`` (prefixed name), ``bedrockAgentCoreGatewayId``,
  ``bedrockAgentCoreTargetId``, ``bedrockAgentCoreMessageVersion``, ``bedrockAgentCoreAwsRequestId``,
  ``bedrockAgentCoreMcpMessageId``.
* A structured tool error (``{"error": {"code", "message", ...}}``) becomes ``CallToolResult(isError=True)`` with the
  message text; any other result is returned as JSON text content.
* Request interceptor hook (:data:`RequestInterceptor`): ``(headers, tool_name, arguments, meta) -> arguments``
  (``meta``: the request's ``params._meta``), applied before every invocation; raising :class:`InterceptorRejected`
  answers the ``tools/call`` with that JSON-RPC error instead. The default, :func:`strip_caller_id`, removes every
  reserved argument the model supplied (``caller_id``, ``caller_groups``, ``runtime_session_id``,
  ``tool_call_id``). Stage 4
  (Identity): :func:`lambda_request_interceptor` runs THE deployed interceptor Lambda
  (``lambdas/gateway_interceptor/handler.py``, ``lambda_handler``) in-process with the AgentCore interceptor event,
  so ``caller_id`` is the verified ``sub`` and ``runtime_session_id``/``tool_call_id`` come from ``_meta``, exactly
  as in the cloud.
* Inbound auth (stage 4): ``start_local_gateway(verifier=...)`` puts :class:`local_dev.auth.JWTAuthMiddleware`
  in front of the MCP endpoint -- the Gateway's CUSTOM_JWT authorizer (every MCP request needs a valid access
  token with the tools scope; 401 otherwise).

DEV ONLY configuration: the handlers run without AWS. Each :class:`LocalToolService` carries the environment and
secret values its handler would get in Lambda; they are handed to the handler through the handler module's
``DEV_RUNTIME`` context variable, scoped to the invocation (the production code path -- ``os.environ`` and Secrets
Manager via Powertools -- is untouched).

    gw = start_local_gateway()            # also starts the fake orders API (local_dev/upstream.py)
    print(gw.url)                         # http://127.0.0.1:<port>/mcp
    gw.stop()

Run standalone: ``python -m local_dev.gateway [--port 8090]``.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib.metadata
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import ModuleType, SimpleNamespace
from typing import Any

import anyio.to_thread
import uvicorn
from mcp import types
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.shared.exceptions import McpError
from starlette.applications import Starlette
from starlette.routing import Route

from agentcore_constructs.contract.tools import (
    CALLER_GROUPS_ARGUMENT,
    CALLER_ID_ARGUMENT,
    CALLER_REQUIRED_ENV,
    RUNTIME_SESSION_ARGUMENT,
    TOOL_CALL_ID_ARGUMENT,
    TOOL_NAME_DELIMITER,
)
from local_dev.background import PromptlyStoppedServer, run_until_interrupted
from local_dev.upstream import DEV_API_KEY, FakeOrdersAPI, start_fake_orders_api

#: ``(request headers (lower-case names), gateway tool name, arguments, params._meta or None) -> arguments`` -- the
#: Gateway request interceptor hook. Headers are those of the MCP HTTP request (e.g. ``authorization``).
RequestInterceptor = Callable[[Mapping[str, str], str, dict[str, Any], Mapping[str, Any] | None], dict[str, Any]]

#: Arguments only the interceptor writes (the tool Lambdas accept them besides the published schema).
RESERVED_ARGUMENTS = (CALLER_ID_ARGUMENT, CALLER_GROUPS_ARGUMENT, RUNTIME_SESSION_ARGUMENT, TOOL_CALL_ID_ARGUMENT)

GATEWAY_ID = "local-gateway"
MESSAGE_VERSION = "1.0"
_MCP_VERSION = importlib.metadata.version("mcp")
LOCAL_ORDERS_SECRET_ARN = "arn:aws:secretsmanager:local:000000000000:secret:local-dev/orders-api-key"


class InterceptorRejected(Exception):
    """Raised by an interceptor to answer the ``tools/call`` with a JSON-RPC error (the target is not invoked)."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data


def strip_caller_id(
    headers: Mapping[str, str], tool_name: str, arguments: dict[str, Any], meta: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Default interceptor: the model never says who it is or which call this is -- drop every reserved argument."""
    return {k: v for k, v in arguments.items() if k not in RESERVED_ARGUMENTS}


def fixed_caller_interceptor(caller_id: str) -> RequestInterceptor:
    """DEV/TEST interceptor: every call is made as ``caller_id`` (overwrites anything the model supplied)."""

    def intercept(
        headers: Mapping[str, str], tool_name: str, arguments: dict[str, Any], meta: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        return {**strip_caller_id(headers, tool_name, arguments), CALLER_ID_ARGUMENT: caller_id}

    return intercept


@dataclass(frozen=True)
class LocalToolService:
    """One Gateway Lambda target served locally.

    ``tools_module`` is the service's ``tools.py`` (``TOOLS``, ``TARGET_NAME``); ``handler_module`` its
    ``handler.py`` (``lambda_handler``, ``DevRuntime``, ``DEV_RUNTIME``). ``env`` and ``secrets`` are DEV-ONLY
    stand-ins for the Lambda environment and Secrets Manager.
    """

    tools_module: ModuleType
    handler_module: ModuleType
    env: Mapping[str, str] = field(default_factory=dict)
    secrets: Mapping[str, str] = field(default_factory=dict)
    target_name: str | None = None  # default: tools_module.TARGET_NAME
    target_id: str | None = None

    @property
    def name(self) -> str:
        return self.target_name or self.tools_module.TARGET_NAME

    def invoke(self, gateway_tool_name: str, arguments: dict[str, Any], mcp_message_id: str) -> Any:
        """Invoke the handler exactly as the Gateway invokes the Lambda (blocking; run off the event loop)."""
        context = make_lambda_context(
            gateway_tool_name,
            function_name=f"local-{self.name}",
            target_id=self.target_id or f"local-{self.name}",
            mcp_message_id=mcp_message_id,
        )
        dev = self.handler_module.DevRuntime(env=dict(self.env), secrets=dict(self.secrets))
        token = self.handler_module.DEV_RUNTIME.set(dev)
        try:
            return self.handler_module.lambda_handler(arguments, context)
        finally:
            self.handler_module.DEV_RUNTIME.reset(token)


def make_lambda_context(
    gateway_tool_name: str,
    *,
    function_name: str = "local-tool",
    gateway_id: str = GATEWAY_ID,
    target_id: str = "local-target",
    mcp_message_id: str = "1",
    timeout_ms: int = 30_000,
) -> SimpleNamespace:
    """A Lambda context object carrying the AgentCore Gateway ``client_context.custom`` keys."""
    request_id = str(uuid.uuid4())
    deadline = time.monotonic() + timeout_ms / 1000
    return SimpleNamespace(
        function_name=function_name,
        function_version="$LATEST",
        memory_limit_in_mb=256,
        invoked_function_arn=f"arn:aws:lambda:local:000000000000:function:{function_name}",
        aws_request_id=request_id,
        log_group_name=f"/aws/lambda/{function_name}",
        log_stream_name="local",
        identity=None,
        client_context=SimpleNamespace(
            client=None,
            env=None,
            custom={
                "bedrockAgentCoreToolName": gateway_tool_name,
                "bedrockAgentCoreGatewayId": gateway_id,
                "bedrockAgentCoreTargetId": target_id,
                "bedrockAgentCoreMessageVersion": MESSAGE_VERSION,
                "bedrockAgentCoreAwsRequestId": str(uuid.uuid4()),
                "bedrockAgentCoreMcpMessageId": mcp_message_id,
            },
        ),
        get_remaining_time_in_millis=lambda: max(0, int((deadline - time.monotonic()) * 1000)),
    )


def lambda_request_interceptor(verifier: Any, targets: Iterable[str]) -> RequestInterceptor:
    """The Gateway REQUEST interceptor Lambda as the local gateway's interceptor hook (one implementation).

    Runs ``gateway_interceptor.handler.intercept`` (what the Lambda handler runs) with ``verifier`` (a
    :class:`agentcore_constructs.kit.auth.JWTVerifier` of the local issuer, tools scope) and our ``targets``. Each
    ``tools/call`` becomes the AgentCore interceptor event ``{"interceptorInputVersion": "1.0", "mcp":
    {"gatewayRequest": {"headers": <request headers>, "body": <JSON-RPC tools/call, its _meta included>}}}``; the
    result's
    ``transformedGatewayRequest.body.params.arguments`` are what the target gets, and a
    ``transformedGatewayResponse`` (e.g. no verified caller) is raised as :class:`InterceptorRejected` carrying its
    JSON-RPC error. Like the cloud Gateway, the local one runs its JWT authorizer BEFORE the interceptor, so the
    ``sub`` the handler reads is verified.
    """
    from gateway_interceptor import handler

    ours = frozenset(targets)

    def intercept(
        headers: Mapping[str, str], tool_name: str, arguments: dict[str, Any], meta: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        request_id = str(uuid.uuid4())
        sent: dict[str, Any] = {"name": tool_name, "arguments": arguments}
        if meta is not None:
            sent["_meta"] = dict(meta)
        body = {"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": sent}
        event = {"interceptorInputVersion": "1.0", "mcp": {"gatewayRequest": {"headers": dict(headers), "body": body}}}
        output = handler.intercept(event, token_verifier=verifier, targets=ours)
        mcp = output.get("mcp") if isinstance(output, dict) else None
        if not isinstance(mcp, dict):
            raise InterceptorRejected(-32603, "gateway interceptor returned no 'mcp' output")
        response = mcp.get("transformedGatewayResponse")
        if isinstance(response, dict):
            error = (response.get("body") or {}).get("error") or {}
            raise InterceptorRejected(
                int(error.get("code", -32603)),
                str(error.get("message", "rejected by the gateway interceptor")),
                error.get("data"),
            )
        transformed = (mcp.get("transformedGatewayRequest") or {}).get("body")
        params = transformed.get("params") if isinstance(transformed, dict) else None
        if (
            not isinstance(params, dict)
            or params.get("name") != tool_name
            or not isinstance(params.get("arguments"), dict)
        ):
            raise InterceptorRejected(-32603, "gateway interceptor returned an unusable tools/call body")
        return params["arguments"]

    return intercept


def local_target_names() -> list[str]:
    """The target names of the local tool services (the interceptor's "ours")."""
    from order_service import tools

    return [tools.TARGET_NAME]


def local_order_service(
    orders_api_url: str, *, api_key: str = DEV_API_KEY, caller_required: bool = True
) -> LocalToolService:
    """The order service wired to ``orders_api_url`` with the (fake) dev key, as DEV-ONLY local config.

    ``caller_required``: as the construct sets it, False only for a gateway without the identity stage.
    """
    from order_service import handler, tools

    return LocalToolService(
        tools_module=tools,
        handler_module=handler,
        env={
            tools.ENV_BASE_URL: orders_api_url,
            tools.ENV_API_KEY_SECRET_ARN: LOCAL_ORDERS_SECRET_ARN,
            tools.ENV_TIMEOUT_SECONDS: "3",
            tools.ENV_MAX_ATTEMPTS: "3",
            tools.ENV_BACKOFF_BASE_SECONDS: "0.05",
            CALLER_REQUIRED_ENV: "true" if caller_required else "false",
        },
        secrets={LOCAL_ORDERS_SECRET_ARN: json.dumps({tools.SECRET_API_KEY_FIELD: api_key})},
    )


def build_mcp_server(
    services: list[LocalToolService], interceptor: RequestInterceptor = strip_caller_id
) -> Server[Any, Any]:
    """The MCP server (low-level SDK server: schemas are served verbatim from the declarations)."""
    routes: dict[str, tuple[LocalToolService, dict[str, Any]]] = {}
    for service in services:
        for declaration in service.tools_module.TOOLS:
            spec = declaration.to_gateway()
            name = f"{service.name}{TOOL_NAME_DELIMITER}{spec['name']}"
            if name in routes:
                raise ValueError(f"duplicate gateway tool name {name!r}")
            routes[name] = (service, spec)

    # The version it reports, looked up once: left unset, the MCP server reads the installed mcp's metadata (a scan of
    # every installed distribution) on every stateless request.
    server: Server[Any, Any] = Server("local-agentcore-gateway", version=_MCP_VERSION)

    @server.list_tools()
    async def list_tools() -> list[types.Tool]:
        return [
            types.Tool(name=name, description=spec["description"], inputSchema=spec["inputSchema"])
            for name, (_, spec) in routes.items()
        ]

    # Registered as the raw request handler, not through @server.call_tool(): that decorator turns every exception into
    # an error *result*, and the Gateway answers an interceptor's refusal with a JSON-RPC *error*. Arguments reach
    # the interceptor as sent (the Gateway validates against the schema after it).
    async def call_tool(request: types.CallToolRequest) -> types.ServerResult:
        name, arguments = request.params.name, request.params.arguments
        route = routes.get(name)
        if route is None:
            return types.ServerResult(_error_result(f"unknown tool {name!r}"))
        service, _ = route
        context = server.request_context
        http_request = getattr(context, "request", None)
        headers = {k.lower(): v for k, v in http_request.headers.items()} if http_request is not None else {}
        meta = request.params.meta.model_dump(by_alias=True, exclude_none=True) if request.params.meta else None
        try:
            intercepted = interceptor(headers, name, dict(arguments or {}), meta)
        except InterceptorRejected as rejected:
            raise McpError(types.ErrorData(code=rejected.code, message=rejected.message, data=rejected.data)) from None
        message_id = str(context.request_id) if getattr(context, "request_id", None) is not None else "0"
        result = await anyio.to_thread.run_sync(functools.partial(service.invoke, name, intercepted, message_id))
        return types.ServerResult(to_call_tool_result(result))

    server.request_handlers[types.CallToolRequest] = call_tool
    return server


def _error_result(message: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=message)], isError=True)


def to_call_tool_result(result: Any) -> types.CallToolResult:
    """Lambda result -> MCP result; ``{"error": {"message": ...}}`` -> ``isError=True`` with the message."""
    if isinstance(result, dict) and set(result) == {"error"} and isinstance(result["error"], dict):
        return _error_result(str(result["error"].get("message", "tool error")))
    text = result if isinstance(result, str) else json.dumps(result)
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)])


def streamable_http_app(server: Server[Any, Any]) -> Starlette:
    """The server on ``/mcp``, streamable HTTP, stateless with JSON responses (as the AgentCore Gateway answers)."""
    manager = StreamableHTTPSessionManager(app=server, json_response=True, stateless=True)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> Any:
        async with manager.run():
            yield

    class Endpoint:  # an ASGI app as the route's endpoint: exactly /mcp, no redirect to /mcp/ (clients POST there)
        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            await manager.handle_request(scope, receive, send)

    return Starlette(routes=[Route("/mcp", endpoint=Endpoint(), methods=["GET", "POST", "DELETE"])], lifespan=lifespan)


class LostAnswers:
    """ASGI middleware, fault injection for tests: the next ``n`` ``tools/call`` requests run to completion (the
    tool does its work), then their answer is dropped and the client gets HTTP ``status`` instead -- a gateway that
    failed after its target ran, so the client cannot tell whether the call happened."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._pending: list[int] = []
        self._lock = threading.Lock()

    def lose_next(self, n: int = 1, status: int = 502) -> None:
        with self._lock:
            self._pending.extend([status] * n)

    def _take(self) -> int | None:
        with self._lock:
            return self._pending.pop(0) if self._pending else None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not self._pending:
            await self.app(scope, receive, send)
            return
        messages, body, more = [], b"", True
        while more:  # read the request to know whether it is a tools/call; then hand it on unchanged
            message = await receive()
            messages.append(message)
            body += message.get("body", b"")
            more = message.get("more_body", False) and message["type"] == "http.request"
        replay = iter(messages)

        async def replayed_receive() -> Any:
            return next(replay, None) or await receive()

        try:
            is_call = json.loads(body).get("method") == "tools/call"
        except (ValueError, AttributeError):
            is_call = False
        status = self._take() if is_call else None
        if status is None:
            await self.app(scope, replayed_receive, send)
            return

        async def dropped(message: Any) -> None:
            pass

        await self.app(scope, replayed_receive, dropped)  # the tool runs; its answer is lost
        text = f"injected fault: the answer of this tools/call was lost (HTTP {status})".encode()
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": text})


class LocalGateway:
    """A running local gateway. ``url`` is the MCP endpoint; ``stop()`` shuts it (and an owned upstream) down;
    ``lose_next_answers(n, status)`` injects lost answers (:class:`LostAnswers`)."""

    def __init__(
        self,
        server: PromptlyStoppedServer,
        thread: threading.Thread,
        url: str,
        upstream: FakeOrdersAPI | None,
        lost_answers: LostAnswers | None = None,
    ):
        self._server = server
        self._thread = thread
        self.url = url
        self.upstream = upstream  # the fake orders API this gateway started, if any
        self._lost_answers = lost_answers

    def lose_next_answers(self, n: int = 1, status: int = 502) -> None:
        """The next ``n`` tool calls run, and then their answers are lost (the client gets HTTP ``status``)."""
        if self._lost_answers is None:
            raise RuntimeError("this gateway was started without fault injection")
        self._lost_answers.lose_next(n, status)

    def stop(self) -> None:
        self._server.request_stop()
        self._thread.join(timeout=10)
        if self.upstream is not None:
            self.upstream.stop()

    def __enter__(self) -> LocalGateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_local_gateway(
    services: list[LocalToolService] | None = None,
    *,
    orders_api_url: str | None = None,
    interceptor: RequestInterceptor = strip_caller_id,
    host: str = "127.0.0.1",
    port: int = 0,
    verifier: Any = None,
) -> LocalGateway:
    """Start the local gateway on a background thread (port 0 = a free port).

    Without ``services``, serves the order service against ``orders_api_url``; without that either, starts the
    fake orders API too (available as ``gateway.upstream`` and stopped with the gateway). ``verifier`` (a
    :class:`local_dev.auth.JWTVerifier`, normally with the tools scope) turns on the Gateway's JWT authorizer:
    every MCP request needs a valid bearer token (401 otherwise); pair it with :func:`lambda_request_interceptor`.
    """
    upstream = None
    if services is None:
        if orders_api_url is None:
            upstream = start_fake_orders_api()
            orders_api_url = upstream.url
        services = [local_order_service(orders_api_url, caller_required=interceptor is not strip_caller_id)]
    lost_answers = LostAnswers(streamable_http_app(build_mcp_server(services, interceptor)))
    app: Any = lost_answers
    if verifier is not None:
        from local_dev.auth import JWTAuthMiddleware

        app = JWTAuthMiddleware(app, verifier, exempt_paths=())
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    server = PromptlyStoppedServer(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="local-gateway", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            if upstream is not None:
                upstream.stop()
            raise RuntimeError("local gateway failed to start")
        time.sleep(0.01)
    return LocalGateway(server, thread, f"http://{host}:{bound_port}/mcp", upstream, lost_answers)


def main() -> None:
    parser = argparse.ArgumentParser(description="Local AgentCore Gateway stand-in (MCP over streamable HTTP)")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--orders-api-url", default=None, help="default: start the fake orders API")
    parser.add_argument("--caller-id", default=None, help="DEV: act as this caller (default: no caller filter)")
    parser.add_argument(
        "--discovery-url",
        default=None,
        help="JWT authorizer on: tokens from this OIDC issuer (tools scope), caller_id from the interceptor Lambda",
    )
    args = parser.parse_args()
    interceptor = fixed_caller_interceptor(args.caller_id) if args.caller_id else strip_caller_id
    verifier = None
    if args.discovery_url:
        from local_dev.auth import JWTVerifier
        from local_dev.token_issuer import DEFAULT_CLIENT_ID, TOOLS_SCOPE

        verifier = JWTVerifier(args.discovery_url, allowed_clients=[DEFAULT_CLIENT_ID], allowed_scopes=[TOOLS_SCOPE])
        interceptor = lambda_request_interceptor(verifier, local_target_names())
    gateway = start_local_gateway(
        orders_api_url=args.orders_api_url, interceptor=interceptor, port=args.port, verifier=verifier
    )
    run_until_interrupted(f"local gateway on {gateway.url}", gateway.stop)


if __name__ == "__main__":
    main()
