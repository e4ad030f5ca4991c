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
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from agentcore_constructs.readiness.assembly import Resource, Stack

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
