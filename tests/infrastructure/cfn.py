"""Small readers for synthesized CloudFormation templates, shared by the infrastructure tests."""

from __future__ import annotations

from typing import Any


def of_type(template: dict, cfn_type: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == cfn_type}


def one(template: dict, cfn_type: str) -> tuple[str, dict]:
    found = list(of_type(template, cfn_type).items())
    assert len(found) == 1, f"expected one {cfn_type}, found {[k for k, _ in found]}"
    return found[0]


def policy_statements(template: dict) -> list[dict]:
    return [
        s
        for p in of_type(template, "AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]
