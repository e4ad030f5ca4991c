"""Run the support-conversation evaluation.

    python -m evals.run                 # the local stack, offline model: trajectories and answers checked
    python -m evals.run --env staging   # a deployed environment (AWS credentials): answers checked; the deployed
                                        # tool trajectory is scored by AgentCore's online evaluation, not here

Exit 0 when every case passes, 1 otherwise, 2 when the target can't be reached. Prints a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from evals.trajectories import Outcome, load_cases, run_case, summary


def run_local(agent: str = "strands") -> list[Outcome]:
    """Every case against a fresh local stack (offline model, JWT, local gateway with the Cedar policies, fake
    upstream); tool calls are what the upstream saw: the order path and the verified caller it was asked for."""
    import tempfile

    from local_dev.server import start_dev_stack
    from scripts.deployed_target import SESSION_HEADER, post_json

    with tempfile.TemporaryDirectory(prefix="eval-memory-") as memory:
        stack = start_dev_stack(port=0, env={"LOCAL_MEMORY_DIR": memory, "MODEL_PROVIDER": "offline"}, agent=agent)
        try:
            seen = 0

            def observe() -> list[dict[str, str]]:
                nonlocal seen
                requests = stack.upstream.requests[seen:]
                seen += len(requests)
                return [{"path": r.path, "customer": r.headers.get("X-Customer-Id", "")} for r in requests]

            def ask(user: str, prompt: str, session: str) -> str:
                token = stack.token_for(user)
                headers = {SESSION_HEADER: session, "Authorization": f"Bearer {token}"}
                return post_json(f"{stack.agent.url}/invocations", {"prompt": prompt}, headers, 30).text

            return [run_case(case, ask, observe) for case in load_cases()]
        finally:
            stack.stop()


def run_deployed(environment: str) -> list[Outcome]:
    import os

    from scripts.deployed_target import deployed_target_or_skip_reason

    os.environ.setdefault("E2E_ENV", environment)
    target, reason = deployed_target_or_skip_reason()
    if target is None:
        raise LookupError(reason)

    def ask(user: str, prompt: str, session: str) -> str:
        return target.invoke(prompt, token=target.token_for(user), session_id=session).text

    try:
        return [run_case(case, ask, None) for case in load_cases()]
    finally:
        target.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="local", help="local (default) or a deployed environment of cdk.json")
    args = parser.parse_args(argv)
    try:
        outcomes = run_local() if args.env == "local" else run_deployed(args.env)
    except LookupError as error:
        print(f"cannot evaluate {args.env}: {error}", file=sys.stderr)
        return 2
    result: dict[str, Any] = {"target": args.env, **summary(outcomes)}
    print(json.dumps(result, indent=2))
    return 0 if not result["failed"] else 1


if __name__ == "__main__":
    sys.exit(main())
