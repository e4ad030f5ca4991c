"""Per-user tool permissions as Cedar policy on the gateway (AgentCore Policy): one policy engine, the policies from
``.cedar`` files in the repository, attached to a :class:`ToolGateway` in LOG_ONLY or ENFORCE mode.

The Cedar contract (AgentCore developer guide, "Policy scope", "Schema constraints", "Authorization flow"): the
principal is ``AgentCore::OAuthUser::"<sub>"`` with the token's claims as tags (``principal.getTag("scope")``), the
action ``AgentCore::Action::"<target>___<tool>"``, the resource ``AgentCore::Gateway::"<gateway ARN>"`` (a policy on
specific actions names the gateway's ARN), and ``context.input`` the tool call's arguments. Everything not permitted
is denied; a ``forbid`` wins over any ``permit``.

Files may use placeholders the construct fills in at synth: ``{{gateway_arn}}`` and any given in ``variables``.
At synth the filled-in policies are validated by the real Cedar engine (cedarpy) against the schema AgentCore
generates from the gateway's tools (:func:`gateway_cedar_schema`): a syntax error, a tool the gateway does not have
or an argument of the wrong type fails synth instead of the deploy. The app evaluates the same files locally
(``local_dev/tool_policy.py``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import cedarpy
import jsii
from aws_cdk import aws_bedrockagentcore as agentcore
from aws_cdk import aws_iam as iam

from agentcore_constructs.acknowledgements import acknowledge_cfn_lint

# The policy-file helpers live in the contract (the local stack reads the files without the CDK); importable from
# here as before.
from agentcore_constructs.contract.tool_policy import (
    GATEWAY_ARN_PLACEHOLDER,
    policy_files,
    render_policy,
    unknown_placeholder_text,
    unknown_placeholders,
)
from agentcore_constructs.contract.tool_policy import read_policy_files as read_policy_files
from agentcore_constructs.gateway import ToolGateway
from agentcore_constructs.props import Problems
from constructs import Construct, IValidation

#: The gateway's policy-engine modes (CloudFormation ``PolicyEngineConfiguration.Mode``).
MODES = ("LOG_ONLY", "ENFORCE")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,47}$")
#: The id suffix AgentCore appends to a gateway name in its ARN (``gateway/<name>-<10 characters>``).
_GATEWAY_ID_SUFFIX = 10
#: The gateway's built-in tool when semantic search is on (AgentCore developer guide, "Search for tools"); it is in
#: the MCP tool manifest, so a policy may name it. Its input is a ``query`` string.
SEARCH_TOOL_NAME = "x_amz_bedrock_agentcore_search"
#: JSON Schema type -> Cedar type of a tool argument in ``context.input`` (developer guide, "Schema constraints":
#: https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/policy-schema-constraints.html — string -> String,
#: integer -> Long, boolean -> Bool, number -> Decimal). Objects and arrays as Cedar records and sets: the guide
#: does not list them (unverified).
_CEDAR_TYPES: dict[str, dict[str, Any]] = {
    "string": {"type": "String"},
    "integer": {"type": "Long"},
    "boolean": {"type": "Boolean"},
    "number": {"type": "Extension", "name": "decimal"},
}


def _cedar_type(schema: Mapping[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if kind == "object":
        return _cedar_record(schema)
    if kind == "array":
        return {"type": "Set", "element": _cedar_type(schema.get("items") or {})}
    if isinstance(kind, str) and kind in _CEDAR_TYPES:
        return dict(_CEDAR_TYPES[kind])
    raise ValueError(f"JSON Schema type {kind!r} has no Cedar type")


def _cedar_record(schema: Mapping[str, Any]) -> dict[str, Any]:
    required = set(schema.get("required") or ())
    return {
        "type": "Record",
        "attributes": {
            name: {**_cedar_type(child), "required": name in required}
            for name, child in (schema.get("properties") or {}).items()
        },
    }


def gateway_cedar_schema(
    tool_inputs: Mapping[str, Mapping[str, Any]], *, principal: str = "OAuthUser"
) -> dict[str, Any]:
    """The Cedar schema (JSON form) AgentCore Policy generates from a gateway's MCP tool manifest, as the developer
    guide describes it ("Schema constraints"): namespace ``AgentCore``; principal ``OAuthUser`` (``id`` attribute,
    claims as string tags) for a JWT gateway or ``IamEntity`` (``id`` only) for an IAM one; resource ``Gateway``;
    one action per tool, a member of ``CallTool`` -> ``Mcp``, whose context holds only ``input``, typed from the
    tool's inputSchema.

    ``tool_inputs``: ``{tool name as listed (<target>___<tool>): inputSchema}``.
    """
    if principal not in ("OAuthUser", "IamEntity"):
        raise ValueError(f"principal {principal!r} must be OAuthUser or IamEntity")
    id_shape = {"type": "Record", "attributes": {"id": {"type": "String", "required": True}}}
    entity_types: dict[str, Any] = {
        "OAuthUser": {"shape": id_shape, "tags": {"type": "String"}},
        "IamEntity": {"shape": id_shape},
        "Gateway": {},
    }
    actions: dict[str, Any] = {"Mcp": {}, "CallTool": {"memberOf": [{"id": "Mcp"}]}}
    for name, input_schema in tool_inputs.items():
        actions[name] = {
            "memberOf": [{"id": "CallTool"}],
            "appliesTo": {
                "principalTypes": [principal],
                "resourceTypes": ["Gateway"],
                "context": {
                    "type": "Record",
                    "attributes": {"input": {**_cedar_record(input_schema), "required": True}},
                },
            },
        }
    return {"AgentCore": {"entityTypes": entity_types, "actions": actions}}


def policy_problems(policies: Mapping[str, str], schema: Mapping[str, Any]) -> list[str]:
    """Why AgentCore would refuse these policies (``{name: Cedar text}``, placeholders filled in) at create time:
    a syntax error, or a validation finding against ``schema`` (an unknown tool, argument or tag use, a type
    mismatch). [] when none. The policy resources use ``FAIL_ON_ANY_FINDINGS``, so any finding fails the deploy."""
    problems = []
    for name, text in policies.items():
        try:
            result = cedarpy.validate_policies(text, dict(schema))
        except Exception as error:  # noqa: BLE001 - cedarpy raises ValueError/RuntimeError for unparsable input
            problems.append(f"{name}: {error}")
            continue
        problems += [f"{name}: {error}" for error in result.errors]
    return problems


@jsii.implements(IValidation)
class _PoliciesValidate:
    """Runs at synth, after every target has been added to the gateway."""

    def __init__(self, owner: str, gateway: ToolGateway, rendered: Mapping[str, str]) -> None:
        self._owner, self._gateway, self._rendered = owner, gateway, rendered

    def validate(self) -> list[str]:
        tools = dict(self._gateway.tool_input_schemas())
        tools[SEARCH_TOOL_NAME] = {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}
        # The principal type follows the gateway's authorizer (guide, "Schema constraints", Principal Types).
        iam_gateway = self._gateway.cfn_gateway.authorizer_type == "AWS_IAM"
        schema = gateway_cedar_schema(tools, principal="IamEntity" if iam_gateway else "OAuthUser")
        # The props convention's shape (agentcore_constructs.props): ``<Class> <path>: <prop> <what is wrong>``.
        return [
            f"{self._owner}: policy_dir {problem} (tools on the gateway: {', '.join(sorted(tools))})"
            for problem in policy_problems(self._rendered, schema)
        ]


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
        problems = Problems.of(self)
        problems.check(mode in MODES, "mode", f"{mode!r} must be one of {', '.join(MODES)}")
        problems.check(
            GATEWAY_ARN_PLACEHOLDER not in (variables or {}),
            "variables",
            "may not set {{gateway_arn}}: it is filled in by the construct",
        )
        name = engine_name or f"{gateway.gateway_name.replace('-', '_')}_policies"
        problems.check(_NAME.match(name), "engine_name", f"{name!r} must match {_NAME.pattern}")
        files, file_problems = policy_files(Path(policy_dir))
        problems.extend(("policy_dir", problem) for problem in file_problems)
        values = {**dict(variables or {}), GATEWAY_ARN_PLACEHOLDER: gateway.gateway.gateway_arn}
        for stem, text in files.items():
            unknown = unknown_placeholders(text, values)
            if unknown:
                source = f"{policy_dir}/{stem}.cedar"
                problems.add("policy_dir", f"{unknown_placeholder_text(source, unknown, values)}: set it in variables")
        problems.raise_if_any()
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
        self.node.add_validation(
            _PoliciesValidate(problems.owner, gateway, {f"{stem}.cedar": text for stem, text in rendered.items()})
        )
        for policy in self.policies.values():
            # AgentCore validates each policy against the schema generated from the gateway's tools: created in
            # parallel with a target, a policy naming that target's tool fails. Deploy every policy after every target.
            gateway.deploy_after_all_targets(policy)
            acknowledge_cfn_lint(
                policy.node.default_child,  # type: ignore[arg-type]
                "W3005",
                "aws-cdk-lib's Policy adds DependsOn on its engine next to the GetAtt of the engine's id",
            )
        gateway.cfn_gateway.add_property_override(
            "PolicyEngineConfiguration", {"Arn": self.engine.policy_engine_arn, "Mode": mode}
        )
        # Order: engine -> gateway (attached by ARN) -> targets -> policies (they name the gateway's ARN and are
        # validated against the schema AgentCore builds from its tools). Between the gateway update and the policies'
        # creation an ENFORCE engine has no permit: tool calls are denied for that moment, never allowed.
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
