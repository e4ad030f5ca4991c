"""Per-user tool permissions as Cedar policy on the gateway (AgentCore Policy): one policy engine, the policies from
``.cedar`` files in the repository, attached to a :class:`ToolGateway` in LOG_ONLY or ENFORCE mode.

The Cedar contract (AgentCore developer guide, "Policy scope", "Schema constraints", "Authorization flow"): the
principal is ``AgentCore::OAuthUser::"<sub>"`` with the token's claims as tags (``principal.getTag("scope")``), the
action ``AgentCore::Action::"<target>___<tool>"``, the resource ``AgentCore::Gateway::"<gateway ARN>"`` (a policy on
specific actions names the gateway's ARN), and ``context.input`` the tool call's arguments. Everything not permitted
is denied; a ``forbid`` wins over any ``permit``.

Files may use placeholders the construct fills in at synth: ``{{gateway_arn}}`` and any given in ``variables``.
The same files are evaluated locally by the real Cedar engine (``agentcore_constructs.cedar_local``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_bedrockagentcore as agentcore
from aws_cdk import aws_iam as iam

from agentcore_constructs.acknowledgements import acknowledge_cfn_lint
from agentcore_constructs.gateway import ToolGateway
from constructs import Construct

#: The gateway's policy-engine modes (CloudFormation ``PolicyEngineConfiguration.Mode``).
MODES = ("LOG_ONLY", "ENFORCE")
GATEWAY_ARN_PLACEHOLDER = "gateway_arn"
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_STATEMENT = re.compile(r"^\s*(permit|forbid)\s*\(", re.MULTILINE)
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,47}$")
#: The id suffix AgentCore appends to a gateway name in its ARN (``gateway/<name>-<10 characters>``).
_GATEWAY_ID_SUFFIX = 10


def read_policy_files(policy_dir: Path) -> dict[str, str]:
    """``{file stem: Cedar text}`` for every ``*.cedar`` file, one statement per file (validated)."""
    files = sorted(Path(policy_dir).glob("*.cedar"))
    if not files:
        raise ValueError(f"{policy_dir}: no .cedar files")
    policies = {}
    for path in files:
        text = path.read_text()
        statements = len(_STATEMENT.findall(text))
        if statements != 1:
            raise ValueError(f"{path}: holds {statements} permit/forbid statements; put exactly one in each file")
        policies[path.stem] = text
    return policies


def render_policy(text: str, values: Mapping[str, str], source: str = "policy") -> str:
    """Fill ``{{name}}`` placeholders; an unknown one is an error naming it."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise ValueError(f"{source}: unknown placeholder {{{{{name}}}}} (known: {', '.join(sorted(values))})")
        return values[name]

    return _PLACEHOLDER.sub(fill, text)


class ToolPolicy(Construct):
    """A Cedar policy engine with the policies of ``policy_dir``, attached to ``gateway``.

    Args:
        gateway: the tool gateway (JWT-authorized, so the principal is the verified caller).
        policy_dir: folder of ``.cedar`` files, one ``permit``/``forbid`` statement each.
        mode: ``"ENFORCE"`` (deny what no policy permits) or ``"LOG_ONLY"`` (evaluate and log, deny nothing).
            Default: ``"ENFORCE"``.
        variables: values of the files' ``{{name}}`` placeholders besides ``{{gateway_arn}}``. Default: none.
        engine_name: the policy engine's name. Default: ``<gateway name>_policies`` with hyphens as underscores.

    Attributes: ``engine`` (``PolicyEngine``), ``policies`` (``{file stem: Policy}``), ``mode``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        gateway: ToolGateway,
        policy_dir: str | Path,
        mode: str = "ENFORCE",
        variables: Mapping[str, str] | None = None,
        engine_name: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        if mode not in MODES:
            raise ValueError(f"{self.node.path}: mode {mode!r} must be one of {', '.join(MODES)}")
        if GATEWAY_ARN_PLACEHOLDER in (variables or {}):
            raise ValueError(f"{self.node.path}: {{{{gateway_arn}}}} is filled in by the construct")
        name = engine_name or f"{gateway.gateway_name.replace('-', '_')}_policies"
        if not _NAME.match(name):
            raise ValueError(f"{self.node.path}: engine_name {name!r} must match {_NAME.pattern}")
        files = read_policy_files(Path(policy_dir))
        values = {**dict(variables or {}), GATEWAY_ARN_PLACEHOLDER: gateway.gateway.gateway_arn}
        rendered = {stem: render_policy(text, values, f"{policy_dir}/{stem}.cedar") for stem, text in files.items()}

        self.mode = mode
        self.engine = agentcore.PolicyEngine(
            self, "Engine", policy_engine_name=name, description=f"Tool permissions of {gateway.gateway_name}"
        )
        self.policies = {
            stem: self.engine.add_policy(
                f"Policy{''.join(part.capitalize() for part in stem.split('_'))}",
                statement=agentcore.PolicyStatement.from_cedar(text),
                policy_name=f"{stem}"[:48],
                description=f"{stem}.cedar",
                # AgentCore validates each policy against the schema it generates from the gateway's tools.
                validation_mode=agentcore.PolicyValidationMode.FAIL_ON_ANY_FINDINGS,
            )
            for stem, text in rendered.items()
        }
        for policy in self.policies.values():
            acknowledge_cfn_lint(
                policy.node.default_child,  # type: ignore[arg-type]
                "W3005",
                "aws-cdk-lib's Policy adds DependsOn on its engine next to the GetAtt of the engine's id",
            )
        gateway.cfn_gateway.add_property_override(
            "PolicyEngineConfiguration", {"Arn": self.engine.policy_engine_arn, "Mode": mode}
        )
        # Order: engine -> gateway (attached by ARN) -> policies (they name the gateway's ARN and are validated against
        # the schema AgentCore builds from its tools). Between the gateway update and the policies' creation an
        # ENFORCE engine has no permit: tool calls are denied for that moment, never allowed.
        stack = cdk.Stack.of(self)
        # The gateway role evaluates the engine's policies (aws-cdk-lib's PolicyEngine.grantEvaluateForGateway
        # actions). The gateway's ARN is named, not referenced: the gateway depends on this policy.
        gateway_arn = stack.format_arn(
            service="bedrock-agentcore",
            resource="gateway",
            resource_name=f"{gateway.gateway_name.lower()}-{'?' * _GATEWAY_ID_SUFFIX}",
        )
        gateway.policy.add_statements(
            iam.PolicyStatement(
                sid="ReadToolPolicyEngine",
                actions=["bedrock-agentcore:GetPolicyEngine"],
                resources=[self.engine.policy_engine_arn],
            ),
            iam.PolicyStatement(
                sid="EvaluateToolPolicies",
                actions=["bedrock-agentcore:AuthorizeAction", "bedrock-agentcore:PartiallyAuthorizeActions"],
                resources=[self.engine.policy_engine_arn, gateway_arn],
            ),
        )
