"""``make dev``: the whole local stack in one process, the agent on 127.0.0.1:8080 (AgentCore Runtime contract).

    python -m scripts.dev_server [--env NAME] [--port 8080] [--host 127.0.0.1] [--gateway-port 0]
                                 [--upstream-port 0] [--no-gateway] [--no-auth] [--issuer-port 8092]
                                 [--dev-user NAME] [--state-file .local/dev-stack.json]

``--env NAME`` (``make dev ENV=NAME``, default ``dev``): serve the agent that environment's cdk.json ``agent`` names
(``source``/``entrypoint``, e.g. the LangGraph flavour's ``main_langgraph.py``) with only the stages it enables;
the first line printed says which agent and which stages are up. Without ``--env``: the Strands support agent with
every stage (less what ``--no-gateway``/``--no-auth`` turn off), as below.

Starts the local token issuer, the fake orders API, the local MCP gateway (the order-service Lambda handler served
in-process, behind the Gateway's JWT authorizer and the interceptor Lambda) and the agent behind the Runtime's JWT
authorizer, with ``GATEWAY_URL`` pointing at that gateway; prints one banner with the URLs and example commands;
Ctrl-C or SIGTERM stops everything. Get a token with ``python -m scripts.dev_token alice`` (it reads the state
file). ``--no-auth`` runs everything open (no tokens, every caller is local-dev-user) as before stage 4.
Tokens are required by default, as in AWS (``make invoke PROMPT=... USER=alice`` fetches one). ``--dev-user NAME``
(DEV ONLY, opt-in): requests without a token act as NAME, but only when they name a loopback ``Host`` and come from
no other ``Origin`` (a web page must not be able to drive it). The offline model is used when no AWS credentials
are found (``MODEL_PROVIDER``
overrides); memory in ``.local/memory``. ``--no-gateway`` runs the agent alone (``GATEWAY_URL`` from the
environment, if set). See local_dev/server.py.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from agentcore_constructs.kit.settings import SettingsError
from local_dev.environments import DevEnvironment, DevEnvironmentError, load_dev_environment
from local_dev.server import DEFAULT_HOST, DEFAULT_PORT, serve, state_file_path
from local_dev.token_issuer import DEFAULT_ISSUER_PORT


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--env",
        dest="environment",
        default=None,
        metavar="NAME",
        help="cdk.json environment whose agent and stages to serve (make dev: ENV, default dev); without it: the "
        "Strands support agent with every stage",
    )
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("PORT", DEFAULT_PORT)), help="agent port (default 8080)"
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="bind address of every server (default 127.0.0.1)")
    parser.add_argument("--gateway-port", type=int, default=0, help="local MCP gateway port (default: a free port)")
    parser.add_argument("--upstream-port", type=int, default=0, help="fake orders API port (default: a free port)")
    parser.add_argument(
        "--no-gateway",
        dest="gateway",
        action="store_false",
        help="do not start the local gateway and fake orders API (GATEWAY_URL from the environment, if set)",
    )
    parser.add_argument(
        "--no-auth",
        dest="auth",
        action="store_false",
        help="no token issuer and no JWT checks: agent and gateway open, every caller is local-dev-user",
    )
    parser.add_argument(
        "--issuer-port",
        type=int,
        default=DEFAULT_ISSUER_PORT,
        help=f"local token issuer port (default {DEFAULT_ISSUER_PORT})",
    )
    parser.add_argument(
        "--dev-user",
        default=None,
        metavar="NAME",
        help="DEV ONLY, opt-in: token-less requests from loopback act as NAME (tokens are required otherwise)",
    )
    parser.add_argument(
        "--state-file",
        type=Path,
        default=None,
        help=f"where the stack's URLs are written for scripts.dev_token (default ${{DEV_STACK_STATE_FILE}} or "
        f"{state_file_path()})",
    )
    args = parser.parse_args(argv)
    if args.dev_user is not None and not args.auth:
        parser.error("--dev-user needs identity on (drop --no-auth)")
    return args


def dev_environment(args: argparse.Namespace) -> DevEnvironment | None:
    """The environment ``--env`` names, checked against the other options (``SystemExit`` with the reason)."""
    if args.environment is None:
        return None
    try:
        environment = load_dev_environment(args.environment)
    except DevEnvironmentError as error:
        sys.exit(f"make dev: {error}")
    if args.dev_user is not None and not environment.has_stage("identity"):
        sys.exit(
            f"make dev: --dev-user (DEV_USER) needs the identity stage, which environment {environment.name!r} does "
            "not enable: without it the agent takes no tokens and every caller is local-dev-user"
        )
    return environment


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    environment = dev_environment(args)
    try:
        serve(
            port=args.port,
            host=args.host,
            gateway=args.gateway,
            gateway_port=args.gateway_port,
            upstream_port=args.upstream_port,
            auth=args.auth,
            issuer_port=args.issuer_port,
            dev_user=args.dev_user,
            state_file=args.state_file,
            environment=environment,
        )
    except (OSError, RuntimeError, SettingsError, DevEnvironmentError, ValueError) as error:
        sys.exit(f"make dev: could not start the local stack: {error}")


if __name__ == "__main__":
    main()
