"""Print an access token for a user from the running dev stack's local issuer (``make token``). DEV ONLY.

    python -m scripts.dev_token alice                   # -> eyJraWQi... (one line, nothing else on stdout)
    python -m scripts.dev_token bob --scope "support-agent-local/invoke"     # a token lacking the tools scope
    python -m scripts.dev_token alice --issuer http://127.0.0.1:8092

    curl -s localhost:8080/invocations -H "Authorization: Bearer $(python -m scripts.dev_token alice)" \\
         -H 'Content-Type: application/json' -d '{"prompt": "What is order ORD-10001?"}'

Which issuer: ``--issuer``, else ``$LOCAL_ISSUER_URL``, else the ``token_endpoint`` in the state file that
``python -m scripts.dev_server`` writes (``$DEV_STACK_STATE_FILE``, default ``.local/dev-stack.json``), else
``http://127.0.0.1:8092`` (the dev server's default issuer port). The token comes from the issuer's dev-only
``POST /token`` (form ``user=<name>``); the signing key lives only in the dev server's memory.

Standard library only, so it starts fast inside ``$(...)``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path

STATE_FILE_ENV = "DEV_STACK_STATE_FILE"  # == local_dev.server.STATE_FILE_ENV
DEFAULT_STATE_FILE = ".local/dev-stack.json"  # == local_dev.server.DEFAULT_STATE_FILE
ISSUER_ENV = "LOCAL_ISSUER_URL"
DEFAULT_ISSUER_URL = "http://127.0.0.1:8092"  # == local_dev.token_issuer.DEFAULT_ISSUER_PORT


class DevTokenError(RuntimeError):
    pass


def stack_state(environ: Mapping[str, str] | None = None) -> dict | None:
    """What the running dev stack wrote to its state file (agent URL, stages, issuer), or None without one."""
    env = os.environ if environ is None else environ
    state_path = Path(env.get(STATE_FILE_ENV) or DEFAULT_STATE_FILE)
    try:
        state = json.loads(state_path.read_text())
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def identity_off(state: dict | None) -> bool:
    """Whether the running stack says it has no identity stage (its agent takes no tokens)."""
    return state is not None and state.get("identity") is False


def token_endpoint(issuer: str | None = None, environ: dict[str, str] | None = None) -> str:
    """The dev ``/token`` URL to use (see the module docs for the order)."""
    env = os.environ if environ is None else environ
    base = issuer or env.get(ISSUER_ENV)
    if base:
        return base.rstrip("/") + "/token"
    endpoint = (stack_state(env) or {}).get("token_endpoint")
    if isinstance(endpoint, str) and endpoint:
        return endpoint
    return DEFAULT_ISSUER_URL + "/token"


def fetch_token(user: str, *, endpoint: str, scope: str | None = None, timeout: float = 5.0) -> str:
    form = {"user": user, **({"scope": scope} if scope else {})}
    request = urllib.request.Request(endpoint, data=urllib.parse.urlencode(form).encode(), method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback dev issuer
            body = json.loads(response.read())
    except urllib.error.HTTPError as error:
        try:
            detail = json.loads(error.read()).get("error_description") or error.reason
        except ValueError:
            detail = error.reason
        raise DevTokenError(f"the issuer at {endpoint} refused: HTTP {error.code}: {detail}") from None
    except (urllib.error.URLError, OSError) as error:
        raise DevTokenError(
            f"no local token issuer at {endpoint} ({getattr(error, 'reason', error)}); is `make dev` running "
            "(without --no-auth)?"
        ) from None
    token = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        raise DevTokenError(f"the issuer at {endpoint} answered without an access_token")
    return token


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("user", help="the user (token 'sub'), e.g. alice")
    parser.add_argument(
        "--issuer", default=None, help=f"issuer base URL (default: ${ISSUER_ENV}, the state file, {DEFAULT_ISSUER_URL})"
    )
    parser.add_argument("--scope", default=None, help="space-separated scopes (default: openid + both agent scopes)")
    args = parser.parse_args(argv)
    state = stack_state()
    if args.issuer is None and not os.environ.get(ISSUER_ENV) and identity_off(state):
        sys.exit(
            f"dev_token: the running dev stack (environment {(state or {}).get('environment')!r}) has no identity "
            "stage: its agent takes no tokens (call it without an Authorization header, or `make invoke`)"
        )
    try:
        print(fetch_token(args.user, endpoint=token_endpoint(args.issuer), scope=args.scope))
    except DevTokenError as error:
        sys.exit(f"dev_token: {error}")


if __name__ == "__main__":
    main()
