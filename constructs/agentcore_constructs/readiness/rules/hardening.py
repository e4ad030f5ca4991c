"""Beyond the checklist: hardening rules (error details, encryption, pinned artifacts, tool invoke permissions)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from agentcore_constructs.contract.env_vars import LIMITS
from agentcore_constructs.readiness.assembly import Environment
from agentcore_constructs.readiness.model import RawFinding, rule
from agentcore_constructs.readiness.rules import common as c


# =========================================================================================================
# Beyond the checklist
# =========================================================================================================
@rule(
    "Readiness-GatewayDebug",
    info="The gateway returns DEBUG error details (ExceptionLevel DEBUG) to clients.",
    explanation="DEBUG exception level leaks stack traces and internals to every MCP client. Leave exception_level "
    "unset "
    "(generic errors) outside development; ToolGateway refuses DEBUG unless allow_debug_errors=True.",
    checklist=None,
    gaps=("tools",),
)
def gateway_debug(env: Environment) -> Iterator[RawFinding]:
    for gateway in env.resources(c.GATEWAY):
        if gateway.prop("ExceptionLevel") == "DEBUG":
            yield gateway, None, "gateway ExceptionLevel is DEBUG"


@rule(
    "Readiness-MemoryEncryption",
    info="AgentCore Memory is encrypted with an AWS owned key instead of a customer managed KMS key "
    "(EncryptionKeyArn).",
    explanation="Conversations and long-term memory records are personal data: encrypt them with your own KMS key "
    "(AgentMemory creates one with rotation) so access is auditable and revocable.",
    checklist=None,
    gaps=("memory",),
)
def memory_encryption(env: Environment) -> Iterator[RawFinding]:
    for memory in env.resources(c.MEMORY):
        if c.absent(memory.prop("EncryptionKeyArn")):
            yield memory, None, "memory has no EncryptionKeyArn"


@rule(
    "Readiness-GatewayEncryption",
    info="The AgentCore Gateway is encrypted with an AWS owned key instead of a customer managed KMS key (KmsKeyArn).",
    explanation="Gateway configuration holds tool schemas and credential references: encrypt it with your own KMS key "
    "(ToolGateway creates one).",
    checklist=None,
    gaps=("tools",),
)
def gateway_encryption(env: Environment) -> Iterator[RawFinding]:
    for gateway in env.resources(c.GATEWAY):
        if c.absent(gateway.prop("KmsKeyArn")):
            yield gateway, None, "gateway has no KmsKeyArn"


_SHA256_KEY = re.compile(r"(?:^|/)[0-9a-f]{64}\.(?:zip|jar)$")
_IMAGE_REF = re.compile(
    r"^(?P<repo>[^@]+?)(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$"
)


@rule(
    "Readiness-Artifact",
    info="The runtime artifact is not pinned (container ':latest' or untagged, code zip not content-addressed) or not "
    "arm64.",
    explanation="AgentCore Runtime runs arm64 microVMs and a deployment must be reproducible: use a CDK asset "
    "(content-hash tag, Platform.LINUX_ARM64) or an image digest/immutable tag; for code, a content-addressed S3 key "
    "or an S3 VersionId.",
    checklist=None,
    gaps=("hosting",),
)
def artifact_pinned(env: Environment) -> Iterator[RawFinding]:
    for runtime in c.runtimes(env):
        container = runtime.prop("AgentRuntimeArtifact", "ContainerConfiguration")
        code = runtime.prop("AgentRuntimeArtifact", "CodeConfiguration")
        if isinstance(container, dict):
            uri = container.get("ContainerUri")
            text = "".join(env.literal_strings(uri))
            match = _IMAGE_REF.match(text.rsplit("/", 1)[-1]) if text else None
            if match is None or (not match.group("digest") and match.group("tag") in (None, "latest")):
                yield runtime, "Container::Unpinned", f"container image {text or uri!r} has no immutable tag or digest"
            for asset in runtime.stack.docker_images.values():
                tag = asset_tag(asset)
                if tag and any(tag in s for s in env.literal_strings(uri)):
                    platform = (asset.get("source") or {}).get("platform")
                    if platform != "linux/arm64":
                        yield (
                            runtime,
                            "Container::Platform",
                            f"container asset platform is {platform or 'unset'}, not linux/arm64",
                        )
        elif isinstance(code, dict):
            s3 = (code.get("Code") or {}).get("S3") or {}
            key = s3.get("Prefix") or s3.get("Key")
            if not s3.get("VersionId") and not (isinstance(key, str) and _SHA256_KEY.search(key)):
                yield (
                    runtime,
                    "Code::Unpinned",
                    f"code artifact s3 key {key!r} is neither content-addressed nor versioned",
                )


def asset_tag(asset: dict[str, Any]) -> str | None:
    for destination in (asset.get("destinations") or {}).values():
        tag = destination.get("imageTag")
        if tag:
            return str(tag)
    return None


@rule(
    "Readiness-ToolPermission",
    info="A gateway Lambda target (or interceptor) has no AWS::Lambda::Permission for bedrock-agentcore with a "
    "SourceArn.",
    explanation="The gateway invokes tools with its role, but a resource policy scoped to the gateway ARN (SourceArn) "
    "stops confused-deputy calls and, with the target depending on it, avoids first-deploy IAM propagation failures "
    "(aws-cdk #36826). ToolGateway.add_lambda_tool adds it.",
    checklist=None,
    gaps=("tools",),
)
def tool_permission(env: Environment) -> Iterator[RawFinding]:
    permissions = env.resources(c.LAMBDA_PERMISSION)
    for fn in env.resources(c.LAMBDA):
        if not c.is_lambda_referenced_by_gateway(env, fn):
            continue
        ok = any(
            env.refers_to(p.prop("FunctionName"), p.stack, fn)
            and p.prop("Principal") == "bedrock-agentcore.amazonaws.com"
            and not c.absent(p.prop("SourceArn"))
            for p in permissions
        )
        if not ok:
            yield fn, None, "gateway Lambda has no bedrock-agentcore invoke permission with a SourceArn"


@rule(
    "Readiness-EndpointVersion",
    info="No endpoint of the runtime serves a pinned version: every deploy goes live at once and cannot be rolled "
    "back by config.",
    explanation="A runtime update creates a new immutable version; a named endpoint serves the version it names "
    "(AgentCore "
    "guide, 'agent-runtime-versioning'). An endpoint whose AgentRuntimeVersion is the runtime's own GetAtt "
    "AgentRuntimeVersion moves to every new version on deploy. Pin the endpoint that clients call to a version "
    "(AgentRuntime endpoint_version) so promotion and rollback are a one-line change.",
    checklist=None,
    gaps=("hosting",),
)
def endpoint_version_pinned(env: Environment) -> Iterator[RawFinding]:
    endpoints = env.resources(c.RUNTIME_ENDPOINT)
    for runtime in c.runtimes(env):
        mine = [e for e in endpoints if env.refers_to(e.prop("AgentRuntimeId"), e.stack, runtime)]
        if mine and all(env.refers_to(e.prop("AgentRuntimeVersion"), e.stack, runtime) for e in mine):
            yield runtime, None, "every endpoint of this runtime follows its newest version"


@rule(
    "Readiness-InvocationLimits",
    info="The runtime sets no per-invocation limits (AGENT_MAX_TURNS, AGENT_MAX_TOTAL_TOKENS, AGENT_MAX_SECONDS).",
    explanation="Without limits one request can loop through model and tool calls until the Runtime's 15-minute cap, "
    "spending tokens all the way. AgentRuntime sets them from its limits prop (InvocationLimits: max_turns, "
    "max_total_tokens, max_seconds); "
    "the agent kit stops the request at the first one reached with a clear error.",
    checklist=None,
    gaps=("hosting",),
)
def invocation_limits(env: Environment) -> Iterator[RawFinding]:
    for runtime in c.runtimes(env):
        variables = c.runtime_env(runtime)
        for var in LIMITS:
            value = variables.get(var.name)
            if c.absent(value) or not (isinstance(value, str) and value.isdigit() and int(value) > 0):
                yield runtime, f"Env::{var.name}", f"runtime {var.name} is {value!r}, not a positive integer"


@rule(
    "Readiness-ToolPolicy",
    info="A gateway with tools has no Cedar policy engine in ENFORCE mode: which user may call which tool, with which "
    "arguments, rests on each tool alone.",
    explanation="AgentCore Policy evaluates Cedar policies on every tool call at the gateway (principal: the verified "
    "caller with the token's claims as tags; action: the tool; context.input: its arguments) and denies what no "
    "policy permits (AgentCore developer guide, 'Policy'). Attach one with ToolPolicy(gateway=..., policy_dir=..., "
    "mode='ENFORCE'). An environment that observes its policies before enforcing them (LOG_ONLY) acknowledges "
    "[Mode::LOG_ONLY] with that reason.",
    checklist=None,
    gaps=("tools",),
)
def tool_policy(env: Environment) -> Iterator[RawFinding]:
    targets = env.resources(c.GATEWAY_TARGET)
    for gateway in env.resources(c.GATEWAY):
        if not any(env.refers_to(t.prop("GatewayIdentifier"), t.stack, gateway) for t in targets):
            continue
        config = gateway.prop("PolicyEngineConfiguration")
        if not isinstance(config, dict) or c.absent(config.get("Arn")):
            yield gateway, "Missing", "the gateway has tools and no policy engine"
        elif config.get("Mode") != "ENFORCE":
            yield gateway, f"Mode::{config.get('Mode')}", f"the gateway's policy engine is in {config.get('Mode')} mode"


@rule(
    "Readiness-OnlineEvaluation",
    info="No online evaluation scores the runtime's sessions: answer quality and tool use are not measured in "
    "production (advisory: reported as a warning at every level).",
    explanation="AgentCore Evaluations scores a sample of real sessions with built-in evaluators (helpfulness, "
    "correctness, tool selection) from the traces the runtime already sends (AgentCore developer guide, 'Online "
    "evaluation'). Add OnlineEvaluation(runtime=..., sampling_percent=...) for the endpoint users call.",
    checklist=None,
    gaps=(),
    advisory=True,
)
def online_evaluation(env: Environment) -> Iterator[RawFinding]:
    configs = env.resources(c.ONLINE_EVALUATION)
    for runtime in c.runtimes(env):
        if not any(env.refers_to(cfg.prop("DataSourceConfig"), cfg.stack, runtime) for cfg in configs):
            yield runtime, None, "no online evaluation reads this runtime's sessions"
