"""Acknowledging one cdk-nag finding, with the finding id built the way cdk-nag prints it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from constructs import IConstruct


def render_for_finding(scope: IConstruct, value: str) -> str:
    """Render a (possibly tokenized) string as cdk-nag shows it in finding ids.

    cdk-nag resolves the value and prints ``Ref``/``Fn::GetAtt`` as ``<Name>``/``<Logical.Attr>``; building the id
    from the resolved value (never a hard-coded logical id) keeps acknowledgements true when ids change.
    """
    return _render(cdk.Stack.of(scope).resolve(value))


def _render(resolved: Any) -> str:
    if isinstance(resolved, str):
        return resolved
    if isinstance(resolved, dict) and "Fn::Join" in resolved:
        separator, parts = resolved["Fn::Join"]
        return separator.join(_render(part) for part in parts)
    if isinstance(resolved, dict) and "Ref" in resolved:
        return f"<{resolved['Ref']}>"
    if isinstance(resolved, dict) and "Fn::GetAtt" in resolved:
        logical_id, attribute = resolved["Fn::GetAtt"]
        return f"<{logical_id}.{attribute}>"
    raise ValueError(f"cannot render {resolved!r} as a cdk-nag finding id")


def acknowledge(construct: IConstruct, finding_id: str, reason: str) -> None:
    """Acknowledge exactly one finding on one construct, with the reason it is acceptable."""
    if not reason.strip():
        raise ValueError(f"acknowledging {finding_id} needs a reason")
    cdk.Validations.of(construct).acknowledge(cdk.Acknowledgment(id=finding_id, reason=reason))


def acknowledge_wildcard_resource(construct: IConstruct, resource: str, reason: str) -> None:
    """Acknowledge AwsSolutions-IAM5 for one wildcard resource string of a policy."""
    acknowledge(construct, f"AwsSolutions-IAM5[Resource::{render_for_finding(construct, resource)}]", reason)


def acknowledge_checkov(resource: cdk.CfnResource, check_id: str, reason: str) -> None:
    """Skip one checkov check on one resource, in the template metadata checkov reads (``Metadata.checkov.skip``)."""
    if not reason.strip():
        raise ValueError(f"skipping checkov {check_id} needs a reason")
    existing = resource.get_metadata("checkov") or {"skip": []}
    skips = [s for s in existing["skip"] if s.get("id") != check_id]
    resource.add_metadata("checkov", {"skip": [*skips, {"id": check_id, "comment": reason}]})


def acknowledge_cfn_lint(resource: cdk.CfnResource, rule_id: str, reason: str) -> None:
    """Silence one cfn-lint rule on one resource (template metadata cfn-lint honours), recording why."""
    if not reason.strip():
        raise ValueError(f"acknowledging cfn-lint {rule_id} needs a reason")
    existing = resource.get_metadata("cfn-lint") or {"config": {"ignore_checks": []}}
    checks = existing["config"]["ignore_checks"]
    if rule_id not in checks:
        checks.append(rule_id)
    resource.add_metadata("cfn-lint", existing)
    reasons = dict(resource.get_metadata("cfn-lint-acknowledgements") or {})
    reasons[rule_id] = reason
    resource.add_metadata("cfn-lint-acknowledgements", reasons)


def policy_wildcards(policy: iam.CfnPolicy) -> Iterator[tuple[str, str]]:
    """``("Action"|"Resource", value)`` for each wildcard in ``policy``, rendered as cdk-nag prints it in finding ids
    (``AwsSolutions-IAM5[<kind>::<value>]``), to acknowledge each one with its own reason."""
    scope = cdk.Stack.of(policy)
    document = scope.resolve(policy.policy_document)
    for statement in document.get("Statement", []):
        for action in _as_list(statement.get("Action")):
            if isinstance(action, str) and "*" in action:
                yield "Action", action
        for resource in _as_list(statement.get("Resource")):
            if isinstance(resource, dict) and "Fn::Sub" in resource:
                continue  # exact ARNs built with Fn::Sub (e.g. the CDK bootstrap roles)
            rendered = _render_with_partition(resource)
            if "*" in rendered:
                yield "Resource", rendered


def _render_with_partition(resolved: Any) -> str:
    if isinstance(resolved, dict) and set(resolved) == {"Ref"} and str(resolved["Ref"]).startswith("AWS::"):
        return f"<{resolved['Ref']}>"
    if isinstance(resolved, dict) and "Fn::Join" in resolved:
        separator, parts = resolved["Fn::Join"]
        return separator.join(_render_with_partition(part) for part in parts)
    return _render(resolved)


def _as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else [value]
