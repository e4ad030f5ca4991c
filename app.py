#!/usr/bin/env python3
"""The CDK app: one Stage per environment in cdk.json, rule packs registered once on the App."""

from __future__ import annotations

import sys
from pathlib import Path

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

# Tool services declare their schemas in lambdas/<service>/tools.py; the app reads them from there.
sys.path.insert(0, str(Path(__file__).resolve().parent / "lambdas"))

from agentcore_constructs.readiness import ProductionReadinessChecks  # noqa: E402
from agentcore_constructs.readiness.gate import synth_and_enforce  # noqa: E402
from stacks.agent_stage import AgentStage  # noqa: E402
from stacks.config import load_environments  # noqa: E402


def build_app(app: cdk.App | None = None) -> cdk.App:
    app = app or cdk.App()
    configs = load_environments(app.node.try_get_context("environments"))
    for config in configs:
        AgentStage(app, config)
    # Once, on the App: covers every Stage's stacks (per-Stage registration reports each finding twice).
    cdk.Validations.of(app).add_plugins(
        AwsSolutionsChecks(app),
        # The seed's production-readiness checklist: findings fail synth where cdk.json says "error" (prod),
        # and are reported only where it says "warning" (dev: stage 1 alone must still deploy).
        ProductionReadinessChecks(app, level_by_stage={c.name: c.readiness for c in configs}),
    )
    return app


if __name__ == "__main__":
    # The CLI fails only on findings of the stacks it selected (none, for a bare `cdk synth` of Stages): the app
    # exits non-zero itself on any error-level finding, so every CLI command that synthesizes is gated.
    sys.exit(synth_and_enforce(build_app()))
