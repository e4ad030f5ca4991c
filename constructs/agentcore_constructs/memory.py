"""Stage 2: ``AgentMemory`` — AgentCore Memory with short-term events and long-term strategies, per actor.

Built on the stable ``aws_bedrockagentcore.Memory`` L2. Connect it to an :class:`AgentRuntime` with
:meth:`AgentMemory.grant_to`, which grants exactly the data-plane actions the agent's session manager calls on this
memory's ARN and sets ``MEMORY_ID`` through the env-var contract.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_bedrockagentcore as agentcore
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

from agentcore_constructs.acknowledgements import acknowledge
from agentcore_constructs.contract import env_vars as env_contract
from agentcore_constructs.contract.memory import FACTS_NAMESPACE, PREFERENCES_NAMESPACE, SUMMARIES_NAMESPACE
from agentcore_constructs.keys import check_not_alias
from agentcore_constructs.props import Problems
from agentcore_constructs.runtime import AgentRuntime
from constructs import Construct

_NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]{0,47}$")


#: What the Strands AgentCoreMemorySessionManager calls (bedrock_agentcore.memory.integrations.strands):
#: events are written, listed and read back for history, deleted only when Strands replaces a redacted message;
#: long-term records are retrieved by semantic search. Nothing else — no ListMemoryRecords, no admin actions.
AGENT_DATA_PLANE_ACTIONS = (
    "bedrock-agentcore:CreateEvent",
    "bedrock-agentcore:GetEvent",
    "bedrock-agentcore:ListEvents",
    "bedrock-agentcore:DeleteEvent",
    "bedrock-agentcore:RetrieveMemoryRecords",
)


def _default_strategies() -> list[agentcore.IMemoryStrategy]:
    return [
        agentcore.MemoryStrategy.using_semantic(strategy_name="facts", namespaces=[FACTS_NAMESPACE]),
        agentcore.MemoryStrategy.using_user_preference(strategy_name="preferences", namespaces=[PREFERENCES_NAMESPACE]),
        agentcore.MemoryStrategy.using_summarization(strategy_name="summaries", namespaces=[SUMMARIES_NAMESPACE]),
    ]


class AgentMemory(Construct):
    """AgentCore Memory: short-term events plus semantic-facts, summary and user-preference strategies.

    Args:
        memory_name: AgentCore memory name (``[a-zA-Z][a-zA-Z0-9_]{0,47}``).
        event_expiry: how long short-term events are kept (7..365 days). Default: 30 days.
        encryption_key: customer-managed KMS key. Default: a new key with rotation on.
        removal_policy: for the memory and the key it creates. Default: RETAIN (conversation data is not
            disposable; destroy it deliberately).
        description: memory description. Default: none.
        memory_strategies: the long-term strategies, replacing the default three. The agent kit reads the default
            namespaces (``agentcore_constructs.contract.memory``): strategies with other namespaces need the agent
            configured to match. Default: semantic facts, user preferences and session summaries, per actor.

    Attributes:
        memory: the L2 ``Memory``; ``memory_id``/``memory_arn`` for wiring.
        key: the KMS key encrypting the memory.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        memory_name: str,
        event_expiry: cdk.Duration = cdk.Duration.days(30),
        encryption_key: kms.IKey | None = None,
        removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.RETAIN,
        description: str | None = None,
        memory_strategies: Sequence[agentcore.IMemoryStrategy] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        problems = Problems.of(self)
        problems.check(_NAME.match(memory_name), "memory_name", f"{memory_name!r} must match {_NAME.pattern}")
        expiry_days = event_expiry.to_days()
        problems.check(7 <= expiry_days <= 365, "event_expiry", f"{expiry_days} days must be within 7..365 days")
        check_not_alias(problems, "encryption_key", encryption_key)
        problems.raise_if_any()

        if encryption_key is None:
            created_key = kms.Key(
                self,
                "Key",
                description=f"Encrypts AgentCore memory {memory_name}",
                enable_key_rotation=True,
                removal_policy=removal_policy,
            )
            encryption_key = created_key
        self.key = encryption_key

        self.memory = agentcore.Memory(
            self,
            "Memory",
            memory_name=memory_name,
            description=description,
            expiration_duration=event_expiry,
            kms_key=encryption_key,
            memory_strategies=list(memory_strategies) if memory_strategies is not None else _default_strategies(),
        )
        self.cfn_memory = next(
            c
            for c in self.memory.node.find_all()
            if isinstance(c, cdk.CfnResource) and c.cfn_resource_type == "AWS::BedrockAgentCore::Memory"
        )
        self.cfn_memory.apply_removal_policy(removal_policy)
        if self.memory.execution_role is not None:
            # The memory is created only after its role can use the key (no first-deploy IAM propagation race).
            role_policy = self.memory.execution_role.node.try_find_child("DefaultPolicy")
            if role_policy is not None:
                self.cfn_memory.node.add_dependency(role_policy)
            acknowledge(
                self.memory.execution_role,
                "AwsSolutions-IAM5[Action::kms:ReEncrypt*]",
                "Added by the Memory L2's key grant: kms:ReEncrypt* is exactly ReEncryptFrom/ReEncryptTo, on this "
                "memory's own key only.",
            )
        self.memory_id = self.memory.memory_id
        self.memory_arn = self.memory.memory_arn

    def grant_to(self, runtime: AgentRuntime) -> None:
        """Let ``runtime``'s agent use this memory: data-plane actions on this ARN only, and ``MEMORY_ID``.

        No KMS permission for the agent: AgentCore Memory uses the customer-managed key itself, through the grant it
        creates with the permissions of the principal that creates the memory (``kms:CreateGrant``, ``Decrypt``,
        ``GenerateDataKey``... with ``kms:ViaService`` bedrock-agentcore; developer guide, "Encrypt your Amazon
        Bedrock AgentCore memory": https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/storage-encryption.html).
        That principal is the CloudFormation execution role, which the key's default policy lets use the key through
        IAM. Unverified without an account: that data-plane callers need nothing on the key (the guide lists none)."""
        runtime.add_to_execution_policy(
            iam.PolicyStatement(
                sid="UseAgentMemory", actions=list(AGENT_DATA_PLANE_ACTIONS), resources=[self.memory_arn]
            )
        )
        runtime.add_environment(env_contract.MEMORY_ID, self.memory_id)
