"""Stage 2 in the real app: environments with `memory` in `stages` get a stateful stack and a connected runtime."""

from __future__ import annotations

import json

import pytest

from agentcore_constructs.memory import AGENT_DATA_PLANE_ACTIONS
from stacks.config import load_environments
from tests.infrastructure.cfn import one
from tests.infrastructure.synth import CDK_JSON

ENVIRONMENTS = {c.name: c for c in load_environments(CDK_JSON["context"]["environments"])}
WITH_MEMORY = sorted(name for name, c in ENVIRONMENTS.items() if c.has_stage("memory"))
WITHOUT_MEMORY = sorted(name for name, c in ENVIRONMENTS.items() if not c.has_stage("memory"))


def _is_cross_stack_reference(value: object, attribute: str) -> bool:
    # CDK renders cross-stack references as Fn::GetStackOutput (current flags) or Fn::ImportValue (exports).
    text = json.dumps(value)
    return ("Fn::GetStackOutput" in text or "Fn::ImportValue" in text) and attribute in text


def test_config_has_both_kinds_of_environment() -> None:
    assert WITH_MEMORY and WITHOUT_MEMORY


@pytest.mark.parametrize("env_name", WITH_MEMORY)
def test_memory_strategies_namespaces_expiry_and_key(templates: dict, env_name: str) -> None:
    stateful = templates[f"{env_name}/Stateful"]
    memory_id, memory = one(stateful, "AWS::BedrockAgentCore::Memory")
    props = memory["Properties"]
    assert props["EventExpiryDuration"] == ENVIRONMENTS[env_name].memory_event_expiry_days
    assert props["MemoryStrategies"] == [
        {"SemanticMemoryStrategy": {"Name": "facts", "Namespaces": ["/facts/{actorId}"]}},
        {"UserPreferenceMemoryStrategy": {"Name": "preferences", "Namespaces": ["/preferences/{actorId}"]}},
        {"SummaryMemoryStrategy": {"Name": "summaries", "Namespaces": ["/summaries/{actorId}/{sessionId}"]}},
    ]
    key_id, key = one(stateful, "AWS::KMS::Key")
    assert key["Properties"]["EnableKeyRotation"] is True
    assert props["EncryptionKeyArn"] == {"Fn::GetAtt": [key_id, "Arn"]}
    for resource in (memory, key):
        assert resource["DeletionPolicy"] == "Retain" and resource["UpdateReplacePolicy"] == "Retain"
    # The memory waits for its role's key grant.
    assert any(dep.startswith("MemoryServiceRoleDefaultPolicy") for dep in memory["DependsOn"])


@pytest.mark.parametrize("env_name", WITH_MEMORY)
def test_termination_protection_follows_config(synthesized, env_name: str) -> None:
    manifest = json.loads((synthesized.outdir / f"assembly-{env_name}" / "manifest.json").read_text())
    stateful = next(a for a in manifest["artifacts"].values() if a.get("displayName") == f"{env_name}/Stateful")
    assert stateful["properties"].get("terminationProtection", False) is ENVIRONMENTS[env_name].protect_stateful


@pytest.mark.parametrize("env_name", WITH_MEMORY)
def test_runtime_gets_exact_memory_actions_on_the_memory_arn_and_memory_id(templates: dict, env_name: str) -> None:
    runtime = templates[f"{env_name}/Runtime"]
    statements = [
        s
        for r in runtime["Resources"].values()
        if r["Type"] == "AWS::IAM::Policy"
        for s in r["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") == "UseAgentMemory"
    ]
    assert len(statements) == 1
    (statement,) = statements
    assert sorted(statement["Action"]) == sorted(AGENT_DATA_PLANE_ACTIONS)
    assert _is_cross_stack_reference(statement["Resource"], "MemoryArn")  # the stateful stack's memory, not "memory/*"
    assert "*" not in json.dumps(statement)
    _, cfn_runtime = one(runtime, "AWS::BedrockAgentCore::Runtime")
    assert _is_cross_stack_reference(cfn_runtime["Properties"]["EnvironmentVariables"]["MEMORY_ID"], "MemoryId")


@pytest.mark.parametrize("env_name", WITHOUT_MEMORY)
def test_environments_without_memory_have_no_memory(templates: dict, env_name: str) -> None:
    assert not [
        r
        for r in templates[f"{env_name}/Stateful"]["Resources"].values()
        if r["Type"] == "AWS::BedrockAgentCore::Memory"
    ]
    _, cfn_runtime = one(templates[f"{env_name}/Runtime"], "AWS::BedrockAgentCore::Runtime")
    assert "MEMORY_ID" not in cfn_runtime["Properties"]["EnvironmentVariables"]
