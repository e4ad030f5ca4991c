"""The synth gate reads the validation report aws-cdk-lib writes and fails on any error-level violation."""

from __future__ import annotations

import io
import json
from pathlib import Path

from agentcore_constructs.readiness.gate import VALIDATION_REPORT_FILE, enforce, gate_failures


def violation(rule: str, severity: str, path: str = "prod/Runtime/Agent/Role/Resource") -> dict:
    return {
        "ruleName": rule,
        "description": f"{rule} description",
        "suggestedFix": "do the fix",
        "severity": severity,
        "ruleMetadata": {"environment": "prod"},
        "violatingConstructs": [{"constructPath": path}],
    }


def write_report(tmp_path: Path, *plugin_reports: dict) -> Path:
    (tmp_path / VALIDATION_REPORT_FILE).write_text(
        json.dumps({"version": "55.0.0", "pluginReports": list(plugin_reports)})
    )
    return tmp_path


def test_an_unacknowledged_cdk_nag_finding_fails_the_gate(tmp_path: Path) -> None:
    outdir = write_report(
        tmp_path,
        {
            "pluginName": "AwsSolutions",
            "conclusion": "failure",
            "violations": [violation("AwsSolutions-IAM5[Resource::*]", "error")],
        },
    )
    stream = io.StringIO()
    assert enforce(outdir, stream=stream) == 1
    text = stream.getvalue()
    assert "Synth gate: 1 error-level finding(s)" in text
    assert "[AwsSolutions] AwsSolutions-IAM5[Resource::*] (environment prod)" in text
    assert "at prod/Runtime/Agent/Role/Resource" in text
    assert "fix: do the fix" in text


def test_warnings_do_not_fail_the_gate(tmp_path: Path) -> None:
    outdir = write_report(
        tmp_path,
        {
            "pluginName": "ProductionReadinessChecks",
            "conclusion": "success",
            "violations": [violation("Readiness-Memory", "warning")],
        },
    )
    assert gate_failures(outdir) == []
    assert enforce(outdir, stream=io.StringIO()) == 0


def test_a_crashed_plugin_fails_the_gate(tmp_path: Path) -> None:
    outdir = write_report(
        tmp_path, {"pluginName": "Broken", "conclusion": "failure", "violations": [], "metadata": {"error": "boom"}}
    )
    [failure] = gate_failures(outdir)
    assert failure.plugin == "Broken" and failure.rule == "PluginFailure" and "boom" in failure.description


def test_no_report_means_no_plugin_ran(tmp_path: Path) -> None:
    assert gate_failures(tmp_path) == []
