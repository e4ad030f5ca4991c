"""Call the running local agent as a user, with a dev token (``make invoke PROMPT=... USER=alice``). DEV ONLY.

    python -m scripts.invoke "What is order ORD-10001?" --user alice [--session my-session] [--agent URL]

Replaces ``agentcore invoke --dev`` (the sunset starter toolkit drops ``--bearer-token`` in dev mode): it fetches an
access token for ``--user`` from the dev stack's issuer (``scripts.dev_token``), posts ``{"prompt": ...}`` to the
agent's ``/invocations`` with ``Authorization: Bearer <token>`` and a session header, and prints the answer (or
the error with its HTTP status, exit 1). When the running stack has no identity stage (its state file says so,
e.g. ``make dev ENV=dev``), no token is fetched or sent: the agent takes none and answers as local-dev-user. The
agent URL comes from ``--agent``, else the dev stack's state file, else ``http://127.0.0.1:8080``. Standard
library only.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
import uuid

from scripts.dev_token import DevTokenError, fetch_token, identity_off, stack_state, token_endpoint

SESSION_HEADER = "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id"
DEFAULT_AGENT_URL = "http://127.0.0.1:8080"


def agent_url(explicit: str | None = None, state: dict | None = None) -> str:
    if explicit:
        return explicit.rstrip("/")
    url = (state or {}).get("agent_url")
    return url.rstrip("/") if isinstance(url, str) and url else DEFAULT_AGENT_URL


def invoke(
    prompt: str, *, user: str, session: str, url: str, token: str | None, timeout: float = 120
) -> tuple[int, dict]:
    """POST the prompt; ``token`` None sends no ``Authorization`` header (a stack without identity)."""
    headers = {"Content-Type": "application/json", SESSION_HEADER: session}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        f"{url}/invocations", data=json.dumps({"prompt": prompt}).encode(), method="POST", headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback dev agent
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read())
        except ValueError:
            return error.code, {"error": error.reason}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prompt")
    parser.add_argument("--user", default="alice", help="who is asking (the token's sub; default alice)")
    parser.add_argument("--session", default=None, help="runtime session id (default: a new one per call)")
    parser.add_argument("--agent", default=None, help="agent base URL (default: the dev stack's, else 127.0.0.1:8080)")
    args = parser.parse_args(argv)
    state = stack_state()
    token: str | None = None
    if identity_off(state):
        print(
            f"invoke: the running dev stack (environment {(state or {}).get('environment')!r}) has no identity stage: "
            f"no token is sent and the agent answers as local-dev-user, not {args.user}",
            file=sys.stderr,
        )
    else:
        try:
            token = fetch_token(args.user, endpoint=token_endpoint())
        except DevTokenError as error:
            sys.exit(f"invoke: {error}")
    url = agent_url(args.agent, state)
    try:
        status, body = invoke(
            args.prompt, user=args.user, session=args.session or f"dev-{uuid.uuid4()}", url=url, token=token
        )
    except (urllib.error.URLError, OSError) as error:
        sys.exit(f"invoke: no agent at {url} ({getattr(error, 'reason', error)}); is `make dev` running?")
    if status != 200:
        sys.exit(f"invoke: HTTP {status}: {body.get('error', body)}")
    print(body.get("response", body))


if __name__ == "__main__":
    main()
