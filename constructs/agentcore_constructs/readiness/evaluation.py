"""Running the rules: findings per environment, acknowledgements applied.

Above both :mod:`.model` (what a rule and a finding are) and :mod:`.rules` (the rules, which use the model), so
neither imports the other's importer: no import cycle.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from agentcore_constructs.readiness.assembly import Environment, Resource
from agentcore_constructs.readiness.model import Finding, RawFinding, Rule
from agentcore_constructs.readiness.rules import RULES


def _selected(rule_ids: Iterable[str] | None) -> list[Rule]:
    return [RULES[i] for i in rule_ids] if rule_ids is not None else list(RULES.values())


def _findings(r: Rule, raw: Iterable[RawFinding], envs: Sequence[Environment]) -> dict[str, list[Finding]]:
    by_env: dict[str, list[Finding]] = {}
    seen: set[tuple[str, str | None]] = set()
    for subject, detail, message in raw:
        path = subject.path
        if (path, detail) in seen:
            continue
        seen.add((path, detail))
        stack = subject.stack if isinstance(subject, Resource) else subject
        env = next(e for e in envs if stack in e.stacks)
        finding = Finding(
            rule=r,
            detail=detail,
            message=message,
            construct_path=path,
            template_path=str(stack.template_path),
            logical_id=subject.logical_id if isinstance(subject, Resource) else None,
        )
        reason = env.acknowledgement(path, finding.id)
        by_env.setdefault(env.name, []).append(finding if reason is None else replace(finding, acknowledged=reason))
    return by_env


def evaluate_app(envs: Sequence[Environment], rule_ids: Iterable[str] | None = None) -> dict[str, list[Finding]]:
    """Run the rules (all by default) on every environment of an app; findings by environment name.

    Environment rules see one environment at a time; app-wide rules see all of them. Acknowledged findings are
    kept, with their reason.
    """
    result: dict[str, list[Finding]] = {env.name: [] for env in envs}
    for r in _selected(rule_ids):
        if r.app_wide:
            for name, found in _findings(r, r.check(list(envs)), envs).items():
                result[name] += found
            continue
        for env in envs:
            result[env.name] += _findings(r, r.check(env), [env]).get(env.name, [])
    return result


def evaluate(env: Environment, rule_ids: Iterable[str] | None = None) -> list[Finding]:
    """The findings of one environment on its own (app-wide rules see only this environment)."""
    return evaluate_app([env], rule_ids)[env.name]
