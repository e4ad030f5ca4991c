"""The gate: synthesize every environment as `cdk synth` does, built-in CloudFormation validation and cdk-nag on."""

from __future__ import annotations

import json

import pytest

from tests.infrastructure.synth import SynthesizedApp


@pytest.mark.gate
def test_all_environments_synthesize_with_builtin_validation_and_cdk_nag(synthesized: SynthesizedApp) -> None:
    # The run's one synth of the app (tests/conftest.py) has built-in validation on: a failing rule fails it, and
    # every test that reads the templates with it; what it reported (warnings included) is in its report.
    report_file = synthesized.outdir / "validation-report.json"
    report = json.loads(report_file.read_text()) if report_file.exists() else {"pluginReports": []}
    failures = [r for r in report["pluginReports"] if r.get("conclusion") == "failure"]
    assert failures == []
    assert len(synthesized.stack_templates()) >= 3


def test_an_unacknowledged_nag_finding_fails_synth(tmp_path) -> None:
    # Proves the rule pack is registered on the real app: a wildcard policy added to dev must fail synth.
    import aws_cdk as cdk
    from aws_cdk import aws_iam as iam

    from app import build_app
    from tests.infrastructure.synth import CDK_JSON

    context = {**CDK_JSON["context"], "aws:cdk:bundling-stacks": [], "@aws-cdk/core:validateAgainstDefaultRules": False}
    context["environments"] = {"dev": CDK_JSON["context"]["environments"]["dev"]}
    app = cdk.App(context=context, outdir=str(tmp_path))
    build_app(app)
    runtime_stack = app.node.find_child("dev").node.find_child("Runtime")
    runtime_stack.node.find_child("Agent").role.add_to_principal_policy(
        iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"])
    )
    with pytest.raises(Exception, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    failing = {
        v["ruleName"]
        for r in report["pluginReports"]
        if r["conclusion"] == "failure"
        for v in r["violations"]
        if v["severity"] == "error"
    }
    assert failing == {"AwsSolutions-IAM5[Resource::*]"}
