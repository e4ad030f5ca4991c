"""AWS facts the constructs build on and the readiness rules check, each once, with where AWS documents it.

Pure Python (no CDK import): the rule pack and the scorecard read these without aws-cdk-lib.
"""

from __future__ import annotations

#: The AgentCore service principal (runtime, gateway and memory roles trust it; Lambda permissions name it).
#: Source: AgentCore developer guide, "IAM Permissions for AgentCore Runtime" (trust policy).
AGENTCORE_SERVICE_PRINCIPAL = "bedrock-agentcore.amazonaws.com"

# ---- IAM actions with no resource type ------------------------------------------------------------------
#: X-Ray segment upload and sampling: no resource-level permissions (Service Authorization Reference, AWS X-Ray).
XRAY_TRACE_ACTIONS = (
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
)
#: The X-Ray OTLP traces endpoint, where ADOT sends the agent's spans, authorizes a request as PutTraceSegments
#: (X-Ray developer guide, "Setting up bearer token authentication for traces": "the OTLP traces endpoint, which is
#: authorized as xray:PutTraceSegments"; https://docs.aws.amazon.com/xray/latest/devguide/xray-opentelemetry-bearer-token.html).
XRAY_SPAN_UPLOAD = "xray:PutTraceSegments"
#: The ADOT launcher an instrumented agent runs under, and the distribution that provides it. Without it the agent
#: emits no spans of its own (AgentCore developer guide, "Add observability to your Amazon Bedrock AgentCore
#: resources": the full range of observability data needs the code instrumented with ADOT;
#: https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/observability-configure.html).
ADOT_LAUNCHER = "opentelemetry-instrument"
ADOT_DISTRIBUTION = "aws-opentelemetry-distro"
#: PutMetricData has no resource type; it is scoped with the ``cloudwatch:namespace`` condition key
#: (Service Authorization Reference, Amazon CloudWatch).
PUT_METRIC_DATA = "cloudwatch:PutMetricData"
METRIC_NAMESPACE_CONDITION_KEY = "cloudwatch:namespace"
#: The namespace the AgentCore Runtime execution-role policy lets the agent publish to (runtime-permissions.html).
RUNTIME_AGENT_METRICS_NAMESPACE = "bedrock-agentcore"
#: ECR registry login: account-wide, no resource type (Service Authorization Reference, Amazon ECR).
ECR_AUTHORIZATION_TOKEN = "ecr:GetAuthorizationToken"

#: ``Resource: "*"`` is accepted only for these actions (lowercase), each with the condition key it must carry.
WILDCARD_RESOURCE_ALLOWED: dict[str, str | None] = {
    **{action.lower(): None for action in XRAY_TRACE_ACTIONS},
    PUT_METRIC_DATA.lower(): METRIC_NAMESPACE_CONDITION_KEY,
    ECR_AUTHORIZATION_TOKEN.lower(): None,
}

# ---- CloudWatch Logs ------------------------------------------------------------------------------------
#: CreateLogGroup refuses names that start with ``aws/`` (CloudWatch Logs API reference, CreateLogGroup:
#: "Log group names can't start with the string aws/"). X-Ray creates ``aws/spans`` itself.
RESERVED_LOG_GROUP_PREFIX = "aws/"
#: AgentCore creates its own log groups under this prefix, e.g. ``/aws/bedrock-agentcore/runtimes/<id>-<endpoint>``
#: (incl. ``-DEFAULT``) for a runtime's stdout/OTEL logs; a CloudFormation-managed group of the same name fails
#: with "already exists" (hashicorp/terraform-provider-aws #47630, aws/aws-cdk PR #37997 review,
#: aws/bedrock-agentcore-sdk-python #512).
AGENTCORE_LOG_GROUP_PREFIX = "/aws/bedrock-agentcore/"
RUNTIME_LOG_GROUP_PREFIX = "/aws/bedrock-agentcore/runtimes/"
#: The execution role needs ``logs:DescribeLogGroups`` on ``log-group:*`` (runtime-permissions.html: the
#: documented execution-role policy grants exactly this resource).
DESCRIBE_LOG_GROUPS = "logs:DescribeLogGroups"

#: The values CloudWatch Logs accepts for RetentionInDays (CloudWatch Logs API reference, PutRetentionPolicy).
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)

# ---- X-Ray Transaction Search ---------------------------------------------------------------------------
#: ``AWS::XRay::TransactionSearchConfig`` is one per account and Region (its primary identifier is the account
#: id; CloudWatch user guide "Using Transaction Search with AWS CloudFormation": "Make sure Transaction Search is
#: disabled before you enable using AWS CDK or AWS CloudFormation").
TRANSACTION_SEARCH_CONFIG = "AWS::XRay::TransactionSearchConfig"
#: Log groups X-Ray writes spans and Application Signals data to once Transaction Search is on (same guide).
TRANSACTION_SEARCH_LOG_GROUPS = ("aws/spans", "/aws/application-signals/data")

# ---- AgentCore metrics -----------------------------------------------------------------------------------
#: Namespace of AgentCore's own metrics (AgentCore developer guide, "AgentCore generated metrics").
AGENTCORE_METRICS_NAMESPACE = "AWS/Bedrock-AgentCore"
#: Gateway metrics (Invocations, Throttles, SystemErrors, UserErrors, Latency, Duration, TargetExecutionTime) carry
#: these dimensions: Operation (InvokeGateway), Protocol (MCP), Method (the MCP method, e.g. tools/list), Resource
#: (the gateway ARN), Name (the tool) (AgentCore guide, "observability-gateway-metrics"). The guide does not list
#: which combinations are published, and a metric query must match a combination exactly, so dashboards SEARCH the
#: documented schemas and alarms use Metrics Insights filters on dimension values.
GATEWAY_METRIC_DIMENSIONS = ("Method", "Name", "Operation", "Protocol", "Resource")
#: Runtime metrics (Invocations, SystemErrors, UserErrors, Throttles, Latency, SessionCount) per endpoint: the
#: dimension set AWS's own construct library queries (aws-cdk-lib 2.275, aws-bedrockagentcore
#: lib/runtime/runtime-base.js ``metric()``: Operation ``InvokeAgentRuntime``, Name ``<runtime name>::<endpoint>``,
#: Resource the runtime ARN). The developer guide ("AgentCore generated runtime observability data") lists the
#: metrics but not their dimensions; a metric alarm matches only this exact set, so the alarms use it unchanged.
RUNTIME_METRIC_DIMENSIONS = ("Name", "Operation", "Resource")
RUNTIME_INVOKE_OPERATION = "InvokeAgentRuntime"
GATEWAY_TOOL_CALL_METHOD = "tools/call"

# ---- ours, read by the rules ----------------------------------------------------------------------------
#: Tag naming which agent component a resource is (see components.py); value "tool" marks a gateway tool Lambda.
COMPONENT_TAG = "agentcore:component"
TOOL_COMPONENT = "tool"

# ---- VPC mode ---------------------------------------------------------------------------------------------
#: What a runtime in VPC mode reaches AWS through when its subnets have no route to the internet: one endpoint per
#: service it calls (AgentCore developer guide, "Configure Amazon Bedrock AgentCore Runtime and tools for VPC").
#: S3: runtimes created after the May 2026 rollout get no service-managed S3 gateway and download their code and
#: image layers through the VPC (AgentCore Control API reference, VpcConfig ``requireServiceS3Endpoint``).
VPC_ENDPOINTS_ALWAYS: dict[str, str] = {
    "s3": "code and image layers at startup (a gateway endpoint)",
    "bedrock-runtime": "the model",
    "bedrock-agentcore": "memory and workload identity (the data plane endpoint)",
    "logs": "application logs",
    "xray": "traces",
    "sts": "regional STS for the SDKs' credential chain",
}
#: Services a runtime reaches only because its role was granted their actions (the agent's own calls: a secret, a
#: key, a table): IAM action prefix -> endpoint service name. The construct's own grants (model, memory, gateway,
#: logs, traces, code) are covered by VPC_ENDPOINTS_ALWAYS.
VPC_ENDPOINTS_BY_ACTION_PREFIX: dict[str, str] = {
    "secretsmanager": "secretsmanager",
    "kms": "kms",
    "ssm": "ssm",
    "dynamodb": "dynamodb",
    "sqs": "sqs",
    "sns": "sns",
    "lambda": "lambda",
    "states": "states",
    "execute-api": "execute-api",
    "events": "events",
    "kinesis": "kinesis-streams",
    "firehose": "kinesis-firehose",
}
#: AgentCore has three PrivateLink services: data plane ``bedrock-agentcore``, control plane
#: ``bedrock-agentcore-control`` and gateways ``bedrock-agentcore.gateway`` (developer guide, "Use interface VPC
#: endpoints (AWS PrivateLink)": https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/vpc-interface-endpoints.html).
#: An agent that calls a tool gateway needs the gateway's own endpoint service.
VPC_ENDPOINTS_GATEWAY: dict[str, str] = {"bedrock-agentcore.gateway": "the tool gateway (its own endpoint service)"}
#: An agent that verifies Cognito tokens fetches the pool's discovery document and JWKS from cognito-idp. Cognito's
#: PrivateLink endpoint refuses every request for a user pool that has a domain (Cognito developer guide, "Access
#: Amazon Cognito using an interface endpoint": "A user pool with an assigned domain is incompatible with AWS
#: PrivateLink"; https://docs.aws.amazon.com/cognito/latest/developerguide/vpc-interface-endpoints.html), and any other
#: issuer is on the internet: those need a route out (declared as ``"internet"``).
VPC_ENDPOINTS_TOKEN_ISSUER: dict[str, str] = {"cognito-idp": "the Cognito user pool's discovery document and JWKS"}
#: The declared value meaning "the runtime's subnets have a NAT route to the internet".
VPC_INTERNET_ROUTE = "internet"
#: Only for a container artifact: pulling the image from ECR.
VPC_ENDPOINTS_CONTAINER: dict[str, str] = {"ecr.api": "ECR API (image manifest)", "ecr.dkr": "ECR registry (layers)"}
#: Metadata key on the runtime: the endpoint services its VPC provides (declared by the app).
VPC_ENDPOINTS_METADATA = "agentcore:vpc-endpoints"

# ---- Runtime platform version V2 -------------------------------------------------------------------------------
#: V2 caps the total size of a runtime's environment variables (AgentCore developer guide, "How it works", Platform
#: versions, "What to expect", as of 2026-09: "V2 currently limits the total size of your agent's environment
#: variables to 1.5 KB for direct code deployments and 2.5 KB for container agents, compared to 4 KB on V1. If your
#: configuration exceeds this limit, the request fails with a ValidationException.").
V2_ENVIRONMENT_BYTES = {"code": 1536, "container": 2560}
#: Regions V2 was available in (same page, as of 2026-09). The list grows: a V2 runtime elsewhere is a warning.
V2_REGIONS = frozenset({"us-east-1", "us-east-2", "us-west-2", "eu-west-1", "ap-northeast-1"})
#: Upper bound of a value CloudFormation fills in at deploy time (an id, ARN or URL of this app), for size estimates.
TOKEN_VALUE_BYTES = 128
#: Pseudo parameters whose longest value is known (AWS::URLSuffix: amazonaws.com.cn; AWS::Partition: aws-iso-b...).
PSEUDO_PARAMETER_BYTES = {"AWS::URLSuffix": 16, "AWS::Region": 14, "AWS::AccountId": 12, "AWS::Partition": 10}

# ---- Runtime session lifecycle -------------------------------------------------------------------------------
#: What AgentCore applies when AWS::BedrockAgentCore::Runtime ``LifecycleConfiguration`` (``IdleRuntimeSessionTimeout``,
#: ``MaxLifetime``, seconds) leaves a value out (developer guide, "Configure Amazon Bedrock AgentCore lifecycle
#: settings", Default behavior, https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/
#: runtime-lifecycle-settings.html): 900 s idle and 28800 s lifetime; with only ``MaxLifetime`` given and at most
#: 900 s, the idle timeout is ``MaxLifetime`` too.
DEFAULT_IDLE_RUNTIME_SESSION_TIMEOUT_SECONDS = 900
DEFAULT_MAX_LIFETIME_SECONDS = 28800
