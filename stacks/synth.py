"""Synthesize the real app the way `cdk synth` does, offline and in memory, minus asset bundling.

Used by the tests (session-scoped synths), ``scripts.stage_diff`` and ``scripts.bench``: asset bundling is skipped
(``aws:cdk:bundling-stacks: []``), built-in CloudFormation validation is off unless asked for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Template

REPO_ROOT = Path(__file__).resolve().parent.parent

CDK_JSON = json.loads((REPO_ROOT / "cdk.json").read_text())


@dataclass
class SynthesizedApp:
    outdir: Path
    manifest: dict[str, Any]

    def stack_templates(self) -> dict[str, dict[str, Any]]:
        """{"dev/Runtime": template dict, ...} for every stack of every stage."""
        templates: dict[str, dict[str, Any]] = {}
        for stage_dir in sorted(self.outdir.glob("assembly-*")):
            manifest = json.loads((stage_dir / "manifest.json").read_text())
            for artifact in manifest["artifacts"].values():
                if artifact["type"] != "aws:cloudformation:stack":
                    continue
                template_file = stage_dir / artifact["properties"]["templateFile"]
                templates[artifact["displayName"]] = json.loads(template_file.read_text())  # "dev/Runtime"
        return templates

    def template(self, stack_path: str) -> Template:
        return Template.from_json(self.stack_templates()[stack_path], skip_cyclical_dependencies_check=True)


def synth_app(
    outdir: Path,
    *,
    environments: dict[str, Any] | None = None,
    pipeline: dict[str, Any] | None = None,
    builtin_validation: bool = False,
) -> SynthesizedApp:
    from stacks.app import build_app

    context = dict(CDK_JSON["context"])
    if environments is not None:
        context["environments"] = environments
    if pipeline is not None:
        context["pipeline"] = pipeline
    context["aws:cdk:bundling-stacks"] = []
    context["@aws-cdk/core:validateAgainstDefaultRules"] = builtin_validation
    app = cdk.App(context=context, outdir=str(outdir))
    build_app(app)
    app.synth()
    return SynthesizedApp(outdir=outdir, manifest=json.loads((outdir / "manifest.json").read_text()))
