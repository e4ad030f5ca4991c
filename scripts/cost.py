"""Idle monthly cost and per-request cost of every environment, computed from a synthesized cloud assembly.

    python -m scripts.cost [cdk.out] [--requests-per-month N] [--mau N]

Reads only the CloudFormation templates of the assembly (``make synth`` writes it; nested ``assembly-<env>/``
directories, one per ``cdk.Stage``). Counts the resources that bill while nothing happens (KMS keys, alarms,
dashboards, secrets, log storage, code artifact storage, the gateway's tool index) and prices one agent request
from the resources that exist in that environment (no memory terms where stage 2 is off, and so on).

Writes ``<assembly>/cost-estimate.json`` and ``<assembly>/cost-estimate.md`` and prints a table.

**Prices cannot be fetched from here.** Every unit price is in :data:`PRICES` below, one table, with the region,
the date the table was set and the AWS pricing page each figure comes from. Check them against the pricing pages
before quoting any figure; change the table, not the code.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from agentcore_constructs.contract import env_vars

# ---------------------------------------------------------------------------------------------------------------
# Unit prices: the ONE table. On-demand list prices, USD, us-east-1, set 2026-11.
# Sources are the public AWS pricing pages named in `source`; figures come from those pages as published and
# secondary summaries of them, NOT from a live fetch (this tool has no network). `verified: False` marks a figure
# we could not confirm against any copy of the page: treat it as an assumption. Re-check all of them before use.
# ---------------------------------------------------------------------------------------------------------------
PRICES_REGION = "us-east-1"
PRICES_SET = "2026-11"
PRICES_NOTE = (
    f"Unit prices are on-demand list prices for {PRICES_REGION}, set {PRICES_SET} from the AWS pricing pages named "
    "in each row, not fetched live. Check them against https://aws.amazon.com/pricing/ before relying on any figure."
)


@dataclass(frozen=True)
class UnitPrice:
    usd: float
    unit: str
    source: str
    verified: bool = True
    note: str = ""


PRICES: dict[str, UnitPrice] = {
    # --- Amazon Bedrock AgentCore (consumption-based: no charge for a deployed, unused runtime/gateway/memory) ---
    "agentcore.runtime.vcpu_hour": UnitPrice(
        0.0895,
        "per vCPU-hour of active CPU (billed per second)",
        "Amazon Bedrock AgentCore pricing — Runtime",
        note="CPU is not billed while the agent waits on I/O",
    ),
    "agentcore.runtime.gb_hour": UnitPrice(
        0.00945,
        "per GB-hour of peak memory (billed per second, 128 MB minimum)",
        "Amazon Bedrock AgentCore pricing — Runtime",
        note="memory is billed for the whole session, idle periods included, until the session ends",
    ),
    "agentcore.gateway.invocation": UnitPrice(
        0.005 / 1000, "per API invocation (ListTools, InvokeTool, Ping)", "Amazon Bedrock AgentCore pricing — Gateway"
    ),
    "agentcore.gateway.search": UnitPrice(
        0.025 / 1000, "per Search API invocation (semantic tool search)", "Amazon Bedrock AgentCore pricing — Gateway"
    ),
    "agentcore.gateway.tool_index_month": UnitPrice(
        0.02 / 100, "per tool indexed per month (semantic search index)", "Amazon Bedrock AgentCore pricing — Gateway"
    ),
    "agentcore.memory.event": UnitPrice(
        0.25 / 1000, "per short-term memory event created", "Amazon Bedrock AgentCore pricing — Memory"
    ),
    "agentcore.memory.record_month": UnitPrice(
        0.75 / 1000,
        "per long-term memory record stored per month (built-in strategies)",
        "Amazon Bedrock AgentCore pricing — Memory",
    ),
    "agentcore.memory.retrieval": UnitPrice(
        0.50 / 1000,
        "per long-term memory retrieval (RetrieveMemoryRecords)",
        "Amazon Bedrock AgentCore pricing — Memory",
    ),
    # --- Amazon Bedrock model inference (on-demand, per token). Claude 4.5-generation models: in-Region and
    # geographic ("us.") inference profiles are listed 10 % above the global ("global.") profile. ---
    "bedrock.input_token[global.anthropic.claude-haiku-4-5-20251001-v1:0]": UnitPrice(
        1.00 / 1e6, "per input token", "Amazon Bedrock pricing — Anthropic Claude Haiku 4.5 (global)"
    ),
    "bedrock.output_token[global.anthropic.claude-haiku-4-5-20251001-v1:0]": UnitPrice(
        5.00 / 1e6, "per output token", "Amazon Bedrock pricing — Anthropic Claude Haiku 4.5 (global)"
    ),
    "bedrock.input_token[us.anthropic.claude-haiku-4-5-20251001-v1:0]": UnitPrice(
        1.10 / 1e6,
        "per input token",
        "Amazon Bedrock pricing — Anthropic Claude Haiku 4.5 (geo/in-Region)",
        verified=False,
        note="global price + 10 % regional premium; verify the geo-profile rate",
    ),
    "bedrock.output_token[us.anthropic.claude-haiku-4-5-20251001-v1:0]": UnitPrice(
        5.50 / 1e6,
        "per output token",
        "Amazon Bedrock pricing — Anthropic Claude Haiku 4.5 (geo/in-Region)",
        verified=False,
        note="global price + 10 % regional premium; verify the geo-profile rate",
    ),
    "bedrock.input_token[us.anthropic.claude-sonnet-4-5-20250929-v1:0]": UnitPrice(
        3.30 / 1e6,
        "per input token",
        "Amazon Bedrock pricing — Anthropic Claude Sonnet 4.5 (geo/in-Region)",
        verified=False,
        note="global $3.00 + 10 %",
    ),
    "bedrock.output_token[us.anthropic.claude-sonnet-4-5-20250929-v1:0]": UnitPrice(
        16.50 / 1e6,
        "per output token",
        "Amazon Bedrock pricing — Anthropic Claude Sonnet 4.5 (geo/in-Region)",
        verified=False,
        note="global $15.00 + 10 %",
    ),
    # --- AWS KMS ---
    "kms.key_month": UnitPrice(
        1.00, "per customer managed key per month", "AWS Key Management Service pricing — Key storage"
    ),
    "kms.rotation_month": UnitPrice(
        1.00,
        "per key per month for each of the first two automatic rotations (later rotations free)",
        "AWS Key Management Service pricing — Key storage",
        note="a rotated key costs $2/month after its 1st rotation, $3/month after its 2nd",
    ),
    "kms.request": UnitPrice(
        0.03 / 10000,
        "per API request (20,000/month free per account, not applied)",
        "AWS Key Management Service pricing — Key usage",
    ),
    # --- Amazon CloudWatch ---
    "cloudwatch.dashboard_month": UnitPrice(
        3.00, "per dashboard per month (first 3 per account free)", "Amazon CloudWatch pricing — Dashboards"
    ),
    "cloudwatch.alarm_metric_month": UnitPrice(
        0.10,
        "per standard-resolution alarm metric per month (10 free per account, not applied)",
        "Amazon CloudWatch pricing — Alarms",
        note="a metric-math alarm is billed once per metric in its expression",
    ),
    "cloudwatch.alarm_metric_high_res_month": UnitPrice(
        0.30, "per high-resolution (period < 60 s) alarm metric per month", "Amazon CloudWatch pricing — Alarms"
    ),
    "cloudwatch.composite_alarm_month": UnitPrice(
        0.50, "per composite alarm per month", "Amazon CloudWatch pricing — Alarms"
    ),
    "cloudwatch.logs_ingest_gb": UnitPrice(
        0.50, "per GB ingested (standard class; vended logs start at the same tier)", "Amazon CloudWatch pricing — Logs"
    ),
    "cloudwatch.logs_storage_gb_month": UnitPrice(
        0.03, "per GB-month archived (compressed)", "Amazon CloudWatch pricing — Logs"
    ),
    "cloudwatch.spans_ingest_gb": UnitPrice(
        0.50,
        "per GB of spans ingested into aws/spans (Transaction Search)",
        "Amazon CloudWatch pricing — Application Signals / Transaction Search",
        verified=False,
        note="could not confirm the span-ingestion rate; assumed equal to standard log ingestion",
    ),
    # --- AWS X-Ray ---
    "xray.trace_recorded": UnitPrice(
        5.00 / 1e6,
        "per trace recorded or indexed (100,000/month free, not applied)",
        "AWS X-Ray pricing",
        note="with Transaction Search on, 1 % of spans are indexed free; more is billed per trace",
    ),
    # --- AWS Secrets Manager ---
    "secretsmanager.secret_month": UnitPrice(0.40, "per secret per month", "AWS Secrets Manager pricing"),
    "secretsmanager.api_call": UnitPrice(0.05 / 10000, "per API call", "AWS Secrets Manager pricing"),
    # --- AWS Lambda (arm64) ---
    "lambda.arm64_gb_second": UnitPrice(
        0.0000133334,
        "per GB-second (arm64, first tier; 400,000 GB-s free per account, not applied)",
        "AWS Lambda pricing — Duration (Arm)",
    ),
    "lambda.request": UnitPrice(
        0.20 / 1e6, "per request (1M free per account, not applied)", "AWS Lambda pricing — Requests"
    ),
    # --- Amazon Cognito ---
    "cognito.plus_mau": UnitPrice(
        0.02,
        "per monthly active user, Plus feature plan (no free tier)",
        "Amazon Cognito pricing — User pools, Plus tier",
    ),
    "cognito.essentials_mau": UnitPrice(
        0.015,
        "per monthly active user above 10,000 free, Essentials plan",
        "Amazon Cognito pricing — User pools, Essentials tier",
    ),
    "cognito.lite_mau": UnitPrice(
        0.0055, "per monthly active user above 10,000 free, Lite plan", "Amazon Cognito pricing — User pools, Lite tier"
    ),
    # --- Storage of the deployed agent artifact ---
    "s3.standard_gb_month": UnitPrice(
        0.023,
        "per GB-month, S3 Standard first 50 TB",
        "Amazon S3 pricing",
        note="AgentCore bills direct-code artifacts at S3 Standard rates from 2026-02-27",
    ),
    "ecr.gb_month": UnitPrice(0.10, "per GB-month of private repository storage", "Amazon ECR pricing"),
    # --- Amazon SNS ---
    "sns.topic_month": UnitPrice(
        0.0,
        "per standard topic per month (no charge for an idle topic)",
        "Amazon SNS pricing",
        note="email deliveries: 1,000/month free, then $2.00 per 100,000",
    ),
}

#: Workload assumptions. Every per-request figure is one of these times a unit price; change them to your traffic.
ASSUMPTIONS: dict[str, tuple[float, str]] = {
    # idle
    "log_storage_gb_per_group": (0.05, "GB kept in each log group at idle (older data ages out by retention)"),
    "code_artifact_gb": (0.045, "GB of the direct-code agent zip (arm64 wheels vendored, about 40-45 MB)"),
    "container_image_gb": (0.30, "GB of the container image when artifact = container"),
    # one request = one POST /invocations answering one question with one tool call
    "runtime_cpu_seconds": (1.5, "vCPU-seconds of active CPU per request (the rest of the request is I/O wait)"),
    "runtime_memory_gb": (0.5, "peak GB of the session's microVM"),
    "runtime_request_seconds": (8.0, "wall-clock seconds of one request"),
    "requests_per_session": (3.0, "requests per runtime session; the idle-timeout tail of a session is shared by them"),
    "model_calls_per_request": (2.0, "model calls per request (tool use: ask, then answer with the tool result)"),
    "input_tokens_per_call": (
        1500.0,
        "input tokens per model call (system prompt, tool specs, history, memory context)",
    ),
    "output_tokens_per_call": (150.0, "output tokens per model call"),
    "tool_calls_per_request": (1.0, "gateway tools/call per request"),
    "gateway_list_calls_per_request": (
        1.0,
        "gateway tools/list per request (the agent opens a fresh MCP session per request)",
    ),
    "gateway_search_calls_per_request": (
        0.0,
        "semantic search calls per request (the agent does not call the search tool)",
    ),
    "gateway_mcp_requests_per_request": (
        3.0,
        "MCP HTTP requests per request (initialize, tools/list, tools/call): each passes the REQUEST interceptor",
    ),
    "memory_events_per_request": (
        4.0,
        "short-term events per request (user, assistant tool-use, tool result, final answer)",
    ),
    "memory_records_per_request": (
        0.3,
        "long-term records extracted per request, billed here for one month of storage",
    ),
    "tool_lambda_seconds": (0.3, "seconds per tool Lambda invocation (upstream HTTP call)"),
    "interceptor_lambda_seconds": (0.03, "seconds per interceptor Lambda invocation"),
    "log_kb_per_request": (
        20.0,
        "KB of CloudWatch Logs ingested per request (runtime, application-log delivery, Lambdas)",
    ),
    "span_kb_per_request": (40.0, "KB of spans per request (about 30 spans of ~1.3 KB)"),
    "kms_requests_per_request": (4.0, "KMS requests per request (memory and gateway encryption with the CMKs)"),
    "requests_per_mau": (20.0, "requests per monthly active user, to turn --requests-per-month into Cognito MAU"),
}

IDLE_TARGET_USD = 5.00
DEFAULT_IDLE_TIMEOUT_SECONDS = 900  # AgentCore default when the template sets no lifecycle


def price(key: str) -> float:
    return PRICES[key].usd


def assume(key: str, overrides: dict[str, float] | None = None) -> float:
    if overrides and key in overrides:
        return overrides[key]
    return ASSUMPTIONS[key][0]


# ---------------------------------------------------------------------------------------------------------------
# Reading the assembly
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Stack:
    name: str  # "prod/Runtime"
    account: str
    region: str
    template: dict[str, Any]

    def resources(self, cfn_type: str) -> list[tuple[str, dict[str, Any]]]:
        return [
            (logical_id, resource.get("Properties") or {})
            for logical_id, resource in (self.template.get("Resources") or {}).items()
            if resource.get("Type") == cfn_type
        ]


@dataclass
class Environment:
    name: str
    stacks: list[Stack] = field(default_factory=list)

    @property
    def account(self) -> str:
        return self.stacks[0].account if self.stacks else "unknown"

    def resources(self, cfn_type: str) -> list[tuple[str, dict[str, Any]]]:
        return [item for stack in self.stacks for item in stack.resources(cfn_type)]

    def count(self, cfn_type: str) -> int:
        return len(self.resources(cfn_type))


def _parse_environment_uri(uri: str | None) -> tuple[str, str]:
    # "aws://123456789012/us-east-1"; unresolved ("unknown-account") stays as written
    if uri and uri.startswith("aws://"):
        account, _, region = uri[len("aws://") :].partition("/")
        return account, region
    return "unknown", "unknown"


def _stacks_of(directory: Path) -> Iterable[tuple[str, Stack]]:
    """(environment name, stack) for every stack in this assembly directory and its nested assemblies."""
    manifest = json.loads((directory / "manifest.json").read_text())
    for artifact_id, artifact in (manifest.get("artifacts") or {}).items():
        kind = artifact.get("type")
        properties = artifact.get("properties") or {}
        if kind == "cdk:cloud-assembly":
            yield from _stacks_of(directory / properties["directoryName"])
        elif kind == "aws:cloudformation:stack":
            display = artifact.get("displayName") or artifact_id
            env_name = display.split("/", 1)[0] if "/" in display else "(app)"
            account, region = _parse_environment_uri(artifact.get("environment"))
            template = json.loads((directory / properties["templateFile"]).read_text())
            yield env_name, Stack(name=display, account=account, region=region, template=template)


def load_assembly(outdir: Path) -> list[Environment]:
    if not (outdir / "manifest.json").is_file():
        raise FileNotFoundError(f"{outdir}/manifest.json not found: synthesize first (make synth)")
    environments: dict[str, Environment] = {}
    for env_name, stack in _stacks_of(outdir):
        environments.setdefault(env_name, Environment(env_name)).stacks.append(stack)
    return list(environments.values())


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
    return [
        f"{line.item} ({_money(line.monthly_usd)}, {_money(_steady(line))} after rotations)" for line in costly[:top]
    ]


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
            "stacks": [s.name for s in env.stacks],
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


def _money(value: float) -> str:
    if value == 0:
        return "$0"
    if abs(value) < 0.01:
        return f"${value:.7f}".rstrip("0")
    return f"${value:,.2f}"


def _qty(value: float) -> str:
    if value == int(value):
        return f"{int(value)}"
    return f"{value:.6g}"


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    out = [
        "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
    ]
    out += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    return out


def render(result: dict[str, Any]) -> str:
    lines = [f"# Cost estimate ({result['region']}, prices set {result['prices_set']})", "", result["note"], ""]
    summary = []
    for name, env in result["environments"].items():
        ok = "yes" if env["meets_idle_target"] else "NO"
        ok_steady = "yes" if env["meets_idle_target_after_key_rotations"] else "NO"
        summary.append(
            [
                name,
                env["account"],
                _money(env["idle_monthly_usd"]),
                ok,
                _money(env["idle_monthly_usd_after_key_rotations"]),
                ok_steady,
                _money(env["per_request_usd"]),
                _money(env["per_1000_requests_usd"]),
            ]
        )
    lines += ["## Summary", ""]
    lines += _table(
        [
            "env",
            "account",
            "idle/month (year 1)",
            f"<= ${result['idle_target_usd']:g}",
            "idle/month (after 2 key rotations)",
            f"<= ${result['idle_target_usd']:g}",
            "per request",
            "per 1000 requests",
        ],
        summary,
    )
    for name, env in result["environments"].items():
        lines += ["", f"## {name}", "", "Idle monthly cost:", ""]
        rows = [
            [
                line["item"],
                _qty(line["count"]),
                _money(line["monthly_usd"]),
                _money(line["steady_usd"]) if line["steady_usd"] is not None else "",
                line["note"],
            ]
            for line in env["idle"]
        ]
        rows.append(
            ["**total**", "", _money(env["idle_monthly_usd"]), _money(env["idle_monthly_usd_after_key_rotations"]), ""]
        )
        lines += _table(["resource", "count", "USD/month", "after rotations", "note"], rows)
        verdict = "meets" if env["meets_idle_target"] else "does NOT meet"
        verdict_steady = "meets" if env["meets_idle_target_after_key_rotations"] else "does NOT meet"
        lines += [
            "",
            f"Idle target ${result['idle_target_usd']:g}/month: {verdict} it in year 1, {verdict_steady} it "
            f"after the KMS keys' 2nd rotation. Largest idle items: {', '.join(env['dominant_idle_items']) or 'none'}.",
        ]
        lines += ["", "One agent request:", ""]
        rows = [
            [line["item"], _qty(line["count"]), f"{line['unit_cost']:.4g}", _money(line["monthly_usd"]), line["note"]]
            for line in env["per_request"]
        ]
        rows.append(["**per request**", "", "", _money(env["per_request_usd"]), ""])
        rows.append(["**per 1000 requests**", "", "", _money(env["per_1000_requests_usd"]), ""])
        lines += _table(["item", "quantity", "USD/unit", "USD", "note"], rows)
        for warning in env["warnings"]:
            lines.append(f"\nWARNING: {warning}")
        if "monthly_at_volume" in env:
            v = env["monthly_at_volume"]
            lines += [
                "",
                f"At {v['requests_per_month']:,} requests/month ({v['mau']:,} MAU): idle {_money(v['idle_usd'])} + "
                f"requests {_money(v['requests_usd'])} + Cognito MAU {_money(v['cognito_mau_usd'])} = "
                f"**{_money(v['total_usd'])}/month**",
            ]
    lines += ["", "## Assumptions", ""]
    lines += _table(
        ["assumption", "value", "meaning"],
        [[k, _qty(v["value"]), v["meaning"]] for k, v in result["assumptions"].items()],
    )
    lines += ["", "## Unit prices", ""]
    lines += _table(
        ["key", "USD", "unit", "source", "verified"],
        [
            [k, f"{v['usd']:.6g}", v["unit"], v["source"], "yes" if v["verified"] else "NO: " + v["note"]]
            for k, v in result["prices"].items()
        ],
    )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.cost", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "assembly", nargs="?", default="cdk.out", type=Path, help="synthesized cloud assembly (cdk.out)"
    )
    parser.add_argument(
        "--requests-per-month", type=int, default=None, help="also print a monthly total at this volume"
    )
    parser.add_argument(
        "--mau", type=int, default=None, help="Cognito monthly active users (default: requests / requests_per_mau)"
    )
    parser.add_argument("--set", action="append", default=[], metavar="ASSUMPTION=VALUE", help="override an assumption")
    args = parser.parse_args(argv)
    overrides: dict[str, float] = {}
    for item in args.set:
        key, _, value = item.partition("=")
        if key not in ASSUMPTIONS:
            parser.error(f"unknown assumption {key!r} (known: {', '.join(ASSUMPTIONS)})")
        overrides[key] = float(value)
    try:
        result = estimate(args.assembly, requests_per_month=args.requests_per_month, mau=args.mau, overrides=overrides)
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    markdown = render(result)
    (args.assembly / "cost-estimate.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.assembly / "cost-estimate.md").write_text(markdown)
    print(markdown, end="")
    print(f"\nwrote {args.assembly / 'cost-estimate.json'} and {args.assembly / 'cost-estimate.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
