"""Checklist item 7: least-privilege IAM. The wildcard allow-list (aws_facts) is shared with the grants."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from agentcore_constructs.aws_facts import WILDCARD_RESOURCE_ALLOWED
from agentcore_constructs.readiness.assembly import Environment, Stack
from agentcore_constructs.readiness.model import RawFinding, rule
from agentcore_constructs.readiness.rules import common as c

#: AWS managed policies that are never least privilege for an agent or tool role.
FORBIDDEN_MANAGED_POLICIES = re.compile(
    r"(?i)policy/(?:AdministratorAccess|PowerUserAccess|IAMFullAccess|AWSLambdaRole|BedrockAgentCoreFullAccess|[A-Za-z0-9]*FullAccess)$"
)


def _condition_keys(statement: dict[str, Any]) -> set[str]:
    keys: set[str] = set()
    for operator_block in (statement.get("Condition") or {}).values():
        if isinstance(operator_block, dict):
            keys |= {k.lower() for k in operator_block}
    return keys


def _wildcard_resource_allowed(statement: dict[str, Any]) -> bool:
    actions = [a for a in c.as_list(statement.get("Action")) if isinstance(a, str)]
    if not actions:
        return False
    conditions = _condition_keys(statement)
    for action in actions:
        if action.lower() not in WILDCARD_RESOURCE_ALLOWED:
            return False
        needed = WILDCARD_RESOURCE_ALLOWED[action.lower()]
        if needed is not None and needed not in conditions:
            return False
    return True


def _managed_policy_name(env: Environment, value: Any, stack: Stack) -> str | None:
    for text in env.literal_strings(value):
        if FORBIDDEN_MANAGED_POLICIES.search(text):
            return text.rsplit("/", 1)[-1]
    return None


# =========================================================================================================
# 7. Least privilege
# =========================================================================================================
@rule(
    "Readiness-LeastPrivilege",
    info="An IAM statement allows every action of a service, or every resource, or a broad AWS managed policy is "
    "attached.",
    explanation="Name the actions and scope resources to ARNs (grant_* methods do). Resource '*' is only accepted for "
    "actions "
    "that have no resource type: xray:PutTraceSegments/PutTelemetryRecords/GetSamplingRules/GetSamplingTargets, "
    "cloudwatch:PutMetricData with a cloudwatch:namespace condition, ecr:GetAuthorizationToken. Replace "
    "AdministratorAccess/*FullAccess/AWSLambdaRole with scoped statements.",
    checklist=7,
    gaps=("isolation",),
)
def least_privilege(env: Environment) -> Iterator[RawFinding]:
    for holder, statement in c.policy_statements(env):
        if statement.get("Effect") != "Allow":
            continue
        if "NotAction" in statement:
            yield holder, "NotAction", "Allow with NotAction grants everything except a list"
        if "NotResource" in statement:
            yield holder, "NotResource", "Allow with NotResource grants every resource except a list"
        for action in c.as_list(statement.get("Action")):
            if isinstance(action, str) and (action == "*" or action.endswith(":*")):
                yield holder, f"Action::{action}", f"statement allows {action}"
        if "*" in c.as_list(statement.get("Resource")) and not _wildcard_resource_allowed(statement):
            actions = ", ".join(a for a in c.as_list(statement.get("Action")) if isinstance(a, str))
            yield holder, "Resource::*", f"statement allows {actions or 'its actions'} on Resource '*'"
    for role in env.resources(c.IAM_ROLE):
        for arn in c.as_list(role.prop("ManagedPolicyArns")):
            name = _managed_policy_name(env, arn, role.stack)
            if name:
                yield role, f"Policy::{name}", f"role has the AWS managed policy {name}"
