"""Release status and the deploy guard, for an environment deployed with a pinned endpoint.

    python -m scripts.release status ENV   # which version each endpoint serves, known-good, rollbacks
    python -m scripts.release guard ENV    # refuse a deploy whose pin is a version that was rolled back

Reads the runtime stack's outputs (CloudFormation), the endpoints (AgentCore control plane: GetAgentRuntimeEndpoint
``liveVersion``/``targetVersion``/``status``) and the rollback function's SSM parameter (its format:
``agentcore_constructs.contract.release``). Exit 0 ok, 1 the guard refuses, 2 nothing could be read (no credentials,
access denied, an unreadable state): said in one line. An environment that was never deployed has nothing to undo:
the guard passes it (the first deploy, by hand or by the pipeline), ``status`` says so and exits 2.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from typing import Any

from agentcore_constructs.contract.release import ReleaseState, Rollback
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
    state: ReleaseState = field(default_factory=ReleaseState)

    @property
    def known_good(self) -> str | None:
        return self.state.known_good

    @property
    def rollbacks(self) -> list[Rollback]:
        return self.state.rollbacks


class NotDeployed(LookupError):
    """The environment's runtime stack does not exist."""


def runtime_stack_name(environment: str) -> str:
    return f"{environment}-agent-runtime"


def stack_outputs(session: Any, environment: str) -> dict[str, str]:
    from botocore.exceptions import ClientError

    name = runtime_stack_name(environment)
    try:
        (stack,) = session.client("cloudformation").describe_stacks(StackName=name)["Stacks"]
    except ClientError as error:
        # An unknown stack name: ValidationError "Stack with id <name> does not exist" (what CloudFormation answers,
        # boto/boto3#2807; the API reference lists no dedicated error code).
        details = error.response.get("Error", {})
        if details.get("Code") == "ValidationError" and "does not exist" in str(details.get("Message")):
            raise NotDeployed(f"{environment} is not deployed (no stack {name})") from None
        raise
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
    state = ReleaseState()
    if "ReleaseStateParameter" in outputs:
        ssm = session.client("ssm")
        try:
            state = ReleaseState.from_json(
                ssm.get_parameter(Name=outputs["ReleaseStateParameter"])["Parameter"]["Value"]
            )
        except ssm.exceptions.ParameterNotFound:
            pass  # the function has not recorded anything yet
    return ReleaseStatus(environment, outputs["RuntimeId"], endpoints, state)


def render(status: ReleaseStatus, pin: str) -> str:
    lines = [f"{status.environment} (runtime {status.runtime_id}); cdk.json pins {status.endpoints[0].name} to {pin}"]
    for e in status.endpoints:
        moving = f" -> {e.target}" if e.target and e.target != e.live else ""
        lines.append(f"  {e.name:<12} serves {e.live}{moving}  [{e.status}, updated {e.updated}]")
    lines.append(f"  known-good   {status.known_good or 'none recorded yet'}")
    if status.state.promotion is not None:
        promotion = status.state.promotion
        lines.append(
            f"  promoted     {promotion.version} at {promotion.at.isoformat()} (as the rollback function saw it)"
        )
    for r in status.rollbacks[-5:]:
        lines.append(f"  rolled back  {r.from_version} -> {r.to_version} at {r.at} ({r.alarm}) [{r.status}]")
    return "\n".join(lines)


def guard(status: ReleaseStatus, pin: str) -> str | None:
    """Why deploying ``pin`` would undo a rollback, or None. The pinned endpoint is the first one."""
    pinned = status.endpoints[0]
    r = status.state.rollback_undone_by(pin, live=pinned.live, target=pinned.target)
    if r is None:
        return None
    return (
        f"{status.environment}: endpoint_version {pin} was rolled back to {r.to_version} at {r.at} ({r.alarm}). "
        f'Set endpoint_version to "{r.to_version}" (accept the rollback) or to a new version, then deploy.'
    )


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
    except NotDeployed as not_deployed:
        if args.command == "guard":
            print(f"{not_deployed}: pin {pin} undoes no rollback")
            return 0
        print(str(not_deployed), file=sys.stderr)
        return 2
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
