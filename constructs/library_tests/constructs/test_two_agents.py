"""Two agents side by side: in one stack, and in two stacks of one account. Each gets its own physical names, and the
app passes CDK's built-in validation, cdk-nag and the readiness pack at error level."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from agentcore_constructs import (
    AgentIdentity,
    AgentMemory,
    AgentObservability,
    AgentRuntime,
    LambdaTool,
    ToolFunction,
    ToolGateway,
    ToolPolicy,
)
from agentcore_constructs.readiness import ProductionReadinessChecks
from agentcore_constructs.readiness.gate import gate_failures
from library_tests.support import FIXTURE_AGENT, FIXTURE_TOOL_HANDLER, FIXTURE_TOOLS

ACCOUNT = cdk.Environment(account="111122223333", region="us-east-1")
#: The upstream the echo tool serves (as the order service's ORDERS_API_BASE_URL): an agent calling it directly fails.
UPSTREAM = {"ECHO_API_BASE_URL": "https://api.example.com"}
ECHO = {
    "name": "echo",
    "description": "Echo text back",
    "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
}


def add_agent(
    stack: cdk.Stack,
    name: str,
    source_dir: Path = FIXTURE_AGENT,
    runtime_props: dict[str, Any] | None = None,
    **observability: str,
) -> AgentObservability:
    """Every stage, named after ``name`` only (no name of ours)."""
    scope = cdk.Stack.of(stack)
    runtime = AgentRuntime(
        stack,
        f"{name}Agent",
        runtime_name=f"{name}_agent",
        source_dir=source_dir,
        model_id="us.anthropic.claude-haiku-4-5-20251001-v1:0",
        endpoint_version="1",
        **(runtime_props or {}),
    )
    memory = AgentMemory(stack, f"{name}Memory", memory_name=f"{name}_memory")
    memory.grant_to(runtime)
    identity = AgentIdentity(
        stack, f"{name}Identity", name=f"{name}-team", domain_prefix=f"{name}-team-{scope.account}"
    )
    identity.protect_runtime(runtime)
    gateway = ToolGateway(stack, f"{name}Tools", gateway_name=f"{name}-tools", authorizer=identity.gateway_authorizer())
    gateway.add_lambda_tool(
        LambdaTool(
            stack,
            f"{name}Echo",
            target_name=f"{name}-echo",
            tools=[ECHO],
            function=ToolFunction(code_root=FIXTURE_TOOLS, handler=FIXTURE_TOOL_HANDLER, reserved_concurrency=2),
            environment=UPSTREAM,
        )
    )
    gateway.connect_to(runtime)
    ToolPolicy(
        stack,
        f"{name}ToolPolicy",
        gateway=gateway,
        policy_dir=FIXTURE_TOOLS.parent / "policies_per_target",
        variables={"echo_target": f"{name}-echo"},
    )
    obs = AgentObservability(
        stack, f"{name}Observability", runtime=runtime, memory=memory, gateway=gateway, **observability
    )
    for output, value in {
        "RuntimeArn": runtime.runtime.agent_runtime_arn,
        "EndpointName": runtime.endpoint_name,
        "GatewayUrl": gateway.gateway.gateway_url or "",
        "UserPoolId": identity.user_pool.user_pool_id,
        "ClientId": identity.user_client.user_pool_client_id,
    }.items():
        cdk.CfnOutput(stack, f"{name}{output}", value=value)
    return obs


def synthesize(tmp_path: Path, build) -> tuple[cdk.App, list]:
    app = cdk.App(
        outdir=str(tmp_path),
        context={"aws:cdk:bundling-stacks": [], "@aws-cdk/core:validateAgainstDefaultRules": True},
    )
    cdk.Aspects.of(app)  # nag is a validation plugin here, like the app's: one registration, on the App
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app), ProductionReadinessChecks(app, default_level="error"))
    build(app)
    try:
        app.synth()
    except RuntimeError:
        if not (tmp_path / "validation-report.json").is_file():
            raise  # failed before validation ran: not a finding
    return app, gate_failures(tmp_path)


def _names(tmp_path: Path, resource_type: str, prop: str) -> list[str]:
    names = []
    for template in tmp_path.glob("*.template.json"):
        for resource in json.loads(template.read_text())["Resources"].values():
            if resource["Type"] == resource_type and isinstance(resource["Properties"].get(prop), str):
                names.append(resource["Properties"][prop])
    return names


def test_two_agents_in_one_stack_pass_every_check_with_their_own_names(tmp_path: Path) -> None:
    def build(app: cdk.App) -> None:
        stack = cdk.Stack(app, "Agents", env=ACCOUNT)
        add_agent(stack, "alpha")
        add_agent(stack, "beta")

    _, failures = synthesize(tmp_path, build)
    assert [f.render() for f in failures] == []
    dashboards = _names(tmp_path, "AWS::CloudWatch::Dashboard", "DashboardName")
    assert sorted(dashboards) == ["alpha-agent-agent", "beta-agent-agent"]
    alarms = _names(tmp_path, "AWS::CloudWatch::Alarm", "AlarmName")
    assert len(alarms) == len(set(alarms)) and all(a.startswith(("alpha-agent-", "beta-agent-")) for a in alarms)
    everything = "".join(p.read_text() for p in tmp_path.glob("*.template.json"))
    assert "support-agent" not in everything and "support_agent" not in everything


def test_two_stacks_in_one_account_pass_every_check(tmp_path: Path) -> None:
    def build(app: cdk.App) -> None:
        add_agent(cdk.Stack(app, "TeamA", env=ACCOUNT), "alpha")
        add_agent(cdk.Stack(app, "TeamB", env=ACCOUNT), "beta")

    _, failures = synthesize(tmp_path, build)
    assert [f.render() for f in failures] == []


def test_a_shared_name_prefix_in_one_account_fails_synth_naming_both(tmp_path: Path) -> None:
    def build(app: cdk.App) -> None:
        add_agent(cdk.Stack(app, "TeamA", env=ACCOUNT), "alpha", name_prefix="ops")
        add_agent(
            cdk.Stack(app, "TeamB", env=cdk.Environment(account=ACCOUNT.account, region="eu-west-1")),
            "beta",
            name_prefix="ops",
        )

    _, failures = synthesize(tmp_path, build)
    collisions = {
        p for f in failures if f.rule.startswith("Readiness-PhysicalNameCollision") for p in f.construct_paths
    }
    # Dashboards are global per account: us-east-1 and eu-west-1 collide; alarms are per Region: they do not.
    assert collisions == {"TeamA/alphaObservability/Dashboard/Resource", "TeamB/betaObservability/Dashboard/Resource"}


def test_an_agent_that_ignores_the_stages_it_is_given_is_not_production_ready(tmp_path: Path) -> None:
    """The article's wrap of the PoC with every stage on: each stage the agent never reads fails, naming it, and so
    do its hard-coded API key and its direct call to the upstream the gateway tool serves."""
    from agentcore_constructs.readiness.scorecard import build_scorecard
    from library_tests.support import FIXTURE_WRAPPED_POC

    def build_with_poc(app: cdk.App) -> None:
        stack = cdk.Stack(app, "Poc", env=ACCOUNT)
        add_agent(stack, "poc", source_dir=FIXTURE_WRAPPED_POC)

    _, failures = synthesize(tmp_path, build_with_poc)
    ignored = sorted(f.rule for f in failures if "[Agent::" in f.rule)
    assert ignored == [
        "Readiness-Identity[Agent::AUTH_DISCOVERY_URL]",
        "Readiness-Memory[Agent::MEMORY_ID]",
        "Readiness-Tools[Agent::Credential::main.py]",
        "Readiness-Tools[Agent::GATEWAY_URL]",
        "Readiness-Tools[Agent::Upstream::api.example.com]",
    ]
    (environment,) = build_scorecard(tmp_path)["environments"]
    assert environment["verdict"].startswith("Not production-ready")
    assert {g["key"] for g in environment["gaps"] if not g["ok"]} >= {"memory", "tools", "auth"}
