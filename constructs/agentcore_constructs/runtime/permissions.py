"""The runtime's execution role and every statement it gets, each as narrow as AWS allows, with the acknowledgement
of each wildcard AWS leaves no way around.

The L2 adds account-wide log, X-Ray, metrics and workload-identity statements to whatever role it is given: the
runtime hands it a read-only view of the role (:func:`read_only_role`) and writes the statements here instead.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_bedrockagentcore as agentcore
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3_assets as s3_assets

from agentcore_constructs.acknowledgements import acknowledge_cfn_lint, acknowledge_wildcard_resource
from agentcore_constructs.aws_facts import (
    AGENTCORE_SERVICE_PRINCIPAL,
    DESCRIBE_LOG_GROUPS,
    ECR_AUTHORIZATION_TOKEN,
    METRIC_NAMESPACE_CONDITION_KEY,
    PUT_METRIC_DATA,
    RUNTIME_AGENT_METRICS_NAMESPACE,
    RUNTIME_LOG_GROUP_PREFIX,
    XRAY_TRACE_ACTIONS,
)
from constructs import Construct

SERVICE_PRINCIPAL = AGENTCORE_SERVICE_PRINCIPAL
#: The namespace the Runtime's built-in telemetry publishes to; PutMetricData is conditioned on it.
RUNTIME_METRICS_NAMESPACE = RUNTIME_AGENT_METRICS_NAMESPACE


def agentcore_service_principal(stack: cdk.Stack, resource_pattern: str) -> iam.IPrincipal:
    """The AgentCore service, only when acting for this account's ``resource_pattern`` (e.g. ``runtime/name-*``).

    Resource ids are ``<name>-<suffix>``, unknown until the resource exists, hence the name prefix. Closes the
    confused-deputy gap of an unconditioned trust (aws-cdk #38780 for the gateway L2).
    """
    return iam.ServicePrincipal(SERVICE_PRINCIPAL).with_conditions(
        {
            "StringEquals": {"aws:SourceAccount": stack.account},
            "ArnLike": {
                "aws:SourceArn": (
                    f"arn:{stack.partition}:bedrock-agentcore:{stack.region}:{stack.account}:{resource_pattern}"
                )
            },
        }
    )


def execution_role(scope: Construct, runtime_name: str, existing_role: iam.IRole | None) -> iam.IRole:
    """``existing_role`` (with a synth warning: its trust is the caller's), else a role only this runtime's
    AgentCore service may assume."""
    if existing_role is not None:
        cdk.Annotations.of(scope).add_warning_v2(
            "agentcore-constructs:existing-runtime-role",
            f"existing_role: its trust policy must allow {AGENTCORE_SERVICE_PRINCIPAL} to assume it, conditioned "
            f"on aws:SourceAccount and aws:SourceArn runtime/{runtime_name}-* (confused deputy); the construct "
            "attaches its own policies only",
        )
        return existing_role
    return iam.Role(
        scope,
        "ExecutionRole",
        description=f"Execution role of AgentCore runtime {runtime_name}",
        assumed_by=agentcore_service_principal(cdk.Stack.of(scope), f"runtime/{runtime_name}-*"),
    )


def read_only_role(scope: Construct, role: iam.IRole) -> iam.IRole:
    """``role`` as the L2 may see it: it can read it, never add its own (account-wide) statements to it."""
    if isinstance(role, iam.Role):
        return role.without_policy_updates()
    return iam.Role.from_role_arn(scope, "ExistingRoleReadOnly", role.role_arn, mutable=False)


def runtime_logs_policy(scope: Construct, role: iam.IRole, runtime_name: str) -> iam.Policy:
    """Writing the runtime's own log groups. AgentCore creates and writes
    /aws/bedrock-agentcore/runtimes/<runtime-id>-<endpoint> (stdout) itself, with the execution role; we never create
    those groups (a CloudFormation-managed group of the same name fails with "already exists"; see aws_facts).
    Scoped to this runtime's name prefix: the id does not exist before the role does. Statements as documented for
    the execution role (AgentCore guide, runtime-permissions.html)."""
    stack = cdk.Stack.of(scope)
    prefix = (
        f"arn:{stack.partition}:logs:{stack.region}:{stack.account}"
        f":log-group:{RUNTIME_LOG_GROUP_PREFIX}{runtime_name}-*"
    )
    all_log_groups = f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:*"
    policy = iam.Policy(
        scope,
        "RuntimeLogsPolicy",
        roles=[role],
        statements=[
            iam.PolicyStatement(
                sid="RuntimeLogGroups",
                actions=["logs:CreateLogGroup", "logs:DescribeLogStreams"],
                resources=[prefix],
            ),
            iam.PolicyStatement(
                sid="RuntimeLogStreams",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[f"{prefix}:log-stream:*"],
            ),
            iam.PolicyStatement(sid="DescribeLogGroups", actions=[DESCRIBE_LOG_GROUPS], resources=[all_log_groups]),
        ],
    )
    acknowledge_wildcard_resource(
        policy,
        all_log_groups,
        "logs:DescribeLogGroups is a list call over the account's log groups: AgentCore documents exactly this "
        "resource (log-group:*) for the runtime execution role; it reads names and settings, never log data.",
    )
    acknowledge_wildcard_resource(
        policy,
        prefix,
        "Log groups are named after the runtime id, which AgentCore assigns as '<runtime_name>-<suffix>' after "
        "the role exists; the prefix limits access to this runtime's own log groups.",
    )
    acknowledge_wildcard_resource(
        policy,
        f"{prefix}:log-stream:*",
        "Log stream names are generated per session by AgentCore; scoped to this runtime's log groups.",
    )
    return policy


def telemetry_policies(scope: Construct, role: iam.IRole) -> tuple[iam.Policy, iam.Policy]:
    """(tracing, metrics). Neither X-Ray segment upload nor PutMetricData supports resource-level permissions (IAM
    service authorization reference), so "*" is the narrowest resource AWS offers; metrics are namespace-conditioned.
    """
    tracing = iam.Policy(
        scope,
        "TracingPolicy",
        roles=[role],
        statements=[
            iam.PolicyStatement(
                sid="XRayTraceUpload",
                actions=list(XRAY_TRACE_ACTIONS),
                resources=["*"],  # AWS offers no narrower resource for these X-Ray actions.
            )
        ],
    )
    acknowledge_wildcard_resource(
        tracing, "*", "X-Ray PutTraceSegments/PutTelemetryRecords/GetSampling* support no resource-level permissions."
    )
    metrics = iam.Policy(
        scope,
        "MetricsPolicy",
        roles=[role],
        statements=[
            iam.PolicyStatement(
                sid="RuntimeMetrics",
                actions=[PUT_METRIC_DATA],
                resources=["*"],  # PutMetricData has no resource type; the namespace condition scopes it.
                conditions={"StringEquals": {METRIC_NAMESPACE_CONDITION_KEY: RUNTIME_METRICS_NAMESPACE}},
            )
        ],
    )
    acknowledge_wildcard_resource(
        metrics,
        "*",
        "cloudwatch:PutMetricData supports no resource-level permissions; it is conditioned on the "
        f"'{RUNTIME_METRICS_NAMESPACE}' namespace.",
    )
    return tracing, metrics


def grant_image_pull(scope: Construct, role: iam.IRole, policy: iam.Policy, repository: ecr.IRepository) -> iam.Policy:
    """Pulls from the image's own repository (in the execution ``policy``); returns the ECR token policy."""
    policy.add_statements(
        iam.PolicyStatement(
            sid="PullAgentImage",
            actions=["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            resources=[repository.repository_arn],
        )
    )
    token_policy = iam.Policy(
        scope,
        "EcrAuthPolicy",
        roles=[role],
        statements=[
            iam.PolicyStatement(
                sid="EcrAuthorizationToken",
                actions=[ECR_AUTHORIZATION_TOKEN],
                resources=["*"],  # GetAuthorizationToken supports no resource-level permissions.
            )
        ],
    )
    acknowledge_wildcard_resource(
        token_policy,
        "*",
        "ecr:GetAuthorizationToken supports no resource-level permissions; image pulls are scoped to the "
        "asset repository in the execution policy.",
    )
    return token_policy


def grant_code_read(policy: iam.Policy, asset: s3_assets.Asset) -> None:
    """``s3:GetObject`` on the code zip alone (the L2's ``from_code_asset`` grants the whole assets bucket)."""
    policy.add_statements(
        iam.PolicyStatement(
            sid="ReadAgentCodeObject",
            actions=["s3:GetObject"],
            resources=[asset.bucket.arn_for_objects(asset.s3_object_key)],
        )
    )


def grant_workload_token_for_jwt(scope: Construct, policy: iam.Policy, runtime_name: str) -> None:
    """With a JWT authorizer the Runtime exchanges each caller's token for a workload access token
    (GetWorkloadAccessTokenForJWT) and passes it to the agent; AWS's documented execution role allows it on the
    default workload identity directory and the runtime's own identity (developer guide, "IAM Permissions for
    AgentCore Runtime", statement GetAgentAccessToken:
    https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/runtime-permissions.html; "Get workload access
    token": https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/get-workload-access-token.html).
    GetWorkloadAccessTokenForUserId is left out on purpose: it mints a token for any user id the caller names."""
    stack = cdk.Stack.of(scope)
    directory = (
        f"arn:{stack.partition}:bedrock-agentcore:{stack.region}:{stack.account}:workload-identity-directory/default"
    )
    own_identity = f"{directory}/workload-identity/{runtime_name}-*"
    policy.add_statements(
        iam.PolicyStatement(
            sid="GetWorkloadAccessTokenForJwt",
            actions=["bedrock-agentcore:GetWorkloadAccessTokenForJWT"],
            resources=[directory, own_identity],
        )
    )
    acknowledge_wildcard_resource(
        policy,
        own_identity,
        "AgentCore names a runtime's workload identity after the runtime id ('<runtime_name>-<suffix>'), "
        "assigned after the role exists; the prefix limits the grant to this runtime's own identity.",
    )


def acknowledge_upstream_redundant_depends_on(runtime: agentcore.Runtime, cfn_runtime: agentcore.CfnRuntime) -> None:
    """The L2 adds node dependencies on resources it already references (role, delivery source/destination);
    CloudFormation accepts them, cfn-lint W3005 flags them. They are upstream's, not removable from here."""
    reason = "Redundant DependsOn added by aws-cdk-lib's Runtime L2 next to a Ref/GetAtt of the same resource."
    acknowledge_cfn_lint(cfn_runtime, "W3005", reason)
    for child in runtime.node.find_all():
        if isinstance(child, cdk.CfnResource) and child.cfn_resource_type == "AWS::Logs::Delivery":
            acknowledge_cfn_lint(child, "W3005", reason)
