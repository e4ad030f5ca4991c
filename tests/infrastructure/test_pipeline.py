"""The opt-in release pipeline: one synth promoted dev-free through staging and prod, the end-to-end suite against
staging's canary before the approval, the approval before prod; nag-clean with CDK's built-in validation on; the e2e
step's role gets only what the suite needs; the readiness checklist does not judge the pipeline as an agent."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from stacks.config import ConfigError, load_environments, load_pipeline
from stacks.synth import CDK_JSON, synth_app

PIPELINE = {
    "account": "123456789012",
    "region": "us-east-1",
    "connection_arn": "arn:aws:codeconnections:us-east-1:123456789012:connection/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab",
    "repository": "example-org/agentcore-production-path",
    "stages": ["staging", "prod"],
    "e2e_environment": "staging",
}

pytestmark = pytest.mark.xdist_group("pipeline")


@pytest.fixture(scope="module")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Built-in validation, cdk-nag and the readiness pack at each environment's level: a finding fails this synth.
    outdir = tmp_path_factory.mktemp("pipeline")
    synth_app(outdir, pipeline=PIPELINE, builtin_validation=True)
    return outdir


@pytest.fixture(scope="module")
def template(assembly: Path) -> dict:
    return json.loads(next(assembly.glob("ReleasePipeline*.template.json")).read_text())


def _stages(template: dict) -> list[dict]:
    (pipeline,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline"]
    return pipeline["Properties"]["Stages"]


def test_one_synth_then_staging_then_prod(template: dict) -> None:
    names = [s["Name"] for s in _stages(template)]
    assert names[:3] == ["Source", "Build", "UpdatePipeline"]
    assert names[-2:] == ["staging", "prod"] and "dev" not in names


def test_the_e2e_suite_gates_staging_and_the_approval_precedes_prod(template: dict) -> None:
    stages = {s["Name"]: s["Actions"] for s in _stages(template)}
    staging = {a["Name"]: a["RunOrder"] for a in stages["staging"]}
    assert staging["EndToEndStaging"] > max(v for k, v in staging.items() if k.endswith(".Deploy"))
    prod = {a["Name"]: (a["RunOrder"], a["ActionTypeId"]["Provider"]) for a in stages["prod"]}
    approval_order, provider = prod["ApproveProd"]
    assert provider == "Manual"
    assert approval_order < min(order for name, (order, _) in prod.items() if name != "ApproveProd")


def test_the_e2e_step_runs_the_suite_against_the_canary_and_scores_it(template: dict) -> None:
    projects = [r for r in template["Resources"].values() if r["Type"] == "AWS::CodeBuild::Project"]
    (e2e,) = [p for p in projects if "make e2e ENV=staging ENDPOINT=canary" in p["Properties"]["Source"]["BuildSpec"]]
    spec = e2e["Properties"]["Source"]["BuildSpec"]
    assert "agentcore-scorecard cdk.out --e2e-evidence e2e-evidence --strict staging" in spec
    assert spec.index("make e2e") < spec.index("agentcore-scorecard")


def test_the_e2e_role_gets_only_what_the_suite_needs(template: dict) -> None:
    statements = [
        s
        for lid, r in template["Resources"].items()
        if r["Type"] == "AWS::IAM::Policy" and "EndToEndStaging" in lid
        for s in r["Properties"]["PolicyDocument"]["Statement"]
        if "Sid" in s
    ]
    by_sid = {s["Sid"]: s for s in statements}
    assert set(by_sid) == {"ReadOutputs", "TestUsers", "ServedVersion", "AgentLogs", "ReleaseState"}
    assert by_sid["TestUsers"]["Condition"] == {"StringEquals": {"aws:ResourceTag/environment": "staging"}}
    assert all("*" != s["Resource"] for s in statements)
    assert "staging" in json.dumps(by_sid["ServedVersion"]["Resource"])


def test_the_pipeline_is_not_scored_as_an_agent_and_gates_item_8_of_prod(assembly: Path) -> None:
    from agentcore_constructs.readiness.scorecard import build_scorecard

    environments = {e["environment"]: e for e in build_scorecard(assembly, None)["environments"]}
    assert list(environments) == ["dev", "staging", "prod"]
    item_8 = {name: next(i for i in e["checklist"] if i["key"] == "8") for name, e in environments.items()}
    assert item_8["prod"]["ok"] and item_8["prod"]["evidence"] == "pipeline gate"
    assert "after the end-to-end suite passed against staging" in item_8["prod"]["run"]
    # Staging itself is proven by its recorded run (the pipeline's e2e step writes one), not by the gate.
    assert item_8["staging"]["evidence"] == "never run" and not item_8["staging"]["ok"]


ENVIRONMENTS = load_environments(CDK_JSON["context"]["environments"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"connection_arn": "arn:aws:iam::123456789012:role/x"}, r"pipeline\.connection_arn"),
        ({"stages": ["prod", "staging"]}, r"pipeline\.approval_before: 'prod' must be a stage after"),
        ({"stages": ["staging", "nowhere"]}, r"pipeline\.stages: must list environments"),
        ({"e2e_environment": "dev", "stages": ["dev", "prod"]}, r"pipeline\.e2e_environment: 'dev' needs identity_e2e"),
        ({"account": "210987654321"}, r"pipeline\.e2e_environment: 'staging' must be in the pipeline's account"),
        ({"repository": None}, r"pipeline\.repository: required"),
        ({"approvers": "x"}, r"pipeline: unknown key 'approvers'"),
    ],
)
def test_pipeline_config_errors_name_the_key(change: dict, message: str) -> None:
    raw = {**copy.deepcopy(PIPELINE), **change}
    with pytest.raises(ConfigError, match=message):
        load_pipeline(raw, ENVIRONMENTS)


def test_no_pipeline_by_default() -> None:
    assert CDK_JSON["context"]["pipeline"] is None and load_pipeline(None, ENVIRONMENTS) is None
