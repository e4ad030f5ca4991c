"""Dashboards, alarms, SNS and traces per environment (dashboard JSON parsed, not only snapshotted)."""

from __future__ import annotations

import json

import pytest

from stacks.config import load_environments
from tests.infrastructure.cfn import of_type
from tests.infrastructure.synth import CDK_JSON

ENVIRONMENTS = {c.name: c for c in load_environments(CDK_JSON["context"]["environments"])}


def _dashboard(template: dict) -> dict:
    """The dashboard body with CloudFormation intrinsics rendered as ${...} placeholders, parsed as JSON."""
    (dashboard,) = of_type(template, "AWS::CloudWatch::Dashboard").values()
    body = dashboard["Properties"]["DashboardBody"]
    parts = body["Fn::Join"][1] if isinstance(body, dict) else [body]
    text = "".join(p if isinstance(p, str) else "${intrinsic}" for p in parts)
    return json.loads(text)


def _metric_names(widget: dict) -> list[str]:
    names = []
    for metric in widget.get("properties", {}).get("metrics", []):
        if isinstance(metric[-1], dict) and "expression" in metric[-1]:
            names.append(metric[-1]["expression"])
        else:
            names.append(metric[1] if metric[0] != "." else metric[1])
    return names


def _widgets_by_title(dashboard: dict) -> dict[str, dict]:
    return {w["properties"].get("title", w["properties"].get("markdown", "")): w for w in dashboard["widgets"]}


@pytest.fixture(params=sorted(ENVIRONMENTS), scope="module")
def env_name(request) -> str:
    return request.param


def test_runtime_row_is_per_endpoint(templates: dict, env_name: str) -> None:
    widgets = _widgets_by_title(_dashboard(templates[f"{env_name}/Runtime"]))
    invocations = widgets["Invocations and sessions"]["properties"]["metrics"]
    assert {m[1] for m in invocations} == {"Invocations", "SessionCount"}
    for metric in invocations:
        dims = dict(zip(metric[2:-1:2], metric[3:-1:2], strict=True))
        assert dims["Name"] == f"support_agent_{env_name}::{env_name}"  # the environment's endpoint, not DEFAULT
    latency_stats = [m[-1]["stat"] for m in widgets["Latency p50 / p90 / p99 (ms)"]["properties"]["metrics"]]
    assert latency_stats == ["p50", "p90", "p99"]
    assert set(_metric_names(widgets["System / user errors, throttles"])) == {"SystemErrors", "UserErrors", "Throttles"}


def test_rows_follow_the_stages(templates: dict, env_name: str) -> None:
    config = ENVIRONMENTS[env_name]
    titles = set(_widgets_by_title(_dashboard(templates[f"{env_name}/Runtime"])))
    assert ("## Memory" in titles) is config.has_stage("memory")
    assert any(t.startswith("## Gateway") for t in titles) is config.has_stage("gateway")
    assert ("## Tool `order-service` (Lambda)" in titles) is config.has_stage("gateway")
    if config.has_stage("gateway"):
        widgets = _widgets_by_title(_dashboard(templates[f"{env_name}/Runtime"]))
        assert "ConcurrentExecutions" in _metric_names(widgets["Concurrent executions"])
        # Gateway metrics carry Method (and Name for tools) (AgentCore guide, observability-gateway-metrics): the
        # row SEARCHes the documented schemas instead of one exact dimension set that may never be published.
        latency = json.dumps(widgets["Latency and target execution time by tool (p90, ms)"])
        for metric in ("Latency", "TargetExecutionTime"):
            assert (
                f'{{AWS/Bedrock-AgentCore,Method,Name,Operation,Protocol,Resource}} MetricName=\\"{metric}\\"'
                in latency
            )
        assert "{AWS/Bedrock-AgentCore,Method,Operation,Protocol,Resource}" in json.dumps(
            widgets["Requests by MCP method"]
        )


def test_alarm_thresholds_and_actions_follow_config(templates: dict, env_name: str) -> None:
    config = ENVIRONMENTS[env_name]
    template = templates[f"{env_name}/Runtime"]
    alarms = {
        a["Properties"]["AlarmName"]: a["Properties"]
        for a in of_type(template, "AWS::CloudWatch::Alarm").values()
        # quality (scores and their silence): test_tool_policy.py and the library's test_online_evaluation.py
        if a["Properties"].get("Namespace") != "Bedrock-AgentCore/Evaluations"
        and not a["Properties"]["AlarmName"].endswith("-QualityScoresMissing")
    }
    prefix = f"support-agent-{env_name}-"
    assert alarms[prefix + "RuntimeErrorRate"]["Threshold"] == config.alarms.error_rate_percent
    assert alarms[prefix + "RuntimeLatencyP90"]["Threshold"] == config.alarms.latency_p90_ms
    assert alarms[prefix + "RuntimeThrottles"]["Threshold"] == config.alarms.throttles
    expected = {"RuntimeErrorRate", "RuntimeLatencyP90", "RuntimeThrottles"}
    if config.has_stage("gateway"):
        expected |= {"GatewaySystemErrors", "GatewayThrottles", "OrderServiceErrors"}
        assert alarms[prefix + "OrderServiceErrors"]["Threshold"] == config.alarms.tool_errors
    assert set(alarms) == {prefix + name for name in expected}
    if config.has_stage("gateway"):
        # Gateway alarms: Metrics Insights over this gateway's tools/call series, whatever dimension set they carry.
        (query,) = alarms[prefix + "GatewaySystemErrors"]["Metrics"]
        text = json.dumps(query["Expression"])
        assert 'SELECT SUM(SystemErrors) FROM \\"AWS/Bedrock-AgentCore\\" WHERE Resource = ' in text
        assert "AND Method = 'tools/call'" in text and "GatewayArn" in text
    topic_id = next(iter(of_type(template, "AWS::SNS::Topic")))
    for props in alarms.values():
        assert props["AlarmActions"] == [{"Ref": topic_id}]
        assert props["EvaluationPeriods"] == config.alarms.evaluation_periods
        assert props["TreatMissingData"] == "notBreaching"
    (composite,) = of_type(template, "AWS::CloudWatch::CompositeAlarm").values()
    assert composite["Properties"]["AlarmActions"] == [{"Ref": topic_id}]
    assert json.dumps(composite["Properties"]["AlarmRule"]).count("ALARM(") == len(expected)


def test_alarm_topic_is_kms_encrypted_tls_only_with_configured_emails(templates: dict, env_name: str) -> None:
    template = templates[f"{env_name}/Runtime"]
    (topic,) = of_type(template, "AWS::SNS::Topic").values()
    assert "EnvironmentKey" in json.dumps(topic["Properties"]["KmsMasterKeyId"])
    (key,) = of_type(templates[f"{env_name}/Stateful"], "AWS::KMS::Key").values()
    assert key["Properties"]["EnableKeyRotation"] is True
    assert "cloudwatch.amazonaws.com" in json.dumps(key["Properties"]["KeyPolicy"])
    (policy,) = of_type(template, "AWS::SNS::TopicPolicy").values()
    statement = policy["Properties"]["PolicyDocument"]["Statement"][0]
    assert statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    emails = sorted(s["Properties"]["Endpoint"] for s in of_type(template, "AWS::SNS::Subscription").values())
    assert emails == sorted(ENVIRONMENTS[env_name].alarm_emails)


def test_transaction_search_is_one_account_stack_that_every_environment_of_the_account_deploys_first(
    templates: dict, synthesized
) -> None:
    """The three environments share the placeholder account: each deploys the same account stack (one stack name, an
    identical template), so whichever is deployed first turns Transaction Search on, and its runtime waits for it."""
    holders = [name for name, t in templates.items() if of_type(t, "AWS::XRay::TransactionSearchConfig")]
    managers = [name for name, c in ENVIRONMENTS.items() if c.transaction_search == "manage"]
    assert sorted(holders) == sorted(f"{name}/Account" for name in managers) and managers
    assert len({json.dumps(templates[h], sort_keys=True) for h in holders}) == 1  # byte for byte the same stack
    for name in managers:
        (search_config,) = of_type(templates[f"{name}/Account"], "AWS::XRay::TransactionSearchConfig").values()
        assert (
            search_config["Properties"]["IndexingPercentage"] == ENVIRONMENTS[name].transaction_search_indexing_percent
        )
        assert search_config["DeletionPolicy"] == "Retain"
        manifest = json.loads((synthesized.outdir / f"assembly-{name}" / "manifest.json").read_text())
        stacks = {
            a["displayName"]: a for a in manifest["artifacts"].values() if a["type"] == "aws:cloudformation:stack"
        }
        assert stacks[f"{name}/Account"]["properties"]["stackName"] == "agentcore-account-observability"
        account_artifact = next(
            k for k, a in manifest["artifacts"].items() if a.get("displayName") == f"{name}/Account"
        )
        assert account_artifact in stacks[f"{name}/Runtime"]["dependencies"]
    # CloudWatch Logs refuses log-group names starting with "aws/" (CreateLogGroup API reference).
    assert [
        n
        for n, t in templates.items()
        for g in of_type(t, "AWS::Logs::LogGroup").values()
        if str(g["Properties"].get("LogGroupName", "")).startswith("aws/")
    ] == []


def test_every_log_group_everywhere_has_retention_and_the_environment_key(templates: dict) -> None:
    groups = [(name, k, g) for name, t in templates.items() for k, g in of_type(t, "AWS::Logs::LogGroup").items()]
    assert groups
    assert [(name, k) for name, k, g in groups if "RetentionInDays" not in g["Properties"]] == []
    unencrypted = [
        (name, k) for name, k, g in groups if "EnvironmentKey" not in json.dumps(g["Properties"].get("KmsKeyId"))
    ]
    assert unencrypted == []


def test_the_environment_key_lets_cloudwatch_logs_use_it_for_this_accounts_log_groups(templates: dict) -> None:
    for name, template in templates.items():
        if not name.endswith("/Stateful"):
            continue
        (key,) = of_type(template, "AWS::KMS::Key").values()
        (statement,) = [
            s for s in key["Properties"]["KeyPolicy"]["Statement"] if s.get("Sid") == "AllowCloudWatchLogsEncryption"
        ]
        assert "kms:EncryptionContext:aws:logs:arn" in json.dumps(statement["Condition"])
        assert not [a for a in statement["Action"] if a.endswith("*")]
