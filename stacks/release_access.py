"""What the release pipeline's steps may do in an environment's account, and how they get there when that account
is not the pipeline's.

Two steps reach into an environment: the rollback guard before its runtime stack (the check ``make deploy`` runs:
read the runtime stack's outputs, the pinned endpoint, the rollback function's state) and the end-to-end suite after
the e2e environment is deployed (the guard's reads plus test users in the environment's user pool and the runtime's
log lines). The suite invokes the runtime and the gateway with the Cognito test client's bearer token, so it needs no
``bedrock-agentcore:InvokeAgentRuntime``: both accept the token through their JWT authorizer (AgentCore developer
guide, "Configure inbound JWT authorizer",
https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/inbound-jwt-authorizer.html).

Same account: the statements go on the step's CodeBuild role. Another account: a CodeBuild step runs with the
pipeline account's credentials (aws-cdk-lib pipelines README, "Validation" and "CDK Environment Bootstrapping",
https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.pipelines-readme.html), and the bootstrap's lookup and deploy
roles are for the CDK CLI, not for this. So the environment gets one role per step (:class:`PipelineAccess`, in its
stateful stack, which deploys before the runtime stack and so before the guard), trusting the pipeline account only
for the step's own role: ``aws:PrincipalArn`` rather than the role ARN as principal, which IAM would turn into the
role's unique id and break when either side is recreated, and which it would refuse while the step role does not
exist yet (IAM user guide, "AWS JSON policy elements: Principal",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html, and "AWS global condition
context keys: aws:PrincipalArn",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn;
"IAM tutorial: Delegate access across AWS accounts using IAM roles",
https://docs.aws.amazon.com/IAM/latest/UserGuide/tutorial_cross-account-with-roles.html). The step's role, named so the
trust can name it, may assume exactly that role.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from aws_cdk import aws_iam as iam

from agentcore_constructs.acknowledgements import acknowledge, policy_wildcards
from agentcore_constructs.contract.release import state_parameter_name
from constructs import Construct
from stacks.config import EnvironmentConfig, PipelineConfig

GUARD = "guard"
E2E = "e2e"


def purposes(pipeline: PipelineConfig, env: EnvironmentConfig) -> tuple[str, ...]:
    """The pipeline steps that reach into ``env``: the guard where a rollback keeps state, the suite in the e2e
    environment."""
    if env.name not in pipeline.stages:
        return ()
    wanted = []
    if env.release.rollback_window_minutes is not None:
        wanted.append(GUARD)
    if env.name == pipeline.e2e_environment:
        wanted.append(E2E)
    return tuple(wanted)


def crosses_accounts(pipeline: PipelineConfig, env: EnvironmentConfig) -> bool:
    return env.account != pipeline.account


def access_role_name(env: EnvironmentConfig, purpose: str) -> str:
    """The role in ``env``'s account a step assumes (IAM role names: 64 characters of ``[\\w+=,.@-]``)."""
    return f"{env.runtime_name}-pipeline-{purpose}"


def access_role_arn(env: EnvironmentConfig, purpose: str) -> str:
    return f"arn:aws:iam::{env.account}:role/{access_role_name(env, purpose)}"


def step_role_name(env: EnvironmentConfig, purpose: str) -> str:
    """The CodeBuild role of the step, in the pipeline's account: named, so the access role's trust can name it."""
    return f"{access_role_name(env, purpose)}-step"


def step_role_arn(pipeline: PipelineConfig, env: EnvironmentConfig, purpose: str) -> str:
    return f"arn:aws:iam::{pipeline.account}:role/{step_role_name(env, purpose)}"


def assume_commands(env: EnvironmentConfig, purpose: str) -> list[str]:
    """Shell lines that make the rest of the step run as the access role, or fail the step.

    ``aws sts assume-role`` (AWS CLI reference; the session lasts an hour, the AssumeRole default, beyond the step's
    timeout) exported as the SDKs' credential variables (SDKs and Tools reference guide, "AWS access keys":
    https://docs.aws.amazon.com/sdkref/latest/guide/feature-static-credentials.html). The build's own credentials are
    then dropped, so nothing falls back to the pipeline account. Buildspec 0.2 runs a phase's commands in one shell,
    so the variables hold for the commands after these (CodeBuild user guide, "Shells and commands in build
    environments", https://docs.aws.amazon.com/codebuild/latest/userguide/build-env-ref-cmd.html)."""
    query = "Credentials.[AccessKeyId,SecretAccessKey,SessionToken]"
    return [
        f"credentials=$(aws sts assume-role --role-arn {access_role_arn(env, purpose)} "
        f'--role-session-name {env.name}-pipeline-{purpose} --query "{query}" --output text)',
        'export AWS_ACCESS_KEY_ID="$(echo "$credentials" | cut -f1)" '
        'AWS_SECRET_ACCESS_KEY="$(echo "$credentials" | cut -f2)" '
        'AWS_SESSION_TOKEN="$(echo "$credentials" | cut -f3)"',
        "unset credentials AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ]


def guard_statements(env: EnvironmentConfig) -> list[iam.PolicyStatement]:
    """The reads of ``scripts.release guard``: the runtime stack's outputs, the pinned endpoint, the state."""
    region, account = env.region, env.account
    return [
        iam.PolicyStatement(
            sid="ReadRuntimeOutputs",
            actions=["cloudformation:DescribeStacks"],
            resources=[f"arn:aws:cloudformation:{region}:{account}:stack/{env.name}-agent-runtime/*"],
        ),
        _served_version(env),
        _release_state(env),
    ]


def e2e_statements(env: EnvironmentConfig) -> list[iam.PolicyStatement]:
    """What the end-to-end suite, the scorecard and ``make release-status`` call."""
    region, account = env.region, env.account
    return [
        iam.PolicyStatement(
            sid="ReadOutputs",
            actions=["cloudformation:DescribeStacks"],
            resources=[f"arn:aws:cloudformation:{region}:{account}:stack/{env.name}-agent-*/*"],
        ),
        # The user pool's id is a deploy-time value of another stack; the environment tag narrows the wildcard to
        # that environment's pools (Cognito supports aws:ResourceTag on user pools).
        iam.PolicyStatement(
            sid="TestUsers",
            actions=[
                "cognito-idp:AdminCreateUser",
                "cognito-idp:AdminSetUserPassword",
                "cognito-idp:AdminInitiateAuth",
                "cognito-idp:AdminDeleteUser",
            ],
            resources=[f"arn:aws:cognito-idp:{region}:{account}:userpool/*"],
            conditions={"StringEquals": {"aws:ResourceTag/environment": env.name}},
        ),
        _served_version(env),
        iam.PolicyStatement(
            sid="AgentLogs",
            actions=["logs:FilterLogEvents"],
            resources=[
                f"arn:aws:logs:{region}:{account}:log-group:/aws/bedrock-agentcore/runtimes/{env.runtime_name}-*:*"
            ],
        ),
        _release_state(env),
    ]


def statements_for(env: EnvironmentConfig, purpose: str) -> list[iam.PolicyStatement]:
    return guard_statements(env) if purpose == GUARD else e2e_statements(env)


def _served_version(env: EnvironmentConfig) -> iam.PolicyStatement:
    runtime = f"arn:aws:bedrock-agentcore:{env.region}:{env.account}:runtime/{env.runtime_name}-*"
    return iam.PolicyStatement(
        sid="ServedVersion",
        actions=["bedrock-agentcore:GetAgentRuntimeEndpoint"],
        resources=[runtime, f"{runtime}/runtime-endpoint/*"],
    )


def _release_state(env: EnvironmentConfig) -> iam.PolicyStatement:
    name = state_parameter_name(env.runtime_name, env.name)
    return iam.PolicyStatement(
        sid="ReleaseState",
        actions=["ssm:GetParameter"],
        resources=[f"arn:aws:ssm:{env.region}:{env.account}:parameter{name}"],
    )


class PipelineAccess(Construct):
    """One role per pipeline step that reaches into this environment from the pipeline's account.

    Attributes: ``roles`` (purpose -> :class:`aws_cdk.aws_iam.Role`)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        pipeline: PipelineConfig,
        environment: EnvironmentConfig,
        steps: Sequence[str],
    ) -> None:
        super().__init__(scope, construct_id)
        self.roles: dict[str, iam.Role] = {}
        for purpose in steps:
            role = iam.Role(
                self,
                f"{purpose.capitalize()}Role",
                role_name=access_role_name(environment, purpose),
                description=f"The release pipeline's {purpose} step ({pipeline.account}) in {environment.name}",
                assumed_by=iam.PrincipalWithConditions(
                    iam.AccountPrincipal(pipeline.account),
                    {"ArnEquals": {"aws:PrincipalArn": step_role_arn(pipeline, environment, purpose)}},
                ),
            )
            policy = iam.Policy(
                self, f"{purpose.capitalize()}Policy", roles=[role], statements=statements_for(environment, purpose)
            )
            acknowledge_wildcards(policy.node.default_child)  # type: ignore[arg-type]
            self.roles[purpose] = role


#: Why each wildcard of the statements above is there. Patterns match the rendered value.
WILDCARD_REASONS: tuple[tuple[str, str, str], ...] = (
    (
        "Resource",
        r"^arn:aws:cloudformation:[\w-]+:\d{12}:stack/[\w-]+-agent-(\*|runtime)/\*$",
        "the step reads the outputs of its environment's agent stacks, named here; the suffix is the stack id "
        "CloudFormation assigns",
    ),
    (
        "Resource",
        r"^arn:aws:cognito-idp:[\w-]+:\d{12}:userpool/\*$",
        "the e2e step creates and deletes its test users in the environment's pool, a deploy-time id of another stage; "
        "conditioned on aws:ResourceTag/environment",
    ),
    (
        "Resource",
        r"^arn:aws:bedrock-agentcore:[\w-]+:\d{12}:runtime/\w+-\*(/runtime-endpoint/\*)?$",
        "the step reads which version its environment's runtime endpoints serve; the runtime id suffix is per deploy",
    ),
    (
        "Resource",
        r"^arn:aws:logs:[\w-]+:\d{12}:log-group:/aws/bedrock-agentcore/runtimes/\w+-\*:\*$",
        "the e2e step looks up its runtime's log lines; AgentCore names the group <runtime id>-<endpoint>",
    ),
)


def wildcard_reason(kind: str, value: str) -> str | None:
    for wanted, pattern, reason in WILDCARD_REASONS:
        if kind == wanted and re.match(pattern, value):
            return reason
    return None


def acknowledge_wildcards(policy: iam.CfnPolicy) -> None:
    for kind, value in policy_wildcards(policy):
        reason = wildcard_reason(kind, value)
        if reason is not None:
            acknowledge(policy, f"AwsSolutions-IAM5[{kind}::{value}]", reason)
