"""``ProductionReadinessChecks``: the seed's checklist as a CDK policy-validation plugin.

Registered like a cdk-nag 3 pack, once, on the App::

    cdk.Validations.of(app).add_plugins(ProductionReadinessChecks(app, strict_stages={"staging", "prod"}))

Design: one ``IPolicyValidationPlugin`` that reads the synthesized templates (``context.stack_templates``) and the
stacks' metadata files once and evaluates every rule in Python, instead of a cdk-nag ``NagPack`` whose
``check_resource``/``apply_rule``/rule callbacks cross the jsii boundary per resource per rule (and whose per-resource
model cannot express "the environment has a dashboard that references the runtime"). The same rule functions and the
same loader power the offline scorecard (``agentcore-scorecard cdk.out``), so the two never disagree.

Acknowledging a finding (one finding id per call, exact match, as in cdk-nag 3)::

    cdk.Validations.of(construct).acknowledge(cdk.Acknowledgment(id="Readiness-Tools[Gateway::Missing]", reason="..."))

on the reported construct or any ancestor **up to its Stack**. ``ProductionReadinessChecks::Readiness-...`` (the
plugin's namespace) works too. CDK writes acknowledgements of a stack and its children into the cloud assembly
(``<stack>.metadata.json``), which is what both the plugin and the scorecard read; an acknowledgement on a Stage or
the App is not written there, so the plugin reports it as ``Readiness-AcknowledgementScope`` instead of honouring it
silently in one tool and not the other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

import aws_cdk as cdk
import jsii

from agentcore_constructs.readiness.assembly import load_assembly_directory, normalize_rule_id
from agentcore_constructs.readiness.evaluation import evaluate_app
from agentcore_constructs.readiness.model import Finding, Level
from agentcore_constructs.readiness.rules import RULES
from constructs import IConstruct

PLUGIN_NAME = "ProductionReadinessChecks"
PLUGIN_VERSION = "1.0.0"
ACK_SCOPE_RULE = "Readiness-AcknowledgementScope"


def _level(value: Level | str) -> Level:
    if isinstance(value, Level):
        return value
    aliases = {"warn": Level.WARN, "warning": Level.WARN, "error": Level.ERROR, "off": Level.OFF}
    try:
        return aliases[str(value).lower()]
    except KeyError:
        raise ValueError(f"unknown readiness level {value!r}: use Level.ERROR, Level.WARN or Level.OFF") from None


@jsii.implements(cdk.IPolicyValidationPlugin)
class ProductionReadinessChecks:
    """The production-readiness rule pack.

    Args:
        scope: the App (accepted for cdk-nag parity; not used). Default: None.
        strict_stages: Stage names whose findings are errors (fail synth). Default: none.
        level_by_stage: Stage name -> :class:`Level` (``"error"``/``"warning"``/``"off"`` accepted); wins over
            ``strict_stages``. Default: none.
        default_level: level of every other Stage (and of stacks directly under the App, Stage name ``""``).
            Default: :attr:`Level.WARN` (report-only).
        rule_ids: evaluate only these rules. Default: every rule in :data:`RULES`.
        verbose: append each rule's explanation (how to fix) to the violation description. Default: False
            (the explanation is always in the report's ``fix`` field).
    """

    def __init__(
        self,
        scope: IConstruct | None = None,
        *,
        strict_stages: Iterable[str] = (),
        level_by_stage: Mapping[str, Level | str] | None = None,
        default_level: Level | str = Level.WARN,
        rule_ids: Iterable[str] | None = None,
        verbose: bool = False,
    ) -> None:
        self._strict = frozenset(strict_stages)
        self._levels = {stage: _level(level) for stage, level in (level_by_stage or {}).items()}
        self._default = _level(default_level)
        selected = list(rule_ids) if rule_ids is not None else list(RULES)
        unknown = [r for r in selected if r not in RULES]
        if unknown:
            raise ValueError(f"unknown readiness rules {unknown}; known: {sorted(RULES)}")
        self._rule_ids = selected
        self._verbose = verbose
        #: Findings of the last ``validate`` call, acknowledged ones included, by environment name.
        self.last_findings: dict[str, list[Finding]] = {}

    # ---- IPolicyValidationPlugin -----------------------------------------------------------------------
    @property
    def name(self) -> str:
        return PLUGIN_NAME

    @property
    def version(self) -> str:
        return PLUGIN_VERSION

    @property
    def rule_ids(self) -> list[str]:
        return list(self._rule_ids)

    def level_for(self, stage: str) -> Level:
        if stage in self._levels:
            return self._levels[stage]
        if stage in self._strict:
            return Level.ERROR
        return self._default

    def validate(self, context: cdk.IPolicyValidationContext) -> cdk.PolicyValidationPluginReport:
        by_directory: dict[Path, set[Path]] = defaultdict(set)
        for stack in context.stack_templates:
            template = Path(stack.template_path).resolve()
            by_directory[template.parent].add(template)
        violations: dict[tuple[str, str, str, str], cdk.PolicyViolation] = {}
        resources: dict[tuple[str, str, str, str], list[cdk.PolicyViolatingResource]] = defaultdict(list)
        meta: dict[tuple[str, str, str, str], tuple[Finding, str]] = {}
        self.last_findings = {}
        envs = [
            env
            for directory, templates in sorted(by_directory.items())
            if (env := load_assembly_directory(directory, only_templates=templates, plugin_namespaces=(PLUGIN_NAME,)))
        ]
        # Every environment is evaluated (app-wide rules need them all); levels apply when reporting.
        for env_name, findings in evaluate_app(envs, self._rule_ids).items():
            level = self.level_for(env_name)
            if level is Level.OFF:
                continue
            self.last_findings[env_name] = findings
            for finding in findings:
                if finding.acknowledged is not None:
                    continue
                reported = Level.WARN if finding.rule.advisory and level is Level.ERROR else level
                key = (finding.id, reported.value, finding.message, env_name)
                meta[key] = (finding, env_name)
                resources[key].append(_violating_resource(finding))
        for key, (finding, env_name) in meta.items():
            description = f"{finding.message}. {finding.rule.info}"
            if self._verbose:
                description += f" {finding.rule.explanation}"
            violations[key] = cdk.PolicyViolation(
                rule_name=finding.id,
                description=description,
                fix=finding.rule.explanation,
                severity=key[1],
                violating_resources=resources[key],
                rule_metadata={"environment": env_name or "(app)", "checklist": str(finding.rule.checklist or "-")},
            )
        extra = _unrecorded_acknowledgements(context)
        all_violations = list(violations.values()) + extra
        return cdk.PolicyValidationPluginReport(
            success=not any(v.severity == Level.ERROR.value for v in all_violations),
            violations=all_violations,
            plugin_version=PLUGIN_VERSION,
        )


def _violating_resource(finding: Finding) -> cdk.PolicyViolatingResource:
    return cdk.PolicyViolatingResource(
        construct_path=finding.construct_path,
        template_path=finding.template_path,
        resource_logical_id=finding.logical_id,
        locations=["Properties"]
        if finding.logical_id
        else ["Outputs" if "Output::" in (finding.detail or "") else "Resources"],
    )


def _unrecorded_acknowledgements(context: cdk.IPolicyValidationContext) -> list[cdk.PolicyViolation]:
    """Readiness acknowledgements placed on the App or a Stage: CDK does not write them to the assembly."""
    try:
        app = context.app_construct
    except Exception:  # pragma: no cover - older aws-cdk-lib without appConstruct
        return []
    misplaced: list[cdk.PolicyViolatingResource] = []
    pending = [app]
    while pending:
        node = pending.pop()
        for entry in node.node.metadata:
            if entry.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY and isinstance(entry.data, Mapping):
                for acknowledged_id in entry.data:
                    rule_id = normalize_rule_id(acknowledged_id, (PLUGIN_NAME,))
                    if rule_id and rule_id.startswith("Readiness-"):
                        misplaced.append(
                            cdk.PolicyViolatingResource(construct_path=node.node.path or "(app)", locations=[rule_id])
                        )
        pending.extend(child for child in node.node.children if cdk.Stage.is_stage(child))
    if not misplaced:
        return []
    return [
        cdk.PolicyViolation(
            rule_name=ACK_SCOPE_RULE,
            description="A Readiness acknowledgement on the App or a Stage is not recorded in the cloud assembly, so "
            "it is "
            "ignored (the scorecard could not see it).",
            fix="Acknowledge on the reported construct or one of its ancestors up to its Stack.",
            severity=Level.WARN.value,
            violating_resources=misplaced,
        )
    ]
