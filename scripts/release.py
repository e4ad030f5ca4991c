"""Release status and the deploy guard, for an environment deployed with a pinned endpoint.

    python -m scripts.release status ENV   # which version each endpoint serves, known-good, rollbacks
    python -m scripts.release guard ENV    # refuse a deploy whose pin is a version that was rolled back

Reads the runtime stack's outputs (CloudFormation), the endpoints (AgentCore control plane: GetAgentRuntimeEndpoint
``liveVersion``/``targetVersion``/``status``) and the rollback function's SSM parameter
(``agentcore_constructs.release``). Exit 0 ok, 1 the guard refuses, 2 nothing could be read (no credentials, not
deployed): said in one line.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from typing import Any

from stacks.config import load_environments
from stacks.synth import CDK_JSON


@dataclass(frozen=True)
class EndpointState:
    name: str
    live: str | None
    target: str | None
    status: str
    updated: str


@dataclass(frozen=True)
class ReleaseStatus:
    environment: str
    runtime_id: str
    endpoints: list[EndpointState]
    known_good: str | None
    rollbacks: list[dict[str, str]]


def stack_outputs(session: Any, environment: str) -> dict[str, str]:
    (stack,) = session.client("cloudformation").describe_stacks(StackName=f"{environment}-agent-runtime")["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def read_status(session: Any, environment: str) -> ReleaseStatus:
    outputs = stack_outputs(session, environment)
    control = session.client("bedrock-agentcore-control")
    names = [outputs["EndpointName"]] + ([outputs["CanaryEndpointName"]] if "CanaryEndpointName" in outputs else [])
    endpoints = []
    for name in names:
        e = control.get_agent_runtime_endpoint(agentRuntimeId=outputs["RuntimeId"], endpointName=name)
        endpoints.append(
            EndpointState(name, e.get("liveVersion"), e.get("targetVersion"), e["status"], str(e["lastUpdatedAt"]))
        )
    known_good, rollbacks = None, []
    if "ReleaseStateParameter" in outputs:
        ssm = session.client("ssm")
        try:
            state = json.loads(ssm.get_parameter(Name=outputs["ReleaseStateParameter"])["Parameter"]["Value"])
            known_good, rollbacks = state.get("known_good"), list(state.get("rollbacks", []))
        except ssm.exceptions.ParameterNotFound:
            pass  # the function has not recorded anything yet
    return ReleaseStatus(environment, outputs["RuntimeId"], endpoints, known_good, rollbacks)


def render(status: ReleaseStatus, pin: str) -> str:
    lines = [f"{status.environment} (runtime {status.runtime_id}); cdk.json pins {status.endpoints[0].name} to {pin}"]
    for e in status.endpoints:
        moving = f" -> {e.target}" if e.target and e.target != e.live else ""
        lines.append(f"  {e.name:<12} serves {e.live}{moving}  [{e.status}, updated {e.updated}]")
    lines.append(f"  known-good   {status.known_good or 'none recorded yet'}")
    for r in status.rollbacks[-5:]:
        lines.append(f"  rolled back  {r['from']} -> {r['to']} at {r['at']} ({r['alarm']})")
    return "\n".join(lines)


def guard(status: ReleaseStatus, pin: str) -> str | None:
    """Why deploying ``pin`` would undo a rollback, or None."""
    rolled_back = {r["from"]: r for r in status.rollbacks}
    if pin in rolled_back and pin != status.known_good:
        r = rolled_back[pin]
        return (
            f"{status.environment}: endpoint_version {pin} was rolled back to {r['to']} at {r['at']} ({r['alarm']}). "
            f'Set endpoint_version to "{r["to"]}" (accept the rollback) or to a new version, then deploy.'
        )
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("status", "guard"))
    parser.add_argument("environment")
    args = parser.parse_args(argv)
    configs = {c.name: c for c in load_environments(CDK_JSON["context"]["environments"])}
    if args.environment not in configs:
        print(f"unknown environment {args.environment!r} (cdk.json has {', '.join(configs)})", file=sys.stderr)
        return 2
    pin = configs[args.environment].endpoint_version
    try:
        import boto3

        session = boto3.Session()
        if session.get_credentials() is None:
            print(
                f"no AWS credentials: cannot read {args.environment}'s endpoints (cdk.json pins {pin})", file=sys.stderr
            )
            return 2
        status = read_status(session, args.environment)
    except Exception as error:  # noqa: BLE001 - one clear line for any lookup failure
        print(f"cannot read {args.environment}'s release state: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    if args.command == "status":
        print(render(status, pin))
        return 0
    refusal = guard(status, pin)
    if refusal:
        print(refusal, file=sys.stderr)
        return 1
    print(f"{args.environment}: pin {pin} undoes no rollback")
    return 0


if __name__ == "__main__":
    sys.exit(main())
