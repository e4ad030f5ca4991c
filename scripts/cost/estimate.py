"""Idle monthly cost and per-request cost of each environment, from its resources and the price table."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from agentcore_constructs.contract import env_vars
from scripts.cost.assembly import Environment, load_assembly
from scripts.cost.prices import (
    ASSUMPTIONS,
    DEFAULT_IDLE_TIMEOUT_SECONDS,
    IDLE_TARGET_USD,
    PRICES,
    PRICES_NOTE,
    PRICES_REGION,
    PRICES_SET,
    assume,
    price,
)
from scripts.cost.render import money

# ---------------------------------------------------------------------------------------------------------------
# Idle monthly cost
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Line:
    item: str
    count: float
    unit_cost: float
    monthly_usd: float
    price_key: str | None = None
    note: str = ""
    steady_usd: float | None = None  # monthly cost once rotations etc. have happened, when it differs


def alarm_metric_count(properties: dict[str, Any]) -> tuple[int, bool]:
    """(billed metrics, high resolution) of one AWS::CloudWatch::Alarm."""
    metrics = properties.get("Metrics")
    if metrics:
        stats = [m for m in metrics if "MetricStat" in m]
        periods = [m["MetricStat"].get("Period", 60) for m in stats]
        high_res = any(isinstance(p, (int, float)) and p < 60 for p in periods)
        return max(len(stats), 1), high_res
    period = properties.get("Period", 60)
    return 1, isinstance(period, (int, float)) and period < 60


def _gateway_tool_count(env: Environment) -> int:
    semantic = any(
        ((p.get("ProtocolConfiguration") or {}).get("Mcp") or {}).get("SearchType") == "SEMANTIC"
        for _, p in env.resources("AWS::BedrockAgentCore::Gateway")
    )
    if not semantic:
        return 0
    tools = 0
    for _, target in env.resources("AWS::BedrockAgentCore::GatewayTarget"):
        lambda_config = ((target.get("TargetConfiguration") or {}).get("Mcp") or {}).get("Lambda") or {}
        inline = (lambda_config.get("ToolSchema") or {}).get("InlinePayload")
        tools += len(inline) if isinstance(inline, list) else 1
    return tools


def idle_lines(env: Environment, free_dashboards: int, overrides: dict[str, float] | None = None) -> list[Line]:
    lines: list[Line] = []

    keys = env.resources("AWS::KMS::Key")
    rotating = sum(1 for _, p in keys if p.get("EnableKeyRotation") is True)
    key_price = price("kms.key_month")
    lines.append(
        Line(
            "KMS customer managed keys",
            len(keys),
            key_price,
            len(keys) * key_price,
            "kms.key_month",
            f"{rotating} with automatic rotation: +$1/month each after the 1st and 2nd yearly rotation",
            steady_usd=len(keys) * key_price + rotating * 2 * price("kms.rotation_month"),
        )
    )

    dashboards = env.count("AWS::CloudWatch::Dashboard")
    billed = max(dashboards - free_dashboards, 0)
    lines.append(
        Line(
            "CloudWatch dashboards",
            dashboards,
            price("cloudwatch.dashboard_month"),
            billed * price("cloudwatch.dashboard_month"),
            "cloudwatch.dashboard_month",
            f"{min(free_dashboards, dashboards)} covered by the account's 3 free dashboards",
        )
    )

    standard = high_res = 0
    for _, p in env.resources("AWS::CloudWatch::Alarm"):
        n, is_high = alarm_metric_count(p)
        if is_high:
            high_res += n
        else:
            standard += n
    alarms = env.count("AWS::CloudWatch::Alarm")
    lines.append(
        Line(
            f"CloudWatch alarms ({alarms}), billed alarm metrics",
            standard,
            price("cloudwatch.alarm_metric_month"),
            standard * price("cloudwatch.alarm_metric_month"),
            "cloudwatch.alarm_metric_month",
            "metric-math alarms count each metric; the 10 free alarm metrics per account are not applied",
        )
    )
    if high_res:
        lines.append(
            Line(
                "CloudWatch high-resolution alarm metrics",
                high_res,
                price("cloudwatch.alarm_metric_high_res_month"),
                high_res * price("cloudwatch.alarm_metric_high_res_month"),
                "cloudwatch.alarm_metric_high_res_month",
            )
        )
    composite = env.count("AWS::CloudWatch::CompositeAlarm")
    lines.append(
        Line(
            "CloudWatch composite alarms",
            composite,
            price("cloudwatch.composite_alarm_month"),
            composite * price("cloudwatch.composite_alarm_month"),
            "cloudwatch.composite_alarm_month",
        )
    )

    secrets = env.count("AWS::SecretsManager::Secret")
    lines.append(
        Line(
            "Secrets Manager secrets",
            secrets,
            price("secretsmanager.secret_month"),
            secrets * price("secretsmanager.secret_month"),
            "secretsmanager.secret_month",
        )
    )

    log_groups = env.count("AWS::Logs::LogGroup")
    per_group = assume("log_storage_gb_per_group", overrides) * price("cloudwatch.logs_storage_gb_month")
    lines.append(
        Line(
            "CloudWatch log groups (idle storage)",
            log_groups,
            per_group,
            log_groups * per_group,
            "cloudwatch.logs_storage_gb_month",
            f"assumes {assume('log_storage_gb_per_group', overrides)} GB stored per group",
        )
    )

    code_runtimes = container_runtimes = 0
    for _, p in env.resources("AWS::BedrockAgentCore::Runtime"):
        artifact = p.get("AgentRuntimeArtifact") or {}
        if "ContainerConfiguration" in artifact:
            container_runtimes += 1
        else:
            code_runtimes += 1
    runtimes = code_runtimes + container_runtimes
    artifact_cost = code_runtimes * assume("code_artifact_gb", overrides) * price("s3.standard_gb_month") + (
        container_runtimes * assume("container_image_gb", overrides) * price("ecr.gb_month")
    )
    lines.append(
        Line(
            "AgentCore Runtime (+ code artifact storage)",
            runtimes,
            artifact_cost / runtimes if runtimes else 0.0,
            artifact_cost,
            "s3.standard_gb_month" if not container_runtimes else "ecr.gb_month",
            "no idle compute charge (active CPU/memory only); the deployed artifact is stored at S3/ECR rates",
        )
    )

    tools = _gateway_tool_count(env)
    gateways = env.count("AWS::BedrockAgentCore::Gateway")
    lines.append(
        Line(
            "AgentCore Gateway (+ semantic tool index)",
            gateways,
            price("agentcore.gateway.tool_index_month"),
            tools * price("agentcore.gateway.tool_index_month"),
            "agentcore.gateway.tool_index_month",
            f"no idle charge per gateway; {tools} tool(s) in the semantic search index",
        )
    )
    lines.append(
        Line(
            "AgentCore Memory",
            env.count("AWS::BedrockAgentCore::Memory"),
            0.0,
            0.0,
            "agentcore.memory.record_month",
            "no idle charge; long-term records stored bill per month once traffic creates them (0 at idle)",
        )
    )

    pools = env.resources("AWS::Cognito::UserPool")
    tiers = sorted({str(p.get("UserPoolTier", "ESSENTIALS")) for _, p in pools})
    lines.append(
        Line(
            "Cognito user pools",
            len(pools),
            0.0,
            0.0,
            "cognito.plus_mau" if "PLUS" in tiers else "cognito.essentials_mau",
            f"tier {', '.join(tiers) or '-'}: billed per monthly active user, 0 MAU at idle",
        )
    )
    lines.append(
        Line("Lambda functions", env.count("AWS::Lambda::Function"), 0.0, 0.0, "lambda.request", "no idle charge")
    )
    lines.append(
        Line("SNS topics", env.count("AWS::SNS::Topic"), price("sns.topic_month"), 0.0, "sns.topic_month", "free idle")
    )
    ts = env.count("AWS::XRay::TransactionSearchConfig")
    lines.append(
        Line(
            "X-Ray Transaction Search config",
            ts,
            0.0,
            0.0,
            "cloudwatch.spans_ingest_gb",
            "billed per GB of spans ingested: 0 at idle",
        )
    )
    return lines


# ---------------------------------------------------------------------------------------------------------------
# Per-request cost
# ---------------------------------------------------------------------------------------------------------------


def _model_ids(env: Environment) -> list[str]:
    ids = []
    for _, p in env.resources("AWS::BedrockAgentCore::Runtime"):
        model_id = (p.get("EnvironmentVariables") or {}).get(env_vars.MODEL_ID.name)
        if isinstance(model_id, str) and model_id not in ids:
            ids.append(model_id)
    return ids


def _idle_timeout_seconds(env: Environment) -> float:
    for _, p in env.resources("AWS::BedrockAgentCore::Runtime"):
        timeout = (p.get("LifecycleConfiguration") or {}).get("IdleRuntimeSessionTimeout")
        if isinstance(timeout, (int, float)):
            return float(timeout)
    return float(DEFAULT_IDLE_TIMEOUT_SECONDS)


def _lambda_memory_gb(env: Environment, logical_ids: set[str]) -> float:
    sizes = [p.get("MemorySize", 128) for lid, p in env.resources("AWS::Lambda::Function") if lid in logical_ids]
    return (sum(sizes) / len(sizes) / 1024) if sizes else 0.0


def _getatt_target(value: Any) -> str | None:
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return value["Fn::GetAtt"][0]
    return None


def request_lines(env: Environment, overrides: dict[str, float] | None = None) -> tuple[list[Line], list[str]]:
    """Cost of one agent request in this environment, and warnings (e.g. a model with no price)."""
    a = lambda key: assume(key, overrides)  # noqa: E731
    lines: list[Line] = []
    warnings: list[str] = []

    if env.count("AWS::BedrockAgentCore::Runtime"):
        cpu = a("runtime_cpu_seconds")
        lines.append(
            Line(
                "Runtime active CPU (vCPU-s)",
                cpu,
                price("agentcore.runtime.vcpu_hour") / 3600,
                cpu * price("agentcore.runtime.vcpu_hour") / 3600,
                "agentcore.runtime.vcpu_hour",
            )
        )
        idle = _idle_timeout_seconds(env)
        gb_seconds = a("runtime_memory_gb") * (a("runtime_request_seconds") + idle / a("requests_per_session"))
        lines.append(
            Line(
                "Runtime memory (GB-s)",
                gb_seconds,
                price("agentcore.runtime.gb_hour") / 3600,
                gb_seconds * price("agentcore.runtime.gb_hour") / 3600,
                "agentcore.runtime.gb_hour",
                f"{a('runtime_memory_gb')} GB x ({a('runtime_request_seconds'):g} s + {idle:g} s idle timeout / "
                f"{a('requests_per_session'):g} requests per session)",
            )
        )

    calls = a("model_calls_per_request")
    for model_id in _model_ids(env):
        for direction, per_call in (("input", a("input_tokens_per_call")), ("output", a("output_tokens_per_call"))):
            key = f"bedrock.{direction}_token[{model_id}]"
            tokens = calls * per_call
            if key not in PRICES:
                warnings.append(f"no {direction} token price for model {model_id}: add {key} to PRICES")
                lines.append(Line(f"Model {direction} tokens (NO PRICE)", tokens, 0.0, 0.0, None, model_id))
                continue
            lines.append(Line(f"Model {direction} tokens", tokens, price(key), tokens * price(key), key, model_id))

    gateways = env.resources("AWS::BedrockAgentCore::Gateway")
    tool_function_ids: set[str] = set()
    interceptor_ids: set[str] = set()
    for _, target in env.resources("AWS::BedrockAgentCore::GatewayTarget"):
        arn = (((target.get("TargetConfiguration") or {}).get("Mcp") or {}).get("Lambda") or {}).get("LambdaArn")
        if (lid := _getatt_target(arn)) is not None:
            tool_function_ids.add(lid)
    for _, gw in gateways:
        for interceptor in gw.get("InterceptorConfigurations") or []:
            arn = ((interceptor.get("Interceptor") or {}).get("Lambda") or {}).get("Arn")
            if (lid := _getatt_target(arn)) is not None:
                interceptor_ids.add(lid)

    if gateways:
        invocations = a("tool_calls_per_request") + a("gateway_list_calls_per_request")
        lines.append(
            Line(
                "Gateway API invocations",
                invocations,
                price("agentcore.gateway.invocation"),
                invocations * price("agentcore.gateway.invocation"),
                "agentcore.gateway.invocation",
                "tools/list + tools/call",
            )
        )
        searches = a("gateway_search_calls_per_request")
        lines.append(
            Line(
                "Gateway semantic search",
                searches,
                price("agentcore.gateway.search"),
                searches * price("agentcore.gateway.search"),
                "agentcore.gateway.search",
            )
        )
        lambda_requests = a("tool_calls_per_request") * bool(tool_function_ids)
        gb_s = lambda_requests * a("tool_lambda_seconds") * _lambda_memory_gb(env, tool_function_ids)
        if interceptor_ids:
            intercepted = a("gateway_mcp_requests_per_request")
            lambda_requests += intercepted
            gb_s += intercepted * a("interceptor_lambda_seconds") * _lambda_memory_gb(env, interceptor_ids)
        lines.append(
            Line(
                "Lambda requests (tool + interceptor)",
                lambda_requests,
                price("lambda.request"),
                lambda_requests * price("lambda.request"),
                "lambda.request",
            )
        )
        lines.append(
            Line(
                "Lambda duration (GB-s, arm64)",
                gb_s,
                price("lambda.arm64_gb_second"),
                gb_s * price("lambda.arm64_gb_second"),
                "lambda.arm64_gb_second",
                "memory sizes from the templates",
            )
        )

    memories = env.resources("AWS::BedrockAgentCore::Memory")
    if memories:
        events = a("memory_events_per_request")
        lines.append(
            Line(
                "Memory events created",
                events,
                price("agentcore.memory.event"),
                events * price("agentcore.memory.event"),
                "agentcore.memory.event",
            )
        )
        strategies = sum(len(p.get("MemoryStrategies") or []) for _, p in memories)
        lines.append(
            Line(
                "Memory records retrieved (calls)",
                strategies,
                price("agentcore.memory.retrieval"),
                strategies * price("agentcore.memory.retrieval"),
                "agentcore.memory.retrieval",
                "one retrieval per long-term strategy namespace per request",
            )
        )
        if strategies:
            records = a("memory_records_per_request")
            lines.append(
                Line(
                    "Memory records stored (1 month)",
                    records,
                    price("agentcore.memory.record_month"),
                    records * price("agentcore.memory.record_month"),
                    "agentcore.memory.record_month",
                )
            )

    log_gb = a("log_kb_per_request") / 1024 / 1024
    lines.append(
        Line(
            "CloudWatch Logs ingestion (GB)",
            log_gb,
            price("cloudwatch.logs_ingest_gb"),
            log_gb * price("cloudwatch.logs_ingest_gb"),
            "cloudwatch.logs_ingest_gb",
        )
    )

    search_configs = env.resources("AWS::XRay::TransactionSearchConfig")
    if search_configs:
        span_gb = a("span_kb_per_request") / 1024 / 1024
        lines.append(
            Line(
                "Spans ingested, Transaction Search (GB)",
                span_gb,
                price("cloudwatch.spans_ingest_gb"),
                span_gb * price("cloudwatch.spans_ingest_gb"),
                "cloudwatch.spans_ingest_gb",
            )
        )
        percent = max(float(p.get("IndexingPercentage", 1) or 1) for _, p in search_configs)
        indexed = max(percent - 1.0, 0.0) / 100
        lines.append(
            Line(
                f"Trace summaries indexed above the free 1 % ({percent:g} %)",
                indexed,
                price("xray.trace_recorded"),
                indexed * price("xray.trace_recorded"),
                "xray.trace_recorded",
            )
        )
    else:
        lines.append(
            Line(
                "X-Ray traces recorded",
                1.0,
                price("xray.trace_recorded"),
                price("xray.trace_recorded"),
                "xray.trace_recorded",
                "Transaction Search not configured by this environment",
            )
        )

    if env.count("AWS::KMS::Key") and (memories or gateways):
        kms = a("kms_requests_per_request")
        lines.append(Line("KMS requests", kms, price("kms.request"), kms * price("kms.request"), "kms.request"))
    return lines, warnings


# ---------------------------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------------------------


def _dashboard_allowance(environments: list[Environment]) -> dict[str, int]:
    """Free dashboards (3 per account) handed out in environment order to environments sharing an account."""
    remaining: dict[str, int] = {}
    allowance: dict[str, int] = {}
    for env in environments:
        left = remaining.setdefault(env.account, 3)
        used = min(left, env.count("AWS::CloudWatch::Dashboard"))
        allowance[env.name] = used
        remaining[env.account] = left - used
    return allowance


def _steady(line: Line) -> float:
    return line.steady_usd if line.steady_usd is not None else line.monthly_usd


def _dominant(idle: list[Line], top: int = 3) -> list[str]:
    """The most expensive idle items (by their cost after key rotations), largest first."""
    costly = sorted((line for line in idle if _steady(line) > 0), key=_steady, reverse=True)
    return [f"{line.item} ({money(line.monthly_usd)}, {money(_steady(line))} after rotations)" for line in costly[:top]]


def estimate(
    outdir: Path,
    *,
    requests_per_month: int | None = None,
    mau: int | None = None,
    overrides: dict[str, float] | None = None,
) -> dict[str, Any]:
    environments = load_assembly(outdir)
    allowance = _dashboard_allowance(environments)
    result: dict[str, Any] = {
        "region": PRICES_REGION,
        "prices_set": PRICES_SET,
        "note": PRICES_NOTE,
        "idle_target_usd": IDLE_TARGET_USD,
        "assumptions": {k: {"value": assume(k, overrides), "meaning": v[1]} for k, v in ASSUMPTIONS.items()},
        "prices": {k: asdict(v) for k, v in PRICES.items()},
        "environments": {},
    }
    for env in environments:
        idle = idle_lines(env, allowance[env.name], overrides)
        per_request, warnings = request_lines(env, overrides)
        idle_total = sum(line.monthly_usd for line in idle)
        steady_total = sum(_steady(line) for line in idle)
        request_total = sum(line.monthly_usd for line in per_request)
        entry: dict[str, Any] = {
            "account": env.account,
            "stacks": [s.path for s in env.stacks],
            "idle": [asdict(line) for line in idle],
            "idle_monthly_usd": round(idle_total, 6),
            "idle_monthly_usd_after_key_rotations": round(steady_total, 6),
            "meets_idle_target": idle_total <= IDLE_TARGET_USD,
            "meets_idle_target_after_key_rotations": steady_total <= IDLE_TARGET_USD,
            "dominant_idle_items": _dominant(idle),
            "per_request": [asdict(line) for line in per_request],
            "per_request_usd": request_total,
            "per_1000_requests_usd": request_total * 1000,
            "warnings": warnings,
        }
        if requests_per_month is not None:
            users = mau if mau is not None else math.ceil(requests_per_month / assume("requests_per_mau", overrides))
            pools = env.resources("AWS::Cognito::UserPool")
            mau_price = 0.0
            if pools:
                tier = str(pools[0][1].get("UserPoolTier", "ESSENTIALS")).lower()
                mau_price = (
                    price(f"cognito.{tier}_mau") if f"cognito.{tier}_mau" in PRICES else price("cognito.plus_mau")
                )
                if tier != "plus":
                    users = max(users - 10000, 0)  # Lite/Essentials: 10,000 MAU free
            cognito = users * mau_price if pools else 0.0
            entry["monthly_at_volume"] = {
                "requests_per_month": requests_per_month,
                "mau": users if pools else 0,
                "idle_usd": round(idle_total, 4),
                "requests_usd": round(requests_per_month * request_total, 4),
                "cognito_mau_usd": round(cognito, 4),
                "total_usd": round(idle_total + requests_per_month * request_total + cognito, 4),
            }
        result["environments"][env.name] = entry
    return result
