"""What every rule module shares: CloudFormation type names and small readers of template values.

Every reader takes template data only (no CDK tokens), so the validation plugin and the offline scorecard share it.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from typing import Any

from agentcore_constructs.aws_facts import COMPONENT_TAG, TOOL_COMPONENT
from agentcore_constructs.consumption import url_host
from agentcore_constructs.contract import env_vars
from agentcore_constructs.contract.consumers import METADATA_KEY as CONSUMES_METADATA_KEY
from agentcore_constructs.contract.consumers import SOURCE_METADATA_KEY
from agentcore_constructs.readiness.assembly import Environment, Resource, Stack
from agentcore_constructs.readiness.model import RawFinding

RUNTIME = "AWS::BedrockAgentCore::Runtime"
RUNTIME_ENDPOINT = "AWS::BedrockAgentCore::RuntimeEndpoint"
MEMORY = "AWS::BedrockAgentCore::Memory"
GATEWAY = "AWS::BedrockAgentCore::Gateway"
GATEWAY_TARGET = "AWS::BedrockAgentCore::GatewayTarget"
TOOL_POLICY = "AWS::BedrockAgentCore::Policy"
ONLINE_EVALUATION = "AWS::BedrockAgentCore::OnlineEvaluationConfig"
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
USER_POOL_DOMAIN = "AWS::Cognito::UserPoolDomain"

#: Environment variables that only an agent host has (the agent's model selection).
AGENT_HOST_VARIABLES = frozenset({env_vars.MODEL_ID.name, "BEDROCK_MODEL_ID", env_vars.MODEL_PROVIDER.name})
#: Literal markers of an agent in EC2 user data.
AGENT_HOST_MARKERS = (env_vars.MODEL_ID.name, "strands-agents", "bedrock-agentcore", "bedrock_agentcore")


def runtimes(env: Environment) -> list[Resource]:
    return env.resources(RUNTIME)


def primary_stack(env: Environment) -> Stack:
    """Where environment-level findings are reported: the stack with the runtime, else the first stack."""
    found = runtimes(env)
    return found[0].stack if found else env.stacks[0]


def runtime_env(runtime: Resource) -> dict[str, Any]:
    return runtime.prop("EnvironmentVariables") or {}


def lambda_env(fn: Resource) -> dict[str, Any]:
    return fn.prop("Environment", "Variables") or {}


def container_envs(task: Resource) -> Iterator[tuple[str, dict[str, Any]]]:
    for container in task.prop("ContainerDefinitions") or []:
        if isinstance(container, dict):
            variables = {
                str(e.get("Name")): e.get("Value") for e in container.get("Environment") or [] if isinstance(e, dict)
            }
            yield str(container.get("Name", "container")), variables


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def document_statements(document: Any) -> list[dict[str, Any]]:
    if not isinstance(document, dict):
        return []
    return [s for s in as_list(document.get("Statement")) if isinstance(s, dict)]


def policy_statements(env: Environment) -> Iterator[tuple[Resource, dict[str, Any]]]:
    """Every IAM statement of the environment, with the resource that holds it (policy, managed policy or role)."""
    for res in env.resources(IAM_POLICY, IAM_MANAGED_POLICY):
        for statement in document_statements(res.prop("PolicyDocument")):
            yield res, statement
    for role in env.resources(IAM_ROLE):
        for inline in as_list(role.prop("Policies")):
            if isinstance(inline, dict):
                for statement in document_statements(inline.get("PolicyDocument")):
                    yield role, statement


def role_statements(env: Environment, role: Resource) -> list[dict[str, Any]]:
    """The statements attached to one role (inline, AWS::IAM::Policy/ManagedPolicy attached through Roles)."""
    found: list[dict[str, Any]] = []
    for inline in as_list(role.prop("Policies")):
        if isinstance(inline, dict):
            found += document_statements(inline.get("PolicyDocument"))
    for res in env.resources(IAM_POLICY, IAM_MANAGED_POLICY):
        if any(env.refers_to(r, res.stack, role) for r in as_list(res.prop("Roles"))):
            found += document_statements(res.prop("PolicyDocument"))
    for arn in as_list(role.prop("ManagedPolicyArns")):
        target = env.target(arn, role.stack)
        if target and target.resource.type == IAM_MANAGED_POLICY:
            found += document_statements(target.resource.prop("PolicyDocument"))
    return found


def runtime_role(env: Environment, runtime: Resource) -> Resource | None:
    target = env.target(runtime.prop("RoleArn"), runtime.stack)
    return target.resource if target and target.resource.type == IAM_ROLE else None


def allows(statement: dict[str, Any], action: str) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    return any(
        isinstance(a, str) and fnmatch.fnmatchcase(action.lower(), a.lower()) for a in as_list(statement.get("Action"))
    )


def is_lambda_referenced_by_gateway(env: Environment, fn: Resource) -> bool:
    for target in env.resources(GATEWAY_TARGET):
        if env.refers_to(target.prop("TargetConfiguration"), target.stack, fn):
            return True
    for gateway in env.resources(GATEWAY):
        if env.refers_to(gateway.prop("InterceptorConfigurations"), gateway.stack, fn):
            return True
    return False


def tag_value(res: Resource, key: str) -> Any:
    """The value of tag ``key`` on a resource with list-style ``Tags`` (``[{Key, Value}]``), else None."""
    for tag in as_list(res.prop("Tags")):
        if isinstance(tag, dict) and tag.get("Key") == key:
            return tag.get("Value")
    return None


def is_tool(fn: Resource) -> bool:
    """A Lambda is a gateway tool when it is marked so (``agentcore:component=tool``: LambdaTool, or the user)."""
    return bool(tag_value(fn, COMPONENT_TAG) == TOOL_COMPONENT)


def absent(value: Any) -> bool:
    """A property is absent when omitted, null, or ``{"Ref": "AWS::NoValue"}``."""
    return value is None or value == {"Ref": "AWS::NoValue"}


def consumed_by_agent(runtime: Resource) -> set[str] | None:
    """The contract variables the runtime's agent bundle consumes (``AgentRuntime`` records them, read statically
    from the agent's source), or None when the runtime carries no record (not built by ``AgentRuntime``)."""
    value = runtime.metadata.get(CONSUMES_METADATA_KEY)
    return {str(v) for v in value} if isinstance(value, list) else None


def ignored_stage(runtime: Resource, variable: str, why: str = "its agent never reads it") -> RawFinding | None:
    """A finding when the constructs set ``variable`` on the runtime but its agent bundle never reads it."""
    consumed = consumed_by_agent(runtime)
    if consumed is None or absent(runtime_env(runtime).get(variable)) or variable in consumed:
        return None
    return (
        runtime,
        f"Agent::{variable}",
        f"the runtime gets {variable} but {why} (read from the agent source at synth): the stage is provisioned, "
        "not used",
    )


def agent_source(runtime: Resource) -> dict[str, Any]:
    """What ``AgentRuntime`` recorded of the agent source that no template shows (``agentcore:source``: hard-coded
    credentials, direct HTTP calls, memory imported but never called); empty when nothing was found or recorded."""
    value = runtime.metadata.get(SOURCE_METADATA_KEY)
    return value if isinstance(value, dict) else {}


def source_records(runtime: Resource, key: str) -> list[dict[str, Any]]:
    return [r for r in as_list(agent_source(runtime).get(key)) if isinstance(r, dict)]


def is_gateway_target(env: Environment, fn: Resource) -> bool:
    return any(env.refers_to(t.prop("TargetConfiguration"), t.stack, fn) for t in env.resources(GATEWAY_TARGET))


def tool_upstreams(env: Environment) -> dict[str, Resource]:
    """Host -> the gateway tool Lambda whose environment names an ``http(s)://`` URL on it (the upstream it serves,
    e.g. ``ORDERS_API_BASE_URL``). A tool is a Lambda marked as one or a gateway target (an interceptor serves no
    upstream). Only literals are read: a whole string value, or a ``Fn::Join`` part whose host ends inside it; a URL
    from a parameter or reference is unknown."""
    hosts: dict[str, Resource] = {}
    for fn in env.resources(LAMBDA):
        if not (is_tool(fn) or is_gateway_target(env, fn)):
            continue
        for value in lambda_env(fn).values():
            candidates = [url_host(value)] if isinstance(value, str) else []
            candidates += [url_host(text, whole=False) for text in env.literal_strings(value)]
            for host in candidates:
                if host:
                    hosts.setdefault(host, fn)
    return hosts
