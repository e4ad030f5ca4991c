"""The production-readiness rules, in explicit packs (nothing registers by import side effect).

* :data:`CHECKLIST_PACK`: the seed article's eight-item checklist (``checklist.py``, ``least_privilege.py``);
* :data:`HARDENING_PACK`: beyond the seed (``hardening.py``);
* :data:`AWS_CONTRACT_PACK`: what AWS would reject or silently break at deploy time (``aws_contract.py``).

:data:`RULES` is every rule of every pack, by id, in pack order.
"""

from __future__ import annotations

from agentcore_constructs.readiness.model import Rule
from agentcore_constructs.readiness.rules import aws_contract, checklist, hardening, least_privilege
from agentcore_constructs.readiness.rules.credentials import credential_kind

CHECKLIST_PACK: tuple[Rule, ...] = (
    checklist.runtime_hosts_the_agent,
    checklist.memory_connected,
    checklist.tools_through_gateway,
    checklist.inbound_auth,
    checklist.per_user_identity,
    checklist.observability,
    checklist.retries_configured,
    least_privilege.least_privilege,
    checklist.e2e_outputs,
)
HARDENING_PACK: tuple[Rule, ...] = (
    hardening.gateway_debug,
    hardening.memory_encryption,
    hardening.gateway_encryption,
    hardening.artifact_pinned,
    hardening.tool_permission,
    hardening.endpoint_version_pinned,
    hardening.invocation_limits,
    hardening.tool_policy,
    hardening.online_evaluation,
)
AWS_CONTRACT_PACK: tuple[Rule, ...] = aws_contract.PACK

PACKS: dict[str, tuple[Rule, ...]] = {
    "checklist": CHECKLIST_PACK,
    "hardening": HARDENING_PACK,
    "aws-contract": AWS_CONTRACT_PACK,
}
RULES: dict[str, Rule] = {r.id: r for pack in PACKS.values() for r in pack}

__all__ = ["AWS_CONTRACT_PACK", "CHECKLIST_PACK", "HARDENING_PACK", "PACKS", "RULES", "credential_kind"]
