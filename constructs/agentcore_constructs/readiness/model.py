"""Rules, findings, levels, and the two tables that tie rules to the seed article.

A rule is one function ``(env: Environment) -> Iterable[(subject, detail, message)]`` registered with
:func:`rule`, cdk-nag style: an id, a one-line ``info`` (what is wrong) and an ``explanation`` (why it matters and
how to fix it). ``subject`` is the :class:`Resource` or :class:`Stack` the finding is reported on (its construct
path is where you acknowledge it). ``detail`` makes the finding granular: the finding id is ``Readiness-X`` or
``Readiness-X[detail]`` and an acknowledgement must name exactly that id (as in cdk-nag 3, there is no prefix
matching: acknowledging ``Readiness-X`` does not silence ``Readiness-X[detail]``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Callable, Iterable, Union

from agentcore_constructs.readiness.assembly import Environment, Resource, Stack

Subject = Union[Resource, Stack]
RawFinding = tuple[Subject, Union[str, None], str]


class Level(str, enum.Enum):
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


@dataclass(frozen=True)
class Rule:
    id: str
    info: str
    explanation: str
    checklist: int | None  #: the checklist item this rule checks (None: beyond the seed)
    gaps: tuple[str, ...]  #: the PoC gaps a finding of this rule keeps open
    check: Callable[[Environment], Iterable[RawFinding]]


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


#: Every rule, by id, in registration order.
RULES: dict[str, Rule] = {}


def rule(
    id: str, *, info: str, explanation: str, checklist: int | None, gaps: tuple[str, ...]
) -> Callable[[Callable[[Environment], Iterable[RawFinding]]], Callable[[Environment], Iterable[RawFinding]]]:
    """Register a rule function under ``id``."""
    if not id.startswith("Readiness-"):
        raise ValueError(f"rule id {id!r} must start with 'Readiness-'")
    unknown = set(gaps) - set(GAPS)
    if unknown:
        raise ValueError(f"rule {id}: unknown gaps {sorted(unknown)}")

    def register(fn: Callable[[Environment], Iterable[RawFinding]]) -> Callable[[Environment], Iterable[RawFinding]]:
        if id in RULES:
            raise ValueError(f"rule {id} registered twice")
        RULES[id] = Rule(id, info, explanation, checklist, gaps, fn)
        return fn

    return register


def evaluate(env: Environment, rule_ids: Iterable[str] | None = None) -> list[Finding]:
    """Run the rules (all by default) on one environment; acknowledged findings are kept, with their reason."""
    findings: list[Finding] = []
    selected = [RULES[i] for i in rule_ids] if rule_ids is not None else list(RULES.values())
    for r in selected:
        seen: set[tuple[str, str | None]] = set()
        for subject, detail, message in r.check(env):
            path = subject.path
            if (path, detail) in seen:
                continue
            seen.add((path, detail))
            stack = subject.stack if isinstance(subject, Resource) else subject
            finding = Finding(
                rule=r,
                detail=detail,
                message=message,
                construct_path=path,
                template_path=str(stack.template_path),
                logical_id=subject.logical_id if isinstance(subject, Resource) else None,
            )
            reason = env.acknowledgement(path, finding.id)
            findings.append(finding if reason is None else Finding(**{**finding.__dict__, "acknowledged": reason}))
    return findings
