"""The CDK app: one Stage per environment in cdk.json, rule packs registered once on the App."""

from __future__ import annotations

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from agentcore_constructs.readiness import ProductionReadinessChecks
from stacks.agent_stage import AgentStage
from stacks.config import load_environments, load_pipeline
from stacks.pipeline_stack import PipelineStack


def build_app(app: cdk.App | None = None) -> cdk.App:
    app = app or cdk.App()
    configs = load_environments(app.node.try_get_context("environments"))
    pipeline = load_pipeline(app.node.try_get_context("pipeline"), configs)
    stages = {config.name: AgentStage(app, config, pipeline=pipeline) for config in configs}
    if pipeline is not None:
        # Opt-in: the same Stages, promoted in order by CDK Pipelines (`cdk deploy ReleasePipeline` once).
        PipelineStack(
            app,
            "ReleasePipeline",
            config=pipeline,
            stages=stages,
            environments={c.name: c for c in configs},
            stack_name="agentcore-release-pipeline",
            env=cdk.Environment(account=pipeline.account, region=pipeline.region),
        )
    # Once, on the App: covers every Stage's stacks (per-Stage registration reports each finding twice).
    cdk.Validations.of(app).add_plugins(
        AwsSolutionsChecks(app),
        # The seed's production-readiness checklist: findings fail synth where cdk.json says "error" (prod),
        # and are reported only where it says "warning" (dev: stage 1 alone must still deploy).
        ProductionReadinessChecks(app, level_by_stage={c.name: c.readiness for c in configs}),
    )
    return app
