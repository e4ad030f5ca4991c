"""The gateway's Cedar tool policies in the templates: the engine, one policy per file naming this gateway, the mode
cdk.json asks for (LOG_ONLY in staging, ENFORCE in prod), and the gateway role allowed to evaluate them."""

from __future__ import annotations

import json

import pytest

from local_dev.tool_policy import TOOL_POLICY_DIR

EXPECTED_MODE = {"staging": "LOG_ONLY", "prod": "ENFORCE"}


def _of_type(template: dict, cfn_type: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == cfn_type}


@pytest.mark.parametrize("env", sorted(EXPECTED_MODE))
def test_the_gateway_enforces_or_observes_the_repo_policies(templates: dict, env: str) -> None:
    template = templates[f"{env}/Runtime"]
    (engine_id,) = _of_type(template, "AWS::BedrockAgentCore::PolicyEngine")
    (gateway,) = _of_type(template, "AWS::BedrockAgentCore::Gateway").values()
    config = gateway["Properties"]["PolicyEngineConfiguration"]
    assert config == {"Arn": {"Fn::GetAtt": [engine_id, "PolicyEngineArn"]}, "Mode": EXPECTED_MODE[env]}
    policies = _of_type(template, "AWS::BedrockAgentCore::Policy").values()
    assert sorted(p["Properties"]["Name"] for p in policies) == sorted(f.stem for f in TOOL_POLICY_DIR.glob("*.cedar"))
    for policy in policies:
        statement = json.dumps(policy["Properties"]["Definition"]["Cedar"]["Statement"])
        assert "{{" not in statement  # every placeholder filled in
        assert '"Fn::GetAtt": ["ToolsGateway' in statement  # names this gateway's ARN
        assert policy["Properties"]["ValidationMode"] == "FAIL_ON_ANY_FINDINGS"
    lookup = next(p for p in policies if p["Properties"]["Name"] == "lookup_order")
    assert f"support-agent-{env}/tools" in json.dumps(lookup["Properties"]["Definition"])
    refund = json.dumps(next(p for p in policies if p["Properties"]["Name"] == "issue_refund")["Properties"])
    assert '\\"support-staff\\"' in refund and "<= 50000" in refund


@pytest.mark.parametrize("env", sorted(EXPECTED_MODE))
def test_the_refund_group_the_policy_names_exists_in_the_pool(templates: dict, env: str) -> None:
    (group,) = _of_type(templates[f"{env}/Stateful"], "AWS::Cognito::UserPoolGroup").values()
    assert group["Properties"]["GroupName"] == "support-staff"
    assert group["Properties"]["UserPoolId"]["Ref"].startswith("IdentityUserPool")


@pytest.mark.parametrize("env", sorted(EXPECTED_MODE))
def test_the_gateway_role_may_evaluate_only_its_engine(templates: dict, env: str) -> None:
    template = templates[f"{env}/Runtime"]
    statements = {
        s.get("Sid"): s
        for policy in _of_type(template, "AWS::IAM::Policy").values()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    }
    evaluate = statements["EvaluateToolPolicies"]
    assert sorted(evaluate["Action"]) == [
        "bedrock-agentcore:AuthorizeAction",
        "bedrock-agentcore:PartiallyAuthorizeActions",
    ]
    rendered = json.dumps(evaluate["Resource"])
    assert "PolicyEngineArn" in rendered and f"gateway/support-tools-{env}-??????????" in rendered
    assert statements["ReadToolPolicyEngine"]["Action"] == "bedrock-agentcore:GetPolicyEngine"


def test_environments_without_identity_have_no_policy_engine(templates: dict) -> None:
    assert not _of_type(templates["dev/Runtime"], "AWS::BedrockAgentCore::PolicyEngine")


@pytest.mark.parametrize(("env", "percent"), [("staging", 25), ("prod", 5)])
def test_staging_and_prod_evaluate_a_sample_of_their_endpoint(templates: dict, env: str, percent: int) -> None:
    (config,) = _of_type(templates[f"{env}/Runtime"], "AWS::BedrockAgentCore::OnlineEvaluationConfig").values()
    assert config["Properties"]["Rule"]["SamplingConfig"]["SamplingPercentage"] == percent
    assert config["Properties"]["DataSourceConfig"]["CloudWatchLogs"]["ServiceNames"] == [f"support_agent_{env}.{env}"]
    quality = {
        a["Properties"]["MetricName"]: a["Properties"]
        for a in _of_type(templates[f"{env}/Runtime"], "AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("Namespace") == "Bedrock-AgentCore/Evaluations"
    }
    assert sorted(quality) == [
        "Builtin.Correctness",
        "Builtin.Helpfulness",
        "Builtin.ToolParameterAccuracy",
        "Builtin.ToolSelectionAccuracy",
    ]
    for alarm in quality.values():  # on the environment's alarm topic
        assert alarm["AlarmActions"][0]["Ref"].startswith("ObservabilityAlarmTopic")
