#!/usr/bin/env python3
"""The CDK app: one Stage per environment in cdk.json, rule packs registered once on the App."""

from __future__ import annotations

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from stacks.agent_stage import AgentStage
from stacks.config import load_environments


def build_app(app: cdk.App | None = None) -> cdk.App:
    app = app or cdk.App()
    for config in load_environments(app.node.try_get_context("environments")):
        AgentStage(app, config)
    # Once, on the App: covers every Stage's stacks (per-Stage registration reports each finding twice).
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


if __name__ == "__main__":
    build_app().synth()
