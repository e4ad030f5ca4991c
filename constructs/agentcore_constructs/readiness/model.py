"""Rules, findings, levels, and the two tables that tie rules to the seed article.

A rule is one function ``(env: Environment) -> Iterable[(subject, detail, message)]`` made a :class:`Rule` by
:func:`rule` and listed in a pack (``rules/__init__.py``), cdk-nag style: an id, a one-line ``info`` (what is
wrong) and an ``explanation`` (why it matters and
how to fix it). ``subject`` is the :class:`Resource` or :class:`Stack` the finding is reported on (its construct
path is where you acknowledge it). ``detail`` makes the finding granular: the finding id is ``Readiness-X`` or
``Readiness-X[detail]`` and an acknowledgement must name exactly that id (as in cdk-nag 3, there is no prefix
matching: acknowledging ``Readiness-X`` does not silence ``Readiness-X[detail]``).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from agentcore_constructs.readiness.assembly import Environment, Resource, Stack

Subject = Resource | Stack
RawFinding = tuple[Subject, str | None, str]


class Level(enum.StrEnum):
    """How findings of an environment are reported by the validation plugin."""

    ERROR = "error"  #: a finding fails synth
    WARN = "warning"  #: report-only: printed in the validation report, synth succeeds
    OFF = "off"  #: the environment is not evaluated by the plugin


#: The seed's six PoC gaps, in the seed's order, with its "production requirement" column.
GAPS: dict[str, str] = {
    "hosting": "Serverless, auto-scaling, isolated sessions",
    "memory": "Persistent short-term and long-term memory",
    "tools": "Managed gateway with auth and discovery",
    "auth": "Per-user identity with IdP integration",
    "observability": "Structured traces, metrics, dashboards",
    "isolation": "MicroVM per session",
}

#: The seed's eight-item Production Readiness Checklist.
CHECKLIST: dict[int, str] = {
    1: "Agent deployed to Runtime with microVM isolation",
    2: "Memory configured for session and cross-session persistence",
    3: "All tools routed through Gateway -- no hardcoded credentials",
    4: "JWT or IAM authorization on agent endpoint via Identity",
    5: "CloudWatch logs, OTEL traces, and metrics dashboards active",
    6: "Retry logic with exponential backoff for transient failures",
    7: "Least-privilege IAM execution role, no wildcard resource permissions",
    8: "End-to-end tests against deployed agent, not just local dev server",
}


#: What a template can prove of each checklist item. "verified": the resources and settings that make the item true
#: are in the template. "declared": the template holds a setting or an output that promises it (retry settings the
#: agent is meant to honour, outputs an end-to-end suite is meant to use), not the behaviour itself.
VERIFIED, DECLARED = "verified", "declared"
CHECKLIST_EVIDENCE: dict[int, str] = {
    1: VERIFIED,
    2: VERIFIED,
    3: VERIFIED,
    4: VERIFIED,
    5: VERIFIED,
    6: DECLARED,
    7: VERIFIED,
    8: DECLARED,  # the scorecard replaces it with the recorded end-to-end run (readiness.evidence), or "never run"
}


@dataclass(frozen=True)
class Rule:
    id: str
    info: str
    explanation: str
    checklist: int | None  #: the checklist item this rule checks (None: beyond the checklist)
    gaps: tuple[str, ...]  #: the PoC gaps a finding of this rule keeps open
    #: ``check(env)`` for an environment rule; ``check(envs)`` (every environment of the app) when ``app_wide``.
    check: Callable[..., Iterable[RawFinding]]
    #: True when the rule needs every environment at once (e.g. a per-account singleton across Stages).
    app_wide: bool = False
    #: True for a recommendation: reported as a warning even where the Stage's level is error (never fails synth).
    advisory: bool = False


@dataclass(frozen=True)
class Finding:
    rule: Rule
    detail: str | None
    message: str
    construct_path: str
    template_path: str
    logical_id: str | None  #: None when reported on a stack
    acknowledged: str | None = None  #: the acknowledgement's reason

    @property
    def id(self) -> str:
        return f"{self.rule.id}[{self.detail}]" if self.detail else self.rule.id


def rule(
    id: str,
    *,
    info: str,
    explanation: str,
    checklist: int | None,
    gaps: tuple[str, ...],
    app_wide: bool = False,
    advisory: bool = False,
) -> Callable[[Callable[..., Iterable[RawFinding]]], Rule]:
    """Make a :class:`Rule` of the decorated check function (packs list rules explicitly; nothing registers)."""
    if not id.startswith("Readiness-"):
        raise ValueError(f"rule id {id!r} must start with 'Readiness-'")
    unknown = set(gaps) - set(GAPS)
    if unknown:
        raise ValueError(f"rule {id}: unknown gaps {sorted(unknown)}")

    def make(fn: Callable[..., Iterable[RawFinding]]) -> Rule:
        return Rule(id, info, explanation, checklist, gaps, fn, app_wide, advisory)

    return make


def _selected(rule_ids: Iterable[str] | None) -> list[Rule]:
    from agentcore_constructs.readiness.rules import RULES

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
