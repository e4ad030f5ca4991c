"""A private (VPC mode) environment names the endpoints its VPC provides; a strict environment whose VPC lacks one
fails synth naming it (Readiness-VpcEndpoints), one that declares them all (or an internet route) synthesizes."""

from __future__ import annotations

import copy
import json

import pytest

from scripts.stage_diff import synthesize
from stacks.synth import synth_app
from tests.infrastructure.synth import CDK_JSON

VPC = {
    "vpc_id": "vpc-0123456789abcdef0",
    "subnet_ids": ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"],
    "availability_zones": ["us-east-1a", "us-east-1b"],
}
ALL = ["s3", "bedrock-runtime", "bedrock-agentcore", "logs", "xray", "sts"]
#: Staging also connects a tool gateway (its own endpoint service) and verifies Cognito tokens in the agent.
CONNECTED = ["bedrock-agentcore.gateway", "cognito-idp"]


def _private_staging(endpoints: list[str]) -> dict:
    env = copy.deepcopy(CDK_JSON["context"]["environments"]["staging"])
    env.update(network_mode="VPC", vpc={**VPC, "endpoints": endpoints})
    return env


def test_missing_endpoints_fail_a_strict_environment_naming_them(tmp_path) -> None:
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        synth_app(tmp_path, environments={"staging": _private_staging(["s3", "logs"])})
    printed = (tmp_path / "validation-report.json").read_text()
    for service in ("bedrock-runtime", "bedrock-agentcore", "xray", "sts", "bedrock-agentcore.gateway", "internet"):
        assert f"Readiness-VpcEndpoints[Missing::{service}]" in printed
    assert "Readiness-VpcEndpoints[Missing::s3]" not in printed


def test_endpoints_alone_cannot_serve_a_cognito_pool_with_a_domain(tmp_path) -> None:
    """Staging's user pool has a domain (managed login), and Cognito's PrivateLink endpoint refuses every request
    for such a pool: the agent could not fetch the JWKS to verify callers without a NAT route."""
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        synth_app(tmp_path, environments={"staging": _private_staging([*ALL, *CONNECTED])})
    printed = (tmp_path / "validation-report.json").read_text()
    assert "Readiness-VpcEndpoints[Missing::internet]" in printed
    assert "Cognito's PrivateLink endpoint refuses a pool with a domain" in printed
    assert "Missing::bedrock-agentcore.gateway" not in printed


@pytest.mark.parametrize("endpoints", [[*ALL, *CONNECTED, "internet"], ["internet"]], ids=["endpoints-and-nat", "nat"])
def test_a_vpc_that_provides_them_synthesizes(endpoints: list[str]) -> None:
    templates = synthesize("staging", _private_staging(endpoints))
    (runtime,) = [
        r for t in templates.values() for r in t["Resources"].values() if r["Type"] == "AWS::BedrockAgentCore::Runtime"
    ]
    assert runtime["Properties"]["NetworkConfiguration"]["NetworkMode"] == "VPC"
    assert runtime["Metadata"]["agentcore:vpc-endpoints"] == sorted(endpoints)


def test_endpoints_create_builds_them_and_the_strict_environment_synthesizes() -> None:
    env = _private_staging([])
    # The pool's JWKS needs a NAT route (see above): created endpoints and a declared internet route.
    env["vpc"].update(
        endpoints=["create", "internet"], route_table_ids=["rtb-0aaaaaaaaaaaaaaa1", "rtb-0bbbbbbbbbbbbbbb2"]
    )
    templates = synthesize("staging", env)
    endpoints = [r for t in templates.values() for r in t["Resources"].values() if r["Type"] == "AWS::EC2::VPCEndpoint"]
    assert len(endpoints) == len(ALL) + len(CONNECTED)
    services = json.dumps([e["Properties"]["ServiceName"] for e in endpoints])
    assert "bedrock-agentcore.gateway" in services and "cognito-idp" in services
    (gateway,) = [e for e in endpoints if e["Properties"].get("VpcEndpointType", "Gateway") == "Gateway"]
    assert sorted(gateway["Properties"]["RouteTableIds"]) == ["rtb-0aaaaaaaaaaaaaaa1", "rtb-0bbbbbbbbbbbbbbb2"]
