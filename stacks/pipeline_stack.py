"""The opt-in release pipeline (cdk.json ``pipeline``): CDK Pipelines, one synth, the same cloud assembly deployed to
every environment in order; the end-to-end suite against the e2e environment's canary and the readiness scorecard
after it is deployed; a manual approval before the production stage; the rollback guard (``make deploy``'s check)
before the runtime stack of every environment with an automatic rollback.

Promotion is a commit: moving ``endpoint_version`` in cdk.json runs through the same stages (the e2e environment's
pin first, then production after the approval). The steps that reach into an environment get only what they need,
in that environment's account when it is not the pipeline's (:mod:`stacks.release_access`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import pipelines

from agentcore_constructs.acknowledgements import acknowledge, policy_wildcards
from agentcore_constructs.readiness.assembly import E2E_GATE_METADATA, NOT_AN_AGENT_METADATA
from constructs import Construct
from stacks import release_access
from stacks.agent_stage import AgentStage
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
        stages: Mapping[str, AgentStage],
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
        self.config = config
        for name in config.stages:
            env, stage = environments[name], stages[name]
            pre: list[pipelines.Step] = []
            post: list[pipelines.Step] = []
            stack_steps: list[pipelines.StackSteps] = []
            if name == config.approval_before:
                pre.append(
                    pipelines.ManualApprovalStep(
                        f"Approve{name.capitalize()}",
                        comment=f"{config.e2e_environment}'s canary passed the end-to-end suite and the scorecard; "
                        f"deploy to {name}?",
                    )
                )
            steps = release_access.purposes(config, env)
            if release_access.GUARD in steps:
                # Before the runtime stack (the pinned endpoint's), after the stateful stack, which holds the guard's
                # role in another account: the role exists from the first run on.
                stack_steps.append(pipelines.StackSteps(stack=stage.runtime_stack, pre=[self._guard_step(env, source)]))
            if release_access.E2E in steps:
                post.append(self._e2e_step(env, source))
            self.pipeline.add_stage(stage, pre=pre, post=post, stack_steps=stack_steps)
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

    def _step_access(self, env: EnvironmentConfig, purpose: str) -> _StepAccess:
        """How a step reaches into ``env``: its statements on the step's own role in the same account; else a named
        role that may assume exactly the environment's access role (:mod:`stacks.release_access`), and the commands
        that assume it."""
        if not release_access.crosses_accounts(self.config, env):
            return _StepAccess(role=None, statements=release_access.statements_for(env, purpose), commands=[])
        role = iam.Role(
            self,
            f"{purpose.capitalize()}{env.name.capitalize()}StepRole",
            role_name=release_access.step_role_name(env, purpose),
            assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"),
            description=f"The pipeline's {purpose} step for {env.name} (account {env.account})",
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="AssumeEnvironmentAccess",
                actions=["sts:AssumeRole"],
                resources=[release_access.access_role_arn(env, purpose)],
            )
        )
        return _StepAccess(role=role, statements=None, commands=release_access.assume_commands(env, purpose))

    def _guard_step(self, env: EnvironmentConfig, source: pipelines.CodePipelineSource) -> pipelines.CodeBuildStep:
        """``make deploy``'s check: refuse a pin that would undo an automatic rollback of this environment."""
        access = self._step_access(env, release_access.GUARD)
        return pipelines.CodeBuildStep(
            f"ReleaseGuard{env.name.capitalize()}",
            input=source,
            env={"AWS_REGION": env.region},
            commands=["make install", *access.commands, f".venv/bin/python -m scripts.release guard {env.name}"],
            role=access.role,
            role_policy_statements=access.statements,
        )

    def _e2e_step(self, env: EnvironmentConfig, source: pipelines.CodePipelineSource) -> pipelines.CodeBuildStep:
        """Checklist item 8 as a gate: the suite against the canary (the newest version), then the scorecard with
        that run as evidence; any failure stops the pipeline before the approval."""
        access = self._step_access(env, release_access.E2E)
        return pipelines.CodeBuildStep(
            f"EndToEnd{env.name.capitalize()}",
            input=source,
            additional_inputs={"cdk.out": self.synth.primary_output},  # type: ignore[dict-item]
            env={"E2E_SOURCE": "pipeline", "AWS_REGION": env.region},
            commands=[
                "make install",
                *access.commands,
                f"make e2e ENV={env.name} ENDPOINT=canary",
                f".venv/bin/agentcore-scorecard cdk.out --e2e-evidence e2e-evidence --strict {env.name}",
                f"make release-status ENV={env.name}",
            ],
            role=access.role,
            role_policy_statements=access.statements,
        )


@dataclass(frozen=True)
class _StepAccess:
    role: iam.IRole | None
    statements: list[iam.PolicyStatement] | None
    commands: list[str]


#: Why each kind of wildcard in the pipeline's generated roles is there (the steps' own: release_access). Patterns
#: match the rendered value.
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
)


#: ``Resource: "*"`` is accepted only in the roles aws-cdk-lib's pipelines module generates for itself.
_GENERATED_ROLES = re.compile(r"/(UpdatePipeline/SelfMutation|Assets/FileRole)/")


def _reason(kind: str, value: str, policy_path: str) -> str | None:
    if value == "*" and not _GENERATED_ROLES.search(policy_path):
        return None
    for wanted, pattern, reason in _WILDCARD_REASONS:
        if kind == wanted and re.match(pattern, value):
            return reason
    # The steps' statements on their own CodeBuild roles (same account).
    return release_access.wildcard_reason(kind, value)
