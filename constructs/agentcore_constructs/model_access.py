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
        cls, scope_stack: cdk.Stack, model_id: str, *, routed_regions: Sequence[str] | None = None
    ) -> ModelAccess:
        partition, region, account = scope_stack.partition, scope_stack.region, scope_stack.account
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
