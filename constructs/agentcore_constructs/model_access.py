"""Least-privilege Bedrock model access: the inference profile and the foundation models it routes to.

A cross-Region inference profile (``us.anthropic...``) is invoked in the stack's Region and routed by Bedrock to
foundation models in the profile's destination Regions. IAM needs InvokeModel on the profile ARN *and* on each
destination foundation-model ARN; we condition the latter on ``bedrock:InferenceProfileArn`` so the role cannot
call those models directly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

INVOKE_ACTIONS = ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")

#: Destination Regions of the system-defined cross-Region inference profiles, by geo prefix. Pass
#: ``routed_regions`` to override when a profile routes differently (check with ``aws bedrock get-inference-profile``).
#: Source: Bedrock user guide, "Supported Regions and models for inference profiles" (read 2026-11).
GEO_DESTINATION_REGIONS: dict[str, tuple[str, ...]] = {
    "us": ("us-east-1", "us-east-2", "us-west-1", "us-west-2"),
    "eu": ("eu-central-1", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-3"),
    "apac": (
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-south-1",
        "ap-south-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-4",
    ),
    "jp": ("ap-northeast-1", "ap-northeast-3"),
    "au": ("ap-southeast-2", "ap-southeast-4"),
    "ca": ("ca-central-1", "ca-west-1"),
    "us-gov": ("us-gov-east-1", "us-gov-west-1"),
}

_PROFILE_ID = re.compile(r"^(?P<geo>us-gov|us|eu|apac|jp|au|ca|global)\.(?P<model>.+)$")
#: ``arn:<partition>:bedrock:<region>:<account>:<resource type>/<id>`` (Service Authorization Reference, Amazon
#: Bedrock resource types).
_BEDROCK_ARN = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):bedrock:(?P<region>[a-z0-9-]*):(?P<account>\d{12})?:(?P<kind>[a-z-]+)/(?P<id>.+)$"
)
#: Kinds a model id can name that this helper cannot resolve to the models they run (grant those yourself).
_UNSUPPORTED_KINDS = ("provisioned-model", "custom-model", "imported-model", "prompt-router", "default-prompt-router")


class ModelAccessError(ValueError):
    """A model id :class:`ModelAccess` cannot grant. ``prop`` names the parameter at fault (as the caller calls it),
    ``problem`` says what is wrong and what to do; ``str()`` is the ``<prop> <problem>`` line of the props convention
    (:mod:`agentcore_constructs.props`), so a construct records it as is."""

    def __init__(self, prop: str, problem: str) -> None:
        self.prop = prop
        self.problem = problem
        super().__init__(f"{prop} {problem}")


@dataclass(frozen=True)
class ModelAccess:
    """What a principal needs to invoke one model id, resolved at synth time.

    Attributes:
        model_id: the id the agent passes to Bedrock.
        inference_profile_arn: the profile ARN, or None when ``model_id`` is a plain foundation model.
        foundation_model_arns: every foundation-model ARN the id can reach.
    """

    model_id: str
    inference_profile_arn: str | None
    foundation_model_arns: tuple[str, ...]

    @classmethod
    def for_model(
        cls,
        scope_stack: cdk.Stack,
        model_id: str,
        *,
        routed_regions: Sequence[str] | None = None,
        source_model_id: str | None = None,
        source_parameter: str = "source_model_id",
    ) -> ModelAccess:
        """Resolve ``model_id``: a foundation-model id, a system-defined inference profile id (``us.``, ``eu.``,
        ``global.``...), or the ARN of either, or of an application inference profile. An application profile runs
        the model or system profile it was created from: name it in ``source_model_id`` (its id or ARN), because the
        profile's ARN says nothing about it and IAM needs both (Bedrock user guide, "Prerequisites for inference
        profiles"). Provisioned, custom and imported models and prompt routers are refused: grant those yourself.
        ``source_parameter``: what the caller calls ``source_model_id`` in error messages (AgentRuntime:
        ``model_source_id``). Refusals raise :class:`ModelAccessError` (a ValueError) naming the parameter."""
        return cls._resolve(scope_stack, "model_id", model_id, routed_regions, source_model_id, source_parameter)

    @classmethod
    def _resolve(
        cls,
        scope_stack: cdk.Stack,
        prop: str,
        model_id: str,
        routed_regions: Sequence[str] | None,
        source_model_id: str | None,
        source_parameter: str,
    ) -> ModelAccess:
        if cdk.Token.is_unresolved(model_id):
            raise ModelAccessError(
                prop,
                "is a deploy-time value: the model's ARNs must be known at synth to grant InvokeModel on them (pass "
                "the id, not a parameter or reference)",
            )
        arn = _BEDROCK_ARN.match(model_id)
        if arn is not None:
            return cls._for_arn(scope_stack, prop, model_id, arn, routed_regions, source_model_id, source_parameter)
        if source_model_id is not None:
            raise ModelAccessError(
                source_parameter,
                f"applies to application inference profiles only; {model_id!r} is not one: drop {source_parameter}",
            )
        return cls._for_id(scope_stack, prop, model_id, routed_regions, region=scope_stack.region)

    @classmethod
    def _for_arn(
        cls,
        scope_stack: cdk.Stack,
        prop: str,
        model_id: str,
        arn: re.Match[str],
        routed_regions: Sequence[str] | None,
        source_model_id: str | None,
        source_parameter: str,
    ) -> ModelAccess:
        kind, resource_id, region = arn.group("kind"), arn.group("id"), arn.group("region") or scope_stack.region
        if kind == "foundation-model":
            return cls(model_id=model_id, inference_profile_arn=None, foundation_model_arns=(model_id,))
        if kind == "inference-profile":
            resolved = cls._for_id(scope_stack, prop, resource_id, routed_regions, region=region)
            if resolved.inference_profile_arn is None:
                raise ModelAccessError(prop, f"{model_id!r}: {resource_id!r} is not an inference-profile id")
            return cls(
                model_id=model_id, inference_profile_arn=model_id, foundation_model_arns=resolved.foundation_model_arns
            )
        if kind == "application-inference-profile":
            if not source_model_id:
                # GetInferenceProfile returns the profile's `models` (the model ARNs it routes to), not the source
                # it was copied from (CreateInferenceProfile modelSource.copyFrom; Bedrock API reference,
                # GetInferenceProfile and InferenceProfileModelSource).
                raise ModelAccessError(
                    prop,
                    f"{model_id!r} is an application inference profile: pass {source_parameter}=, the foundation "
                    "model or system-defined inference profile it was copied from (its modelSource copyFrom), so the "
                    "models it runs can be granted. `aws bedrock get-inference-profile --inference-profile-identifier "
                    "<its ARN>` lists the models it routes to: models in one Region mean it was copied from that "
                    "foundation model (pass its id); models in several Regions mean a system-defined profile (pass its "
                    "id, e.g. us.<model id>)",
                )
            source = cls._resolve(
                scope_stack, source_parameter, source_model_id, routed_regions, None, source_parameter
            )
            models = source.foundation_model_arns
            return cls(model_id=model_id, inference_profile_arn=model_id, foundation_model_arns=models)
        if kind in _UNSUPPORTED_KINDS:
            raise ModelAccessError(
                prop,
                f"{model_id!r} is a {kind}: this helper grants foundation models and inference profiles only; grant "
                "InvokeModel on it yourself (AgentRuntime.add_to_execution_policy)",
            )
        raise ModelAccessError(prop, f"{model_id!r} is not a Bedrock model or inference-profile ARN")

    @classmethod
    def _for_id(
        cls, scope_stack: cdk.Stack, prop: str, model_id: str, routed_regions: Sequence[str] | None, *, region: str
    ) -> ModelAccess:
        partition, account = scope_stack.partition, scope_stack.account
        match = _PROFILE_ID.match(model_id)
        if match is None:
            arn = f"arn:{partition}:bedrock:{region}::foundation-model/{model_id}"
            return cls(model_id=model_id, inference_profile_arn=None, foundation_model_arns=(arn,))
        geo, base_model = match.group("geo"), match.group("model")
        profile_arn = f"arn:{partition}:bedrock:{region}:{account}:inference-profile/{model_id}"
        if geo == "global":
            # Global profiles route to any commercial Region; AWS documents the Region-less ARN for this case.
            model_arns: tuple[str, ...] = (f"arn:{partition}:bedrock:::foundation-model/{base_model}",)
        else:
            if not routed_regions and geo not in GEO_DESTINATION_REGIONS:
                raise ModelAccessError(
                    prop, f"{model_id!r}: unknown inference-profile geo {geo!r}; pass routed_regions"
                )
            regions = tuple(routed_regions) if routed_regions else GEO_DESTINATION_REGIONS[geo]
            model_arns = tuple(f"arn:{partition}:bedrock:{r}::foundation-model/{base_model}" for r in regions)
        return cls(model_id=model_id, inference_profile_arn=profile_arn, foundation_model_arns=model_arns)

    def policy_statements(self) -> list[iam.PolicyStatement]:
        if self.inference_profile_arn is None:
            return [
                iam.PolicyStatement(
                    sid="InvokeFoundationModel",
                    actions=list(INVOKE_ACTIONS),
                    resources=list(self.foundation_model_arns),
                )
            ]
        return [
            iam.PolicyStatement(
                sid="InvokeInferenceProfile", actions=list(INVOKE_ACTIONS), resources=[self.inference_profile_arn]
            ),
            iam.PolicyStatement(
                sid="InvokeRoutedFoundationModels",
                actions=list(INVOKE_ACTIONS),
                resources=list(self.foundation_model_arns),
                conditions={"StringEquals": {"bedrock:InferenceProfileArn": self.inference_profile_arn}},
            ),
        ]
