"""CDK helpers of the readiness tests: the small multi-Stage app synthesized once per session (conftest.py).

Stages:
* ``poc``   — an L2 ``Runtime`` and nothing else (the seed's migration step 1), report-only.
* ``full``  — the hand-written production-ready fixture, **strict** (ERROR): synth still succeeds, no findings.
* ``leaky`` — the fixture with three findings, one acknowledged on its construct, one "acknowledged" on the
  Stage (not recorded in the assembly, so still reported), report-only.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_bedrockagentcore as agentcore
from aws_cdk import aws_s3 as s3

from agentcore_constructs.readiness import ProductionReadinessChecks
from library_tests.readiness.fixtures import add_to_stack, good_template

ENV = cdk.Environment(account="123456789012", region="us-east-1")
CONTEXT = {"@aws-cdk/core:validateAgainstDefaultRules": False}

RETRY_ACK = "mode comes from the platform default"
STAGE_ACK = "acknowledged on the Stage"


def new_app(outdir: Path) -> cdk.App:
    return cdk.App(outdir=str(outdir), context=dict(CONTEXT))


def add_poc_stage(app: cdk.App, name: str = "poc") -> cdk.Stage:
    stage = cdk.Stage(app, name, env=ENV)
    stack = cdk.Stack(stage, "Agent")
    artifact = agentcore.AgentRuntimeArtifact.from_s3(
        s3.Location(bucket_name="poc-artifacts", object_key="agent.zip"),
        agentcore.AgentCoreRuntime.PYTHON_3_12,
        ["main.py"],
    )
    agentcore.Runtime(stack, "Runtime", runtime_name=f"{name}_agent", agent_runtime_artifact=artifact)
    return stage


def add_template_stage(
    app: cdk.App, name: str, template: dict[str, Any]
) -> tuple[cdk.Stage, cdk.Stack, dict[str, Any]]:
    stage = cdk.Stage(app, name, env=ENV)
    stack = cdk.Stack(stage, "Agent")
    return stage, stack, add_to_stack(stack, template)


def leaky_template() -> dict[str, Any]:
    template = copy.deepcopy(good_template("leaky"))
    template["Resources"]["ToolLogs"]["Properties"].pop("RetentionInDays")
    env = template["Resources"]["Runtime"]["Properties"]["EnvironmentVariables"]
    env.pop("AGENT_RETRY_MODE")
    env["AGENT_RETRY_MAX_ATTEMPTS"] = "1"
    return template


@dataclass
class Synthesized:
    outdir: Path
    plugin: ProductionReadinessChecks
    report: dict[str, Any]


def synthesize_session_app(outdir: Path) -> Synthesized:
    import json

    app = new_app(outdir)
    add_poc_stage(app)
    add_template_stage(app, "full", good_template("full"))
    stage, _, created = add_template_stage(app, "leaky", leaky_template())
    cdk.Validations.of(created["Runtime"]).acknowledge(
        cdk.Acknowledgment(id="Readiness-Retries[Env::AGENT_RETRY_MODE]", reason=RETRY_ACK)
    )
    cdk.Validations.of(stage).acknowledge(cdk.Acknowledgment(id="Readiness-Observability[Retention]", reason=STAGE_ACK))
    plugin = ProductionReadinessChecks(app, strict_stages={"full"})
    cdk.Validations.of(app).add_plugins(plugin)
    app.synth()  # WARN stages have findings and must not fail synth; the strict stage has none
    return Synthesized(outdir, plugin, json.loads((outdir / "validation-report.json").read_text()))
