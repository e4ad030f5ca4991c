"""The opt-in release pipeline: one synth promoted dev-free through staging and prod, the end-to-end suite against
staging's canary before the approval, the approval before prod, the rollback guard before each runtime stack;
nag-clean with CDK's built-in validation on; the steps get only what they need, by assuming a role in the
environment's account when it is not the pipeline's; the readiness checklist does not judge the pipeline as an
agent."""

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


def _project(template: dict, command: str) -> dict:
    """The CodeBuild project whose buildspec runs ``command``."""
    (project,) = [
        r
        for r in template["Resources"].values()
        if r["Type"] == "AWS::CodeBuild::Project" and command in r["Properties"]["Source"]["BuildSpec"]
    ]
    return project


def _commands(project: dict) -> list[str]:
    return json.loads(project["Properties"]["Source"]["BuildSpec"])["phases"]["build"]["commands"]


def _statements_of_role(template: dict, role_ref: dict) -> list[dict]:
    """Every policy statement attached to the role a CodeBuild project's ServiceRole points at."""
    (logical_id, _) = role_ref["Fn::GetAtt"]
    return [
        statement
        for r in template["Resources"].values()
        if r["Type"] == "AWS::IAM::Policy" and {"Ref": logical_id} in r["Properties"]["Roles"]
        for statement in r["Properties"]["PolicyDocument"]["Statement"]
    ]


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


def test_the_rollback_guard_runs_before_each_runtime_stack_after_the_approval(template: dict) -> None:
    stages = {s["Name"]: {a["Name"]: a["RunOrder"] for a in s["Actions"]} for s in _stages(template)}
    for name in ("staging", "prod"):  # both have release.rollback_window_minutes
        actions = stages[name]
        guard = actions[f"agent-runtime.ReleaseGuard{name.capitalize()}"]
        # After the stateful stack (which holds the guard's role in another account), before the runtime stack.
        assert actions["agent-stateful.Deploy"] < guard < actions["agent-runtime.Prepare"]
        commands = _commands(_project(template, f"scripts.release guard {name}"))
        assert commands == ["make install", f".venv/bin/python -m scripts.release guard {name}"]
    assert stages["prod"]["ApproveProd"] < stages["prod"]["agent-runtime.ReleaseGuardProd"]


def test_the_guard_reads_only_the_runtime_outputs_the_endpoint_and_the_release_state(template: dict) -> None:
    guard = _project(template, "scripts.release guard prod")
    by_sid = {s["Sid"]: s for s in _statements_of_role(template, guard["Properties"]["ServiceRole"]) if "Sid" in s}
    assert set(by_sid) == {"ReadRuntimeOutputs", "ServedVersion", "ReleaseState"}
    assert by_sid["ReadRuntimeOutputs"]["Resource"].endswith(":stack/prod-agent-runtime/*")
    assert by_sid["ReleaseState"]["Resource"].endswith(":parameter/agentcore/release/support_agent_prod/prod")
    assert by_sid["ReleaseState"]["Action"] == "ssm:GetParameter"


def test_in_the_pipelines_account_no_step_assumes_a_role(template: dict, assembly: Path) -> None:
    for command in ("make e2e ENV=staging", "scripts.release guard staging", "scripts.release guard prod"):
        project = _project(template, command)
        assert not any("assume-role" in c for c in _commands(project))
        assert not any(
            "sts:AssumeRole" in json.dumps(s["Action"])
            for s in _statements_of_role(template, project["Properties"]["ServiceRole"])
        )
    stateful = json.loads(next(assembly.glob("assembly-staging/*Stateful*.template.json")).read_text())
    assert not [k for k in stateful["Resources"] if k.startswith("PipelineAccess")]


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
        ({"repository": None}, r"pipeline\.repository: required"),
        ({"approvers": "x"}, r"pipeline: unknown key 'approvers'"),
    ],
)
def test_pipeline_config_errors_name_the_key(change: dict, message: str) -> None:
    raw = {**copy.deepcopy(PIPELINE), **change}
    with pytest.raises(ConfigError, match=message):
        load_pipeline(raw, ENVIRONMENTS)


def test_every_pipeline_mistake_is_reported_in_one_error() -> None:
    raw = {**copy.deepcopy(PIPELINE), "account": 123456789012, "branch": "", "approvers": "x"}
    with pytest.raises(ConfigError) as raised:
        load_pipeline(raw, ENVIRONMENTS)
    assert sorted(str(raised.value).splitlines()) == [
        "pipeline.account: 123456789012 must be a 12-digit account id, as a string (a number loses leading zeros)",
        "pipeline.branch: '' must be a branch name",
        "pipeline: unknown key 'approvers' (allowed: account, region, connection_arn, repository, branch, stages, "
        "e2e_environment, approval_before, approval_topic_arn)",
    ]


def test_no_pipeline_by_default() -> None:
    assert CDK_JSON["context"]["pipeline"] is None and load_pipeline(None, ENVIRONMENTS) is None


def test_an_e2e_environment_in_another_account_is_accepted() -> None:
    config = load_pipeline({**copy.deepcopy(PIPELINE), "account": "210987654321"}, ENVIRONMENTS)
    assert config is not None and config.e2e_environment == "staging"


# ---- staging and prod in accounts of their own --------------------------------------------------------------------
PIPELINE_ACCOUNT, STAGING_ACCOUNT, PROD_ACCOUNT = "123456789012", "210987654321", "310987654321"


@pytest.fixture(scope="module")
def cross_account(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    """(the pipeline's template, {"staging/Stateful": template, ...}), built with the rule packs and CDK's built-in
    validation: a finding on the new roles fails this synth."""
    environments = copy.deepcopy(CDK_JSON["context"]["environments"])
    environments["staging"]["account"], environments["prod"]["account"] = STAGING_ACCOUNT, PROD_ACCOUNT
    outdir = tmp_path_factory.mktemp("pipeline-cross-account")
    app = synth_app(outdir, environments=environments, pipeline=PIPELINE, builtin_validation=True)
    pipeline = json.loads(next(outdir.glob("ReleasePipeline*.template.json")).read_text())
    return pipeline, app.stack_templates()


def _role(template: dict, name: str) -> tuple[str, dict]:
    (found,) = [
        (k, r)
        for k, r in template["Resources"].items()
        if r["Type"] == "AWS::IAM::Role" and r["Properties"].get("RoleName") == name
    ]
    return found


def _statements_of(template: dict, role_logical_id: str) -> list[dict]:
    return _statements_of_role(template, {"Fn::GetAtt": [role_logical_id, "Arn"]})


@pytest.mark.parametrize(
    ("command", "purpose", "environment", "account", "stack"),
    [
        ("make e2e ENV=staging", "e2e", "staging", STAGING_ACCOUNT, "staging/Stateful"),
        ("scripts.release guard staging", "guard", "staging", STAGING_ACCOUNT, "staging/Stateful"),
        ("scripts.release guard prod", "guard", "prod", PROD_ACCOUNT, "prod/Stateful"),
    ],
)
def test_a_step_reaching_another_account_assumes_exactly_that_environments_access_role(
    cross_account, command, purpose, environment, account, stack
) -> None:
    pipeline, stages = cross_account
    access_role = f"arn:aws:iam::{account}:role/support_agent_{environment}-pipeline-{purpose}"
    step_role = f"arn:aws:iam::{PIPELINE_ACCOUNT}:role/support_agent_{environment}-pipeline-{purpose}-step"

    # The step: its named role may assume exactly the access role, and nothing of the environment itself.
    project = _project(pipeline, command)
    step_logical_id, _ = _role(pipeline, step_role.rsplit("/", 1)[1])
    assert project["Properties"]["ServiceRole"] == {"Fn::GetAtt": [step_logical_id, "Arn"]}
    statements = _statements_of(pipeline, step_logical_id)
    assumes = [s for s in statements if "sts:AssumeRole" in json.dumps(s["Action"])]
    assert [(s["Action"], s["Resource"]) for s in assumes] == [("sts:AssumeRole", access_role)]
    reaching = ("cloudformation:", "cognito-idp:", "bedrock-agentcore:", "ssm:", "logs:FilterLogEvents")
    assert not [s for s in statements if any(a in json.dumps(s["Action"]) for a in reaching)]

    # It assumes the role after installing and before anything talks to the environment, and drops its own
    # credentials so nothing falls back to the pipeline's account.
    commands = _commands(project)
    assume = next(i for i, c in enumerate(commands) if "aws sts assume-role" in c)
    assert commands[0] == "make install" and assume == 1
    assert f"--role-arn {access_role} " in commands[assume]
    assert "AWS_SESSION_TOKEN=" in commands[assume + 1]
    assert "unset" in commands[assume + 2] and "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" in commands[assume + 2]
    assert command in commands[assume + 3]

    # The access role, in the environment's stateful stack: trusts the pipeline's account for that step role only.
    _, role = _role(stages[stack], access_role.rsplit("/", 1)[1])
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"AWS": f"arn:aws:iam::{PIPELINE_ACCOUNT}:root"}
    assert trust["Condition"] == {"ArnEquals": {"aws:PrincipalArn": step_role}}


def test_the_access_roles_carry_only_what_their_step_needs_in_their_own_account(cross_account) -> None:
    _, stages = cross_account
    expected = {
        ("staging/Stateful", "e2e"): {"ReadOutputs", "TestUsers", "ServedVersion", "AgentLogs", "ReleaseState"},
        ("staging/Stateful", "guard"): {"ReadRuntimeOutputs", "ServedVersion", "ReleaseState"},
        ("prod/Stateful", "guard"): {"ReadRuntimeOutputs", "ServedVersion", "ReleaseState"},
    }
    for (stack, purpose), sids in expected.items():
        environment, account = stack.split("/")[0], STAGING_ACCOUNT if stack.startswith("staging") else PROD_ACCOUNT
        logical_id, _ = _role(stages[stack], f"support_agent_{environment}-pipeline-{purpose}")
        statements = _statements_of(stages[stack], logical_id)
        assert {s["Sid"] for s in statements} == sids
        resources = json.dumps([s["Resource"] for s in statements])
        assert f":{account}:" in resources and f":{PIPELINE_ACCOUNT}:" not in resources
        assert all(s["Resource"] != "*" for s in statements)
    # No access roles where no step reaches: dev is not a stage of the pipeline; prod has no e2e step.
    assert not [k for k in stages["dev/Stateful"]["Resources"] if k.startswith("PipelineAccess")]
    assert not [
        r
        for r in stages["prod/Stateful"]["Resources"].values()
        if r["Properties"].get("RoleName") == "support_agent_prod-pipeline-e2e"
    ]
