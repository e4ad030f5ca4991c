"""Which ARNs the agent may invoke, for every kind of model id Bedrock takes (and a clear error for the rest)."""

from __future__ import annotations

import aws_cdk as cdk
import pytest

from agentcore_constructs import AgentRuntime, ModelAccess
from library_tests.support import FIXTURE_AGENT, new_stack

APP_PROFILE = "arn:aws:bedrock:eu-west-1:111122223333:application-inference-profile/a1b2c3d4e5f6"


def _text(value: object) -> object:
    """A resolved value with the partition filled in (``aws``), Fn::Join flattened."""
    if isinstance(value, dict) and value == {"Ref": "AWS::Partition"}:
        return "aws"
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(str(_text(part)) for part in parts)
    return value


def _access(model_id: str, **kwargs) -> ModelAccess:
    stack = new_stack("eu-west-1")
    access = ModelAccess.for_model(stack, model_id, **kwargs)
    return ModelAccess(
        model_id=access.model_id,
        inference_profile_arn=_text(stack.resolve(access.inference_profile_arn)),  # type: ignore[arg-type]
        foundation_model_arns=tuple(_text(stack.resolve(arn)) for arn in access.foundation_model_arns),  # type: ignore[misc]
    )


def test_a_foundation_model_id_is_that_model_in_the_stack_region() -> None:
    access = _access("amazon.nova-lite-v1:0")
    assert access.inference_profile_arn is None
    assert access.foundation_model_arns == ("arn:aws:bedrock:eu-west-1::foundation-model/amazon.nova-lite-v1:0",)


def test_a_foundation_model_arn_is_used_as_given() -> None:
    arn = "arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-lite-v1:0"
    assert _access(arn).foundation_model_arns == (arn,)


def test_a_system_profile_arn_grants_the_profile_and_its_routed_models() -> None:
    arn = "arn:aws:bedrock:eu-west-1:111122223333:inference-profile/eu.anthropic.claude-haiku-4-5-20251001-v1:0"
    access = _access(arn)
    assert access.inference_profile_arn == arn
    assert "arn:aws:bedrock:eu-central-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0" in (
        access.foundation_model_arns
    )


def test_an_application_profile_needs_its_source_and_grants_the_source_models_through_it() -> None:
    with pytest.raises(ValueError, match="is an application inference profile: pass source_model_id=") as refused:
        _access(APP_PROFILE)
    # Actionable: where the source is recorded, and what get-inference-profile does (and does not) show.
    assert "copyFrom" in str(refused.value) and "lists the models it routes to" in str(refused.value)
    access = _access(APP_PROFILE, source_model_id="eu.anthropic.claude-haiku-4-5-20251001-v1:0")
    assert access.inference_profile_arn == APP_PROFILE
    assert len(access.foundation_model_arns) == 6
    statements = ModelAccess.for_model(
        new_stack("eu-west-1"), APP_PROFILE, source_model_id="amazon.nova-lite-v1:0"
    ).policy_statements()
    routed = statements[1].to_statement_json()
    assert routed["Condition"] == {"StringEquals": {"bedrock:InferenceProfileArn": APP_PROFILE}}


@pytest.mark.parametrize(
    ("model_id", "message"),
    [
        ("arn:aws:bedrock:us-east-1:111122223333:provisioned-model/abc", "is a provisioned-model: .* yourself"),
        ("arn:aws:bedrock:us-east-1:111122223333:prompt-router/abc", "is a prompt-router"),
        ("arn:aws:bedrock:us-east-1:111122223333:knowledge-base/abc", "is not a Bedrock model or inference-profile"),
    ],
)
def test_kinds_it_cannot_resolve_are_refused(model_id: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _access(model_id)


def test_source_model_id_only_goes_with_an_application_profile() -> None:
    with pytest.raises(ValueError, match="source_model_id applies to application inference profiles only"):
        _access("amazon.nova-lite-v1:0", source_model_id="amazon.nova-pro-v1:0")


def test_a_deploy_time_model_id_is_refused_and_the_runtime_error_names_the_construct() -> None:
    stack = new_stack()
    parameter = cdk.CfnParameter(stack, "Model", type="String")
    with pytest.raises(ValueError, match="AgentRuntime Test/Agent: model_id is a deploy-time value"):
        AgentRuntime(stack, "Agent", runtime_name="a", source_dir=FIXTURE_AGENT, model_id=parameter.value_as_string)
    with pytest.raises(ValueError, match="AgentRuntime Test/Agent2: .*application inference profile") as refused:
        AgentRuntime(stack, "Agent2", runtime_name="b", source_dir=FIXTURE_AGENT, model_id=APP_PROFILE)
    # The hint names AgentRuntime's own prop, not ModelAccess's parameter.
    assert "pass model_source_id=" in str(refused.value) and "source_model_id" not in str(refused.value)
    with pytest.raises(ValueError, match="model_source_id applies to application inference profiles only") as refused:
        AgentRuntime(
            stack,
            "Agent3",
            runtime_name="c",
            source_dir=FIXTURE_AGENT,
            model_id="amazon.nova-lite-v1:0",
            model_source_id="amazon.nova-pro-v1:0",
        )
    assert "source_model_id" not in str(refused.value)
