"""scripts/cost on small synthetic assemblies: counts -> costs, exactly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agentcore_constructs.readiness.assembly import environment_from_templates
from scripts import cost
from scripts.cost import PRICES, estimate, idle_lines, load_assembly, main

ACCOUNT = "111122223333"


def write_assembly(root: Path, envs: dict[str, dict[str, dict[str, Any]]], account: str = ACCOUNT) -> Path:
    """``envs``: {env: {stack name: {logical id: resource}}} written in the nested-stage layout of `cdk synth`."""
    root.mkdir(parents=True, exist_ok=True)
    top: dict[str, Any] = {"version": "55.0.0", "artifacts": {}}
    for env, stacks in envs.items():
        directory = f"assembly-{env}"
        top["artifacts"][directory] = {
            "type": "cdk:cloud-assembly",
            "properties": {"directoryName": directory, "displayName": env},
        }
        (root / directory).mkdir()
        manifest: dict[str, Any] = {"version": "55.0.0", "artifacts": {}}
        for stack, resources in stacks.items():
            artifact_id = f"{env}{stack}"
            (root / directory / f"{artifact_id}.template.json").write_text(json.dumps({"Resources": resources}))
            manifest["artifacts"][f"{artifact_id}.assets"] = {"type": "cdk:asset-manifest", "properties": {"file": "x"}}
            manifest["artifacts"][artifact_id] = {
                "type": "aws:cloudformation:stack",
                "environment": f"aws://{account}/us-east-1",
                "displayName": f"{env}/{stack}",
                "properties": {"templateFile": f"{artifact_id}.template.json"},
            }
        (root / directory / "manifest.json").write_text(json.dumps(manifest))
    (root / "manifest.json").write_text(json.dumps(top))
    return root


def r(cfn_type: str, **props: Any) -> dict[str, Any]:
    return {"Type": cfn_type, "Properties": props}


def simple_alarm() -> dict[str, Any]:
    return r("AWS::CloudWatch::Alarm", MetricName="Errors", Namespace="AWS/Lambda", Period=300, Statistic="Sum")


def math_alarm(metrics: int) -> dict[str, Any]:
    entries: list[dict[str, Any]] = [{"Id": "e", "Expression": "a/b*100"}]
    entries += [
        {
            "Id": f"m{i}",
            "ReturnData": False,
            "MetricStat": {"Metric": {"MetricName": f"M{i}"}, "Period": 300, "Stat": "Sum"},
        }
        for i in range(metrics)
    ]
    return r("AWS::CloudWatch::Alarm", Metrics=entries)


def lines_by_item(env: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {line["item"].split(" (")[0]: line for line in env["idle"]}


P = {key: price.usd for key, price in PRICES.items()}


def test_counts_to_idle_costs_exactly(tmp_path: Path) -> None:
    resources = {
        "Key1": r("AWS::KMS::Key", EnableKeyRotation=True),
        "Key2": r("AWS::KMS::Key"),
        "Dash": r("AWS::CloudWatch::Dashboard"),
        "A1": simple_alarm(),
        "A2": math_alarm(2),
        "HiRes": r("AWS::CloudWatch::Alarm", MetricName="X", Namespace="N", Period=10, Statistic="Sum"),
        "C1": r("AWS::CloudWatch::CompositeAlarm", AlarmRule="ALARM(a)"),
        "S1": r("AWS::SecretsManager::Secret"),
        "S2": r("AWS::SecretsManager::Secret"),
        "L1": r("AWS::Logs::LogGroup"),
        "L2": r("AWS::Logs::LogGroup"),
        "L3": r("AWS::Logs::LogGroup"),
        "T": r("AWS::SNS::Topic"),
        "F": r("AWS::Lambda::Function", MemorySize=256),
    }
    outdir = write_assembly(tmp_path / "cdk.out", {"dev": {"Runtime": resources}})
    env = estimate(outdir)["environments"]["dev"]
    items = lines_by_item(env)

    assert items["KMS customer managed keys"]["count"] == 2
    assert items["KMS customer managed keys"]["monthly_usd"] == pytest.approx(2 * P["kms.key_month"])
    # only the rotating key climbs by two rotations
    assert items["KMS customer managed keys"]["steady_usd"] == pytest.approx(
        2 * P["kms.key_month"] + 2 * P["kms.rotation_month"]
    )
    assert items["CloudWatch dashboards"]["monthly_usd"] == 0  # inside the 3 free per account
    assert items["CloudWatch alarms"]["count"] == 3  # 1 simple + 2 metrics of the math alarm
    assert items["CloudWatch alarms"]["monthly_usd"] == pytest.approx(3 * P["cloudwatch.alarm_metric_month"])
    assert items["CloudWatch high-resolution alarm metrics"]["monthly_usd"] == pytest.approx(
        P["cloudwatch.alarm_metric_high_res_month"]
    )
    assert items["CloudWatch composite alarms"]["monthly_usd"] == pytest.approx(P["cloudwatch.composite_alarm_month"])
    assert items["Secrets Manager secrets"]["monthly_usd"] == pytest.approx(2 * P["secretsmanager.secret_month"])
    log_storage = 3 * cost.ASSUMPTIONS["log_storage_gb_per_group"][0] * P["cloudwatch.logs_storage_gb_month"]
    assert items["CloudWatch log groups"]["monthly_usd"] == pytest.approx(log_storage)
    assert items["SNS topics"]["count"] == 1 and items["SNS topics"]["monthly_usd"] == 0
    assert items["Lambda functions"]["count"] == 1 and items["Lambda functions"]["monthly_usd"] == 0

    expected = (
        2 * P["kms.key_month"]
        + 3 * P["cloudwatch.alarm_metric_month"]
        + P["cloudwatch.alarm_metric_high_res_month"]
        + P["cloudwatch.composite_alarm_month"]
        + 2 * P["secretsmanager.secret_month"]
        + log_storage
    )
    assert env["idle_monthly_usd"] == pytest.approx(expected, abs=1e-6)
    assert env["meets_idle_target"] is True


def test_consumption_based_services_cost_nothing_idle(tmp_path: Path) -> None:
    resources = {
        "Rt": r(
            "AWS::BedrockAgentCore::Runtime", AgentRuntimeArtifact={"ContainerConfiguration": {"ContainerUri": "x"}}
        ),
        "Mem": r("AWS::BedrockAgentCore::Memory", MemoryStrategies=[]),
        "Gw": r("AWS::BedrockAgentCore::Gateway", ProtocolConfiguration={"Mcp": {"SearchType": "SEMANTIC"}}),
        "Tg": r(
            "AWS::BedrockAgentCore::GatewayTarget",
            TargetConfiguration={"Mcp": {"Lambda": {"ToolSchema": {"InlinePayload": [{}, {}, {}]}}}},
        ),
        "Pool": r("AWS::Cognito::UserPool", UserPoolTier="PLUS"),
        "Ts": r("AWS::XRay::TransactionSearchConfig", IndexingPercentage=5),
    }
    env = estimate(write_assembly(tmp_path / "cdk.out", {"prod": {"Runtime": resources}}))["environments"]["prod"]
    items = lines_by_item(env)
    assert items["AgentCore Memory"]["monthly_usd"] == 0
    assert items["Cognito user pools"]["monthly_usd"] == 0 and "PLUS" in items["Cognito user pools"]["note"]
    assert items["X-Ray Transaction Search config"]["monthly_usd"] == 0
    # what does bill idle: the container image in ECR and 3 tools in the semantic index
    assert items["AgentCore Runtime"]["monthly_usd"] == pytest.approx(
        cost.ASSUMPTIONS["container_image_gb"][0] * P["ecr.gb_month"]
    )
    assert items["AgentCore Gateway"]["monthly_usd"] == pytest.approx(3 * P["agentcore.gateway.tool_index_month"])


def test_free_dashboards_are_shared_by_environments_of_one_account(tmp_path: Path) -> None:
    dashboards = {f"D{i}": r("AWS::CloudWatch::Dashboard") for i in range(2)}
    outdir = write_assembly(tmp_path / "cdk.out", {"a": {"S": dashboards}, "b": {"S": dict(dashboards)}})
    envs = estimate(outdir)["environments"]
    assert lines_by_item(envs["a"])["CloudWatch dashboards"]["monthly_usd"] == 0
    assert lines_by_item(envs["b"])["CloudWatch dashboards"]["monthly_usd"] == pytest.approx(
        P["cloudwatch.dashboard_month"]
    )


def test_over_target_names_the_dominant_resources(tmp_path: Path) -> None:
    keys = {f"K{i}": r("AWS::KMS::Key", EnableKeyRotation=True) for i in range(6)}
    env = estimate(write_assembly(tmp_path / "cdk.out", {"prod": {"Stateful": keys}}))["environments"]["prod"]
    assert env["idle_monthly_usd"] == pytest.approx(6 * P["kms.key_month"])
    assert env["meets_idle_target"] is False
    assert env["dominant_idle_items"][0].startswith("KMS customer managed keys")


def test_per_request_follows_the_stages_present(tmp_path: Path) -> None:
    model = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
    runtime = r(
        "AWS::BedrockAgentCore::Runtime",
        EnvironmentVariables={"MODEL_ID": model},
        LifecycleConfiguration={"IdleRuntimeSessionTimeout": 600},
    )
    outdir = write_assembly(
        tmp_path / "cdk.out",
        {
            "dev": {"Runtime": {"Rt": runtime}},
            "prod": {
                "Runtime": {
                    "Rt": runtime,
                    "Mem": r("AWS::BedrockAgentCore::Memory", MemoryStrategies=[{}, {}]),
                    "Key": r("AWS::KMS::Key"),
                    "Tool": r("AWS::Lambda::Function", MemorySize=512),
                    "Gw": r("AWS::BedrockAgentCore::Gateway"),
                    "Tg": r(
                        "AWS::BedrockAgentCore::GatewayTarget",
                        TargetConfiguration={"Mcp": {"Lambda": {"LambdaArn": {"Fn::GetAtt": ["Tool", "Arn"]}}}},
                    ),
                }
            },
        },
    )
    overrides = {
        "runtime_cpu_seconds": 2.0,
        "runtime_memory_gb": 1.0,
        "runtime_request_seconds": 10.0,
        "requests_per_session": 2.0,
        "model_calls_per_request": 1.0,
        "input_tokens_per_call": 1000.0,
        "output_tokens_per_call": 100.0,
        "log_kb_per_request": 1024.0,
    }
    envs = estimate(outdir, overrides=overrides, requests_per_month=1000)["environments"]
    dev = {line["item"]: line for line in envs["dev"]["per_request"]}
    assert dev["Runtime memory (GB-s)"]["count"] == pytest.approx(1.0 * (10 + 600 / 2))
    expected_dev = (
        2.0 * P["agentcore.runtime.vcpu_hour"] / 3600
        + 310 * P["agentcore.runtime.gb_hour"] / 3600
        + 1000 * P[f"bedrock.input_token[{model}]"]
        + 100 * P[f"bedrock.output_token[{model}]"]
        + (1 / 1024) * P["cloudwatch.logs_ingest_gb"]
        + P["xray.trace_recorded"]
    )
    assert envs["dev"]["per_request_usd"] == pytest.approx(expected_dev, rel=1e-6)
    assert not any("Memory" in item or "Gateway" in item for item in dev)

    prod = {line["item"]: line for line in envs["prod"]["per_request"]}
    assert prod["Memory records retrieved (calls)"]["count"] == 2  # one per strategy
    assert prod["Lambda duration (GB-s, arm64)"]["count"] == pytest.approx(1 * 0.3 * 0.5)
    assert "Lambda requests (tool + interceptor)" in prod and prod["Lambda requests (tool + interceptor)"]["count"] == 1
    assert envs["prod"]["per_request_usd"] > envs["dev"]["per_request_usd"]
    volume = envs["dev"]["monthly_at_volume"]
    assert volume["total_usd"] == pytest.approx(
        envs["dev"]["idle_monthly_usd"] + 1000 * envs["dev"]["per_request_usd"], abs=1e-3
    )


def test_unknown_model_is_reported_not_priced_silently(tmp_path: Path) -> None:
    runtime = r("AWS::BedrockAgentCore::Runtime", EnvironmentVariables={"MODEL_ID": "us.example.unknown-model-v1:0"})
    env = estimate(write_assembly(tmp_path / "cdk.out", {"dev": {"Runtime": {"Rt": runtime}}}))["environments"]["dev"]
    assert any("us.example.unknown-model-v1:0" in warning for warning in env["warnings"])


def test_every_price_names_its_source() -> None:
    assert cost.PRICES_REGION == "us-east-1" and cost.PRICES_SET == "2026-11"
    for key, unit_price in PRICES.items():
        assert unit_price.source and unit_price.unit, key
        assert unit_price.usd >= 0, key


def test_cli_writes_json_and_markdown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outdir = write_assembly(tmp_path / "cdk.out", {"dev": {"Runtime": {"K": r("AWS::KMS::Key")}}})
    assert main([str(outdir), "--requests-per-month", "100"]) == 0
    printed = capsys.readouterr().out
    assert "| dev" in printed and "At 100 requests/month" in printed
    data = json.loads((outdir / "cost-estimate.json").read_text())
    assert data["environments"]["dev"]["idle_monthly_usd"] == pytest.approx(P["kms.key_month"] + 0)
    assert (outdir / "cost-estimate.md").read_text().startswith("# Cost estimate")


def test_cli_without_assembly_fails_clearly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "missing")]) == 2
    assert "run `cdk synth` first" in capsys.readouterr().err


def test_load_assembly_groups_stacks_by_environment(tmp_path: Path) -> None:
    outdir = write_assembly(tmp_path / "cdk.out", {"prod": {"Stateful": {}, "Runtime": {}}, "dev": {"Runtime": {}}})
    envs = {env.name: sorted(s.path for s in env.stacks) for env in load_assembly(outdir)}
    assert envs == {"prod": ["prod/Runtime", "prod/Stateful"], "dev": ["dev/Runtime"]}


def test_idle_lines_math_alarm_counts_each_metric() -> None:
    library_env = environment_from_templates("x", {"x/S": {"Resources": {"A": math_alarm(3)}}})
    env = cost.Environment(library_env)
    alarms = next(line for line in idle_lines(env, free_dashboards=3) if line.item.startswith("CloudWatch alarms"))
    assert alarms.count == 3
