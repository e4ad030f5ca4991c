"""Production readiness: the seed article's checklist as a CDK validation plugin and an offline scorecard.

* :class:`ProductionReadinessChecks` (``pack.py``): register once on the App with
  ``cdk.Validations.of(app).add_plugins(ProductionReadinessChecks(app, strict_stages={"prod"}))``.
* :mod:`.scorecard`: the per-environment scorecard over a synthesized ``cdk.out`` (``agentcore-scorecard``).
* :data:`RULES`, :data:`CHECKLIST`, :data:`GAPS`: the rule table and the seed's two lists; each rule names the
  checklist item it checks and the PoC gaps a finding keeps open.

Only ``ProductionReadinessChecks`` imports aws-cdk-lib (lazily): the scorecard runs on plain Python.
"""

from __future__ import annotations

from typing import Any

from agentcore_constructs.readiness.assembly import Environment, load_cloud_assembly
from agentcore_constructs.readiness.evaluation import evaluate, evaluate_app
from agentcore_constructs.readiness.model import CHECKLIST, GAPS, Finding, Level, Rule
from agentcore_constructs.readiness.rules import RULES

__all__ = [
    "CHECKLIST",
    "GAPS",
    "RULES",
    "Environment",
    "Finding",
    "Level",
    "ProductionReadinessChecks",
    "Rule",
    "evaluate",
    "evaluate_app",
    "load_cloud_assembly",
]


def __getattr__(name: str) -> Any:
    if name == "ProductionReadinessChecks":
        from agentcore_constructs.readiness.pack import ProductionReadinessChecks

        return ProductionReadinessChecks
    raise AttributeError(f"module 'agentcore_constructs.readiness' has no attribute {name!r}")
