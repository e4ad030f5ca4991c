"""Run the agent locally with the AgentCore Runtime HTTP contract (``POST /invocations``, ``GET /ping``).

The same ``support_agent`` code as in the Runtime, with local defaults: conversation memory in files under
``LOCAL_MEMORY_DIR`` (default ``.local/memory``) and the offline model when no AWS credentials are found
(``MODEL_PROVIDER`` overrides). ``make invoke PROMPT="..." USER=alice`` calls it on port 8080 with a dev token.

Gateway hook: tools come from ``GATEWAY_URL`` (the env contract). :func:`start_dev_stack` (what ``make dev``
runs) starts the whole local stack in one process: the fake orders API, the local MCP gateway serving the
order-service Lambda handler in-process, and the agent with ``GATEWAY_URL`` pointing at that gateway.
``python -m scripts.dev_server --no-gateway`` runs the agent alone (``GATEWAY_URL`` from the environment).

Identity (stage 4, on by default in :func:`start_dev_stack` and ``make dev``): a local OIDC token issuer
(local_dev/token_issuer.py) stands in for Cognito; the agent sits behind :class:`local_dev.auth.JWTAuthMiddleware`
with exactly the Runtime JWT authorizer's checks (user client, scope ``support-agent-local/invoke``), the gateway behind
the Gateway's (scope ``support-agent-local/tools``) with the interceptor Lambda applied in-process. The agent itself
still only reads ``sub`` from the forwarded header, as deployed. ``auth=False`` (``--no-auth``) runs open as
before stage 4. Get a token: ``stack.token_for("alice")`` or ``python -m scripts.dev_token alice``.

Environments (``make dev ENV=dev``, ``python -m scripts.dev_server --env dev``): :func:`start_dev_stack` with
``environment=`` (:func:`local_dev.environments.load_dev_environment`) serves the agent that environment's cdk.json
``agent`` names and only the stages it enables: no ``gateway`` stage, no local gateway and no tools; no
``identity`` stage, no token issuer (the agent takes no tokens and, open as it is, answers loopback requests only);
no ``memory`` stage, no AgentCore Memory and no lasting memory directory (the conversation lives in a temporary
directory until the stack stops, as on a session's microVM). :meth:`DevStack.summary` says which agent and stages
are up, in one line.

From tests::

    server = start_local_agent(env={"LOCAL_MEMORY_DIR": str(tmp_path)})   # free port, background thread
    url, stop = server                                                     # or server.url / server.stop()

    with start_dev_stack(port=0, env={"LOCAL_MEMORY_DIR": str(tmp_path)}) as stack:   # the whole make-dev stack
        stack.agent.url, stack.gateway.url, stack.upstream.fail_next(2), stack.token_for("alice")

    with start_dev_stack(port=0, environment=load_dev_environment("dev")) as stack:   # what `make dev` serves
        stack.summary(), stack.stages
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import uvicorn

from agentcore_constructs.contract import env_vars
from agentcore_constructs.kit.settings import DEFAULT_LOCAL_MEMORY_DIR, LOCAL_MEMORY_DIR_ENV, load_settings
from local_dev.background import PromptlyStoppedServer

if TYPE_CHECKING:
    from local_dev.environments import DevEnvironment

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
#: Bind addresses an agent without identity may listen on (open, it must not be reachable from the network).
LOOPBACK_BIND_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
#: Where ``serve`` records the running stack's URLs for ``python -m scripts.dev_token`` (env var overrides).
STATE_FILE_ENV = "DEV_STACK_STATE_FILE"
DEFAULT_STATE_FILE = ".local/dev-stack.json"
_STARTUP_TIMEOUT_SECONDS = 30


def local_environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The process environment plus the local defaults, with ``env`` taking precedence."""
    merged = {LOCAL_MEMORY_DIR_ENV: DEFAULT_LOCAL_MEMORY_DIR, **os.environ}
    merged.update(env or {})
    return merged


#: The agents the local stack can serve, by name: the support agent in each framework flavour.
AGENTS = {"strands": "support_agent.app", "langgraph": "support_agent.graph"}
#: The contract variables a stage gives the agent (unset when the served environment leaves the stage out).
_STAGE_VARIABLES = {
    "memory": (env_vars.MEMORY_ID.name,),
    "gateway": (env_vars.GATEWAY_URL.name,),
    "identity": (
        env_vars.AUTH_DISCOVERY_URL.name,
        env_vars.AUTH_ALLOWED_CLIENTS.name,
        env_vars.AUTH_ALLOWED_AUDIENCES.name,
        env_vars.AUTH_REQUIRED_SCOPE.name,
    ),
}


def resolve_agent(agent: Any = None) -> Any:
    """An agent app definition (anything with ``create_app(settings)``, e.g. a kit ``AgentCoreApp``), or the
    support agent of a flavour by name (``"strands"`` default, ``"langgraph"``)."""
    if agent is None or isinstance(agent, str):
        import importlib

        return importlib.import_module(AGENTS[agent or "strands"]).support_agent
    return agent


def build_local_app(env: Mapping[str, str] | None = None, agent: Any = None) -> Any:
    """A fresh agent app configured from :func:`local_environment` (os.environ is not modified)."""
    return resolve_agent(agent).create_app(load_settings(local_environment(env)))


def _stop_quietly(part: Any) -> None:
    try:
        part.stop()
    except Exception as error:  # keep stopping the rest
        print(f"warning: failed to stop {type(part).__name__}: {error}", file=sys.stderr, flush=True)


@dataclass
class LocalAgentServer:
    """A running local agent. Unpacks as ``(url, stop)``."""

    url: str
    app: Any  # the agent app (BedrockAgentCoreApp), without the auth wrapper
    _server: PromptlyStoppedServer = field(repr=False)
    _thread: threading.Thread = field(repr=False)
    verifier: Any = None  # local_dev.auth.JWTVerifier when the Runtime JWT authorizer is emulated

    def stop(self) -> None:
        self._server.request_stop()
        self._thread.join(timeout=_STARTUP_TIMEOUT_SECONDS)

    def __iter__(self) -> Iterator[Any]:
        return iter((self.url, self.stop))


def start_local_agent(
    port: int = 0,
    *,
    host: str = DEFAULT_HOST,
    env: Mapping[str, str] | None = None,
    app: Any = None,
    log_level: str = "warning",
    verifier: Any = None,
    default_token: Callable[[], str] | None = None,
    loopback_only: bool = False,
) -> LocalAgentServer:
    """Serve the agent with uvicorn in a daemon thread and return once it accepts connections.

    ``port=0`` picks a free port; ``app`` defaults to :func:`build_local_app` with ``env``. ``verifier`` (a
    :class:`local_dev.auth.JWTVerifier`, e.g. :func:`local_dev.auth.runtime_verifier`) puts the Runtime's JWT
    authorizer in front of the agent (401 before the agent runs); without it the agent is open, as a Runtime
    without inbound JWT auth. ``default_token``: DEV ONLY, see :class:`local_dev.auth.JWTAuthMiddleware`.
    ``loopback_only``: refuse requests naming another ``Host`` or from another ``Origin`` (for an open agent:
    :class:`local_dev.auth.LoopbackOnlyMiddleware`).
    """
    app = app if app is not None else build_local_app(env)
    served = app
    if verifier is not None:
        from local_dev.auth import JWTAuthMiddleware

        served = JWTAuthMiddleware(app, verifier, default_token=default_token)
    if loopback_only:
        from local_dev.auth import LoopbackOnlyMiddleware

        served = LoopbackOnlyMiddleware(served)
    server = PromptlyStoppedServer(uvicorn.Config(served, host=host, port=port, log_level=log_level, lifespan="off"))
    thread = threading.Thread(target=server.run, name=f"local-agent-{port}", daemon=True)
    thread.start()
    # Startup takes milliseconds; the deadline only bounds a broken start (e.g. the port is in use).
    deadline = time.monotonic() + _STARTUP_TIMEOUT_SECONDS
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    if not server.started:
        server.request_stop()
        thread.join(timeout=5)
        raise RuntimeError(f"local agent server did not start on {host}:{port}")
    bound_port = server.servers[0].sockets[0].getsockname()[1]
    return LocalAgentServer(
        url=f"http://{host}:{bound_port}", app=app, _server=server, _thread=thread, verifier=verifier
    )


# --------------------------------------------------------------------------- the whole local stack (make dev)

DEMO_PROMPT = "What is order ORD-12345?"
DEFAULT_AGENT_LABEL = "the support agent, strands flavour (support_agent.app)"
#: The demo user of the identity-on banner and their order in the fake orders API.
DEMO_USER = "alice"
DEMO_USER_PROMPT = "What is order ORD-10001?"


@dataclass
class DevStack:
    """The running local stack of ``make dev``: fake orders API -> local MCP gateway -> agent."""

    agent: LocalAgentServer
    settings: Any  # agentcore_constructs.kit.settings.Settings of the agent
    gateway: Any = None  # local_dev.gateway.LocalGateway, or None with --no-gateway
    upstream: Any = None  # local_dev.upstream.FakeOrdersAPI, or None with --no-gateway
    issuer: Any = None  # local_dev.token_issuer.TokenIssuer, or None with --no-auth
    dev_user: str | None = None  # DEV: requests without a token act as this user (--dev-user)
    #: The cdk.json environment served (None: every stage unless turned off), and which agent, for people.
    environment: str | None = None
    agent_label: str = DEFAULT_AGENT_LABEL
    #: Whether the memory stage is up (AgentCore Memory, or the local files standing in for it).
    memory: bool = True
    _scratch: Any = field(default=None, repr=False)  # the temporary memory directory without the memory stage

    @property
    def port(self) -> int:
        return int(self.agent.url.rsplit(":", 1)[1])

    @property
    def auth(self) -> bool:
        return self.issuer is not None

    @property
    def stages(self) -> tuple[str, ...]:
        """The stages up, in the order of cdk.json's ``stages``."""
        up = {
            "runtime": True,
            "memory": self.memory,
            "gateway": self.settings.gateway_url is not None,
            "identity": self.issuer is not None,
        }
        return tuple(stage for stage, on in up.items() if on)

    def summary(self) -> str:
        """One line: which agent, for which environment, which stages are up (and off), where."""
        off = [stage for stage in ("memory", "gateway", "identity") if stage not in self.stages]
        urls = [f"agent {self.agent.url}"]
        if self.gateway is not None:
            urls.append(f"gateway {self.gateway.url}")
        if self.issuer is not None:
            urls.append(f"issuer {self.issuer.issuer}")
        environment = f"environment {self.environment!r}" if self.environment else "no environment (every stage)"
        return (
            f"make dev: {self.agent_label} for {environment} | stages up: {', '.join(self.stages)}"
            f"{' | off: ' + ', '.join(off) if off else ''} | {', '.join(urls)}"
        )

    def token_for(self, user: str, **claims: Any) -> str:
        """An access token for ``user`` from the stack's issuer (keyword arguments: ``TokenIssuer.issue_token``)."""
        if self.issuer is None:
            raise RuntimeError("this dev stack runs without identity (auth=False): there is no token issuer")
        return self.issuer.issue_token(user, **claims)

    def state(self) -> dict[str, Any]:
        """What ``python -m scripts.dev_token`` needs to find this stack (written by :func:`serve`)."""
        return {
            "pid": os.getpid(),
            "environment": self.environment,
            "agent": self.agent_label,
            "stages": list(self.stages),
            "identity": self.issuer is not None,
            "agent_url": self.agent.url,
            "gateway_url": self.gateway.url if self.gateway is not None else None,
            "issuer": self.issuer.issuer if self.issuer is not None else None,
            "discovery_url": self.issuer.discovery_url if self.issuer is not None else None,
            "token_endpoint": self.issuer.token_endpoint if self.issuer is not None else None,
        }

    def stop(self) -> None:
        """Stop the agent first (no new tool calls), then the gateway, the upstream and the issuer at once (each
        stop waits out its server's shutdown poll; none of them calls another). Idempotent."""
        _stop_quietly(self.agent)
        rest = [part for part in (self.gateway, self.upstream, self.issuer) if part is not None]
        threads = [threading.Thread(target=_stop_quietly, args=(part,), name="dev-stack-stop") for part in rest]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.gateway = self.upstream = self.issuer = None
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None

    def __enter__(self) -> DevStack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def banner(self) -> str:
        settings = self.settings
        if not self.memory:
            memory = (
                f"off (no memory stage): the conversation lives in {settings.local_memory_dir} until the stack "
                "stops, as on a session's microVM"
            )
        elif settings.memory_id:
            memory = f"AgentCore Memory {settings.memory_id}"
        else:
            memory = f"local files in {settings.local_memory_dir}"
        off_reason = f"not a stage of {self.environment}" if self.environment else None
        lines = [
            "=" * 78,
            self.summary(),
            " Local AgentCore dev stack -- Ctrl-C (or SIGTERM) stops everything",
            f"   agent     {self.agent.url}   (POST /invocations, GET /ping)",
            f"             model: {settings.model_provider} ({settings.model_provider_reason})",
            f"             memory: {memory}",
        ]
        if self.gateway is not None:
            lines.append(f"   gateway   {self.gateway.url}   (local MCP gateway, order-service Lambda in-process)")
        else:
            why = off_reason or "--no-gateway"
            lines.append(f"   gateway   {settings.gateway_url or f'none ({why}): the agent has no tools'}")
        if self.upstream is not None:
            lines.append(
                f"   upstream  {self.upstream.url}   (fake orders API; ORD-12345 local-dev-user, ORD-10001 alice, "
                "ORD-20002 bob)"
            )
        if self.issuer is None:
            lines += [
                f"   identity  off ({off_reason or '--no-auth'}): no token needed; every caller is local-dev-user; "
                "loopback requests only",
                " Try:",
                f"   make invoke PROMPT={shlex.quote(DEMO_PROMPT)}",
                f"   curl -s {self.agent.url}/invocations -H 'Content-Type: application/json' "
                f"-d {shlex.quote(json.dumps({'prompt': DEMO_PROMPT}))}",
            ]
        else:
            from local_dev.token_issuer import AGENT_SCOPE, DEFAULT_CLIENT_ID, TOOLS_SCOPE

            lines += [
                f"   issuer    {self.issuer.issuer}   (local OIDC issuer, DEV ONLY; discovery "
                f"{self.issuer.discovery_url})",
                f"   identity  on: agent needs client {DEFAULT_CLIENT_ID} + scope {AGENT_SCOPE}; gateway scope "
                f"{TOOLS_SCOPE}",
            ]
            if self.dev_user:
                lines.append(f"             DEV: requests without a token act as {self.dev_user!r} (--dev-user)")
            body = shlex.quote(json.dumps({"prompt": DEMO_USER_PROMPT}))
            lines += [
                " Try:",
                f"   make invoke PROMPT={shlex.quote(DEMO_USER_PROMPT)} USER={DEMO_USER}",
                f'   TOKEN="$(.venv/bin/python -m scripts.dev_token {DEMO_USER})"      # or: make token',
                f'   curl -s {self.agent.url}/invocations -H "Authorization: Bearer $TOKEN" \\',
                f"        -H 'Content-Type: application/json' -d {body}",
            ]
            if self.dev_user:
                prompt = _demo_prompt_for(self.dev_user)
                lines.append(
                    f"   curl -s {self.agent.url}/invocations -H 'Content-Type: application/json' "
                    f"-d {shlex.quote(json.dumps({'prompt': prompt}))}      # no token: acts as {self.dev_user} "
                    "(loopback only)"
                )
        lines.append("=" * 78)
        return "\n".join(lines)


def _demo_prompt_for(user: str) -> str:
    """A question about one of ``user``'s orders in the fake orders API (else the generic demo prompt)."""
    from local_dev.upstream import DEFAULT_ORDERS

    order = next((o for o in DEFAULT_ORDERS.values() if o["customer_id"] == user), None)
    return f"What is order {order['order_id']}?" if order else DEMO_PROMPT


def start_dev_stack(
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    gateway: bool = True,
    gateway_port: int = 0,
    upstream_port: int = 0,
    env: Mapping[str, str] | None = None,
    log_level: str = "warning",
    auth: bool = True,
    issuer_port: int = 0,
    dev_user: str | None = None,
    agent: Any = None,
    memory: bool = True,
    environment: DevEnvironment | None = None,
) -> DevStack:
    """Start what ``make dev`` runs, in this process, on background threads; returns once all accept requests.

    With ``gateway`` (default): the fake orders API on ``upstream_port``, the local MCP gateway serving the
    order-service Lambda handler in-process on ``gateway_port`` (0 = a free port), and the agent on ``port``
    with ``GATEWAY_URL`` set to the local gateway. Without it, the agent alone (``GATEWAY_URL`` from ``env`` /
    the process environment, if any). Settings otherwise as :func:`local_environment` (offline model without
    AWS credentials). On a failed start, whatever was started is stopped again.

    With ``auth`` (default, stage 4): the local token issuer on ``issuer_port``; the agent behind the Runtime's
    JWT authorizer (:func:`local_dev.auth.runtime_verifier`), the gateway behind the Gateway's
    (:func:`local_dev.auth.gateway_verifier`) with the interceptor Lambda as its interceptor, so ``caller_id``
    is the caller's verified ``sub``. ``auth=False``: everything open, the gateway strips model-supplied
    ``caller_id`` (no per-user filtering), as before stage 4. ``dev_user`` (DEV ONLY, needs ``auth``): requests
    without an ``Authorization`` header get a token for that user, from loopback Hosts and Origins only.
    ``agent``: which agent to serve (:func:`resolve_agent`: a flavour name or an app definition; default the Strands
    support agent).

    ``memory=False``: no memory stage: ``MEMORY_ID`` unset and the conversation kept in a temporary directory removed
    when the stack stops. ``environment`` (a :class:`local_dev.environments.DevEnvironment`): serve its agent (unless
    ``agent`` is given) and only its stages; the contract variables of the stages it leaves out are unset for the
    agent, whatever the process environment says. Without identity the agent is open, so it binds a loopback
    address only and refuses requests that name another ``Host`` or come from another ``Origin``
    (:class:`local_dev.auth.LoopbackOnlyMiddleware`).
    """
    # Imported here: the agent-only paths of this module do not need the MCP server machinery.
    from local_dev.gateway import (
        lambda_request_interceptor,
        local_order_service,
        local_target_names,
        start_local_gateway,
        strip_caller_id,
    )
    from local_dev.token_issuer import TOOLS_SCOPE
    from local_dev.tool_policy import TOOL_POLICY_DIR, LocalToolPolicy, policy_interceptor
    from local_dev.upstream import start_fake_orders_api
    from order_service import tools as order_tools

    agent_env = dict(env or {})
    agent_label = DEFAULT_AGENT_LABEL
    if environment is not None:
        gateway = gateway and environment.has_stage("gateway")
        auth = auth and environment.has_stage("identity")
        memory = memory and environment.has_stage("memory")
        for stage in ("memory", "gateway", "identity"):
            if not environment.has_stage(stage):
                agent_env.update(dict.fromkeys(_STAGE_VARIABLES[stage], ""))  # blank is unset for the settings
        if agent is None:
            from local_dev.environments import load_agent

            agent = load_agent(environment.entrypoint_path)
            agent_label = environment.agent_label
    if isinstance(agent, str):
        agent_label = f"the support agent, {agent} flavour ({AGENTS[agent]})"
    elif agent is not None and environment is None:
        agent_label = f"{type(agent).__module__}.{type(agent).__qualname__}"
    if dev_user is not None and not auth:
        raise ValueError("dev_user needs auth (a token is minted for it by the local issuer)")
    if not auth and host not in LOOPBACK_BIND_HOSTS:
        raise ValueError(
            f"without identity the local agent takes no tokens, so it binds a loopback address only, not {host!r}"
        )
    scratch = None
    if not memory:
        scratch = tempfile.TemporaryDirectory(prefix="dev-session-memory-")
        agent_env[env_vars.MEMORY_ID.name] = ""
        agent_env[LOCAL_MEMORY_DIR_ENV] = scratch.name
    issuer = upstream = local_gateway = None
    try:
        agent_verifier = gw_verifier = default_token = None
        if auth:
            from local_dev.auth import gateway_verifier, runtime_verifier
            from local_dev.token_issuer import start_token_issuer

            issuer = start_token_issuer(host=host, port=issuer_port)
            agent_verifier = runtime_verifier(issuer.discovery_url)
            gw_verifier = gateway_verifier(issuer.discovery_url)
            # The agent verifies the forwarded token itself, as deployed (AgentRuntime.use_jwt_authorizer sets these).
            from local_dev.token_issuer import AGENT_SCOPE, DEFAULT_CLIENT_ID

            agent_env[env_vars.AUTH_DISCOVERY_URL.name] = issuer.discovery_url
            agent_env[env_vars.AUTH_ALLOWED_CLIENTS.name] = DEFAULT_CLIENT_ID
            agent_env[env_vars.AUTH_REQUIRED_SCOPE.name] = AGENT_SCOPE
            if dev_user is not None:
                default_token = _cached_token_factory(issuer, dev_user)
        if gateway:
            upstream = start_fake_orders_api(host=host, port=upstream_port)
            local_gateway = start_local_gateway(
                [local_order_service(upstream.url, caller_required=auth)],
                host=host,
                port=gateway_port,
                interceptor=(
                    # The deployed chain: the tool policies (Cedar, ENFORCE as in prod), then the caller interceptor.
                    policy_interceptor(
                        LocalToolPolicy(
                            TOOL_POLICY_DIR, {"tools_scope": TOOLS_SCOPE, **order_tools.policy_variables()}
                        ),
                        gw_verifier.verify_authorization,
                        lambda_request_interceptor(gw_verifier, local_target_names()),
                    )
                    if gw_verifier is not None
                    else strip_caller_id
                ),
                verifier=gw_verifier,
            )
            agent_env[env_vars.GATEWAY_URL.name] = local_gateway.url
        app = build_local_app(agent_env, agent)
        server = start_local_agent(
            port,
            host=host,
            app=app,
            log_level=log_level,
            verifier=agent_verifier,
            default_token=default_token,
            loopback_only=not auth,
        )
    except BaseException:
        for part in (local_gateway, upstream, issuer):
            if part is not None:
                part.stop()
        if scratch is not None:
            scratch.cleanup()
        raise
    return DevStack(
        agent=server,
        settings=app.state.settings,
        gateway=local_gateway,
        upstream=upstream,
        issuer=issuer,
        dev_user=dev_user,
        environment=environment.name if environment is not None else None,
        agent_label=agent_label,
        memory=memory,
        _scratch=scratch,
    )


def _cached_token_factory(issuer: Any, user: str) -> Callable[[], str]:
    """A ``default_token`` for ``user`` that re-issues shortly before the token expires."""
    from local_dev.token_issuer import DEFAULT_EXPIRES_IN

    lock = threading.Lock()
    current: list[Any] = [None, 0.0]

    def token() -> str:
        with lock:
            if current[0] is None or time.time() > current[1]:
                current[0] = issuer.issue_token(user)
                current[1] = time.time() + DEFAULT_EXPIRES_IN - 60
            return current[0]

    return token


def state_file_path(env: Mapping[str, str] | None = None) -> Path:
    """The dev-stack state file: ``$DEV_STACK_STATE_FILE``, else ``.local/dev-stack.json`` (repo-relative)."""
    env = os.environ if env is None else env
    return Path(env.get(STATE_FILE_ENV) or DEFAULT_STATE_FILE)


def serve(
    port: int = DEFAULT_PORT,
    host: str = DEFAULT_HOST,
    env: Mapping[str, str] | None = None,
    *,
    gateway: bool = True,
    gateway_port: int = 0,
    upstream_port: int = 0,
    auth: bool = True,
    issuer_port: int | None = None,
    dev_user: str | None = None,
    state_file: Path | None = None,
    environment: DevEnvironment | None = None,
) -> None:
    """Run the dev stack in the foreground until Ctrl-C / SIGTERM, then stop every part (what ``make dev`` runs).

    With ``auth`` the issuer listens on ``issuer_port`` (default :data:`local_dev.token_issuer.DEFAULT_ISSUER_PORT`).
    The stack's URLs and stages are written to ``state_file`` (default :func:`state_file_path`) for
    ``python -m scripts.dev_token`` and ``scripts.invoke``; the file is removed again on shutdown. ``environment``:
    as :func:`start_dev_stack`.
    """
    from local_dev.token_issuer import DEFAULT_ISSUER_PORT

    stop = threading.Event()

    def request_stop(signum: int, frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    state_path = state_file or state_file_path()
    try:
        stack = start_dev_stack(
            host=host,
            port=port,
            gateway=gateway,
            gateway_port=gateway_port,
            upstream_port=upstream_port,
            env=env,
            log_level="info",
            auth=auth,
            issuer_port=DEFAULT_ISSUER_PORT if issuer_port is None else issuer_port,
            dev_user=dev_user,
            environment=environment,
        )
        wrote_state = False
        try:
            state_path.parent.mkdir(parents=True, exist_ok=True)
            state_path.write_text(json.dumps(stack.state(), indent=2) + "\n")
            wrote_state = True
            print(stack.banner(), flush=True)
            while not stop.wait(0.5):
                pass
            print("Stopping the local dev stack...", flush=True)
        finally:
            stack.stop()
            if wrote_state:
                state_path.unlink(missing_ok=True)
        print("Stopped.", flush=True)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
