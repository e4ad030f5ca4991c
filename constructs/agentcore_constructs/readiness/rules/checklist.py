"""The Production Readiness Checklist, items 1-6 and 8 (item 7 is least_privilege.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from agentcore_constructs.aws_facts import ADOT_LAUNCHER, COMPONENT_TAG, XRAY_SPAN_UPLOAD
from agentcore_constructs.contract.env_vars import (
    AUTH_DISCOVERY_URL,
    GATEWAY_URL,
    HTTP_TIMEOUT_SECONDS,
    MEMORY_ID,
    RETRY_MAX_ATTEMPTS,
    RETRY_MODE,
    RETRY_SIGNAL,
)
from agentcore_constructs.readiness.assembly import Environment, Resource, Stack
from agentcore_constructs.readiness.model import RawFinding, rule
from agentcore_constructs.readiness.rules import common as c
from agentcore_constructs.readiness.rules.credentials import credential_kind


# =========================================================================================================
# 1. Runtime
# =========================================================================================================
@rule(
    "Readiness-Runtime",
    info="The agent is not hosted on AgentCore Runtime (no AWS::BedrockAgentCore::Runtime, or a Lambda/ECS/EC2 "
    "stand-in hosts it).",
    explanation="AgentCore Runtime gives serverless hosting, auto-scaling and a microVM per session. Deploy the agent "
    "with "
    "AgentRuntime (stage 1) and remove the Lambda/ECS/EC2 that runs it (a MODEL_ID variable or agent code in user data "
    "marks such a stand-in). A function or task that calls a model for another purpose is marked with the "
    "agentcore:component tag (agentcore_constructs.components.mark_component, any value) and is not judged.",
    checklist=1,
    gaps=("hosting", "isolation"),
)
def runtime_hosts_the_agent(env: Environment) -> Iterator[RawFinding]:
    if not c.runtimes(env):
        yield c.primary_stack(env), "Missing", "no AWS::BedrockAgentCore::Runtime in this environment"
    for fn in env.resources(c.LAMBDA):
        hits = sorted(c.AGENT_HOST_VARIABLES & set(c.lambda_env(fn)))
        if hits and c.tag_value(fn, COMPONENT_TAG) is None:
            yield (
                fn,
                "StandIn",
                f"Lambda has agent variables {', '.join(hits)}: it hosts the agent outside AgentCore Runtime",
            )
    for task in env.resources(c.ECS_TASK):
        if c.tag_value(task, COMPONENT_TAG) is not None:
            continue
        for container, variables in c.container_envs(task):
            hits = sorted(c.AGENT_HOST_VARIABLES & set(variables))
            if hits:
                yield task, "StandIn", f"ECS container {container} has agent variables {', '.join(hits)}"
    for host in env.resources(*c.EC2_HOSTS):
        text = " ".join(env.literal_strings(host.properties))
        marker = next((m for m in c.AGENT_HOST_MARKERS if m in text), None)
        if marker:
            yield host, "StandIn", f"{host.type} user data mentions {marker!r}: an EC2 host runs the agent"


# =========================================================================================================
# 2. Memory
# =========================================================================================================
@rule(
    "Readiness-Memory",
    info="AgentCore Memory is missing or not connected to the runtime (MEMORY_ID variable and CreateEvent/ListEvents "
    "grant).",
    explanation="Without Memory the agent forgets everything between sessions. Add AgentMemory (stage 2) and connect "
    "it with "
    "memory.grant_to(runtime): it sets MEMORY_ID and grants bedrock-agentcore:CreateEvent/ListEvents on the memory "
    "ARN. The agent must use it ([Agent::MEMORY_ID]: AgentRuntime records what the agent source consumes; the kit's "
    "memory counts when it is called, not imported: AgentCoreApp(...), a runner or conversation_memory(...); or the "
    "agent names agentcore_constructs.contract.env_vars.MEMORY_ID itself).",
    checklist=2,
    gaps=("memory",),
)
def memory_connected(env: Environment) -> Iterator[RawFinding]:
    memories = env.resources(c.MEMORY)
    runtimes = c.runtimes(env)
    if not memories:
        yield (
            (runtimes[0] if runtimes else c.primary_stack(env)),
            "Missing",
            "no AWS::BedrockAgentCore::Memory in this environment",
        )
        return
    for runtime in runtimes:
        if c.absent(c.runtime_env(runtime).get(MEMORY_ID.name)):
            yield runtime, f"Env::{MEMORY_ID.name}", f"runtime has no {MEMORY_ID.name} environment variable"
        uncalled = c.agent_source(runtime).get("memory") == "imported"
        why = "its agent imports the kit's memory and never calls it" if uncalled else "its agent never reads it"
        ignored = c.ignored_stage(runtime, MEMORY_ID.name, why)
        if ignored is not None:
            yield ignored
        role = c.runtime_role(env, runtime)
        if role is None:
            yield runtime, "Grant", "runtime execution role is not in this assembly: cannot verify the memory grant"
            continue
        statements = c.role_statements(env, role)
        for action in ("bedrock-agentcore:CreateEvent", "bedrock-agentcore:ListEvents"):
            granted = any(
                c.allows(s, action)
                and any(
                    any(env.refers_to(r, role.stack, m) for m in memories)
                    or any(":memory/" in text for text in env.literal_strings(r))
                    for r in c.as_list(s.get("Resource"))
                )
                for s in statements
            )
            if not granted:
                yield runtime, "Grant", f"runtime role {role.path} is not allowed {action} on a memory ARN"
                break


# =========================================================================================================
# 3. Tools through the Gateway, no hard-coded credentials
# =========================================================================================================
@rule(
    "Readiness-Tools",
    info="Tools are not routed through an AgentCore Gateway, or a credential is hard-coded in an environment variable "
    "or in the agent source.",
    explanation="Put each tool behind ToolGateway (stage 3) as a LambdaTool, connect it with "
    "gateway.connect_to(runtime) "
    "(sets GATEWAY_URL; the agent must read it: [Agent::GATEWAY_URL]), keep API keys in Secrets Manager and pass only "
    "the secret's ARN (*_SECRET_ARN). The agent source is read at synth too: a credential literal in it "
    "([Agent::Credential::<file>]) moves to the tool's secret, and a direct HTTP call to an upstream a gateway tool "
    "serves ([Agent::Upstream::<host>]) becomes a call of that tool. "
    "An agent that really has no tools acknowledges Readiness-Tools[Gateway::Missing] with that reason.",
    checklist=3,
    gaps=("tools",),
)
def tools_through_gateway(env: Environment) -> Iterator[RawFinding]:
    gateways = env.resources(c.GATEWAY)
    runtimes = c.runtimes(env)
    upstreams = c.tool_upstreams(env)
    for runtime in runtimes:
        for name, value in c.runtime_env(runtime).items():
            kind = credential_kind(name, value)
            if kind:
                yield runtime, f"Env::{name}", f"runtime variable {name} looks like a hard-coded credential ({kind})"
        yield from _source_credentials(runtime)
        yield from _direct_upstream_calls(runtime, upstreams)
    for fn in env.resources(c.LAMBDA):
        for name, value in c.lambda_env(fn).items():
            kind = credential_kind(name, value)
            if kind:
                yield fn, f"Env::{name}", f"Lambda variable {name} looks like a hard-coded credential ({kind})"
    for task in env.resources(c.ECS_TASK):
        for container, variables in c.container_envs(task):
            for name, value in variables.items():
                kind = credential_kind(str(name), value)
                if kind:
                    yield (
                        task,
                        f"Env::{name}",
                        f"ECS container {container} variable {name} looks like a hard-coded credential ({kind})",
                    )
    tools = [fn for fn in env.resources(c.LAMBDA) if c.is_tool(fn)]
    for fn in tools:
        if not c.is_lambda_referenced_by_gateway(env, fn):
            yield fn, "NotOnGateway", "tool Lambda is not a target (or interceptor) of any AgentCore Gateway"
    for runtime in runtimes:
        if not gateways:
            yield (
                runtime,
                "Gateway::Missing",
                "no AWS::BedrockAgentCore::Gateway in this environment: tools are not managed",
            )
        elif c.absent(c.runtime_env(runtime).get(GATEWAY_URL.name)):
            yield (
                runtime,
                f"Env::{GATEWAY_URL.name}",
                f"runtime has tools (a gateway exists) but no {GATEWAY_URL.name} variable",
            )
        ignored = c.ignored_stage(runtime, GATEWAY_URL.name)
        if ignored is not None:
            yield ignored
        role = c.runtime_role(env, runtime)
        if role is not None and any(c.allows(s, "lambda:InvokeFunction") for s in c.role_statements(env, role)):
            yield runtime, "DirectInvoke", "runtime role may invoke Lambda directly, bypassing the gateway"


def _source_credentials(runtime: Resource) -> Iterator[RawFinding]:
    by_file: dict[str, list[str]] = {}
    for record in c.source_records(runtime, "credentials"):
        by_file.setdefault(str(record.get("file")), []).append(f"line {record.get('line')}: {record.get('kind')}")
    for file, places in sorted(by_file.items()):
        yield (
            runtime,
            f"Agent::Credential::{file}",
            f"the agent source hard-codes a credential in {file} ({'; '.join(places)}): keep it in Secrets Manager, "
            "held by the gateway tool that calls the API, never in the agent",
        )


def _direct_upstream_calls(runtime: Resource, upstreams: dict[str, Resource]) -> Iterator[RawFinding]:
    calls: dict[str, list[str]] = {}
    for record in c.source_records(runtime, "direct_http"):
        host = str(record.get("host"))
        if host in upstreams:
            calls.setdefault(host, []).append(f"{record.get('file')}:{record.get('line')}")
    for host, places in sorted(calls.items()):
        yield (
            runtime,
            f"Agent::Upstream::{host}",
            f"the agent calls {host} directly ({', '.join(places)}), an upstream the gateway tool "
            f"{upstreams[host].path} serves: call the tool through the gateway (GATEWAY_URL), which holds the "
            "credential and checks the caller",
        )


# =========================================================================================================
# 4. Inbound auth (checklist: JWT or IAM)
# =========================================================================================================
@rule(
    "Readiness-Auth",
    info="The agent endpoint or the tool gateway accepts unauthenticated or unrestricted callers.",
    explanation="Runtime: omit AuthorizerConfiguration for IAM (SigV4) auth, or set CustomJWTAuthorizer with a "
    "DiscoveryUrl "
    "and AllowedClients/AllowedAudience/AllowedScopes (AgentIdentity.protect_runtime). Gateway: AuthorizerType must be "
    "AWS_IAM or CUSTOM_JWT, never NONE.",
    checklist=4,
    gaps=("auth",),
)
def inbound_auth(env: Environment) -> Iterator[RawFinding]:
    for runtime in c.runtimes(env):
        # Absent (omitted, null, {"Ref": "AWS::NoValue"}) = the service default: IAM (SigV4) authorization.
        config = runtime.prop("AuthorizerConfiguration")
        if c.absent(config):
            continue
        jwt = config.get("CustomJWTAuthorizer") if isinstance(config, dict) else None
        yield from _jwt_findings(runtime, jwt, "runtime")
    for gateway in env.resources(c.GATEWAY):
        kind = gateway.prop("AuthorizerType")
        if kind == "NONE" or c.absent(kind):
            yield gateway, "Gateway::NONE", "gateway AuthorizerType is NONE: anyone can list and call the tools"
        elif kind == "CUSTOM_JWT":
            yield from _jwt_findings(gateway, gateway.prop("AuthorizerConfiguration", "CustomJWTAuthorizer"), "gateway")


def _jwt_findings(res: Resource, jwt: Any, what: str) -> Iterator[RawFinding]:
    if not isinstance(jwt, dict):
        yield res, "JWT::Invalid", f"{what} AuthorizerConfiguration is present but has no CustomJWTAuthorizer"
        return
    if c.absent(jwt.get("DiscoveryUrl")):
        yield res, "JWT::Invalid", f"{what} JWT authorizer has no DiscoveryUrl"
    if not any(jwt.get(k) for k in ("AllowedClients", "AllowedAudience", "AllowedScopes")):
        yield (
            res,
            "JWT::Unrestricted",
            f"{what} JWT authorizer accepts any token of the issuer (no allowed clients, audience or scopes)",
        )


@rule(
    "Readiness-Identity",
    info="The agent endpoint has no per-user identity: its authorizer is IAM, not a JWT from an identity provider.",
    explanation="Production agents act for a user: per-user identity from an identity provider lets the agent "
    "verify who calls and keep each user's memory and tool calls apart; an agent that never reads the AUTH_* settings "
    "([Agent::AUTH_DISCOVERY_URL]) cannot tell users apart. Protect the runtime with a JWT authorizer "
    "(AgentIdentity.protect_runtime for Cognito, ExternalOidcIdentity for another OIDC issuer). A machine-to-machine "
    "agent called only by AWS principals acknowledges this finding with that reason.",
    checklist=None,
    gaps=("auth",),
)
def per_user_identity(env: Environment) -> Iterator[RawFinding]:
    for runtime in c.runtimes(env):
        config = runtime.prop("AuthorizerConfiguration")
        if c.absent(config) or not isinstance(config, dict) or not isinstance(config.get("CustomJWTAuthorizer"), dict):
            yield runtime, None, "runtime authorizes with IAM (SigV4): callers are AWS principals, not users of an IdP"
            continue
        ignored = c.ignored_stage(runtime, AUTH_DISCOVERY_URL.name)
        if ignored is not None:
            yield ignored


# =========================================================================================================
# 5. Observability
# =========================================================================================================
@rule(
    "Readiness-Observability",
    info="Logs, traces, dashboards or alarms are missing (log retention, TRACES/APPLICATION_LOGS delivery, agent "
    "tracing, dashboard, alarm).",
    explanation="Give every log group a retention, deliver the runtime's TRACES and APPLICATION_LOGS (AgentRuntime "
    "does), run the agent under ADOT so it emits spans of its own (a code entrypoint that starts with "
    "opentelemetry-instrument: AgentRuntime's default, adot_instrumentation=True) and let its role upload them "
    "(xray:PutTraceSegments), "
    "and add AgentObservability: a dashboard and alarms that reference the runtime.",
    checklist=5,
    gaps=("observability",),
)
def observability(env: Environment) -> Iterator[RawFinding]:
    for group in env.resources(c.LOG_GROUP):
        if c.absent(group.prop("RetentionInDays")):
            yield group, "Retention", "log group keeps logs forever (no RetentionInDays)"
    sources = env.resources(c.DELIVERY_SOURCE)
    deliveries = env.resources(c.DELIVERY)
    dashboards = env.resources(c.DASHBOARD)
    alarms = env.resources(c.ALARM)
    for runtime in c.runtimes(env):
        for log_type, detail in (("TRACES", "Traces"), ("APPLICATION_LOGS", "ApplicationLogs")):
            delivered = any(
                source.prop("LogType") == log_type
                and env.refers_to(source.prop("ResourceArn"), source.stack, runtime)
                and any(env.refers_to(d.prop("DeliverySourceName"), d.stack, source) for d in deliveries)
                for source in sources
            )
            if not delivered:
                yield (
                    runtime,
                    detail,
                    f"runtime has no {log_type} delivery (AWS::Logs::DeliverySource + AWS::Logs::Delivery)",
                )
        yield from _agent_tracing(env, runtime)
        name = runtime.prop("AgentRuntimeName")
        if not any(_mentions(env, d, d.prop("DashboardBody"), runtime, name) for d in dashboards):
            yield runtime, "Dashboard", "no CloudWatch dashboard shows this runtime"
        if not any(_mentions(env, a, a.properties, runtime, name) for a in alarms):
            yield runtime, "Alarm", "no CloudWatch alarm watches this runtime"


def _agent_tracing(env: Environment, runtime: Resource) -> Iterator[RawFinding]:
    """The agent's own spans: a code artifact runs under the ADOT launcher, and the role may upload spans. (An
    image's command is not in the template: a container is judged on the grant only.)"""
    entry = runtime.prop("AgentRuntimeArtifact", "CodeConfiguration", "EntryPoint")
    if isinstance(entry, list) and entry and isinstance(entry[0], str) and entry[0] != ADOT_LAUNCHER:
        yield (
            runtime,
            "Traces::Agent",
            f"runtime entrypoint {entry} does not run under {ADOT_LAUNCHER} (ADOT): the agent emits no spans of "
            "its own, tracing is off",
        )
    role = c.runtime_role(env, runtime)
    if role is not None and not any(c.allows(s, XRAY_SPAN_UPLOAD) for s in c.role_statements(env, role)):
        yield (
            runtime,
            "Traces::Grant",
            f"runtime role {role.path} is not allowed {XRAY_SPAN_UPLOAD}: the agent's spans cannot be uploaded",
        )


def _mentions(env: Environment, holder: Resource, value: Any, runtime: Resource, name: Any) -> bool:
    if env.refers_to(value, holder.stack, runtime):
        return True
    return isinstance(name, str) and any(name in text for text in env.literal_strings(value))


# =========================================================================================================
# 6. Retries
# =========================================================================================================
@rule(
    "Readiness-Retries",
    info="The runtime has no sane retry configuration (AGENT_RETRY_MAX_ATTEMPTS >= 2, AGENT_RETRY_MODE "
    f"{'|'.join(RETRY_MODE.choices)}, "
    "AGENT_HTTP_TIMEOUT_SECONDS > 0).",
    explanation="Transient throttles and timeouts of the model and tools must be retried with exponential backoff. "
    "AgentRuntime sets these from its retry prop (RetryPolicy: max_attempts, mode, timeout_seconds); an agent that "
    "retries otherwise acknowledges this finding saying how. The template shows the setting, not the agent honouring "
    "it: the scorecard marks this item 'declared'.",
    checklist=6,
    gaps=("hosting",),
)
def retries_configured(env: Environment) -> Iterator[RawFinding]:
    checks: dict[str, tuple[Callable[[Any], bool], str]] = {
        RETRY_MAX_ATTEMPTS.name: (lambda v: int(v) >= 2, "must be an integer >= 2"),
        RETRY_MODE.name: (lambda v: v in RETRY_MODE.choices, f"must be one of {', '.join(RETRY_MODE.choices)}"),
        HTTP_TIMEOUT_SECONDS.name: (lambda v: float(v) > 0, "must be a number > 0"),
    }
    assert set(checks) == {v.name for v in RETRY_SIGNAL}, "RETRY_SIGNAL changed: update Readiness-Retries"
    for runtime in c.runtimes(env):
        variables = c.runtime_env(runtime)
        for name, (ok, expected) in checks.items():
            value = variables.get(name)
            if c.absent(value):
                yield runtime, f"Env::{name}", f"runtime has no {name}"
                continue
            try:
                valid = isinstance(value, (str, int, float)) and ok(value)
            except ValueError:
                valid = False
            if not valid:
                yield runtime, f"Env::{name}", f"runtime {name}={value!r} {expected}"


# =========================================================================================================
# 8. End-to-end test outputs
# =========================================================================================================
AUTO_OUTPUT_PREFIXES = ("ExportsOutput", "PublishOutput")


@rule(
    "Readiness-E2E",
    info="The stack outputs the end-to-end suite needs are missing (runtime ARN, endpoint name, gateway URL, user "
    "pool and client id).",
    explanation="An end-to-end suite finds a deployed environment through its stack outputs: add CfnOutputs for the "
    "runtime ARN and "
    "endpoint name, the gateway URL when the gateway is on, and the user pool id and client id when identity is on.",
    checklist=8,
    gaps=(),
)
def e2e_outputs(env: Environment) -> Iterator[RawFinding]:
    runtimes = c.runtimes(env)
    if not runtimes:
        return  # Readiness-Runtime reports the missing runtime
    outputs = [
        (stack, output.get("Value"))
        for stack in env.stacks
        for name, output in stack.outputs.items()
        if not name.startswith(AUTO_OUTPUT_PREFIXES)
    ]

    def exported(resource: Resource, attribute: str | None) -> bool:
        for stack, value in outputs:
            target = env.target(value, stack)
            if target and target.resource == resource and target.attribute == attribute:
                return True
        return False

    runtime = runtimes[0]
    where = runtime.stack
    for rt in runtimes:
        if not exported(rt, "AgentRuntimeArn"):
            yield where, "Output::RuntimeArn", f"no stack output with the ARN of {rt.path}"
    for endpoint in env.resources(c.RUNTIME_ENDPOINT):
        name = endpoint.prop("Name")

        def names_endpoint(stack: Stack, value: Any, name: Any = name, endpoint: Resource = endpoint) -> bool:
            target = env.target(value, stack)
            return (isinstance(name, str) and value == name) or bool(target and target.resource == endpoint)

        if not any(names_endpoint(stack, value) for stack, value in outputs):
            yield where, "Output::EndpointName", f"no stack output with the endpoint name of {endpoint.path}"
    for gateway in env.resources(c.GATEWAY):
        if not exported(gateway, "GatewayUrl"):
            yield where, "Output::GatewayUrl", f"no stack output with the URL of {gateway.path}"
    for pool in env.resources(c.USER_POOL):
        if not exported(pool, None):
            yield where, "Output::UserPoolId", f"no stack output with the id of {pool.path}"
        clients = [c for c in env.resources(c.USER_POOL_CLIENT) if env.refers_to(c.prop("UserPoolId"), c.stack, pool)]
        if clients and not any(exported(c, None) for c in clients):
            yield where, "Output::UserPoolClientId", f"no stack output with a client id of {pool.path}"
