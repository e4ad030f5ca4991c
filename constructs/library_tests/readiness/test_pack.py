"""ProductionReadinessChecks through a real ``app.synth()``: levels per Stage, acknowledgements, the report."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import pytest

from agentcore_constructs.readiness import RULES, ProductionReadinessChecks, evaluate, load_cloud_assembly
from agentcore_constructs.readiness.model import Level
from library_tests.readiness.cdk_app import (
    RETRY_ACK,
    Synthesized,
    add_poc_stage,
    add_template_stage,
    leaky_template,
    new_app,
)

pytestmark = pytest.mark.xdist_group("synth")


def _violations(report: dict, plugin: str = "ProductionReadinessChecks") -> list[dict]:
    return [v for r in report["pluginReports"] if r["pluginName"] == plugin for v in r["violations"]]


def _reported(synthesized: Synthesized, stage: str) -> set[str]:
    return {
        v["ruleName"]
        for v in _violations(synthesized.report)
        if any(c["constructPath"].startswith(stage + "/") for c in v["violatingConstructs"])
    }


def test_plugin_is_a_policy_validation_plugin() -> None:
    plugin = ProductionReadinessChecks(strict_stages={"prod"}, level_by_stage={"dev": "off"})
    assert plugin.name == "ProductionReadinessChecks"
    assert plugin.rule_ids == list(RULES)
    assert (plugin.level_for("prod"), plugin.level_for("dev"), plugin.level_for("staging")) == (
        Level.ERROR,
        Level.OFF,
        Level.WARN,
    )
    with pytest.raises(ValueError, match="unknown readiness level"):
        ProductionReadinessChecks(level_by_stage={"prod": "fatal"})
    with pytest.raises(ValueError, match="unknown readiness rules"):
        ProductionReadinessChecks(rule_ids=["Readiness-Nope"])


def test_warn_stages_report_but_do_not_fail_synth(synthesized: Synthesized) -> None:
    poc = _reported(synthesized, "poc")
    assert {
        "Readiness-Memory[Missing]",
        "Readiness-Tools[Gateway::Missing]",
        "Readiness-Identity",
        "Readiness-Retries[Env::AGENT_RETRY_MODE]",
    } <= poc
    severities = {v["severity"] for v in _violations(synthesized.report)}
    assert severities == {"warning"}
    conclusion = {r["pluginName"]: r["conclusion"] for r in synthesized.report["pluginReports"]}
    assert conclusion["ProductionReadinessChecks"] == "success"


def test_strict_stage_without_findings_passes(synthesized: Synthesized) -> None:
    assert synthesized.plugin.last_findings["full"] == []
    assert _reported(synthesized, "full") == set()


def test_violations_name_the_construct_and_how_to_fix(synthesized: Synthesized) -> None:
    memory = next(v for v in _violations(synthesized.report) if v["ruleName"] == "Readiness-Memory[Missing]")
    assert [c["constructPath"] for c in memory["violatingConstructs"]] == ["poc/Agent/Runtime/Resource"]
    assert "AgentMemory" in memory["suggestedFix"]


def test_construct_acknowledgement_silences_only_that_finding(synthesized: Synthesized) -> None:
    leaky = _reported(synthesized, "leaky")
    assert "Readiness-Retries[Env::AGENT_RETRY_MODE]" not in leaky
    assert "Readiness-Retries[Env::AGENT_RETRY_MAX_ATTEMPTS]" in leaky
    acked = [f for f in synthesized.plugin.last_findings["leaky"] if f.acknowledged]
    assert [(f.id, f.acknowledged) for f in acked] == [("Readiness-Retries[Env::AGENT_RETRY_MODE]", RETRY_ACK)]


def test_stage_acknowledgement_is_reported_not_honoured(synthesized: Synthesized) -> None:
    assert "Readiness-Observability[Retention]" in _reported(synthesized, "leaky")
    scope = next(v for v in _violations(synthesized.report) if v["ruleName"] == "Readiness-AcknowledgementScope")
    assert [c["constructPath"] for c in scope["violatingConstructs"]] == ["leaky"]


def test_plugin_and_offline_evaluation_agree(synthesized: Synthesized) -> None:
    offline = {
        env.name: evaluate(env) for env in load_cloud_assembly(synthesized.outdir, ("ProductionReadinessChecks",))
    }
    assert set(offline) == {"poc", "full", "leaky"}
    for name, findings in synthesized.plugin.last_findings.items():
        assert [(f.id, f.construct_path, f.acknowledged) for f in findings] == [
            (f.id, f.construct_path, f.acknowledged) for f in offline[name]
        ]


def test_error_stage_fails_synth(tmp_path: Path) -> None:
    app = new_app(tmp_path / "cdk.out")
    add_poc_stage(app, "prod")
    cdk.Validations.of(app).add_plugins(ProductionReadinessChecks(app, strict_stages={"prod"}))
    with pytest.raises(Exception, match=r"Readiness-Memory\[Missing\]") as raised:
        app.synth()
    assert "prod/Agent/Runtime/Resource" in str(raised.value)


def test_error_stage_passes_when_its_findings_are_acknowledged(tmp_path: Path) -> None:
    app = new_app(tmp_path / "cdk.out")
    template = leaky_template()
    template["Resources"]["ToolLogs"]["Properties"]["RetentionInDays"] = 30
    _, stack, created = add_template_stage(app, "prod", template)
    for finding_id in ("Readiness-Retries[Env::AGENT_RETRY_MODE]", "Readiness-Retries[Env::AGENT_RETRY_MAX_ATTEMPTS]"):
        # one on the resource, one on its stack: both are recorded in the assembly
        target = created["Runtime"] if "MODE" in finding_id else stack
        cdk.Validations.of(target).acknowledge(
            cdk.Acknowledgment(id=finding_id, reason="retries are handled by the SDK")
        )
    plugin = ProductionReadinessChecks(app, level_by_stage={"prod": Level.ERROR})
    cdk.Validations.of(app).add_plugins(plugin)
    app.synth()
    assert [f.id for f in plugin.last_findings["prod"] if not f.acknowledged] == []
    assert len(plugin.last_findings["prod"]) == 2


def test_an_advisory_finding_is_a_warning_even_in_an_error_stage(tmp_path: Path) -> None:
    from library_tests.readiness.fixtures import good_template

    app = new_app(tmp_path / "cdk.out")
    template = good_template()
    del template["Resources"]["OnlineEvaluation"]
    add_template_stage(app, "prod", template)
    plugin = ProductionReadinessChecks(app, level_by_stage={"prod": Level.ERROR})
    cdk.Validations.of(app).add_plugins(plugin)
    app.synth()  # does not fail: the only finding is advisory
    assert [f.id for f in plugin.last_findings["prod"]] == ["Readiness-OnlineEvaluation"]
    assert RULES["Readiness-OnlineEvaluation"].advisory
