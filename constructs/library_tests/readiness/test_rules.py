"""Every rule fires on a minimal bad environment and passes on the good one (template dicts, no synth)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from agentcore_constructs.aws_facts import VPC_ENDPOINTS_ALWAYS, VPC_ENDPOINTS_GATEWAY, VPC_ENDPOINTS_METADATA
from agentcore_constructs.contract.consumers import METADATA_KEY as CONSUMES_METADATA_KEY
from agentcore_constructs.contract.consumers import SOURCE_METADATA_KEY
from agentcore_constructs.readiness import RULES, evaluate
from agentcore_constructs.readiness.assembly import environment_from_templates, normalize_rule_id
from agentcore_constructs.readiness.rules import credential_kind
from library_tests.readiness.fixtures import good_template, mutated

STACK = "prod/Agent"


def env_of(template: dict[str, Any], **kwargs: Any):
    return environment_from_templates("prod", {STACK: template}, **kwargs)


def ids(template: dict[str, Any], rule_id: str | None = None, **kwargs: Any) -> set[tuple[str, str]]:
    findings = evaluate(env_of(template, **kwargs), [rule_id] if rule_id else None)
    return {(f.id, f.construct_path.removeprefix(STACK + "/")) for f in findings if f.acknowledged is None}


def res(t: dict[str, Any], logical_id: str) -> dict[str, Any]:
    return t["Resources"][logical_id]["Properties"]


def runtime_env(t: dict[str, Any]) -> dict[str, Any]:
    return res(t, "Runtime")["EnvironmentVariables"]


def statements(t: dict[str, Any]) -> list[dict[str, Any]]:
    return res(t, "AgentPolicy")["PolicyDocument"]["Statement"]


TOOL_POLICY_ORDER_FINDING = ("Readiness-ToolPolicyOrder[Target::ToolTarget]", "ToolPolicy")


def with_tool_policy(t: dict[str, Any], depends_on: list[str]) -> None:
    """The gateway's engine as a resource of the template, and one Cedar policy of it."""
    t["Resources"]["PolicyEngine"] = {"Type": "AWS::BedrockAgentCore::PolicyEngine", "Properties": {"Name": "tools"}}
    res(t, "Gateway")["PolicyEngineConfiguration"]["Arn"] = {"Fn::GetAtt": ["PolicyEngine", "PolicyEngineArn"]}
    t["Resources"]["ToolPolicy"] = {
        "Type": "AWS::BedrockAgentCore::Policy",
        "DependsOn": ["PolicyEngine", *depends_on],
        "Properties": {
            "Name": "allow",
            "PolicyEngineId": {"Fn::GetAtt": ["PolicyEngine", "PolicyEngineId"]},
            "Definition": {"Cedar": {"Statement": "permit (principal, action, resource);"}},
        },
    }


def agent_source(t: dict[str, Any], consumes: list[str] | None = None, **found: Any) -> None:
    """The runtime's record of its agent source, as AgentRuntime writes it (consumes and what no template shows)."""
    metadata = t["Resources"]["Runtime"].setdefault("Metadata", {})
    metadata[CONSUMES_METADATA_KEY] = consumes if consumes is not None else ["GATEWAY_URL", "MEMORY_ID"]
    if found:
        metadata[SOURCE_METADATA_KEY] = found


SEED_CREDENTIAL = {"file": "main.py", "line": 12, "kind": "secret-key style token (sk-...) in key 'X-API-Key'"}


def drop(*logical_ids: str) -> Callable[[dict[str, Any]], None]:
    def mutate(t: dict[str, Any]) -> None:
        for logical_id in logical_ids:
            del t["Resources"][logical_id]

    return mutate


def add(logical_id: str, type_: str, props: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def mutate(t: dict[str, Any]) -> None:
        t["Resources"][logical_id] = {"Type": type_, "Properties": props}

    return mutate


def test_good_environment_passes_every_rule() -> None:
    assert ids(good_template()) == set()
    assert len(RULES) == 29


# (rule, mutation, expected findings of that rule as {(finding id, construct path relative to the stack)})
CASES: list[tuple[str, Callable[[dict[str, Any]], None], set[tuple[str, str]]]] = [
    # 1 Runtime
    ("Readiness-Runtime", drop("Runtime"), {("Readiness-Runtime[Missing]", STACK.split("/")[0] + "/Agent")}),
    (
        "Readiness-Runtime",
        add("AgentFn", "AWS::Lambda::Function", {"Environment": {"Variables": {"MODEL_ID": "m"}}}),
        {("Readiness-Runtime[StandIn]", "AgentFn")},
    ),
    (
        "Readiness-Runtime",
        add(
            "SummarizerFn",
            "AWS::Lambda::Function",
            {
                "Environment": {"Variables": {"BEDROCK_MODEL_ID": "m"}},
                "Tags": [{"Key": "agentcore:component", "Value": "summarizer"}],
            },
        ),
        set(),
    ),
    (
        "Readiness-Runtime",
        add(
            "Task",
            "AWS::ECS::TaskDefinition",
            {"ContainerDefinitions": [{"Name": "agent", "Environment": [{"Name": "MODEL_ID", "Value": "m"}]}]},
        ),
        {("Readiness-Runtime[StandIn]", "Task")},
    ),
    (
        "Readiness-Runtime",
        add(
            "Host", "AWS::EC2::Instance", {"UserData": {"Fn::Base64": "pip install strands-agents && python agent.py"}}
        ),
        {("Readiness-Runtime[StandIn]", "Host")},
    ),
    # 2 Memory
    (
        "Readiness-Memory",
        lambda t: (drop("Memory")(t), runtime_env(t).pop("MEMORY_ID")),
        {("Readiness-Memory[Missing]", "Runtime")},
    ),
    ("Readiness-Memory", lambda t: runtime_env(t).pop("MEMORY_ID"), {("Readiness-Memory[Env::MEMORY_ID]", "Runtime")}),
    ("Readiness-Memory", lambda t: statements(t).pop(0), {("Readiness-Memory[Grant]", "Runtime")}),
    (
        "Readiness-Memory",
        lambda t: statements(t)[0].update(Action="bedrock-agentcore:CreateEvent"),
        {("Readiness-Memory[Grant]", "Runtime")},
    ),
    ("Readiness-Memory", lambda t: statements(t)[0].update(Action="bedrock-agentcore:*"), set()),
    # the agent imports the kit's memory and never calls it: MEMORY_ID is not consumed
    (
        "Readiness-Memory",
        lambda t: agent_source(t, ["GATEWAY_URL"], memory="imported"),
        {("Readiness-Memory[Agent::MEMORY_ID]", "Runtime")},
    ),
    ("Readiness-Memory", lambda t: agent_source(t), set()),
    # 3 Tools
    (
        "Readiness-Tools",
        lambda t: runtime_env(t).update(ORDERS_API_KEY="sk-hardcoded-key-12345"),
        {("Readiness-Tools[Env::ORDERS_API_KEY]", "Runtime")},
    ),
    (
        "Readiness-Tools",
        lambda t: res(t, "ToolFunction")["Environment"]["Variables"].update(AWS_KEY="AKIAIOSFODNN7EXAMPLE"),
        {("Readiness-Tools[Env::AWS_KEY]", "ToolFunction")},
    ),
    (
        "Readiness-Tools",
        lambda t: res(t, "ToolFunction")["Environment"]["Variables"].update(DB_PASSWORD="hunter2hunter2"),
        {("Readiness-Tools[Env::DB_PASSWORD]", "ToolFunction")},
    ),
    ("Readiness-Tools", drop("ToolTarget"), {("Readiness-Tools[NotOnGateway]", "ToolFunction")}),
    # the seed PoC's anti-pattern, read from the agent source: a literal API key and a direct call to the orders API
    (
        "Readiness-Tools",
        lambda t: agent_source(t, credentials=[SEED_CREDENTIAL]),
        {("Readiness-Tools[Agent::Credential::main.py]", "Runtime")},
    ),
    (
        "Readiness-Tools",
        lambda t: agent_source(t, direct_http=[{"file": "main.py", "line": 11, "host": "api.example.com"}]),
        {("Readiness-Tools[Agent::Upstream::api.example.com]", "Runtime")},
    ),
    (  # the tool's upstream built with Fn::Join still names its host
        "Readiness-Tools",
        lambda t: (
            res(t, "ToolFunction")["Environment"]["Variables"].update(
                ORDERS_API_BASE_URL={"Fn::Join": ["", ["https://api.example.com/", {"Ref": "AWS::Region"}]]}
            ),
            agent_source(t, direct_http=[{"file": "main.py", "line": 11, "host": "api.example.com"}]),
        ),
        {("Readiness-Tools[Agent::Upstream::api.example.com]", "Runtime")},
    ),
    (  # an interceptor is no tool: the identity provider it checks tokens with is no upstream of the gateway
        "Readiness-Tools",
        lambda t: (
            add(
                "Interceptor",
                "AWS::Lambda::Function",
                {"Environment": {"Variables": {"AUTH_DISCOVERY_URL": "https://idp.example.com/.well-known/x"}}},
            )(t),
            res(t, "Gateway").update(
                InterceptorConfigurations=[{"Interceptor": {"Lambda": {"Arn": {"Fn::GetAtt": ["Interceptor", "Arn"]}}}}]
            ),
            agent_source(t, direct_http=[{"file": "main.py", "line": 3, "host": "idp.example.com"}]),
        ),
        set(),
    ),
    (  # a host no gateway tool serves is the agent's own business
        "Readiness-Tools",
        lambda t: agent_source(t, direct_http=[{"file": "main.py", "line": 11, "host": "status.example.org"}]),
        set(),
    ),
    (
        "Readiness-Tools",
        lambda t: (
            drop("Gateway", "ToolTarget", "ToolFunction", "ToolPermission")(t),
            runtime_env(t).pop("GATEWAY_URL"),
            statements(t).pop(1),
            t["Outputs"].pop("GatewayUrl"),
        ),
        {("Readiness-Tools[Gateway::Missing]", "Runtime")},
    ),
    (
        "Readiness-Tools",
        lambda t: runtime_env(t).pop("GATEWAY_URL"),
        {("Readiness-Tools[Env::GATEWAY_URL]", "Runtime")},
    ),
    (
        "Readiness-Tools",
        lambda t: statements(t).append(
            {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": {"Fn::GetAtt": ["ToolFunction", "Arn"]}}
        ),
        {("Readiness-Tools[DirectInvoke]", "Runtime")},
    ),
    # 4 Auth (+ per-user identity)
    ("Readiness-Auth", lambda t: res(t, "Runtime").pop("AuthorizerConfiguration"), set()),
    (
        "Readiness-Identity",
        lambda t: res(t, "Runtime").pop("AuthorizerConfiguration"),
        {("Readiness-Identity", "Runtime")},
    ),
    (
        "Readiness-Identity",
        lambda t: res(t, "Runtime").update(AuthorizerConfiguration={"Ref": "AWS::NoValue"}),
        {("Readiness-Identity", "Runtime")},
    ),
    (
        "Readiness-Auth",
        lambda t: res(t, "Runtime").update(AuthorizerConfiguration={}),
        {("Readiness-Auth[JWT::Invalid]", "Runtime")},
    ),
    (
        "Readiness-Auth",
        lambda t: res(t, "Runtime")["AuthorizerConfiguration"]["CustomJWTAuthorizer"].pop("AllowedClients"),
        {("Readiness-Auth[JWT::Unrestricted]", "Runtime")},
    ),
    (
        "Readiness-Auth",
        lambda t: (res(t, "Gateway").update(AuthorizerType="NONE"), res(t, "Gateway").pop("AuthorizerConfiguration")),
        {("Readiness-Auth[Gateway::NONE]", "Gateway")},
    ),
    (
        "Readiness-Auth",
        lambda t: (
            res(t, "Gateway").update(AuthorizerType="AWS_IAM"),
            res(t, "Gateway").pop("AuthorizerConfiguration"),
        ),
        set(),
    ),
    # 5 Observability
    (
        "Readiness-Observability",
        lambda t: res(t, "ToolLogs").pop("RetentionInDays"),
        {("Readiness-Observability[Retention]", "ToolLogs")},
    ),
    ("Readiness-Observability", drop("TracesDelivery"), {("Readiness-Observability[Traces]", "Runtime")}),
    (
        "Readiness-Observability",
        drop("LogsSource", "LogsDelivery"),
        {("Readiness-Observability[ApplicationLogs]", "Runtime")},
    ),
    ("Readiness-Observability", drop("Dashboard"), {("Readiness-Observability[Dashboard]", "Runtime")}),
    # tracing off: the agent does not run under ADOT, or its role may not upload spans
    (
        "Readiness-Observability",
        lambda t: res(t, "Runtime")["AgentRuntimeArtifact"]["CodeConfiguration"].update(EntryPoint=["main.py"]),
        {("Readiness-Observability[Traces::Agent]", "Runtime")},
    ),
    (
        "Readiness-Observability",
        lambda t: statements(t).pop(2),
        {("Readiness-Observability[Traces::Grant]", "Runtime")},
    ),
    (
        "Readiness-Observability",
        lambda t: res(t, "ErrorAlarm").update(Dimensions=[{"Name": "FunctionName", "Value": "other"}]),
        {("Readiness-Observability[Alarm]", "Runtime")},
    ),
    # 6 Retries
    (
        "Readiness-Retries",
        lambda t: runtime_env(t).pop("AGENT_RETRY_MODE"),
        {("Readiness-Retries[Env::AGENT_RETRY_MODE]", "Runtime")},
    ),
    (
        "Readiness-Retries",
        lambda t: runtime_env(t).update(AGENT_RETRY_MODE="exponential"),
        {("Readiness-Retries[Env::AGENT_RETRY_MODE]", "Runtime")},
    ),
    (
        "Readiness-Retries",
        lambda t: runtime_env(t).update(AGENT_RETRY_MAX_ATTEMPTS="1"),
        {("Readiness-Retries[Env::AGENT_RETRY_MAX_ATTEMPTS]", "Runtime")},
    ),
    (
        "Readiness-Retries",
        lambda t: runtime_env(t).update(AGENT_HTTP_TIMEOUT_SECONDS="abc"),
        {("Readiness-Retries[Env::AGENT_HTTP_TIMEOUT_SECONDS]", "Runtime")},
    ),
    (
        "Readiness-Retries",
        lambda t: runtime_env(t).update(AGENT_HTTP_TIMEOUT_SECONDS="0"),
        {("Readiness-Retries[Env::AGENT_HTTP_TIMEOUT_SECONDS]", "Runtime")},
    ),
    # 7 Least privilege
    (
        "Readiness-LeastPrivilege",
        lambda t: statements(t).append({"Effect": "Allow", "Action": "*", "Resource": "*"}),
        {
            ("Readiness-LeastPrivilege[Action::*]", "AgentPolicy"),
            ("Readiness-LeastPrivilege[Resource::*]", "AgentPolicy"),
        },
    ),
    (
        "Readiness-LeastPrivilege",
        lambda t: statements(t).append({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"}),
        {("Readiness-LeastPrivilege[Action::s3:*]", "AgentPolicy")},
    ),
    (
        "Readiness-LeastPrivilege",
        lambda t: statements(t).append({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}),
        {("Readiness-LeastPrivilege[Resource::*]", "AgentPolicy")},
    ),
    (
        "Readiness-LeastPrivilege",
        lambda t: statements(t)[3].pop("Condition"),
        {("Readiness-LeastPrivilege[Resource::*]", "AgentPolicy")},
    ),
    (
        "Readiness-LeastPrivilege",
        lambda t: statements(t).append({"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}),
        set(),
    ),
    (
        "Readiness-LeastPrivilege",
        lambda t: statements(t).append({"Effect": "Deny", "Action": "*", "Resource": "*"}),
        set(),
    ),
    (
        "Readiness-LeastPrivilege",
        lambda t: statements(t).append({"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::b"}),
        {("Readiness-LeastPrivilege[NotAction]", "AgentPolicy")},
    ),
    (
        "Readiness-LeastPrivilege",
        lambda t: res(t, "ToolRole").update(
            Policies=[
                {
                    "PolicyName": "p",
                    "PolicyDocument": {
                        "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}]
                    },
                }
            ]
        ),
        {("Readiness-LeastPrivilege[Resource::*]", "ToolRole")},
    ),
    (
        "Readiness-LeastPrivilege",
        lambda t: res(t, "ToolRole").update(
            ManagedPolicyArns=[
                {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/AdministratorAccess"]]}
            ]
        ),
        {("Readiness-LeastPrivilege[Policy::AdministratorAccess]", "ToolRole")},
    ),
    (
        "Readiness-LeastPrivilege",
        lambda t: res(t, "GatewayRole").update(
            ManagedPolicyArns=["arn:aws:iam::aws:policy/BedrockAgentCoreFullAccess"]
        ),
        {("Readiness-LeastPrivilege[Policy::BedrockAgentCoreFullAccess]", "GatewayRole")},
    ),
    (
        "Readiness-LeastPrivilege",
        lambda t: res(t, "ToolRole").update(
            ManagedPolicyArns=["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
        ),
        set(),
    ),
    # 8 E2E outputs
    ("Readiness-E2E", lambda t: t["Outputs"].pop("RuntimeArn"), {("Readiness-E2E[Output::RuntimeArn]", "prod/Agent")}),
    (
        "Readiness-E2E",
        lambda t: t["Outputs"].pop("EndpointName"),
        {("Readiness-E2E[Output::EndpointName]", "prod/Agent")},
    ),
    ("Readiness-E2E", lambda t: t["Outputs"].pop("GatewayUrl"), {("Readiness-E2E[Output::GatewayUrl]", "prod/Agent")}),
    ("Readiness-E2E", lambda t: t["Outputs"].pop("UserPoolId"), {("Readiness-E2E[Output::UserPoolId]", "prod/Agent")}),
    (
        "Readiness-E2E",
        lambda t: t["Outputs"].pop("UserPoolClientId"),
        {("Readiness-E2E[Output::UserPoolClientId]", "prod/Agent")},
    ),
    (
        "Readiness-E2E",
        lambda t: t["Outputs"].update(PublishOutputX=t["Outputs"].pop("RuntimeArn")),
        {("Readiness-E2E[Output::RuntimeArn]", "prod/Agent")},
    ),
    # beyond the seed
    (
        "Readiness-GatewayDebug",
        lambda t: res(t, "Gateway").update(ExceptionLevel="DEBUG"),
        {("Readiness-GatewayDebug", "Gateway")},
    ),
    (
        "Readiness-MemoryEncryption",
        lambda t: res(t, "Memory").pop("EncryptionKeyArn"),
        {("Readiness-MemoryEncryption", "Memory")},
    ),
    (
        "Readiness-GatewayEncryption",
        lambda t: res(t, "Gateway").pop("KmsKeyArn"),
        {("Readiness-GatewayEncryption", "Gateway")},
    ),
    (
        "Readiness-VpcEndpoints",
        lambda t: res(t, "Runtime").update(NetworkConfiguration={"NetworkMode": "VPC"}),
        # The fixture's agent calls its tool gateway: AgentCore's gateway endpoint service as well.
        {(f"Readiness-VpcEndpoints[Missing::{s}]", "Runtime") for s in [*VPC_ENDPOINTS_ALWAYS, *VPC_ENDPOINTS_GATEWAY]},
    ),
    (
        "Readiness-VpcEndpoints",
        lambda t: [
            res(t, "Runtime").update(NetworkConfiguration={"NetworkMode": "VPC"}),
            t["Resources"]["Runtime"].update(Metadata={VPC_ENDPOINTS_METADATA: ["bedrock-runtime", "logs", "s3"]}),
        ],
        {
            ("Readiness-VpcEndpoints[Missing::bedrock-agentcore]", "Runtime"),
            ("Readiness-VpcEndpoints[Missing::sts]", "Runtime"),
            ("Readiness-VpcEndpoints[Missing::xray]", "Runtime"),
            ("Readiness-VpcEndpoints[Missing::bedrock-agentcore.gateway]", "Runtime"),
        },
    ),
    (
        "Readiness-VpcEndpoints",
        lambda t: [
            res(t, "Runtime").update(NetworkConfiguration={"NetworkMode": "VPC"}),
            t["Resources"]["Runtime"].update(Metadata={VPC_ENDPOINTS_METADATA: ["internet"]}),
        ],
        set(),
    ),
    (
        "Readiness-ToolPolicy",
        lambda t: res(t, "Gateway").pop("PolicyEngineConfiguration"),
        {("Readiness-ToolPolicy[Missing]", "Gateway")},
    ),
    # A policy of the gateway's engine created in parallel with its target (no DependsOn): AgentCore validates it
    # against tools that may not exist yet.
    ("Readiness-ToolPolicyOrder", lambda t: with_tool_policy(t, depends_on=[]), {TOOL_POLICY_ORDER_FINDING}),
    ("Readiness-ToolPolicyOrder", lambda t: with_tool_policy(t, depends_on=["ToolTarget"]), set()),
    ("Readiness-OnlineEvaluation", drop("OnlineEvaluation"), {("Readiness-OnlineEvaluation", "Runtime")}),
    # V2 takes 1536 bytes of environment for a code deployment: the fixture's fits, 40 more settings do not.
    ("Readiness-RuntimeV2Environment", lambda t: res(t, "Runtime").update(PlatformVersion="V2"), set()),
    (
        "Readiness-RuntimeV2Environment",
        lambda t: [
            res(t, "Runtime").update(PlatformVersion="V2"),
            runtime_env(t).update({f"AGENT_EXTRA_SETTING_{i:02d}": "x" * 10 for i in range(40)}),
        ],
        {("Readiness-RuntimeV2Environment", "Runtime")},
    ),
    (
        # The same variables on V1 (4 KB) are fine.
        "Readiness-RuntimeV2Environment",
        lambda t: runtime_env(t).update({f"AGENT_EXTRA_SETTING_{i:02d}": "x" * 10 for i in range(40)}),
        set(),
    ),
    (
        # Tokens count at their longest: 12 gateway URLs are at most 12 x 128 bytes.
        "Readiness-RuntimeV2Environment",
        lambda t: [
            res(t, "Runtime").update(PlatformVersion="V2"),
            runtime_env(t).update({f"URL_{i}": {"Fn::GetAtt": ["Gateway", "GatewayUrl"]} for i in range(12)}),
        ],
        {("Readiness-RuntimeV2Environment", "Runtime")},
    ),
    # The fixture's runtime: no LifecycleConfiguration (AgentCore's 900 s idle, 28800 s lifetime), 120 s limit.
    (
        "Readiness-SessionLifecycle",
        lambda t: res(t, "Runtime").update(LifecycleConfiguration={"IdleRuntimeSessionTimeout": 60}),
        {("Readiness-SessionLifecycle[IdleTimeout]", "Runtime")},
    ),
    (
        # Only MaxLifetime given, at most 900 s: AgentCore uses it as the idle timeout too.
        "Readiness-SessionLifecycle",
        lambda t: res(t, "Runtime").update(LifecycleConfiguration={"MaxLifetime": 90}),
        {
            ("Readiness-SessionLifecycle[IdleTimeout]", "Runtime"),
            ("Readiness-SessionLifecycle[MaxLifetime]", "Runtime"),
        },
    ),
    (
        "Readiness-SessionLifecycle",
        lambda t: [
            res(t, "Runtime").update(LifecycleConfiguration={"IdleRuntimeSessionTimeout": 900, "MaxLifetime": 600}),
            runtime_env(t).update(AGENT_MAX_SECONDS="900"),
        ],
        {("Readiness-SessionLifecycle[MaxLifetime]", "Runtime")},
    ),
    (
        # Equal is enough: a turn stops at its limit.
        "Readiness-SessionLifecycle",
        lambda t: res(t, "Runtime").update(
            LifecycleConfiguration={"IdleRuntimeSessionTimeout": 120, "MaxLifetime": 120}
        ),
        set(),
    ),
    (
        # A longer limit than the default idle timeout, with the lifecycle left to AgentCore.
        "Readiness-SessionLifecycle",
        lambda t: runtime_env(t).update(AGENT_MAX_SECONDS="901"),
        {("Readiness-SessionLifecycle[IdleTimeout]", "Runtime")},
    ),
    (
        # A value CloudFormation fills in is not judged (the default idle timeout would be shorter than 901 s).
        "Readiness-SessionLifecycle",
        lambda t: [
            res(t, "Runtime").update(LifecycleConfiguration={"IdleRuntimeSessionTimeout": {"Ref": "IdleSeconds"}}),
            runtime_env(t).update(AGENT_MAX_SECONDS="901"),
        ],
        set(),
    ),
    (
        # A missing limit is Readiness-InvocationLimits's finding.
        "Readiness-SessionLifecycle",
        lambda t: [
            res(t, "Runtime").update(LifecycleConfiguration={"IdleRuntimeSessionTimeout": 60}),
            runtime_env(t).pop("AGENT_MAX_SECONDS"),
        ],
        set(),
    ),
    (
        "Readiness-ToolPolicy",
        lambda t: res(t, "Gateway")["PolicyEngineConfiguration"].update(Mode="LOG_ONLY"),
        {("Readiness-ToolPolicy[Mode::LOG_ONLY]", "Gateway")},
    ),
    (
        # A gateway without tools has nothing to permit.
        "Readiness-ToolPolicy",
        lambda t: [res(t, "Gateway").pop("PolicyEngineConfiguration"), t["Resources"].pop("ToolTarget")],
        set(),
    ),
    (
        "Readiness-Artifact",
        lambda t: res(t, "Runtime")["AgentRuntimeArtifact"]["CodeConfiguration"]["Code"]["S3"].update(
            Prefix="agent.zip"
        ),
        {("Readiness-Artifact[Code::Unpinned]", "Runtime")},
    ),
    (
        "Readiness-Artifact",
        lambda t: res(t, "Runtime")["AgentRuntimeArtifact"]["CodeConfiguration"]["Code"]["S3"].update(
            Prefix="agent.zip", VersionId="v1"
        ),
        set(),
    ),
    (
        "Readiness-Artifact",
        lambda t: res(t, "Runtime").update(
            AgentRuntimeArtifact={
                "ContainerConfiguration": {"ContainerUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/agent:latest"}
            }
        ),
        {("Readiness-Artifact[Container::Unpinned]", "Runtime")},
    ),
    (
        "Readiness-Artifact",
        lambda t: res(t, "Runtime").update(
            AgentRuntimeArtifact={
                "ContainerConfiguration": {"ContainerUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/agent"}
            }
        ),
        {("Readiness-Artifact[Container::Unpinned]", "Runtime")},
    ),
    (
        "Readiness-Artifact",
        lambda t: res(t, "Runtime").update(
            AgentRuntimeArtifact={
                "ContainerConfiguration": {
                    "ContainerUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/agent@sha256:" + "0" * 64
                }
            }
        ),
        set(),
    ),
    ("Readiness-ToolPermission", drop("ToolPermission"), {("Readiness-ToolPermission", "ToolFunction")}),
    (
        "Readiness-ToolPermission",
        lambda t: res(t, "ToolPermission").pop("SourceArn"),
        {("Readiness-ToolPermission", "ToolFunction")},
    ),
    (
        "Readiness-EndpointVersion",
        lambda t: res(t, "Endpoint").update(AgentRuntimeVersion={"Fn::GetAtt": ["Runtime", "AgentRuntimeVersion"]}),
        {("Readiness-EndpointVersion", "Runtime")},
    ),
    (
        "Readiness-InvocationLimits",
        lambda t: runtime_env(t).pop("AGENT_MAX_TURNS"),
        {("Readiness-InvocationLimits[Env::AGENT_MAX_TURNS]", "Runtime")},
    ),
    (
        "Readiness-InvocationLimits",
        lambda t: runtime_env(t).update(AGENT_MAX_SECONDS="0"),
        {("Readiness-InvocationLimits[Env::AGENT_MAX_SECONDS]", "Runtime")},
    ),
    # AWS service contract
    (
        "Readiness-ReservedLogGroupName",
        add("Spans", "AWS::Logs::LogGroup", {"LogGroupName": "aws/spans", "RetentionInDays": 30}),
        {("Readiness-ReservedLogGroupName", "Spans")},
    ),
    (
        "Readiness-ReservedLogGroupName",
        add("Mine", "AWS::Logs::LogGroup", {"LogGroupName": "/aws/vendedlogs/mine", "RetentionInDays": 30}),
        set(),
    ),
    (
        "Readiness-ServiceLogGroup",
        add(
            "RuntimeLogs",
            "AWS::Logs::LogGroup",
            {
                "LogGroupName": {
                    "Fn::Join": [
                        "",
                        ["/aws/bedrock-agentcore/runtimes/", {"Fn::GetAtt": ["Runtime", "AgentRuntimeId"]}, "-DEFAULT"],
                    ]
                },
                "RetentionInDays": 30,
            },
        ),
        {("Readiness-ServiceLogGroup", "RuntimeLogs")},
    ),
    (
        "Readiness-TransactionSearchSingleton",
        lambda t: (
            add("Search1", "AWS::XRay::TransactionSearchConfig", {"IndexingPercentage": 1})(t),
            add("Search2", "AWS::XRay::TransactionSearchConfig", {"IndexingPercentage": 1})(t),
        ),
        {("Readiness-TransactionSearchSingleton", "Search1"), ("Readiness-TransactionSearchSingleton", "Search2")},
    ),
    (
        "Readiness-TransactionSearchSingleton",
        add("Search1", "AWS::XRay::TransactionSearchConfig", {"IndexingPercentage": 1}),
        set(),
    ),
    (
        "Readiness-PhysicalNameCollision",
        lambda t: (
            add("Board1", "AWS::CloudWatch::Dashboard", {"DashboardName": "agent-a", "DashboardBody": "{}"})(t),
            add(
                "Board2",
                "AWS::CloudWatch::Dashboard",
                {"DashboardName": {"Fn::Join": ["-", ["agent", "a"]]}, "DashboardBody": "{}"},
            )(t),
            add("Alarm1", "AWS::CloudWatch::Alarm", {"AlarmName": "agent-a-Errors"})(t),
            add("Alarm2", "AWS::CloudWatch::CompositeAlarm", {"AlarmName": "agent-a-Errors", "AlarmRule": "x"})(t),
        ),
        {
            ("Readiness-PhysicalNameCollision[Name::agent-a]", "Board1"),
            ("Readiness-PhysicalNameCollision[Name::agent-a]", "Board2"),
            ("Readiness-PhysicalNameCollision[Name::agent-a-Errors]", "Alarm1"),
            ("Readiness-PhysicalNameCollision[Name::agent-a-Errors]", "Alarm2"),
        },
    ),
    (
        "Readiness-PhysicalNameCollision",
        lambda t: (
            add("Board1", "AWS::CloudWatch::Dashboard", {"DashboardName": "agent-a", "DashboardBody": "{}"})(t),
            add("Board2", "AWS::CloudWatch::Dashboard", {"DashboardName": "agent-b", "DashboardBody": "{}"})(t),
            add(
                "Board3",
                "AWS::CloudWatch::Dashboard",
                {"DashboardName": {"Fn::Join": ["-", ["agent", {"Ref": "SomeParameter"}]]}, "DashboardBody": "{}"},
            )(t),
        ),
        set(),
    ),
    (
        "Readiness-UnobtainableScope",
        lambda t: (
            _cognito_jwt(t),
            res(t, "UserPoolClient").update(ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]),
        ),
        {
            ("Readiness-UnobtainableScope[Scopes]", "Runtime"),
            ("Readiness-UnobtainableScope[ApiFlows::UserPoolClient]", "Runtime"),
        },
    ),
    ("Readiness-UnobtainableScope", lambda t: (_cognito_jwt(t), _oauth_client(t)), set()),
    (
        "Readiness-UnobtainableScope",
        lambda t: (
            _cognito_jwt(t),
            _oauth_client(t),
            res(t, "UserPoolClient").update(ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]),
        ),
        {("Readiness-UnobtainableScope[ApiFlows::UserPoolClient]", "Runtime")},
    ),
    (
        "Readiness-UnobtainableScope",
        lambda t: (
            _cognito_jwt(t),
            _oauth_client(t),
            res(t, "UserPoolClient").update(ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]),
            _scope_trigger(t),
        ),
        set(),
    ),
    # The same trigger on a Lite pool customizes no access token: the API flows' tokens lack the scope again.
    (
        "Readiness-UnobtainableScope",
        lambda t: (
            _cognito_jwt(t),
            _oauth_client(t),
            res(t, "UserPoolClient").update(ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]),
            _scope_trigger(t),
            res(t, "UserPool").update(UserPoolTier="LITE"),
        ),
        {("Readiness-UnobtainableScope[ApiFlows::UserPoolClient]", "Runtime")},
    ),
    (
        "Readiness-UnemittedMetric",
        lambda t: res(t, "Dashboard").update(
            DashboardBody={
                "Fn::Join": [
                    "",
                    [
                        '{"widgets":[{"properties":{"metrics":[[{"expression":"SUM(SEARCH('
                        '\'{AgentCoreTools,service,tool,code} MetricName=\\"ToolErrors\\" '
                        'service=\\"order_service\\"\','
                        ' \'Sum\', 300))"}]],"title":"',
                        {"Fn::GetAtt": ["Runtime", "AgentRuntimeArn"]},
                        '"}}]}',
                    ],
                ]
            }
        ),
        {("Readiness-UnemittedMetric[Metric::AgentCoreTools/order_service]", "Dashboard")},
    ),
    (
        "Readiness-UnemittedMetric",
        lambda t: res(t, "Dashboard").update(
            DashboardBody={
                "Fn::Join": [
                    "",
                    [
                        '{"widgets":[{"properties":{"metrics":[[{"expression":"SUM(SEARCH('
                        '\'{AgentCoreTools,service,tool,code} MetricName=\\"ToolErrors\\" '
                        'service=\\"order-service\\"\','
                        ' \'Sum\', 300))"}]],"title":"',
                        {"Fn::GetAtt": ["Runtime", "AgentRuntimeArn"]},
                        '"}}]}',
                    ],
                ]
            }
        ),
        set(),
    ),
    (
        "Readiness-UnemittedMetric",
        add(
            "ToolAlarm",
            "AWS::CloudWatch::Alarm",
            {
                "Namespace": "AgentCoreTools",
                "MetricName": "ToolErrors",
                "Dimensions": [{"Name": "service", "Value": "orders"}],
            },
        ),
        {("Readiness-UnemittedMetric[Metric::AgentCoreTools/orders]", "ToolAlarm")},
    ),
]


def _cognito_jwt(t: dict[str, Any]) -> None:
    res(t, "Runtime")["AuthorizerConfiguration"]["CustomJWTAuthorizer"] = {
        "DiscoveryUrl": "https://cognito-idp.us-east-1.amazonaws.com/pool/.well-known/openid-configuration",
        "AllowedClients": [{"Ref": "UserPoolClient"}],
        "AllowedScopes": ["agent/invoke"],
    }


def _oauth_client(t: dict[str, Any]) -> None:
    res(t, "UserPoolClient").update(
        AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid", "agent/invoke"]
    )


def _scope_trigger(t: dict[str, Any]) -> None:
    res(t, "UserPool")["LambdaConfig"] = {
        "PreTokenGenerationConfig": {"LambdaArn": {"Fn::GetAtt": ["ToolFunction", "Arn"]}, "LambdaVersion": "V2_0"}
    }


@pytest.mark.parametrize(("rule_id", "mutate", "expected"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_fires_on_its_defect_only(
    rule_id: str, mutate: Callable[[dict[str, Any]], None], expected: set[tuple[str, str]]
) -> None:
    assert ids(mutated(mutate), rule_id) == expected


#: Rules whose defect is not in the template alone (the Region), with their own firing test below.
FIRED_ELSEWHERE = {"Readiness-RuntimeV2Region"}  # test_v2_outside_its_regions_is_a_warning


def test_every_rule_has_a_firing_case() -> None:
    assert {c[0] for c in CASES if c[2]} | FIRED_ELSEWHERE == set(RULES)


def test_every_rule_is_documented() -> None:
    for r in RULES.values():
        assert r.id.startswith("Readiness-") and r.info.endswith(".") and len(r.explanation) > 40


def test_container_asset_platform_must_be_arm64() -> None:
    uri = {"Fn::Sub": "123456789012.dkr.ecr.us-east-1.${AWS::URLSuffix}/cdk-assets:" + "b" * 64}
    template = mutated(
        lambda t: res(t, "Runtime").update(AgentRuntimeArtifact={"ContainerConfiguration": {"ContainerUri": uri}})
    )
    env = env_of(template)
    asset = {"source": {"directory": "asset.x"}, "destinations": {"d": {"imageTag": "b" * 64}}}
    env.stacks[0].docker_images["b" * 64] = asset
    found = {f.id for f in evaluate(env, ["Readiness-Artifact"])}
    assert found == {"Readiness-Artifact[Container::Platform]"}
    asset["source"]["platform"] = "linux/arm64"
    assert not evaluate(env, ["Readiness-Artifact"])


def test_memory_in_another_stack_is_resolved_through_stack_outputs() -> None:
    template = good_template()
    stateful = {"Resources": {k: template["Resources"].pop(k) for k in ("Memory", "MemoryKey")}, "Outputs": {}}
    stateful["Outputs"]["ExportMemoryArn"] = {"Value": {"Fn::GetAtt": ["Memory", "MemoryArn"]}}
    stateful["Outputs"]["ExportMemoryId"] = {
        "Value": {"Fn::GetAtt": ["Memory", "MemoryId"]},
        "Export": {"Name": "prod-memory-id"},
    }
    template["Resources"]["Gateway"]["Properties"]["KmsKeyArn"] = "arn:aws:kms:us-east-1:123456789012:key/k"
    statements(template)[0]["Resource"] = {
        "Fn::GetStackOutput": {"StackName": "prod-stateful", "OutputName": "ExportMemoryArn"}
    }
    runtime_env(template)["MEMORY_ID"] = {"Fn::ImportValue": "prod-memory-id"}
    env = environment_from_templates(
        "prod", {STACK: template, "prod/Stateful": stateful}, stack_names={"prod/Stateful": "prod-stateful"}
    )
    assert [f.id for f in evaluate(env)] == []
    statements(template)[0]["Resource"] = {"Fn::GetStackOutput": {"StackName": "prod-stateful", "OutputName": "Nope"}}
    assert [f.id for f in evaluate(env)] == ["Readiness-Memory[Grant]"]


@pytest.mark.parametrize(
    ("name", "value", "flagged"),
    [
        ("X_API_KEY", "sk-hardcoded-key-12345", True),
        ("ANTHROPIC", "sk-ant-api03-abcdefghijklmnop", True),
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", True),
        ("DATABASE_URL", "postgres://admin:s3cret@db.example.com/app", True),
        ("SETTINGS", "user=app;password=hunter2", True),
        ("GITHUB", "ghp_" + "a1B2" * 9, True),
        ("SESSION", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig", True),
        ("ORDERS_TOKEN", "literal-token-value", True),
        ("OPAQUE", "Zx8Qw2Lp9Rt4Vb7Nm3Kd6Hs1Gf5Jc0Ya8Ue2Wi", True),  # long random token
        ("ORDERS_API_KEY_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:k", False),
        ("ORDERS_API_KEY_SECRET_NAME", "orders/api-key", False),
        ("ORDERS_API_KEY", {"Ref": "Secret"}, False),
        ("MODEL_ID", "us.anthropic.claude-haiku-4-5-20251001-v1:0", False),
        ("ORDERS_API_BASE_URL", "https://api.example.com", False),
        ("ASSET_HASH", "a" * 64, False),
        ("CODE_SHA", "64ecf50d2230a23d84f4cda2d87f07d086f0dfeb940ef62f629507c1dfc5015d", False),
        ("POWERTOOLS_SERVICE_NAME", "order-service", False),
        ("AGENT_RETRY_MODE", "adaptive", False),
        ("GRAFANA_DASHBOARD_UID", "Zx8Qw2Lp9Rt4Vb7Nm3Kd6Hs1Gf5Jc0Ya8Ue2Wi", False),  # random by design
        ("TENANT_ID", "3f2504e04f8941d39a0c0305e82c3301Aa9Bb8Cc", False),
        ("DASHBOARD_UID", "sk-looks-like-a-key-12345", True),  # a credential pattern still wins
        ("SIGNING_TOKEN", "Zx8Qw2Lp9Rt4Vb7Nm3Kd6Hs1Gf5Jc0Ya8Ue2Wi", True),
    ],
)
def test_credential_detection(name: str, value: Any, flagged: bool) -> None:
    assert (credential_kind(name, value) is not None) is flagged


# ---- acknowledgements -----------------------------------------------------------------------------------
def _two_findings(t: dict[str, Any]) -> None:
    res(t, "ToolLogs").pop("RetentionInDays")
    runtime_env(t).pop("AGENT_RETRY_MODE")
    runtime_env(t).update(AGENT_RETRY_MAX_ATTEMPTS="1")


def test_acknowledgement_silences_exactly_that_finding() -> None:
    template = mutated(_two_findings)
    before = ids(template)
    assert before == {
        ("Readiness-Observability[Retention]", "ToolLogs"),
        ("Readiness-Retries[Env::AGENT_RETRY_MODE]", "Runtime"),
        ("Readiness-Retries[Env::AGENT_RETRY_MAX_ATTEMPTS]", "Runtime"),
    }
    acks = {f"{STACK}/Runtime": {"Readiness-Retries[Env::AGENT_RETRY_MODE]": "mode comes from AWS_RETRY_MODE here"}}
    assert ids(template, acknowledgements=acks) == before - {("Readiness-Retries[Env::AGENT_RETRY_MODE]", "Runtime")}
    env = env_of(template, acknowledgements=acks)
    acked = [f for f in evaluate(env) if f.acknowledged]
    assert [(f.id, f.acknowledged) for f in acked] == [
        ("Readiness-Retries[Env::AGENT_RETRY_MODE]", "mode comes from AWS_RETRY_MODE here")
    ]


def test_acknowledgement_on_the_stack_covers_its_resources_but_needs_the_exact_id() -> None:
    template = mutated(_two_findings)
    acks = {STACK: {"Readiness-Observability[Retention]": "kept forever on purpose", "Readiness-Retries": "bare id"}}
    remaining = ids(template, acknowledgements=acks)
    assert ("Readiness-Observability[Retention]", "ToolLogs") not in remaining
    # No prefix matching (as in cdk-nag 3): the bare rule id does not silence granular findings.
    assert ("Readiness-Retries[Env::AGENT_RETRY_MODE]", "Runtime") in remaining


def test_acknowledgement_ids_are_normalized_like_cdk_records_them() -> None:
    assert normalize_rule_id("Annotation::Readiness-Tools[Env::X]") == "Readiness-Tools[Env::X]"
    assert normalize_rule_id("annotation::Readiness-Runtime") == "Readiness-Runtime"
    assert (
        normalize_rule_id("ProductionReadinessChecks::Readiness-E2E", ("ProductionReadinessChecks",)) == "Readiness-E2E"
    )
    assert normalize_rule_id("Other-Plugin::Readiness-E2E", ("ProductionReadinessChecks",)) is None


def test_transaction_search_is_one_per_account_and_region_across_environments() -> None:
    from agentcore_constructs.readiness import evaluate_app

    search = {
        "Resources": {"Search": {"Type": "AWS::XRay::TransactionSearchConfig", "Properties": {"IndexingPercentage": 1}}}
    }
    staging = environment_from_templates("staging", {"staging/Account": search})
    prod = environment_from_templates("prod", {"prod/Account": search})
    found = evaluate_app([staging, prod], ["Readiness-TransactionSearchSingleton"])
    assert [f.construct_path for f in found["staging"]] == ["staging/Account/Search"]
    assert [f.construct_path for f in found["prod"]] == ["prod/Account/Search"]
    other_account = environment_from_templates(
        "prod", {"prod/Account": search}, aws_environment="aws://210987654321/us-east-1"
    )
    assert evaluate_app([staging, other_account], ["Readiness-TransactionSearchSingleton"]) == {
        "staging": [],
        "prod": [],
    }


def test_dashboard_names_are_global_per_account_alarm_names_per_region() -> None:
    from agentcore_constructs.readiness import evaluate_app

    def board_and_alarm(name: str) -> dict:
        return {
            "Resources": {
                "Board": {"Type": "AWS::CloudWatch::Dashboard", "Properties": {"DashboardName": name}},
                "Alarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"AlarmName": name}},
            }
        }

    rule = ["Readiness-PhysicalNameCollision"]
    us = environment_from_templates("staging", {"staging/Ops": board_and_alarm("agent")})
    eu = environment_from_templates(
        "prod", {"prod/Ops": board_and_alarm("agent")}, aws_environment="aws://123456789012/eu-west-1"
    )
    found = evaluate_app([us, eu], rule)
    assert [f.construct_path for f in found["staging"]] == ["staging/Ops/Board"]
    assert [f.construct_path for f in found["prod"]] == ["prod/Ops/Board"]
    other_account = environment_from_templates(
        "prod", {"prod/Ops": board_and_alarm("agent")}, aws_environment="aws://210987654321/us-east-1"
    )
    assert evaluate_app([us, other_account], rule) == {"staging": [], "prod": []}
    same_region = environment_from_templates("prod", {"prod/Ops": board_and_alarm("agent")})
    found = evaluate_app([us, same_region], rule)
    assert sorted(f.construct_path for f in found["prod"]) == ["prod/Ops/Alarm", "prod/Ops/Board"]


def test_environment_size_counts_literals_exactly_and_tokens_at_their_longest() -> None:
    from agentcore_constructs.readiness.rules.aws_contract import environment_bytes_at_most, value_bytes_at_most

    assert value_bytes_at_most("abc") == 3
    assert value_bytes_at_most({"Fn::GetAtt": ["Gateway", "GatewayUrl"]}) == 128
    url = {"Fn::Join": ["", ["https://cognito-idp.", {"Ref": "AWS::Region"}, ".", {"Ref": "AWS::URLSuffix"}, "/x"]]}
    assert value_bytes_at_most(url) == len("https://cognito-idp.") + 14 + 1 + 16 + 2
    assert value_bytes_at_most({"Fn::Join": [" ", ["a", {"Ref": "Client"}]]}) == 1 + 1 + 128
    assert environment_bytes_at_most({"K": "v"}) == len('{"K":"v"}')
    assert environment_bytes_at_most({"K": "v", "LL": "ww"}) == len('{"K":"v","LL":"ww"}')
    assert environment_bytes_at_most({}) == 2


@pytest.mark.parametrize(("region", "flagged"), [("us-east-1", False), ("eu-west-1", False), ("sa-east-1", True)])
def test_v2_outside_its_regions_is_a_warning(region: str, flagged: bool) -> None:
    template = mutated(lambda t: res(t, "Runtime").update(PlatformVersion="V2"))
    findings = evaluate(env_of(template, aws_environment=f"aws://123456789012/{region}"), ["Readiness-RuntimeV2Region"])
    assert [f.id for f in findings] == ([f"Readiness-RuntimeV2Region[Region::{region}]"] if flagged else [])
    assert all(RULES["Readiness-RuntimeV2Region"].advisory for _ in findings)


# ---- what the agent source does (AgentRuntime's agentcore:source record) -----------------------------------------
def test_agent_source_findings_name_the_place_never_the_secret() -> None:
    template = mutated(
        lambda t: agent_source(
            t,
            ["GATEWAY_URL"],
            memory="imported",
            credentials=[SEED_CREDENTIAL, {**SEED_CREDENTIAL, "line": 30}],
            direct_http=[{"file": "main.py", "line": 11, "host": "api.example.com"}],
        )
    )
    messages = {f.id: f.message for f in evaluate(env_of(template), ["Readiness-Tools", "Readiness-Memory"])}
    credential = messages["Readiness-Tools[Agent::Credential::main.py]"]
    assert "main.py (line 12: secret-key style token" in credential and "line 30" in credential
    assert "sk-hardcoded" not in " ".join(messages.values())
    upstream = messages["Readiness-Tools[Agent::Upstream::api.example.com]"]
    assert "main.py:11" in upstream and "prod/Agent/ToolFunction" in upstream
    assert "imports the kit's memory and never calls it" in messages["Readiness-Memory[Agent::MEMORY_ID]"]
