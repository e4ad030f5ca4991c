"""A stack that declares itself delivery tooling (template Metadata ``agentcore:not-an-agent``) is not an agent
environment: the checklist does not judge it (cdk-nag still does). Any other stack is judged as before."""

from __future__ import annotations

import json
from pathlib import Path

from agentcore_constructs.readiness.assembly import NOT_AN_AGENT_METADATA, load_cloud_assembly


def _assembly(root: Path, templates: dict[str, dict]) -> Path:
    artifacts = {
        name: {
            "type": "aws:cloudformation:stack",
            "environment": "aws://123456789012/us-east-1",
            "properties": {"templateFile": f"{name}.template.json"},
        }
        for name in templates
    }
    (root / "manifest.json").write_text(json.dumps({"version": "55.0.0", "artifacts": artifacts}))
    for name, template in templates.items():
        (root / f"{name}.template.json").write_text(json.dumps(template))
    return root


BUCKET = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}}}


def test_a_stack_marked_as_delivery_tooling_is_not_an_environment(tmp_path: Path) -> None:
    pipeline = {**BUCKET, "Metadata": {NOT_AN_AGENT_METADATA: "release pipeline"}}
    assert load_cloud_assembly(_assembly(tmp_path, {"Pipeline": pipeline})) == []


def test_an_unmarked_stack_is_still_judged(tmp_path: Path) -> None:
    (env,) = load_cloud_assembly(_assembly(tmp_path, {"Pipeline": BUCKET}))
    assert [s.path for s in env.stacks] == ["Pipeline"]
