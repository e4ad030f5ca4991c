"""AWS service contract: what AWS would reject at deploy time or silently break, caught at synth time.

Each rule checks a fact of AWS's (not a convention of ours) and names its source in its explanation.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from agentcore_constructs.aws_facts import (
    AGENTCORE_LOG_GROUP_PREFIX,
    DEFAULT_IDLE_RUNTIME_SESSION_TIMEOUT_SECONDS,
    DEFAULT_MAX_LIFETIME_SECONDS,
    PSEUDO_PARAMETER_BYTES,
    RESERVED_LOG_GROUP_PREFIX,
    TOKEN_VALUE_BYTES,
    TRANSACTION_SEARCH_CONFIG,
    V2_ENVIRONMENT_BYTES,
    V2_REGIONS,
    VPC_ENDPOINTS_ALWAYS,
    VPC_ENDPOINTS_BY_ACTION_PREFIX,
    VPC_ENDPOINTS_CONTAINER,
    VPC_ENDPOINTS_GATEWAY,
    VPC_ENDPOINTS_METADATA,
    VPC_ENDPOINTS_TOKEN_ISSUER,
    VPC_INTERNET_ROUTE,
)
from agentcore_constructs.contract import env_vars
from agentcore_constructs.contract.tools import (
    POWERTOOLS_METRICS_NAMESPACE_ENV,
    POWERTOOLS_SERVICE_NAME_ENV,
    SERVICE_DIMENSION,
    TOOL_METRICS_NAMESPACE,
)
from agentcore_constructs.readiness.assembly import Environment, Resource
from agentcore_constructs.readiness.model import RawFinding, Rule, rule
from agentcore_constructs.readiness.rules import common as c

#: A placeholder for a token inside a string assembled from ``Fn::Join`` parts.
_TOKEN = "\u0000"


def leading_literal(value: Any) -> str | None:
    """The literal start of a string value (``Fn::Join`` parts up to the first token), or None if it has none."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1 and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        text = ""
        for index, part in enumerate(parts):
            if index:
                text += separator
            if not isinstance(part, str):
                return text or None
            text += part
        return text
    return None


def joined_text(value: Any) -> str:
    """A string value with every token replaced by a placeholder (``Fn::Join`` flattened, nested ones too)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1 and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(joined_text(part) for part in parts)
    return _TOKEN


# =========================================================================================================
# Log groups
# =========================================================================================================
@rule(
    "Readiness-ReservedLogGroupName",
    info="A log group name starts with 'aws/', which CloudWatch Logs reserves: the deploy fails.",
    explanation="CloudWatch Logs API reference, CreateLogGroup: 'Log group names can't start with the string aws/'. "
    "Services create those groups themselves (X-Ray creates aws/spans when Transaction Search is on); remove the "
    "AWS::Logs::LogGroup and set such a group's retention after the service created it.",
    checklist=None,
    gaps=("observability",),
)
def reserved_log_group_names(env: Environment) -> Iterator[RawFinding]:
    for group in env.resources(c.LOG_GROUP):
        name = leading_literal(group.prop("LogGroupName"))
        if name is not None and name.startswith(RESERVED_LOG_GROUP_PREFIX):
            yield group, None, f"log group {name!r} starts with the reserved prefix {RESERVED_LOG_GROUP_PREFIX!r}"


@rule(
    "Readiness-ServiceLogGroup",
    info="CloudFormation creates a log group under /aws/bedrock-agentcore/, which AgentCore creates and owns itself.",
    explanation="AgentCore Runtime creates /aws/bedrock-agentcore/runtimes/<runtime id>-<endpoint> (DEFAULT included) "
    "itself; a CloudFormation-managed group of the same name fails with 'already exists', and altering the "
    "service-managed group has been reported to stop delivery (hashicorp/terraform-provider-aws #47630, aws/aws-cdk "
    "PR #37997 review, aws/bedrock-agentcore-sdk-python #512). Deliver the runtime's APPLICATION_LOGS to a log group "
    "of your own instead (AgentRuntime does) and leave the service's groups alone.",
    checklist=None,
    gaps=("observability",),
)
def service_log_groups(env: Environment) -> Iterator[RawFinding]:
    for group in env.resources(c.LOG_GROUP):
        name = leading_literal(group.prop("LogGroupName"))
        if name is not None and name.startswith(AGENTCORE_LOG_GROUP_PREFIX):
            yield (
                group,
                None,
                f"log group {joined_text(group.prop('LogGroupName')).replace(_TOKEN, '<token>')!r} is AgentCore's own",
            )


# =========================================================================================================
# Per-account singletons
# =========================================================================================================
@rule(
    "Readiness-TransactionSearchSingleton",
    info="More than one X-Ray Transaction Search config for one account and Region: the second deploy fails.",
    explanation="AWS::XRay::TransactionSearchConfig is one per account and Region (its identifier is the account id) "
    "and enabling fails when it is already on (CloudWatch user guide, 'Using Transaction Search with AWS "
    "CloudFormation'). Create it once per account and Region in a stack whose lifecycle is the account's "
    "(TransactionSearch) and declare it enabled everywhere else. Environments of one app that deploy the same "
    "account stack (one stack name, identical resource) count once.",
    checklist=None,
    gaps=("observability",),
    app_wide=True,
)
def transaction_search_singleton(envs: Sequence[Environment]) -> Iterator[RawFinding]:
    by_target: dict[str, list[Resource]] = defaultdict(list)
    for env in envs:
        for config in env.resources(TRANSACTION_SEARCH_CONFIG):
            by_target[config.stack.aws_environment].append(config)
    for target, configs in by_target.items():
        # Several environments deploying one account stack (same stack name, same resource) are one config.
        distinct = {(r.stack.stack_name, r.logical_id, json.dumps(r.properties, sort_keys=True)) for r in configs}
        if len(distinct) > 1:
            others = ", ".join(sorted(r.path for r in configs))
            for config in configs:
                yield config, None, f"{len(configs)} Transaction Search configs target {target}: {others}"


#: Explicit physical names that must be unique, by resource type: (property, scope). "account": one per account in
#: every Region (CloudWatch dashboards are global: AWS::CloudWatch::Dashboard reference; IAM names); "region": one per
#: account and Region; "partition-region": one per Region across all accounts (Cognito hosted-UI domain prefixes).
PHYSICAL_NAMES: dict[str, tuple[str, str]] = {
    "AWS::CloudWatch::Dashboard": ("DashboardName", "account"),
    "AWS::IAM::Role": ("RoleName", "account"),
    "AWS::CloudWatch::Alarm": ("AlarmName", "region"),
    "AWS::CloudWatch::CompositeAlarm": ("AlarmName", "region"),
    "AWS::BedrockAgentCore::Runtime": ("AgentRuntimeName", "region"),
    "AWS::BedrockAgentCore::Memory": ("Name", "region"),
    "AWS::BedrockAgentCore::Gateway": ("Name", "region"),
    "AWS::BedrockAgentCore::OAuth2CredentialProvider": ("Name", "region"),
    "AWS::Logs::LogGroup": ("LogGroupName", "region"),
    "AWS::Lambda::Function": ("FunctionName", "region"),
    "AWS::SNS::Topic": ("TopicName", "region"),
    "AWS::Cognito::UserPoolDomain": ("Domain", "partition-region"),
}
#: CloudWatch metric alarms and composite alarms share one name space per account and Region.
_SAME_NAME_SPACE = {"AWS::CloudWatch::CompositeAlarm": "AWS::CloudWatch::Alarm"}


def _pseudo_resolved(value: Any, stack_env: str) -> str | None:
    """A physical name with ``AWS::AccountId``/``AWS::Region`` filled in from the stack's environment; None when
    any other token is part of it (then it is not comparable at synth time)."""
    account, _, region = stack_env.removeprefix("aws://").partition("/")
    known = {"AWS::AccountId": account, "AWS::Region": region}
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in known:
        resolved = known[value["Ref"]]
        return None if resolved.startswith("unknown-") else resolved
    if isinstance(value, dict) and set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        texts = [_pseudo_resolved(part, stack_env) for part in parts]
        return None if any(t is None for t in texts) else str(separator).join(t for t in texts if t is not None)
    return None


@rule(
    "Readiness-PhysicalNameCollision",
    info="Two resources of the app get the same explicit physical name where AWS allows only one: a deploy fails or "
    "one overwrites the other.",
    explanation="Dashboard names are unique per account across Regions (AWS::CloudWatch::Dashboard: 'All dashboards "
    "in your account are global'), and PutDashboard replaces an existing one; alarm, AgentCore runtime, memory, "
    "gateway, credential provider, log group, function and topic names are unique per account and Region; Cognito "
    "domain prefixes per Region across AWS. Give each agent its own names: name_prefix on AgentObservability, a "
    "distinct runtime/memory/gateway name, or leave physical names unset.",
    checklist=None,
    gaps=("hosting",),
    app_wide=True,
)
def physical_name_collisions(envs: Sequence[Environment]) -> Iterator[RawFinding]:
    holders: dict[tuple[str, str, str], list[Resource]] = defaultdict(list)
    for env in envs:
        for resource_type, (prop, scope) in PHYSICAL_NAMES.items():
            for resource in env.resources(resource_type):
                name = _pseudo_resolved(resource.prop(prop), resource.stack.aws_environment)
                if not name:
                    continue
                account, _, region = resource.stack.aws_environment.removeprefix("aws://").partition("/")
                where = {"account": account, "region": f"{account}/{region}", "partition-region": region}[scope]
                if "unknown-" in where:
                    continue
                holders[(_SAME_NAME_SPACE.get(resource_type, resource_type), where, name)].append(resource)
    for (resource_type, where, name), resources in holders.items():
        unique = sorted(set(resources), key=lambda r: r.path)
        if len(unique) > 1:
            others = ", ".join(r.path for r in unique)
            for resource in unique:
                yield (
                    resource,
                    f"Name::{name}",
                    f"{resource_type} name {name!r} is used {len(unique)} times in {where}: {others}",
                )


# =========================================================================================================
# Identity: scopes an authorizer requires must be obtainable
# =========================================================================================================
#: Cognito app-client flows that go through InitiateAuth/AdminInitiateAuth (no OAuth scopes in their tokens).
API_AUTH_FLOWS = frozenset(
    {
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_ADMIN_USER_PASSWORD_AUTH",
        "ALLOW_CUSTOM_AUTH",
        "ALLOW_USER_AUTH",
    }
)
#: Pre token generation trigger versions that can add scopes to access tokens (Cognito developer guide,
#: "Pre token generation Lambda trigger": V2_0 for user authentication, V3_0 also for client credentials).
SCOPE_TRIGGER_VERSIONS = frozenset({"V2_0", "V3_0"})
#: ...and only "in user pools with the Essentials or Plus feature plan" (same page); a Lite pool's V2/V3 trigger
#: customizes nothing in the access token. ``UserPoolTier`` defaults to ESSENTIALS when absent (Cognito API
#: reference, CreateUserPool ``UserPoolTier``: "Defaults to ESSENTIALS").
SCOPE_TRIGGER_TIERS = frozenset({"ESSENTIALS", "PLUS"})


def _jwt_authorizers(env: Environment) -> Iterator[tuple[Resource, dict[str, Any]]]:
    for runtime in c.runtimes(env):
        jwt = runtime.prop("AuthorizerConfiguration", "CustomJWTAuthorizer")
        if isinstance(jwt, dict):
            yield runtime, jwt
    for gateway in env.resources(c.GATEWAY):
        jwt = gateway.prop("AuthorizerConfiguration", "CustomJWTAuthorizer")
        if gateway.prop("AuthorizerType") == "CUSTOM_JWT" and isinstance(jwt, dict):
            yield gateway, jwt


def _strings(value: Any) -> set[str]:
    return {v for v in c.as_list(value) if isinstance(v, str)}


def _has_scope_trigger(env: Environment, client: Resource) -> bool:
    target = env.target(client.prop("UserPoolId"), client.stack)
    if target is None or target.resource.type != c.USER_POOL:
        return False
    config = target.resource.prop("LambdaConfig", "PreTokenGenerationConfig")
    tier = target.resource.prop("UserPoolTier")
    return (
        (c.absent(tier) or tier in SCOPE_TRIGGER_TIERS)
        and isinstance(config, dict)
        and config.get("LambdaVersion") in SCOPE_TRIGGER_VERSIONS
        and not c.absent(config.get("LambdaArn"))
    )


def _oauth_scopes(client: Resource) -> set[str]:
    if client.prop("AllowedOAuthFlowsUserPoolClient") is not True or not client.prop("AllowedOAuthFlows"):
        return set()
    return _strings(client.prop("AllowedOAuthScopes"))


@rule(
    "Readiness-UnobtainableScope",
    info="A JWT authorizer requires scopes that no allowed client's tokens can carry: every call gets 403.",
    explanation="Cognito puts custom resource-server scopes only in tokens from its OAuth endpoints (the client must "
    "allow the OAuth flow and the scope), or adds them with a pre token generation trigger V2_0/V3_0; tokens from "
    "InitiateAuth/AdminInitiateAuth (SRP, password, admin password) carry only aws.cognito.signin.user.admin "
    "(Cognito developer guide, 'Using the access token'; 'Pre token generation Lambda trigger'), and such a trigger "
    "customizes access tokens only on the Essentials or Plus feature plan (UserPoolTier; Lite does not). Allow the "
    "scope on "
    "a client's OAuth flow, add a V2 pre token generation trigger that adds it (AgentIdentity does), or stop "
    "offering API sign-in flows on a client that must reach the agent.",
    checklist=None,
    gaps=("auth",),
)
def unobtainable_scopes(env: Environment) -> Iterator[RawFinding]:
    for holder, jwt in _jwt_authorizers(env):
        required = _strings(jwt.get("AllowedScopes"))
        if not required:
            continue
        clients: list[Resource] = []
        for value in c.as_list(jwt.get("AllowedClients")):
            target = env.target(value, holder.stack)
            if target is None or target.resource.type != c.USER_POOL_CLIENT:
                clients = []  # a client of another IdP: what its tokens carry is not in this assembly
                break
            clients.append(target.resource)
        if not clients:
            continue
        obtainable = any(
            required & _oauth_scopes(client)
            or (_has_scope_trigger(env, client) and required & _strings(client.prop("AllowedOAuthScopes")))
            for client in clients
        )
        if not obtainable:
            yield holder, "Scopes", f"no allowed client can obtain {' or '.join(sorted(required))}"
        for client in clients:
            flows = _strings(client.prop("ExplicitAuthFlows")) & API_AUTH_FLOWS
            if flows and not _has_scope_trigger(env, client):
                yield (
                    holder,
                    f"ApiFlows::{client.logical_id}",
                    f"client {client.path} offers {', '.join(sorted(flows))}, whose tokens carry none of "
                    f"{', '.join(sorted(required))} (no V2/V3 pre token generation trigger on its pool)",
                )


# =========================================================================================================
# Metrics: what dashboards and alarms read must be emitted
# =========================================================================================================
_SERVICE_IN_SEARCH = re.compile(r"\{(?P<schema>[^{}]*)\}[^']*?" + SERVICE_DIMENSION + r'=\\?"(?P<service>[^"\\]+)\\?"')


def _emitters(env: Environment) -> dict[str, set[str]]:
    """Metric namespace -> Powertools service names the environment's Lambdas declare they emit under."""
    emitted: dict[str, set[str]] = defaultdict(set)
    for fn in env.resources(c.LAMBDA):
        variables = c.lambda_env(fn)
        namespace, service = variables.get(POWERTOOLS_METRICS_NAMESPACE_ENV), variables.get(POWERTOOLS_SERVICE_NAME_ENV)
        if isinstance(namespace, str) and isinstance(service, str):
            emitted[namespace].add(service)
    return emitted


def _read_services(holder: Resource, namespaces: set[str]) -> Iterator[tuple[str, str]]:
    """(namespace, service) pairs a dashboard or alarm reads, for the given namespaces."""
    if holder.type == c.DASHBOARD:
        body = joined_text(holder.prop("DashboardBody"))
        for match in _SERVICE_IN_SEARCH.finditer(body):
            namespace = match.group("schema").split(",")[0].strip().strip('"\\')
            if namespace in namespaces:
                yield namespace, match.group("service")
        return
    stats = [holder.properties] + [
        (m.get("MetricStat") or {}).get("Metric") or {}
        for m in c.as_list(holder.prop("Metrics"))
        if isinstance(m, dict)
    ]
    for stat in stats:
        namespace = stat.get("Namespace")
        if namespace in namespaces:
            for dimension in c.as_list(stat.get("Dimensions")):
                if (
                    isinstance(dimension, dict)
                    and dimension.get("Name") == SERVICE_DIMENSION
                    and isinstance(dimension.get("Value"), str)
                ):
                    yield namespace, dimension["Value"]


@rule(
    "Readiness-UnemittedMetric",
    info="A dashboard or alarm reads a metric of the app's own Lambdas that none of them emits: it stays empty.",
    explanation="A CloudWatch metric is identified by namespace, name and every dimension value (CloudWatch user "
    "guide, 'Metrics concepts: dimensions'), so a dashboard searching service=\"my-tool\" never sees metrics "
    "emitted with service=my_tool. Powertools takes namespace and service from POWERTOOLS_METRICS_NAMESPACE "
    "and POWERTOOLS_SERVICE_NAME (Powertools for AWS Lambda, 'Metrics'): set both on the function (LambdaTool does) "
    "and build the dashboard from the same values (the contract package).",
    checklist=None,
    gaps=("observability",),
)
def unemitted_metrics(env: Environment) -> Iterator[RawFinding]:
    emitted = _emitters(env)
    namespaces = set(emitted) | {TOOL_METRICS_NAMESPACE}
    for holder in env.resources(c.DASHBOARD, c.ALARM):
        for namespace, service in sorted(set(_read_services(holder, namespaces))):
            if service not in emitted.get(namespace, set()):
                yield (
                    holder,
                    f"Metric::{namespace}/{service}",
                    f"reads {namespace} metrics of service {service!r}, which no Lambda here emits "
                    f"(emitted: {', '.join(sorted(emitted.get(namespace, set()))) or 'none'})",
                )


def _granted_services(env: Environment, runtime: Resource) -> dict[str, str]:
    """Endpoint services the agent calls because its role was granted their actions (e.g. a secret, a key)."""
    role = c.runtime_role(env, runtime)
    found: dict[str, str] = {}
    for statement in c.role_statements(env, role) if role is not None else []:
        if statement.get("Effect") != "Allow":
            continue
        for action in c.as_list(statement.get("Action")):
            prefix = str(action).split(":", 1)[0].lower()
            if prefix in VPC_ENDPOINTS_BY_ACTION_PREFIX:
                found[VPC_ENDPOINTS_BY_ACTION_PREFIX[prefix]] = f"the role may call {prefix} ({action})"
    return found


def _connected_services(env: Environment, runtime: Resource) -> dict[str, str]:
    """Endpoint services the agent calls because a stage was connected: the tool gateway (its own endpoint service)
    and the token issuer the agent verifies callers against (``internet`` when no endpoint can serve it)."""
    variables = c.runtime_env(runtime)
    found: dict[str, str] = {}
    role = c.runtime_role(env, runtime)
    statements = c.role_statements(env, role) if role is not None else []
    if not c.absent(variables.get(env_vars.GATEWAY_URL.name)) or any(
        c.allows(statement, "bedrock-agentcore:InvokeGateway") for statement in statements
    ):
        found.update(VPC_ENDPOINTS_GATEWAY)
    discovery = variables.get(env_vars.AUTH_DISCOVERY_URL.name)
    if c.absent(discovery):
        return found
    pools = [r.resource for r in env.references(discovery, runtime.stack) if r.resource.type == c.USER_POOL]
    cognito = bool(pools) or any("cognito-idp." in text for text in env.literal_strings(discovery))
    with_domain = [
        pool
        for pool in pools
        for domain in env.resources(c.USER_POOL_DOMAIN)
        if env.refers_to(domain.prop("UserPoolId"), domain.stack, pool)
    ]
    if not cognito:
        found[VPC_INTERNET_ROUTE] = "the token issuer's discovery document and JWKS are on the internet"
    elif with_domain:
        found[VPC_INTERNET_ROUTE] = (
            "the agent fetches the user pool's JWKS and Cognito's PrivateLink endpoint refuses a pool with a domain "
            f"({with_domain[0].path}): a NAT route is the only way"
        )
    else:
        found.update(VPC_ENDPOINTS_TOKEN_ISSUER)
    return found


@rule(
    "Readiness-VpcEndpoints",
    info="A runtime in VPC mode reaches AWS services its VPC has no endpoint for (and no internet route was "
    "declared): it fails at startup or on its first model, memory, log or trace call.",
    explanation=(
        "In VPC mode every call leaves through the runtime's subnets. Without a NAT route, each AWS service the agent "
        "calls needs a VPC endpoint: S3 (gateway: runtimes created after the May 2026 rollout download their code "
        "through the VPC; AgentCore Control API, VpcConfig requireServiceS3Endpoint), bedrock-runtime, "
        "bedrock-agentcore, logs, xray, sts, and ecr.api/ecr.dkr for a container image (AgentCore guide, "
        "'Configure ... for VPC'), bedrock-agentcore.gateway for a connected tool gateway (AgentCore's own endpoint "
        "service for gateways; guide, 'Use interface VPC endpoints'), cognito-idp for the agent's token verification "
        "(or a NAT route: Cognito's PrivateLink refuses a user pool with a domain, and other issuers are on the "
        "internet; Cognito guide, 'Access Amazon Cognito using an interface endpoint'), plus every service the "
        "runtime's role is granted actions of (secretsmanager, kms, ssm, dynamodb, ...: the agent calls them). "
        "Declare what the VPC provides with "
        "AgentRuntime(network=VpcPlacement(vpc, endpoints=[...])) (or 'internet' for a NAT route) and create the "
        "missing endpoints."
    ),
    checklist=None,
    gaps=("hosting",),
)
def vpc_endpoints(env: Environment) -> Iterator[RawFinding]:
    for runtime in c.runtimes(env):
        network = runtime.prop("NetworkConfiguration") or {}
        if network.get("NetworkMode") != "VPC":
            continue
        declared = runtime.metadata.get(VPC_ENDPOINTS_METADATA)
        provided = set(declared) if isinstance(declared, list) else set()
        if VPC_INTERNET_ROUTE in provided:
            continue
        needed = dict(VPC_ENDPOINTS_ALWAYS)
        if "ContainerConfiguration" in (runtime.prop("AgentRuntimeArtifact") or {}):
            needed.update(VPC_ENDPOINTS_CONTAINER)
        needed.update(_granted_services(env, runtime))
        needed.update(_connected_services(env, runtime))
        for service in sorted(set(needed) - provided):
            yield runtime, f"Missing::{service}", f"no VPC endpoint for {service} ({needed[service]})"


# =========================================================================================================
# Tool policies
# =========================================================================================================
def depends_on(res: Resource) -> set[str]:
    """The logical ids ``res`` names in its template ``DependsOn``."""
    declared = (res.stack.template.get("Resources") or {}).get(res.logical_id, {}).get("DependsOn")
    return {str(d) for d in c.as_list(declared)} if declared else set()


@rule(
    "Readiness-ToolPolicyOrder",
    info="A Cedar tool policy may be created before a target of its gateway: AgentCore validates it against tools "
    "that do not exist yet and the deploy fails.",
    explanation="AgentCore Policy validates every policy against a Cedar schema it generates from the gateway's MCP "
    "tool manifest (developer guide, 'Schema constraints', https://docs.aws.amazon.com/bedrock-agentcore/latest/"
    "devguide/policy-schema-constraints.html); a policy naming a tool of a target that CloudFormation creates in "
    "parallel fails with FAIL_ON_ANY_FINDINGS. Each AWS::BedrockAgentCore::Policy of an engine attached to a gateway "
    "must DependsOn every AWS::BedrockAgentCore::GatewayTarget of that gateway (ToolPolicy does this through "
    "ToolGateway.deploy_after_all_targets).",
    checklist=None,
    gaps=("tools",),
)
def tool_policy_order(env: Environment) -> Iterator[RawFinding]:
    gateways = env.resources(c.GATEWAY)
    targets = env.resources(c.GATEWAY_TARGET)
    for policy in env.resources(c.TOOL_POLICY):
        for engine_ref in env.references(policy.prop("PolicyEngineId"), policy.stack):
            engine = engine_ref.resource
            for gateway in gateways:
                config = gateway.prop("PolicyEngineConfiguration")
                if not isinstance(config, dict) or not env.refers_to(config.get("Arn"), gateway.stack, engine):
                    continue
                for target in targets:
                    if not env.refers_to(target.prop("GatewayIdentifier"), target.stack, gateway):
                        continue
                    # Across stacks, the stack order decides; within one, only DependsOn or a reference does.
                    if target.stack is policy.stack and target.logical_id not in depends_on(policy):
                        yield (
                            policy,
                            f"Target::{target.logical_id}",
                            f"policy is not ordered after gateway target {target.path}",
                        )


# =========================================================================================================
# Runtime platform version V2
# =========================================================================================================
def value_bytes_at_most(value: Any) -> int:
    """The most bytes ``value`` can have once CloudFormation resolved it: literals exactly, ``Fn::Join`` part by part,
    pseudo parameters at their longest, any other token at :data:`TOKEN_VALUE_BYTES`."""
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, dict) and set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        return len(str(separator).encode()) * max(len(parts) - 1, 0) + sum(value_bytes_at_most(p) for p in parts)
    if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in PSEUDO_PARAMETER_BYTES:
        return PSEUDO_PARAMETER_BYTES[value["Ref"]]
    return TOKEN_VALUE_BYTES


def environment_bytes_at_most(variables: dict[str, Any]) -> int:
    """Upper bound of the environment's size as the V2 check counts it. Its error counts the variables as one
    payload ("The environment variable payload is 3007 bytes, exceeding the 2560-byte maximum", quoted in public
    reports): measured as compact JSON, ``{"KEY":"value",...}``, which fits the byte counts reported."""
    pairs = sum(len(str(k).encode()) + value_bytes_at_most(v) for k, v in variables.items())
    return pairs + 6 * len(variables) + 1 if variables else 2


@rule(
    "Readiness-RuntimeV2Environment",
    info="A runtime on platform version V2 has more environment variables than V2 accepts: create or update fails "
    "with a ValidationException.",
    explanation="AgentCore developer guide, 'How it works' (Platform versions, What to expect): V2 limits the total "
    "size of an agent's environment variables to 1.5 KB for direct code deployments and 2.5 KB for container agents "
    "(4 KB on V1). Values CloudFormation fills in are counted at their longest. Move large or rarely changed settings "
    "into the bundle or SSM Parameter Store, shorten names, or stay on V1 until AgentCore raises the limit.",
    checklist=None,
    gaps=("hosting",),
)
def runtime_v2_environment(env: Environment) -> Iterator[RawFinding]:
    for runtime in c.runtimes(env):
        if runtime.prop("PlatformVersion") != "V2":
            continue
        variables = runtime.prop("EnvironmentVariables") or {}
        kind = "container" if "ContainerConfiguration" in (runtime.prop("AgentRuntimeArtifact") or {}) else "code"
        size, limit = environment_bytes_at_most(variables), V2_ENVIRONMENT_BYTES[kind]
        if size > limit:
            yield (
                runtime,
                None,
                f"{len(variables)} environment variables take up to {size} bytes; V2 accepts {limit} for a {kind} "
                "deployment",
            )


@rule(
    "Readiness-RuntimeV2Region",
    info="A runtime asks for platform version V2 in a Region where V2 was not available when this check was written.",
    explanation="AgentCore developer guide, 'How it works' (Platform versions), as of 2026-09: V2 is available in "
    "us-east-1, us-east-2, us-west-2, eu-west-1 and ap-northeast-1. Check the guide for the Region; if V2 is there "
    "now, acknowledge this finding.",
    checklist=None,
    gaps=("hosting",),
    advisory=True,
)
def runtime_v2_region(env: Environment) -> Iterator[RawFinding]:
    for runtime in c.runtimes(env):
        region = runtime.stack.aws_environment.removeprefix("aws://").partition("/")[2]
        if runtime.prop("PlatformVersion") == "V2" and not region.startswith("unknown-") and region not in V2_REGIONS:
            yield runtime, f"Region::{region}", f"platform version V2 in {region}"


# =========================================================================================================
# Runtime session lifecycle
# =========================================================================================================
def _seconds(value: Any) -> int | None:
    """A literal number of seconds (CloudFormation integers may arrive as strings), else None (a token)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


def session_lifecycle(runtime: Resource) -> tuple[int | None, int | None]:
    """The idle session timeout and the maximum lifetime AgentCore applies to ``runtime`` (seconds; None when a
    value is a token), with the service defaults for what the template leaves out (:mod:`..aws_facts`)."""
    config = runtime.prop("LifecycleConfiguration")
    config = config if isinstance(config, dict) else {}
    idle_value, lifetime_value = config.get("IdleRuntimeSessionTimeout"), config.get("MaxLifetime")
    lifetime = DEFAULT_MAX_LIFETIME_SECONDS if c.absent(lifetime_value) else _seconds(lifetime_value)
    if not c.absent(idle_value):
        return _seconds(idle_value), lifetime
    if lifetime is not None and not c.absent(lifetime_value):
        return min(lifetime, DEFAULT_IDLE_RUNTIME_SESSION_TIMEOUT_SECONDS), lifetime
    return (None if lifetime is None else DEFAULT_IDLE_RUNTIME_SESSION_TIMEOUT_SECONDS), lifetime


@rule(
    "Readiness-SessionLifecycle",
    info="The runtime's session lifecycle is shorter than the wall-time limit of one request (AGENT_MAX_SECONDS): "
    "AgentCore can end the session while a turn is still allowed to run.",
    explanation="AgentCore developer guide, 'Configure Amazon Bedrock AgentCore lifecycle settings' "
    "(https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/runtime-lifecycle-settings.html): a session that "
    "stays idle for IdleRuntimeSessionTimeout is terminated, and an instance is terminated once it reaches "
    "MaxLifetime (defaults 900 s and 28800 s). [MaxLifetime]: nothing keeps a session past its lifetime, so a lifetime "
    "shorter than AGENT_MAX_SECONDS cuts even a new session's first turn short of its own limit. [IdleTimeout]: "
    "'Handle asynchronous and long running agents' (runtime-long-run.html): idle means /ping answers 'Healthy', and a "
    "session whose /ping answers 'HealthyBusy' stays up beyond the idle timeout. The agent kit reports HealthyBusy "
    "for as long as any turn runs (agentcore_constructs.kit.runtime.busy), so a kit agent's turn is not reclaimed "
    "as idle; whether a running request alone keeps a session from idling is not documented, so an agent that "
    "answers 'Healthy' while it works (a bare BedrockAgentCoreApp counts only its async tasks) can lose a turn that "
    "outlasts the idle timeout. The template cannot show which agent runs, so the rule still asks for an idle "
    "timeout of at least AGENT_MAX_SECONDS (AgentRuntime idle_timeout, max_lifetime; at least 60 s each); for an "
    "agent on the kit that wants a shorter idle timeout, acknowledge [IdleTimeout] with that reason.",
    checklist=None,
    gaps=("hosting",),
)
def session_lifecycle_covers_a_turn(env: Environment) -> Iterator[RawFinding]:
    for runtime in c.runtimes(env):
        limit = _seconds(c.runtime_env(runtime).get(env_vars.MAX_SECONDS.name))
        if limit is None or limit <= 0:
            continue  # Readiness-InvocationLimits reports a missing or invalid limit
        idle, lifetime = session_lifecycle(runtime)
        if lifetime is not None and lifetime < limit:
            yield (
                runtime,
                "MaxLifetime",
                f"MaxLifetime {lifetime} s is shorter than {env_vars.MAX_SECONDS.name} {limit} s: AgentCore ends the "
                "session after its lifetime whatever the agent reports, so a turn can be cut short of its limit",
            )
        if idle is not None and idle < limit:
            yield (
                runtime,
                "IdleTimeout",
                f"IdleRuntimeSessionTimeout {idle} s is shorter than {env_vars.MAX_SECONDS.name} {limit} s: a turn "
                f"running longer than {idle} s keeps its session only if the agent's /ping says HealthyBusy while it "
                "works (the agent kit does)",
            )


PACK: tuple[Rule, ...] = (
    reserved_log_group_names,
    service_log_groups,
    transaction_search_singleton,
    physical_name_collisions,
    unobtainable_scopes,
    unemitted_metrics,
    vpc_endpoints,
    tool_policy_order,
    runtime_v2_environment,
    runtime_v2_region,
    session_lifecycle_covers_a_turn,
)
