"""The opt-in release pipeline (cdk.json ``pipeline``): CDK Pipelines, one synth, the same cloud assembly deployed to
every environment in order; the end-to-end suite against the e2e environment's canary and the readiness scorecard
after it is deployed; a manual approval before the production stage.

Promotion is a commit: moving ``endpoint_version`` in cdk.json runs through the same stages (the e2e environment's
pin first, then production after the approval). The CodeBuild role of the e2e step gets only what the suite needs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import pipelines

from agentcore_constructs.acknowledgements import acknowledge, policy_wildcards
from agentcore_constructs.readiness.assembly import E2E_GATE_METADATA, NOT_AN_AGENT_METADATA
from constructs import Construct
from stacks.config import EnvironmentConfig, PipelineConfig

#: Standard 7.0 (Ubuntu 22.04, Python 3.11 and Node available): the Makefile installs the pinned Node, CDK CLI and
#: Python packages from the repository's lock files itself.
BUILD_IMAGE = codebuild.LinuxBuildImage.STANDARD_7_0


class PipelineStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PipelineConfig,
        stages: Mapping[str, cdk.Stage],
        environments: Mapping[str, EnvironmentConfig],
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        # Delivery tooling, not an agent environment: cdk-nag judges it, the readiness checklist does not.
        # Checklist item 8's evidence for the stages after the e2e environment: they deploy only after its suite passed.
        e2e_at = config.stages.index(config.e2e_environment)
        self.template_options.metadata = {
            NOT_AN_AGENT_METADATA: "release pipeline (CDK Pipelines)",
            E2E_GATE_METADATA: {"e2e_environment": config.e2e_environment, "gated": list(config.stages[e2e_at + 1 :])},
        }
        source = pipelines.CodePipelineSource.connection(
            config.repository, config.branch, connection_arn=config.connection_arn
        )
        self.synth = pipelines.ShellStep(
            "Synth",
            input=source,
            # The README's main job: install from the locks, synthesize every environment with the rule packs
            # (error-level findings fail), print the scorecard.
            commands=["make synth"],
            primary_output_directory="cdk.out",
        )
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            synth=self.synth,
            cross_account_keys=True,
            enable_key_rotation=True,
            code_build_defaults=pipelines.CodeBuildOptions(
                build_environment=codebuild.BuildEnvironment(build_image=BUILD_IMAGE),
                timeout=cdk.Duration.minutes(60),
            ),
        )
        e2e = environments[config.e2e_environment]
        for name in config.stages:
            pre: list[pipelines.Step] = []
            post: list[pipelines.Step] = []
            if name == config.approval_before:
                pre.append(
                    pipelines.ManualApprovalStep(
                        f"Approve{name.capitalize()}",
                        comment=f"{config.e2e_environment}'s canary passed the end-to-end suite and the scorecard; "
                        f"deploy to {name}?",
                    )
                )
            if name == config.e2e_environment:
                post.append(self._e2e_step(e2e, source))
            self.pipeline.add_stage(stages[name], pre=pre, post=post)
        self.pipeline.build_pipeline()
        self._acknowledge_generated_wildcards()
        acknowledge(
            self.pipeline.pipeline.artifact_bucket.node.default_child,  # type: ignore[arg-type]
            "AwsSolutions-S1",
            "CDK Pipelines' artifact bucket holds only this pipeline's build artifacts, written and read by its own "
            "roles (KMS-encrypted, TLS-only, public access blocked); access logging would need a second bucket",
        )

    def _acknowledge_generated_wildcards(self) -> None:
        """Each wildcard aws-cdk-lib's pipelines module writes into its roles, acknowledged one finding at a time with
        what it is; a wildcard of a kind not listed here stays a finding (synth fails)."""
        for policy in self.node.find_all():
            if not isinstance(policy, iam.CfnPolicy):
                continue
            for kind, value in policy_wildcards(policy):
                reason = _reason(kind, value, policy.node.path)
                if reason is not None:
                    acknowledge(policy, f"AwsSolutions-IAM5[{kind}::{value}]", reason)

    def _e2e_step(self, env: EnvironmentConfig, source: pipelines.CodePipelineSource) -> pipelines.CodeBuildStep:
        """Checklist item 8 as a gate: the suite against the canary (the newest version), then the scorecard with
        that run as evidence; any failure stops the pipeline before the approval."""
        region, account = env.region, env.account
        stacks = f"arn:aws:cloudformation:{region}:{account}:stack/{env.name}-agent-*/*"
        return pipelines.CodeBuildStep(
            f"EndToEnd{env.name.capitalize()}",
            input=source,
            additional_inputs={"cdk.out": self.synth.primary_output},  # type: ignore[dict-item]
            env={"E2E_SOURCE": "pipeline", "AWS_REGION": region},
            commands=[
                "make install",
                f"make e2e ENV={env.name} ENDPOINT=canary",
                f".venv/bin/agentcore-scorecard cdk.out --e2e-evidence e2e-evidence --strict {env.name}",
                f"make release-status ENV={env.name}",
            ],
            role_policy_statements=[
                iam.PolicyStatement(sid="ReadOutputs", actions=["cloudformation:DescribeStacks"], resources=[stacks]),
                # The user pool's id is a deploy-time value of another stage; the environment tag narrows the
                # wildcard to that environment's pools (Cognito supports aws:ResourceTag on user pools).
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
                iam.PolicyStatement(
                    sid="ServedVersion",
                    actions=["bedrock-agentcore:GetAgentRuntimeEndpoint"],
                    resources=[
                        f"arn:aws:bedrock-agentcore:{region}:{account}:runtime/{env.runtime_name}-*",
                        f"arn:aws:bedrock-agentcore:{region}:{account}:runtime/{env.runtime_name}-*/runtime-endpoint/*",
                    ],
                ),
                iam.PolicyStatement(
                    sid="AgentLogs",
                    actions=["logs:FilterLogEvents"],
                    resources=[
                        f"arn:aws:logs:{region}:{account}:log-group:/aws/bedrock-agentcore/runtimes/"
                        f"{env.runtime_name}-*:*"
                    ],
                ),
                iam.PolicyStatement(
                    sid="ReleaseState",
                    actions=["ssm:GetParameter"],
                    resources=[
                        f"arn:aws:ssm:{region}:{account}:parameter/agentcore/release/{env.runtime_name}/{env.name}"
                    ],
                ),
            ],
        )


#: Why each kind of wildcard in the pipeline's generated (and e2e) roles is there. Patterns match the rendered value.
_WILDCARD_REASONS: tuple[tuple[str, str, str], ...] = (
    (
        "Action",
        r"^s3:(Abort|DeleteObject|GetBucket|GetObject|List)\*$",
        "aws-cdk-lib's grantRead/grantReadWrite action group on this pipeline's own artifact bucket (resource: that "
        "bucket)",
    ),
    (
        "Action",
        r"^kms:(GenerateDataKey|ReEncrypt)\*$",
        "aws-cdk-lib's key grant action group on this pipeline's own artifact key (resource: that key)",
    ),
    ("Resource", r"^<PipelineArtifactsBucket\w+\.Arn>/\*$", "objects of this pipeline's own artifact bucket"),
    (
        "Resource",
        r"^arn:aws:logs:[\w-]+:\d{12}:log-group:/aws/codebuild/<\w+>:\*$",
        "log streams of this CodeBuild project's own log group",
    ),
    ("Resource", r"^arn:aws:codebuild:[\w-]+:\d{12}:report-group/<\w+>-\*$", "this CodeBuild project's report groups"),
    (
        "Resource",
        r"^arn:aws:logs:[\w-]+:\d{12}:log-group:/aws/codebuild/\*$",
        "CDK Pipelines' shared asset-publishing role writes the logs of the asset projects it creates (names unknown "
        "to it)",
    ),
    (
        "Resource",
        r"^arn:aws:codebuild:[\w-]+:\d{12}:report-group/\*$",
        "CDK Pipelines' shared asset-publishing role: report groups of the asset projects it creates",
    ),
    (
        "Resource",
        r"^arn:\*:iam::\d{12}:role/\*$",
        "CDK Pipelines assumes the CDK bootstrap roles; conditioned on iam:ResourceTag/aws-cdk:bootstrap-role",
    ),
    (
        "Resource",
        r"^\*$",
        "generated by aws-cdk-lib pipelines (self-mutation: cloudformation:DescribeStacks and s3:ListBucket to find "
        "the bootstrap stack; asset publishing: codebuild build actions); the L2 offers no narrower scope",
    ),
    (
        "Resource",
        r"^arn:aws:cloudformation:[\w-]+:\d{12}:stack/[\w-]+-agent-\*/\*$",
        "the e2e step reads the outputs of its environment's agent stacks (stateful, runtime), whose ids are per "
        "deploy",
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
        "the e2e step reads which version its environment's runtime endpoints serve; the runtime id suffix is per "
        "deploy",
    ),
    (
        "Resource",
        r"^arn:aws:logs:[\w-]+:\d{12}:log-group:/aws/bedrock-agentcore/runtimes/\w+-\*:\*$",
        "the e2e step looks up its runtime's log lines; AgentCore names the group <runtime id>-<endpoint>",
    ),
)


#: ``Resource: "*"`` is accepted only in the roles aws-cdk-lib's pipelines module generates for itself.
_GENERATED_ROLES = re.compile(r"/(UpdatePipeline/SelfMutation|Assets/FileRole)/")


def _reason(kind: str, value: str, policy_path: str) -> str | None:
    if value == "*" and not _GENERATED_ROLES.search(policy_path):
        return None
    for wanted, pattern, reason in _WILDCARD_REASONS:
        if kind == wanted and re.match(pattern, value):
            return reason
    return None
