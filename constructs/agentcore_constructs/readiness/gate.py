"""The synth gate: the CDK app itself exits non-zero when any validation plugin reports an error.

Why the app and not the CLI: the CDK CLI fails only on the validation reports of the stacks it *selected*, and a
bare ``cdk synth`` selects no stack inside a ``cdk.Stage`` (aws-cdk CLI ``loadUnifiedValidationReport`` filters the
report by the selected stacks). So ``cdk synth`` of an app made of Stages exits 0 with an unacknowledged cdk-nag
finding or an error-level readiness finding. Reading ``validation-report.json`` (aws-cdk-lib writes it into the
assembly on every synth, ``cxapi.VALIDATION_REPORT_FILE``) in the app process makes ``cdk synth``, ``cdk synth
"**"``, ``cdk deploy "prod/*"`` and ``cdk diff`` all fail the same way: an error anywhere in the app is an error
everywhere, like an invalid config value.

Use it as the app's entry point::

    if __name__ == "__main__":
        sys.exit(synth_and_enforce(build_app()))

Pure Python except :func:`synth_and_enforce`'s argument; :func:`gate_failures` reads only the report file.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

#: aws-cdk-lib ``cxapi.VALIDATION_REPORT_FILE``.
VALIDATION_REPORT_FILE = "validation-report.json"
_ERROR_SEVERITIES = frozenset({"error", "fatal"})


@dataclass(frozen=True)
class GateFailure:
    """One error-level violation (or a plugin that failed without naming one)."""

    plugin: str
    rule: str
    description: str
    fix: str
    construct_paths: tuple[str, ...]
    environment: str | None

    def render(self) -> str:
        where = f" (environment {self.environment})" if self.environment else ""
        lines = [f"  ✗ [{self.plugin}] {self.rule}{where}"]
        lines += [f"      at {path}" for path in self.construct_paths]
        if self.description:
            lines.append(f"      {self.description}")
        if self.fix:
            lines.append(f"      fix: {self.fix}")
        return "\n".join(lines)


def gate_failures(outdir: str | Path) -> list[GateFailure]:
    """Every error-level violation of ``<outdir>/validation-report.json``; [] when there is no report."""
    path = Path(outdir) / VALIDATION_REPORT_FILE
    if not path.is_file():
        return []
    report = json.loads(path.read_text())
    failures: list[GateFailure] = []
    for plugin_report in report.get("pluginReports") or []:
        plugin = str(plugin_report.get("pluginName", "?"))
        errors = [v for v in plugin_report.get("violations") or [] if v.get("severity") in _ERROR_SEVERITIES]
        failures += [_failure(plugin, violation) for violation in errors]
        if plugin_report.get("conclusion") == "failure" and not errors:
            # A plugin that crashed reports failure with no error-level violation: still a failed gate.
            summary = json.dumps(plugin_report.get("metadata") or plugin_report.get("summary") or {})[:500]
            failures.append(GateFailure(plugin, "PluginFailure", f"the plugin failed: {summary}", "", (), None))
    return failures


def _failure(plugin: str, violation: dict[str, Any]) -> GateFailure:
    constructs = violation.get("violatingConstructs") or violation.get("violatingResources") or []
    paths = tuple(str(c.get("constructPath")) for c in constructs if isinstance(c, dict) and c.get("constructPath"))
    metadata = violation.get("ruleMetadata") or {}
    return GateFailure(
        plugin=plugin,
        rule=str(violation.get("ruleName", "?")),
        description=str(violation.get("description", "")),
        fix=str(violation.get("suggestedFix") or violation.get("fix") or ""),
        construct_paths=paths,
        environment=metadata.get("environment") if isinstance(metadata, dict) else None,
    )


def enforce(outdir: str | Path, *, stream: TextIO | None = None) -> int:
    """Print the failures of a synthesized assembly to ``stream`` (stderr); 1 if there are any, else 0."""
    failures = gate_failures(outdir)
    if not failures:
        return 0
    out = stream or sys.stderr
    print(
        f"\nSynth gate: {len(failures)} error-level finding(s). Fix them, or acknowledge one finding id on its "
        "construct with a true reason; nothing in this app is deployable until then.",
        file=out,
    )
    for failure in failures:
        print(failure.render(), file=out)
    print(f"Full report: {Path(outdir) / VALIDATION_REPORT_FILE}\n", file=out)
    return 1


def synth_and_enforce(app: Any, *, stream: TextIO | None = None) -> int:
    """``app.synth()``, then :func:`enforce` on the assembly it wrote. Returns the process exit status."""
    assembly = app.synth()
    return enforce(assembly.directory, stream=stream)
