"""scripts/cost.py on the real app: every environment gets an estimate and its resources are counted."""

from __future__ import annotations

from typing import Any

import pytest

from scripts.cost import PRICES, estimate
from tests.infrastructure.synth import SynthesizedApp

pytestmark = pytest.mark.xdist_group("synth")


@pytest.fixture(scope="module")
def app(synthesized: SynthesizedApp) -> SynthesizedApp:
    return synthesized  # the session's one synth of the real app


@pytest.fixture(scope="module")
def result(app: SynthesizedApp) -> dict[str, Any]:
    return estimate(app.outdir, requests_per_month=10_000)


def _count(template_set: dict[str, dict], env: str, cfn_type: str) -> int:
    return sum(
        1
        for stack, template in template_set.items()
        if stack.startswith(f"{env}/")
        for resource in template.get("Resources", {}).values()
        if resource["Type"] == cfn_type
    )


def _idle(result: dict[str, Any], env: str, prefix: str) -> dict[str, Any]:
    return next(line for line in result["environments"][env]["idle"] if line["item"].startswith(prefix))


def test_every_environment_gets_an_estimate(result: dict[str, Any]) -> None:
    assert set(result["environments"]) == {"dev", "staging", "prod"}
    for name, env in result["environments"].items():
        assert env["idle_monthly_usd"] > 0, name
        assert env["per_request_usd"] > 0, name
        assert not env["warnings"], (name, env["warnings"])  # the configured model has a price
        assert env["monthly_at_volume"]["total_usd"] > env["idle_monthly_usd"]


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
@pytest.mark.parametrize(
    ("prefix", "cfn_type"),
    [
        ("KMS customer managed keys", "AWS::KMS::Key"),
        ("CloudWatch dashboards", "AWS::CloudWatch::Dashboard"),
        ("CloudWatch composite alarms", "AWS::CloudWatch::CompositeAlarm"),
        ("Secrets Manager secrets", "AWS::SecretsManager::Secret"),
        ("CloudWatch log groups", "AWS::Logs::LogGroup"),
        ("Lambda functions", "AWS::Lambda::Function"),
    ],
)
def test_counts_match_the_templates(
    app: SynthesizedApp, result: dict[str, Any], env: str, prefix: str, cfn_type: str
) -> None:
    assert _idle(result, env, prefix)["count"] == _count(app.stack_templates(), env, cfn_type)


def test_stages_show_up_in_the_counts(result: dict[str, Any]) -> None:
    # One shared environment key (stateful stack) encrypts memory, gateway and the alarm topic.
    assert _idle(result, "prod", "KMS customer managed keys")["count"] == 1
    assert _idle(result, "prod", "KMS customer managed keys")["monthly_usd"] >= PRICES["kms.key_month"].usd
    assert _idle(result, "prod", "Secrets Manager secrets")["count"] >= 1
    assert _idle(result, "prod", "Cognito user pools")["count"] == 1
    assert (
        _idle(result, "dev", "Secrets Manager secrets")["count"]
        < _idle(result, "prod", "Secrets Manager secrets")["count"]
    )
    items = lambda env: {line["item"] for line in result["environments"][env]["per_request"]}  # noqa: E731
    assert "Memory events created" in items("prod") and "Memory events created" not in items("dev")
    assert "Gateway API invocations" in items("prod") and "Gateway API invocations" not in items("dev")
    assert any(item.startswith("Spans ingested") for item in items("prod"))  # prod configures Transaction Search


def test_estimates_are_written_next_to_the_assembly(app: SynthesizedApp) -> None:
    from scripts.cost import main

    assert main([str(app.outdir)]) == 0
    assert (app.outdir / "cost-estimate.json").is_file()
    assert "## prod" in (app.outdir / "cost-estimate.md").read_text()
