"""The production-readiness rules: one function per rule, each over one environment's synthesized templates.

Importing this module registers the rules in :data:`agentcore_constructs.readiness.model.RULES`.
Every rule reads templates only (no CDK tokens), so the validation plugin and the offline scorecard share it.
"""

from __future__ import annotations

import fnmatch
import math
import re
from collections import Counter
from typing import Any, Iterator

from agentcore_constructs.env_contract import GATEWAY_URL, HTTP_TIMEOUT_SECONDS, MEMORY_ID, RETRY_MAX_ATTEMPTS, RETRY_MODE, RETRY_SIGNAL
from agentcore_constructs.readiness.assembly import Environment, Resource, Stack
from agentcore_constructs.readiness.model import RawFinding, rule

RUNTIME = "AWS::BedrockAgentCore::Runtime"
RUNTIME_ENDPOINT = "AWS::BedrockAgentCore::RuntimeEndpoint"
MEMORY = "AWS::BedrockAgentCore::Memory"
GATEWAY = "AWS::BedrockAgentCore::Gateway"
GATEWAY_TARGET = "AWS::BedrockAgentCore::GatewayTarget"
LAMBDA = "AWS::Lambda::Function"
LAMBDA_PERMISSION = "AWS::Lambda::Permission"
ECS_TASK = "AWS::ECS::TaskDefinition"
EC2_HOSTS = ("AWS::EC2::Instance", "AWS::EC2::LaunchTemplate", "AWS::AutoScaling::LaunchConfiguration")
LOG_GROUP = "AWS::Logs::LogGroup"
DELIVERY_SOURCE = "AWS::Logs::DeliverySource"
DELIVERY = "AWS::Logs::Delivery"
DASHBOARD = "AWS::CloudWatch::Dashboard"
ALARM = "AWS::CloudWatch::Alarm"
IAM_POLICY = "AWS::IAM::Policy"
IAM_MANAGED_POLICY = "AWS::IAM::ManagedPolicy"
IAM_ROLE = "AWS::IAM::Role"
USER_POOL = "AWS::Cognito::UserPool"
USER_POOL_CLIENT = "AWS::Cognito::UserPoolClient"

#: Environment variables that only an agent host has (the agent's model selection).
AGENT_HOST_VARIABLES = frozenset({"MODEL_ID", "BEDROCK_MODEL_ID", "MODEL_PROVIDER"})
#: Literal markers of an agent in EC2 user data.
AGENT_HOST_MARKERS = ("MODEL_ID", "strands-agents", "bedrock-agentcore", "bedrock_agentcore")


# ---- shared helpers -------------------------------------------------------------------------------------
def _runtimes(env: Environment) -> list[Resource]:
    return env.resources(RUNTIME)


def _primary_stack(env: Environment) -> Stack:
    """Where environment-level findings are reported: the stack with the runtime, else the first stack."""
    runtimes = _runtimes(env)
    return runtimes[0].stack if runtimes else env.stacks[0]


def _runtime_env(runtime: Resource) -> dict[str, Any]:
    return runtime.prop("EnvironmentVariables") or {}


def _lambda_env(fn: Resource) -> dict[str, Any]:
    return fn.prop("Environment", "Variables") or {}


def _container_envs(task: Resource) -> Iterator[tuple[str, dict[str, Any]]]:
    for container in task.prop("ContainerDefinitions") or []:
        if isinstance(container, dict):
            variables = {e.get("Name"): e.get("Value") for e in container.get("Environment") or [] if isinstance(e, dict)}
            yield str(container.get("Name", "container")), variables


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _statements(document: Any) -> list[dict[str, Any]]:
    if not isinstance(document, dict):
        return []
    return [s for s in _as_list(document.get("Statement")) if isinstance(s, dict)]


def _policy_statements(env: Environment) -> Iterator[tuple[Resource, dict[str, Any]]]:
    """Every IAM statement of the environment, with the resource that holds it (policy, managed policy or role)."""
    for res in env.resources(IAM_POLICY, IAM_MANAGED_POLICY):
        for statement in _statements(res.prop("PolicyDocument")):
            yield res, statement
    for role in env.resources(IAM_ROLE):
        for inline in _as_list(role.prop("Policies")):
            if isinstance(inline, dict):
                for statement in _statements(inline.get("PolicyDocument")):
                    yield role, statement


def _role_statements(env: Environment, role: Resource) -> list[dict[str, Any]]:
    """The statements attached to one role (inline, AWS::IAM::Policy/ManagedPolicy attached through Roles)."""
    statements: list[dict[str, Any]] = []
    for inline in _as_list(role.prop("Policies")):
        if isinstance(inline, dict):
            statements += _statements(inline.get("PolicyDocument"))
    for res in env.resources(IAM_POLICY, IAM_MANAGED_POLICY):
        if any(env.refers_to(r, res.stack, role) for r in _as_list(res.prop("Roles"))):
            statements += _statements(res.prop("PolicyDocument"))
    for arn in _as_list(role.prop("ManagedPolicyArns")):
        target = env.target(arn, role.stack)
        if target and target.resource.type == IAM_MANAGED_POLICY:
            statements += _statements(target.resource.prop("PolicyDocument"))
    return statements


def _runtime_role(env: Environment, runtime: Resource) -> Resource | None:
    target = env.target(runtime.prop("RoleArn"), runtime.stack)
    return target.resource if target and target.resource.type == IAM_ROLE else None


def _allows(statement: dict[str, Any], action: str) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    return any(isinstance(a, str) and fnmatch.fnmatchcase(action.lower(), a.lower()) for a in _as_list(statement.get("Action")))


def _is_lambda_referenced_by_gateway(env: Environment, fn: Resource) -> bool:
    for target in env.resources(GATEWAY_TARGET):
        if env.refers_to(target.prop("TargetConfiguration"), target.stack, fn):
            return True
    for gateway in env.resources(GATEWAY):
        if env.refers_to(gateway.prop("InterceptorConfigurations"), gateway.stack, fn):
            return True
    return False


def _looks_like_tool(fn: Resource) -> bool:
    """A Lambda is a tool when it uses Powertools' service name (our tool convention) or lives under a *Tool* construct."""
    return "POWERTOOLS_SERVICE_NAME" in _lambda_env(fn) or "tool" in fn.path.lower()


def _absent(value: Any) -> bool:
    """A property is absent when omitted, null, or ``{"Ref": "AWS::NoValue"}``."""
    return value is None or value == {"Ref": "AWS::NoValue"}


# ---- credential detection -------------------------------------------------------------------------------
CREDENTIAL_PATTERNS: dict[str, re.Pattern[str]] = {
    "AWS access key id": re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|AIDA|AROA)[A-Z0-9]{16}(?![A-Z0-9])"),
    "secret-key style token (sk-...)": re.compile(r"(?<![A-Za-z0-9])sk-[A-Za-z0-9_\-]{8,}"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}"),
    "Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    "JSON Web Token": re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\."),
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "password/secret assignment": re.compile(r"(?i)\b(?:password|passwd|pwd|secret|api[_-]?key|token)\s*[=:]\s*[^\s&;,]{3,}"),
    "credentials in URL": re.compile(r"://[^/\s:@]+:[^/\s@]+@"),
}
#: Variable names that announce a secret; a literal value in them is a hard-coded credential.
SECRET_NAME = re.compile(r"(?i)(?:^|_)(?:PASSWORD|PASSWD|SECRET|SECRET_KEY|API_KEY|APIKEY|TOKEN|ACCESS_KEY|PRIVATE_KEY|CLIENT_SECRET)$")
#: Names that hold a *reference* to a secret (ARN, name, id, parameter) — fine when the value is one.
REFERENCE_NAME = re.compile(r"(?i)_(?:ARN|SECRET_ARN|SECRET_NAME|SECRET_ID|PARAMETER|PARAMETER_NAME|SSM_NAME)$")
_TOKENISH = re.compile(r"^[A-Za-z0-9_\-+/=]{32,}$")


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(c / len(text) * math.log2(c / len(text)) for c in counts.values())


def credential_kind(name: str, value: Any) -> str | None:
    """Why the environment variable ``name=value`` looks like a hard-coded credential, or None.

    Only literal strings are judged: a ``Ref``/``GetAtt``/cross-stack reference is a reference, not a secret.
    ``*_ARN``/``*_SECRET_ARN``/``*_SECRET_NAME``/``*_PARAMETER`` names holding an ARN, a name or a reference are fine.
    """
    if not isinstance(value, str) or not value:
        return None
    for kind, pattern in CREDENTIAL_PATTERNS.items():
        if pattern.search(value):
            return kind
    if value.startswith("arn:"):
        return None
    if REFERENCE_NAME.search(name):
        return None
    if SECRET_NAME.search(name):
        return f"literal value in secret-named variable {name}"
    if _TOKENISH.match(value) and re.search(r"[A-Za-z]", value) and re.search(r"\d", value) and _entropy(value) > 4.0:
        return "long random token"
    return None


# ---- least privilege ------------------------------------------------------------------------------------
#: Statements with ``Resource: "*"`` that AWS mandates, because the actions have no resource type.
#: action (lowercase) -> condition key the statement must carry (None: no condition needed).
WILDCARD_RESOURCE_ALLOWED: dict[str, str | None] = {
    # X-Ray: trace segments, telemetry and sampling have no resource-level permissions.
    "xray:puttracesegments": None,
    "xray:puttelemetryrecords": None,
    "xray:getsamplingrules": None,
    "xray:getsamplingtargets": None,
    # CloudWatch PutMetricData has no resource type: the cloudwatch:namespace condition is how it is scoped.
    "cloudwatch:putmetricdata": "cloudwatch:namespace",
    # ECR registry login token: account-wide, no resource type (pulling images is scoped separately).
    "ecr:getauthorizationtoken": None,
}
#: AWS managed policies that are never least privilege for an agent or tool role.
FORBIDDEN_MANAGED_POLICIES = re.compile(
    r"(?i)policy/(?:AdministratorAccess|PowerUserAccess|IAMFullAccess|AWSLambdaRole|BedrockAgentCoreFullAccess|[A-Za-z0-9]*FullAccess)$"
)


def _condition_keys(statement: dict[str, Any]) -> set[str]:
    keys: set[str] = set()
    for operator_block in (statement.get("Condition") or {}).values():
        if isinstance(operator_block, dict):
            keys |= {k.lower() for k in operator_block}
    return keys


def _wildcard_resource_allowed(statement: dict[str, Any]) -> bool:
    actions = [a for a in _as_list(statement.get("Action")) if isinstance(a, str)]
    if not actions:
        return False
    conditions = _condition_keys(statement)
    for action in actions:
        if action.lower() not in WILDCARD_RESOURCE_ALLOWED:
            return False
        needed = WILDCARD_RESOURCE_ALLOWED[action.lower()]
        if needed is not None and needed not in conditions:
            return False
    return True


def _managed_policy_name(env: Environment, value: Any, stack: Stack) -> str | None:
    for text in env.literal_strings(value):
        if FORBIDDEN_MANAGED_POLICIES.search(text):
            return text.rsplit("/", 1)[-1]
    return None


# =========================================================================================================
# 1. Runtime
# =========================================================================================================
@rule(
    "Readiness-Runtime",
    info="The agent is not hosted on AgentCore Runtime (no AWS::BedrockAgentCore::Runtime, or a Lambda/ECS/EC2 stand-in hosts it).",
    explanation="AgentCore Runtime gives serverless hosting, auto-scaling and a microVM per session. Deploy the agent with "
    "AgentRuntime (stage 1) and remove the Lambda/ECS/EC2 that runs it (a MODEL_ID variable or agent code in user data "
    "marks such a stand-in).",
    checklist=1,
    gaps=("hosting", "isolation"),
)
def runtime_hosts_the_agent(env: Environment) -> Iterator[RawFinding]:
    if not _runtimes(env):
        yield _primary_stack(env), "Missing", "no AWS::BedrockAgentCore::Runtime in this environment"
    for fn in env.resources(LAMBDA):
        hits = sorted(AGENT_HOST_VARIABLES & set(_lambda_env(fn)))
        if hits:
            yield fn, "StandIn", f"Lambda has agent variables {', '.join(hits)}: it hosts the agent outside AgentCore Runtime"
    for task in env.resources(ECS_TASK):
        for container, variables in _container_envs(task):
            hits = sorted(AGENT_HOST_VARIABLES & set(variables))
            if hits:
                yield task, "StandIn", f"ECS container {container} has agent variables {', '.join(hits)}"
    for host in env.resources(*EC2_HOSTS):
        text = " ".join(env.literal_strings(host.properties))
        marker = next((m for m in AGENT_HOST_MARKERS if m in text), None)
        if marker:
            yield host, "StandIn", f"{host.type} user data mentions {marker!r}: an EC2 host runs the agent"


# =========================================================================================================
# 2. Memory
# =========================================================================================================
@rule(
    "Readiness-Memory",
    info="AgentCore Memory is missing or not connected to the runtime (MEMORY_ID variable and CreateEvent/ListEvents grant).",
    explanation="Without Memory the agent forgets everything between sessions. Add AgentMemory (stage 2) and connect it with "
    "memory.grant_to(runtime): it sets MEMORY_ID and grants bedrock-agentcore:CreateEvent/ListEvents on the memory ARN.",
    checklist=2,
    gaps=("memory",),
)
def memory_connected(env: Environment) -> Iterator[RawFinding]:
    memories = env.resources(MEMORY)
    runtimes = _runtimes(env)
    if not memories:
        yield (runtimes[0] if runtimes else _primary_stack(env)), "Missing", "no AWS::BedrockAgentCore::Memory in this environment"
        return
    for runtime in runtimes:
        if _absent(_runtime_env(runtime).get(MEMORY_ID.name)):
            yield runtime, f"Env::{MEMORY_ID.name}", f"runtime has no {MEMORY_ID.name} environment variable"
        role = _runtime_role(env, runtime)
        if role is None:
            yield runtime, "Grant", "runtime execution role is not in this assembly: cannot verify the memory grant"
            continue
        statements = _role_statements(env, role)
        for action in ("bedrock-agentcore:CreateEvent", "bedrock-agentcore:ListEvents"):
            granted = any(
                _allows(s, action)
                and any(
                    any(env.refers_to(r, role.stack, m) for m in memories)
                    or any(":memory/" in text for text in env.literal_strings(r))
                    for r in _as_list(s.get("Resource"))
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
    info="Tools are not routed through an AgentCore Gateway, or a credential is hard-coded in an environment variable.",
    explanation="Put each tool behind ToolGateway (stage 3) as a LambdaTool, connect it with gateway.connect_to(runtime) "
    "(sets GATEWAY_URL), keep API keys in Secrets Manager and pass only the secret's ARN (*_SECRET_ARN). "
    "An agent that really has no tools acknowledges Readiness-Tools[Gateway::Missing] with that reason.",
    checklist=3,
    gaps=("tools",),
)
def tools_through_gateway(env: Environment) -> Iterator[RawFinding]:
    gateways = env.resources(GATEWAY)
    runtimes = _runtimes(env)
    for runtime in runtimes:
        for name, value in _runtime_env(runtime).items():
            kind = credential_kind(name, value)
            if kind:
                yield runtime, f"Env::{name}", f"runtime variable {name} looks like a hard-coded credential ({kind})"
    for fn in env.resources(LAMBDA):
        for name, value in _lambda_env(fn).items():
            kind = credential_kind(name, value)
            if kind:
                yield fn, f"Env::{name}", f"Lambda variable {name} looks like a hard-coded credential ({kind})"
    for task in env.resources(ECS_TASK):
        for container, variables in _container_envs(task):
            for name, value in variables.items():
                kind = credential_kind(str(name), value)
                if kind:
                    yield task, f"Env::{name}", f"ECS container {container} variable {name} looks like a hard-coded credential ({kind})"
    tools = [fn for fn in env.resources(LAMBDA) if _looks_like_tool(fn)]
    for fn in tools:
        if not _is_lambda_referenced_by_gateway(env, fn):
            yield fn, "NotOnGateway", "tool Lambda is not a target (or interceptor) of any AgentCore Gateway"
    for runtime in runtimes:
        if not gateways:
            yield runtime, "Gateway::Missing", "no AWS::BedrockAgentCore::Gateway in this environment: tools are not managed"
        elif _absent(_runtime_env(runtime).get(GATEWAY_URL.name)):
            yield runtime, f"Env::{GATEWAY_URL.name}", f"runtime has tools (a gateway exists) but no {GATEWAY_URL.name} variable"
        role = _runtime_role(env, runtime)
        if role is not None and any(_allows(s, "lambda:InvokeFunction") for s in _role_statements(env, role)):
            yield runtime, "DirectInvoke", "runtime role may invoke Lambda directly, bypassing the gateway"


# =========================================================================================================
# 4. Inbound auth (checklist: JWT or IAM)
# =========================================================================================================
@rule(
    "Readiness-Auth",
    info="The agent endpoint or the tool gateway accepts unauthenticated or unrestricted callers.",
    explanation="Runtime: omit AuthorizerConfiguration for IAM (SigV4) auth, or set CustomJWTAuthorizer with a DiscoveryUrl "
    "and AllowedClients/AllowedAudience/AllowedScopes (AgentIdentity.protect_runtime). Gateway: AuthorizerType must be "
    "AWS_IAM or CUSTOM_JWT, never NONE.",
    checklist=4,
    gaps=("auth",),
)
def inbound_auth(env: Environment) -> Iterator[RawFinding]:
    for runtime in _runtimes(env):
        # Absent (omitted, null, {"Ref": "AWS::NoValue"}) = the service default: IAM (SigV4) authorization.
        config = runtime.prop("AuthorizerConfiguration")
        if _absent(config):
            continue
        jwt = config.get("CustomJWTAuthorizer") if isinstance(config, dict) else None
        yield from _jwt_findings(runtime, jwt, "runtime")
    for gateway in env.resources(GATEWAY):
        kind = gateway.prop("AuthorizerType")
        if kind == "NONE" or _absent(kind):
            yield gateway, "Gateway::NONE", "gateway AuthorizerType is NONE: anyone can list and call the tools"
        elif kind == "CUSTOM_JWT":
            yield from _jwt_findings(gateway, gateway.prop("AuthorizerConfiguration", "CustomJWTAuthorizer"), "gateway")


def _jwt_findings(res: Resource, jwt: Any, what: str) -> Iterator[RawFinding]:
    if not isinstance(jwt, dict):
        yield res, "JWT::Invalid", f"{what} AuthorizerConfiguration is present but has no CustomJWTAuthorizer"
        return
    if _absent(jwt.get("DiscoveryUrl")):
        yield res, "JWT::Invalid", f"{what} JWT authorizer has no DiscoveryUrl"
    if not any(jwt.get(k) for k in ("AllowedClients", "AllowedAudience", "AllowedScopes")):
        yield res, "JWT::Unrestricted", f"{what} JWT authorizer accepts any token of the issuer (no allowed clients, audience or scopes)"


@rule(
    "Readiness-Identity",
    info="The agent endpoint has no per-user identity: its authorizer is IAM, not a JWT from an identity provider.",
    explanation="The seed's auth gap asks for per-user identity with IdP integration (stage 4): protect the runtime with "
    "AgentIdentity.protect_runtime (Cognito or your IdP, CustomJWTAuthorizer). A machine-to-machine agent that is "
    "only called by AWS principals acknowledges this finding with that reason.",
    checklist=None,
    gaps=("auth",),
)
def per_user_identity(env: Environment) -> Iterator[RawFinding]:
    for runtime in _runtimes(env):
        config = runtime.prop("AuthorizerConfiguration")
        if _absent(config) or not isinstance(config, dict) or not isinstance(config.get("CustomJWTAuthorizer"), dict):
            yield runtime, None, "runtime authorizes with IAM (SigV4): callers are AWS principals, not users of an IdP"


# =========================================================================================================
# 5. Observability
# =========================================================================================================
@rule(
    "Readiness-Observability",
    info="Logs, traces, dashboards or alarms are missing (log retention, TRACES/APPLICATION_LOGS delivery, dashboard, alarm).",
    explanation="Give every log group a retention, deliver the runtime's TRACES and APPLICATION_LOGS (AgentRuntime does), "
    "and add AgentObservability: a dashboard and alarms that reference the runtime.",
    checklist=5,
    gaps=("observability",),
)
def observability(env: Environment) -> Iterator[RawFinding]:
    for group in env.resources(LOG_GROUP):
        if _absent(group.prop("RetentionInDays")):
            yield group, "Retention", "log group keeps logs forever (no RetentionInDays)"
    sources = env.resources(DELIVERY_SOURCE)
    deliveries = env.resources(DELIVERY)
    dashboards = env.resources(DASHBOARD)
    alarms = env.resources(ALARM)
    for runtime in _runtimes(env):
        for log_type, detail in (("TRACES", "Traces"), ("APPLICATION_LOGS", "ApplicationLogs")):
            delivered = any(
                source.prop("LogType") == log_type
                and env.refers_to(source.prop("ResourceArn"), source.stack, runtime)
                and any(env.refers_to(d.prop("DeliverySourceName"), d.stack, source) for d in deliveries)
                for source in sources
            )
            if not delivered:
                yield runtime, detail, f"runtime has no {log_type} delivery (AWS::Logs::DeliverySource + AWS::Logs::Delivery)"
        name = runtime.prop("AgentRuntimeName")
        if not any(_mentions(env, d, d.prop("DashboardBody"), runtime, name) for d in dashboards):
            yield runtime, "Dashboard", "no CloudWatch dashboard shows this runtime"
        if not any(_mentions(env, a, a.properties, runtime, name) for a in alarms):
            yield runtime, "Alarm", "no CloudWatch alarm watches this runtime"


def _mentions(env: Environment, holder: Resource, value: Any, runtime: Resource, name: Any) -> bool:
    if env.refers_to(value, holder.stack, runtime):
        return True
    return isinstance(name, str) and any(name in text for text in env.literal_strings(value))


# =========================================================================================================
# 6. Retries
# =========================================================================================================
@rule(
    "Readiness-Retries",
    info="The runtime has no sane retry configuration (AGENT_RETRY_MAX_ATTEMPTS >= 2, AGENT_RETRY_MODE adaptive|standard, "
    "AGENT_HTTP_TIMEOUT_SECONDS > 0).",
    explanation="Transient throttles and timeouts of the model and tools must be retried with exponential backoff. "
    "AgentRuntime sets the retry signal from retry_max_attempts / retry_mode / http_timeout; set them in cdk.json 'retry'.",
    checklist=6,
    gaps=("hosting",),
)
def retries_configured(env: Environment) -> Iterator[RawFinding]:
    checks = {
        RETRY_MAX_ATTEMPTS.name: (lambda v: int(v) >= 2, "must be an integer >= 2"),
        RETRY_MODE.name: (lambda v: v in ("adaptive", "standard"), "must be 'adaptive' or 'standard'"),
        HTTP_TIMEOUT_SECONDS.name: (lambda v: float(v) > 0, "must be a number > 0"),
    }
    assert set(checks) == {v.name for v in RETRY_SIGNAL}, "RETRY_SIGNAL changed: update Readiness-Retries"
    for runtime in _runtimes(env):
        variables = _runtime_env(runtime)
        for name, (ok, expected) in checks.items():
            value = variables.get(name)
            if _absent(value):
                yield runtime, f"Env::{name}", f"runtime has no {name}"
                continue
            try:
                valid = isinstance(value, (str, int, float)) and ok(value)
            except ValueError:
                valid = False
            if not valid:
                yield runtime, f"Env::{name}", f"runtime {name}={value!r} {expected}"


# =========================================================================================================
# 7. Least privilege
# =========================================================================================================
@rule(
    "Readiness-LeastPrivilege",
    info="An IAM statement allows every action of a service, or every resource, or a broad AWS managed policy is attached.",
    explanation="Name the actions and scope resources to ARNs (grant_* methods do). Resource '*' is only accepted for actions "
    "that have no resource type: xray:PutTraceSegments/PutTelemetryRecords/GetSamplingRules/GetSamplingTargets, "
    "cloudwatch:PutMetricData with a cloudwatch:namespace condition, ecr:GetAuthorizationToken. Replace "
    "AdministratorAccess/*FullAccess/AWSLambdaRole with scoped statements.",
    checklist=7,
    gaps=("isolation",),
)
def least_privilege(env: Environment) -> Iterator[RawFinding]:
    for holder, statement in _policy_statements(env):
        if statement.get("Effect") != "Allow":
            continue
        if "NotAction" in statement:
            yield holder, "NotAction", "Allow with NotAction grants everything except a list"
        if "NotResource" in statement:
            yield holder, "NotResource", "Allow with NotResource grants every resource except a list"
        for action in _as_list(statement.get("Action")):
            if isinstance(action, str) and (action == "*" or action.endswith(":*")):
                yield holder, f"Action::{action}", f"statement allows {action}"
        if "*" in _as_list(statement.get("Resource")) and not _wildcard_resource_allowed(statement):
            actions = ", ".join(a for a in _as_list(statement.get("Action")) if isinstance(a, str))
            yield holder, "Resource::*", f"statement allows {actions or 'its actions'} on Resource '*'"
    for role in env.resources(IAM_ROLE):
        for arn in _as_list(role.prop("ManagedPolicyArns")):
            name = _managed_policy_name(env, arn, role.stack)
            if name:
                yield role, f"Policy::{name}", f"role has the AWS managed policy {name}"


# =========================================================================================================
# 8. End-to-end test outputs
# =========================================================================================================
AUTO_OUTPUT_PREFIXES = ("ExportsOutput", "PublishOutput")


@rule(
    "Readiness-E2E",
    info="The stack outputs the end-to-end suite needs are missing (runtime ARN, endpoint name, gateway URL, user pool and client id).",
    explanation="tests/e2e discovers a deployed environment from stack outputs: add CfnOutputs for the runtime ARN and "
    "endpoint name, the gateway URL when the gateway is on, and the user pool id and client id when identity is on.",
    checklist=8,
    gaps=(),
)
def e2e_outputs(env: Environment) -> Iterator[RawFinding]:
    runtimes = _runtimes(env)
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
    for endpoint in env.resources(RUNTIME_ENDPOINT):
        name = endpoint.prop("Name")

        def names_endpoint(stack: Stack, value: Any) -> bool:
            target = env.target(value, stack)
            return (isinstance(name, str) and value == name) or bool(target and target.resource == endpoint)

        if not any(names_endpoint(stack, value) for stack, value in outputs):
            yield where, "Output::EndpointName", f"no stack output with the endpoint name of {endpoint.path}"
    for gateway in env.resources(GATEWAY):
        if not exported(gateway, "GatewayUrl"):
            yield where, "Output::GatewayUrl", f"no stack output with the URL of {gateway.path}"
    for pool in env.resources(USER_POOL):
        if not exported(pool, None):
            yield where, "Output::UserPoolId", f"no stack output with the id of {pool.path}"
        clients = [c for c in env.resources(USER_POOL_CLIENT) if env.refers_to(c.prop("UserPoolId"), c.stack, pool)]
        if clients and not any(exported(c, None) for c in clients):
            yield where, "Output::UserPoolClientId", f"no stack output with a client id of {pool.path}"


# =========================================================================================================
# Beyond the seed
# =========================================================================================================
@rule(
    "Readiness-GatewayDebug",
    info="The gateway returns DEBUG error details (ExceptionLevel DEBUG) to clients.",
    explanation="DEBUG exception level leaks stack traces and internals to every MCP client. Leave exception_level unset "
    "(generic errors) outside development; ToolGateway refuses DEBUG unless allow_debug_errors=True.",
    checklist=None,
    gaps=("tools",),
)
def gateway_debug(env: Environment) -> Iterator[RawFinding]:
    for gateway in env.resources(GATEWAY):
        if gateway.prop("ExceptionLevel") == "DEBUG":
            yield gateway, None, "gateway ExceptionLevel is DEBUG"


@rule(
    "Readiness-MemoryEncryption",
    info="AgentCore Memory is encrypted with an AWS owned key instead of a customer managed KMS key (EncryptionKeyArn).",
    explanation="Conversations and long-term memory records are personal data: encrypt them with your own KMS key "
    "(AgentMemory creates one with rotation) so access is auditable and revocable.",
    checklist=None,
    gaps=("memory",),
)
def memory_encryption(env: Environment) -> Iterator[RawFinding]:
    for memory in env.resources(MEMORY):
        if _absent(memory.prop("EncryptionKeyArn")):
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
    for gateway in env.resources(GATEWAY):
        if _absent(gateway.prop("KmsKeyArn")):
            yield gateway, None, "gateway has no KmsKeyArn"


_SHA256_KEY = re.compile(r"(?:^|/)[0-9a-f]{64}\.(?:zip|jar)$")
_IMAGE_REF = re.compile(r"^(?P<repo>[^@]+?)(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$")


@rule(
    "Readiness-Artifact",
    info="The runtime artifact is not pinned (container ':latest' or untagged, code zip not content-addressed) or not arm64.",
    explanation="AgentCore Runtime runs arm64 microVMs and a deployment must be reproducible: use a CDK asset "
    "(content-hash tag, Platform.LINUX_ARM64) or an image digest/immutable tag; for code, a content-addressed S3 key "
    "or an S3 VersionId.",
    checklist=None,
    gaps=("hosting",),
)
def artifact_pinned(env: Environment) -> Iterator[RawFinding]:
    for runtime in _runtimes(env):
        container = runtime.prop("AgentRuntimeArtifact", "ContainerConfiguration")
        code = runtime.prop("AgentRuntimeArtifact", "CodeConfiguration")
        if isinstance(container, dict):
            uri = container.get("ContainerUri")
            text = "".join(env.literal_strings(uri))
            match = _IMAGE_REF.match(text.rsplit("/", 1)[-1]) if text else None
            if match is None or (not match.group("digest") and match.group("tag") in (None, "latest")):
                yield runtime, "Container::Unpinned", f"container image {text or uri!r} has no immutable tag or digest"
            for asset in runtime.stack.docker_images.values():
                if any(asset_tag(asset) and asset_tag(asset) in s for s in env.literal_strings(uri)):
                    platform = (asset.get("source") or {}).get("platform")
                    if platform != "linux/arm64":
                        yield runtime, "Container::Platform", f"container asset platform is {platform or 'unset'}, not linux/arm64"
        elif isinstance(code, dict):
            s3 = (code.get("Code") or {}).get("S3") or {}
            key = s3.get("Prefix") or s3.get("Key")
            if not s3.get("VersionId") and not (isinstance(key, str) and _SHA256_KEY.search(key)):
                yield runtime, "Code::Unpinned", f"code artifact s3 key {key!r} is neither content-addressed nor versioned"


def asset_tag(asset: dict[str, Any]) -> str | None:
    for destination in (asset.get("destinations") or {}).values():
        tag = destination.get("imageTag")
        if tag:
            return str(tag)
    return None


@rule(
    "Readiness-ToolPermission",
    info="A gateway Lambda target (or interceptor) has no AWS::Lambda::Permission for bedrock-agentcore with a SourceArn.",
    explanation="The gateway invokes tools with its role, but a resource policy scoped to the gateway ARN (SourceArn) "
    "stops confused-deputy calls and, with the target depending on it, avoids first-deploy IAM propagation failures "
    "(aws-cdk #36826). ToolGateway.add_lambda_tool adds it.",
    checklist=None,
    gaps=("tools",),
)
def tool_permission(env: Environment) -> Iterator[RawFinding]:
    permissions = env.resources(LAMBDA_PERMISSION)
    for fn in env.resources(LAMBDA):
        if not _is_lambda_referenced_by_gateway(env, fn):
            continue
        ok = any(
            env.refers_to(p.prop("FunctionName"), p.stack, fn)
            and p.prop("Principal") == "bedrock-agentcore.amazonaws.com"
            and not _absent(p.prop("SourceArn"))
            for p in permissions
        )
        if not ok:
            yield fn, None, "gateway Lambda has no bedrock-agentcore invoke permission with a SourceArn"
