"""Call the running local agent as a user, with a dev token (``make invoke PROMPT=... USER=alice``). DEV ONLY.

    python -m scripts.invoke "What is order ORD-10001?" --user alice [--session my-session] [--agent URL]

Replaces ``agentcore invoke --dev`` (the sunset starter toolkit drops ``--bearer-token`` in dev mode): it fetches an
access token for ``--user`` from the dev stack's issuer (``scripts.dev_token``), posts ``{"prompt": ...}`` to the
agent's ``/invocations`` with ``Authorization: Bearer <token>`` and a session header, and prints the answer as it
streams (``Accept: text/event-stream``; ``--no-stream`` waits for the JSON answer), or the error with its HTTP
status (exit 1). When the running stack has no identity stage (its state file says so, e.g. ``make dev ENV=dev``),
no token is fetched or sent: the agent takes none and answers as local-dev-user. The agent URL comes from
``--agent``, else the dev stack's state file, else ``http://127.0.0.1:8080``. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable

from agentcore_constructs.contract.invocation import SESSION_HEADER
from agentcore_constructs.contract.memory import MEMORY_NOT_SAVED, MEMORY_STATUS_FIELD
from agentcore_constructs.contract.streaming import DELTA_FIELD, ERROR_FIELD, EVENT_STREAM, STATUS_FIELD
from scripts.dev_token import DevTokenError, fetch_token, identity_off, stack_state, token_endpoint

DEFAULT_AGENT_URL = "http://127.0.0.1:8080"


def agent_url(explicit: str | None = None, state: dict | None = None) -> str:
    if explicit:
        return explicit.rstrip("/")
    url = (state or {}).get("agent_url")
    return url.rstrip("/") if isinstance(url, str) and url else DEFAULT_AGENT_URL


def invoke(
    prompt: str,
    *,
    session: str,
    url: str,
    token: str | None,
    timeout: float = 120,
    stream: bool = True,
    on_text: Callable[[str], None] | None = None,
) -> tuple[int, dict]:
    """(HTTP status, answer): the JSON body, or a stream's last event with ``on_text`` given each text delta as it
    arrives. An error event after the stream started gives the status the agent put in it. ``token`` None sends no
    ``Authorization`` header (a stack without identity)."""
    headers = {"Content-Type": "application/json", SESSION_HEADER: session}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if stream:
        headers["Accept"] = EVENT_STREAM
    request = urllib.request.Request(
        f"{url}/invocations", data=json.dumps({"prompt": prompt}).encode(), method="POST", headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback dev agent
            if not response.headers.get("Content-Type", "").startswith(EVENT_STREAM):
                return response.status, json.loads(response.read())
            last = _read_events(response, on_text or (lambda text: None))
            return int(last.get(STATUS_FIELD, 500)) if ERROR_FIELD in last else response.status, last
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read())
        except ValueError:
            return error.code, {"error": error.reason}


def _read_events(lines: Iterable[bytes], on_text: Callable[[str], None]) -> dict:
    """Read Server-Sent Events (one JSON object per ``data:`` line) until the stream ends; return the last one."""
    last: dict = {ERROR_FIELD: "The agent's stream ended without an answer.", STATUS_FIELD: 502}
    for raw in lines:  # as they arrive
        line = raw.decode("utf-8").rstrip("\r\n")
        if not line.startswith("data:"):
            continue  # blank separators, comments, other fields
        event = json.loads(line.removeprefix("data:").strip())
        if isinstance(event, dict) and isinstance(event.get(DELTA_FIELD), str):
            on_text(event[DELTA_FIELD])
        elif isinstance(event, dict):
            last = event
    return last


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prompt")
    parser.add_argument("--user", default="alice", help="who is asking (the token's sub; default alice)")
    parser.add_argument("--session", default=None, help="runtime session id (default: a new one per call)")
    parser.add_argument("--agent", default=None, help="agent base URL (default: the dev stack's, else 127.0.0.1:8080)")
    parser.add_argument("--no-stream", action="store_true", help="wait for the whole answer as JSON")
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
    printed: list[str] = []

    def print_delta(text: str) -> None:
        printed.append(text)
        print(text, end="", flush=True)

    try:
        status, body = invoke(
            args.prompt,
            session=args.session or f"dev-{uuid.uuid4()}",
            url=url,
            token=token,
            stream=not args.no_stream,
            on_text=print_delta,
        )
    except (urllib.error.URLError, OSError) as error:
        sys.exit(f"invoke: no agent at {url} ({getattr(error, 'reason', error)}); is `make dev` running?")
    if printed:
        print()
    if status != 200:
        sys.exit(f"invoke: HTTP {status}: {body.get('error', body)}")
    if not printed:
        print(body.get("response", body))
    if body.get(MEMORY_STATUS_FIELD) == MEMORY_NOT_SAVED:
        print("invoke: the agent could not store this turn; it will not remember it", file=sys.stderr)


if __name__ == "__main__":
    main()
