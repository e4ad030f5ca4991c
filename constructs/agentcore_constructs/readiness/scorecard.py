"""The readiness scorecard: per environment, the 8 checklist items and 6 PoC gaps, from a synthesized cdk.out.

Reads the cloud assembly only (no AWS calls, no CDK app run, no aws-cdk-lib import) and evaluates the same rule
functions as :class:`ProductionReadinessChecks` on the same files.

* Checklist item N is ✓ when every rule with ``checklist == N`` has no unacknowledged finding; a passing item whose
  evidence is only a declaration in the template (retries, end-to-end tests) says so ("declared").
* Gap G is open when any rule listing G in ``gaps`` has an unacknowledged finding (table: :data:`GAP_RULES`).
* Item 8 is evidence, not a proxy: besides the outputs a suite needs, it needs a recorded passing end-to-end run
  against the environment (:mod:`agentcore_constructs.readiness.evidence`, written by the suite); without one it says
  "never run".
* Verdict: three or more open gaps -> not production-ready.
* Acknowledged findings count as passing and are shown as "(acknowledged: reason)".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentcore_constructs.readiness.assembly import Environment, e2e_gates, load_cloud_assembly
from agentcore_constructs.readiness.evaluation import evaluate_app
from agentcore_constructs.readiness.evidence import DEFAULT_EVIDENCE_DIR, PASSED, read_e2e_run
from agentcore_constructs.readiness.model import (
    CHECKLIST,
    CHECKLIST_EVIDENCE,
    DECLARED,
    GAPS,
    VERIFIED,
    Finding,
)
from agentcore_constructs.readiness.rules import RULES

JSON_NAME = "readiness-scorecard.json"
MARKDOWN_NAME = "readiness-scorecard.md"
NOT_READY_THRESHOLD = 3
PASS, FAIL = "✓", "✗"

#: Gap -> the rules whose findings keep it open (derived from each rule's ``gaps``; documented in the README).
GAP_RULES: dict[str, list[str]] = {gap: [r.id for r in RULES.values() if gap in r.gaps] for gap in GAPS}
#: Checklist item -> its rules.
CHECKLIST_RULES: dict[int, list[str]] = {n: [r.id for r in RULES.values() if r.checklist == n] for n in CHECKLIST}
#: Rules beyond the checklist.
EXTRA_RULES: list[str] = [r.id for r in RULES.values() if r.checklist is None]


@dataclass(frozen=True)
class Item:
    key: str
    title: str
    ok: bool
    findings: list[Finding]  #: unacknowledged
    acknowledged: list[Finding]
    evidence: str = VERIFIED  #: what the template proves of a passing item (``model.CHECKLIST_EVIDENCE``)
    run: str | None = None  #: item 8: the recorded end-to-end run, or why there is none

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "ok": self.ok,
            "evidence": self.evidence,
            "run": self.run,
            "findings": [_finding_dict(f) for f in self.findings],
            "acknowledged": [_finding_dict(f) for f in self.acknowledged],
        }


def _finding_dict(f: Finding) -> dict[str, Any]:
    out = {"id": f.id, "rule": f.rule.id, "construct_path": f.construct_path, "message": f.message}
    if f.logical_id:
        out["logical_id"] = f.logical_id
    if f.acknowledged is not None:
        out["acknowledged"] = f.acknowledged
    return out


def verdict(open_gaps: int) -> str:
    if open_gaps >= NOT_READY_THRESHOLD:
        return "Not production-ready. Your agent is still standing in front of the bulldozer."
    if open_gaps:
        return f"Almost: {open_gaps} gap(s) open (fewer than three), close them before calling it production-ready."
    return "Production-ready: no PoC gaps open."


def _item(key: str, title: str, rule_ids: list[str], findings: list[Finding], evidence: str = VERIFIED) -> Item:
    mine = [f for f in findings if f.rule.id in rule_ids]
    open_ = [f for f in mine if f.acknowledged is None]
    return Item(key, title, not open_, open_, [f for f in mine if f.acknowledged is not None], evidence)


#: Item 8's evidence when a run is recorded.
E2E_RUN = "e2e run"
NEVER_RUN = "never run"
PIPELINE_GATE = "pipeline gate"


def _with_e2e_run(item: Item, env: Environment, evidence_dir: Path | None, gated_by: str | None = None) -> Item:
    if gated_by is not None:
        return Item(
            item.key,
            item.title,
            item.ok,
            item.findings,
            item.acknowledged,
            PIPELINE_GATE,
            f"the release pipeline deploys it only after the end-to-end suite passed against {gated_by}",
        )
    run = read_e2e_run(evidence_dir, env.display_name) if evidence_dir is not None else None
    if run is None:
        where = f"{evidence_dir / env.display_name}.json" if evidence_dir is not None else "no evidence directory"
        return Item(
            item.key,
            item.title,
            False,
            item.findings,
            item.acknowledged,
            NEVER_RUN,
            f"{NEVER_RUN}: no end-to-end run against {env.display_name} is recorded ({where}); run your end-to-end "
            "suite against the deployed environment and record its result with "
            "agentcore_constructs.readiness.evidence.record_e2e_run (or deploy through a pipeline gated on it)",
        )
    return Item(
        item.key,
        item.title,
        item.ok and run.result == PASSED,
        item.findings,
        item.acknowledged,
        E2E_RUN,
        run.describe(),
    )


def score_environment(
    env: Environment, findings: list[Finding], evidence_dir: Path | None = None, gated_by: str | None = None
) -> dict[str, Any]:
    checklist = [_item(str(n), CHECKLIST[n], CHECKLIST_RULES[n], findings, CHECKLIST_EVIDENCE[n]) for n in CHECKLIST]
    checklist[7] = _with_e2e_run(checklist[7], env, evidence_dir, gated_by)
    gaps = [_item(g, GAPS[g], GAP_RULES[g], findings) for g in GAPS]
    extra = [_item(r, RULES[r].info, [r], findings) for r in EXTRA_RULES]
    open_gaps = sum(not g.ok for g in gaps)
    return {
        "environment": env.display_name,
        "stacks": [s.path for s in env.stacks],
        "checklist": [i.as_dict() for i in checklist],
        "checklist_passed": sum(i.ok for i in checklist),
        "gaps": [i.as_dict() for i in gaps],
        "gap_count": open_gaps,
        "production_ready": open_gaps < NOT_READY_THRESHOLD,
        "no_gaps": open_gaps == 0,
        "verdict": verdict(open_gaps),
        "checklist_declared": [i.key for i in checklist if i.ok and i.evidence == DECLARED],
        "beyond_the_checklist": [i.as_dict() for i in extra],
    }


def build_scorecard(outdir: Path | str, evidence_dir: Path | str | None = DEFAULT_EVIDENCE_DIR) -> dict[str, Any]:
    """``evidence_dir``: where end-to-end runs are recorded (:mod:`.evidence`); None: item 8 is never proven."""
    environments = load_cloud_assembly(outdir, plugin_namespaces=("ProductionReadinessChecks",))
    findings = evaluate_app(environments)
    evidence = Path(evidence_dir) if evidence_dir is not None else None
    gates = e2e_gates(outdir)
    return {
        "assembly": str(Path(outdir)),
        "rules": {r.id: {"info": r.info, "checklist": r.checklist, "gaps": list(r.gaps)} for r in RULES.values()},
        "gap_rules": GAP_RULES,
        "environments": [
            score_environment(env, findings[env.name], evidence, gates.get(env.display_name)) for env in environments
        ],
    }


# ---- rendering ------------------------------------------------------------------------------------------
def _item_lines(item: dict[str, Any], label: str, markdown: bool) -> list[str]:
    mark = PASS if item["ok"] else FAIL
    if item["ok"] and item.get("evidence") == DECLARED:
        label += " (declared: the template shows the setting, not the behaviour)"
    if item.get("run"):
        label += f" ({item['run']})"
    lines = [f"- {mark} {label}" if markdown else f"  {mark} {label}"]
    indent = "    - " if markdown else "      "
    for f in item["findings"]:
        path = f"`{f['construct_path']}`" if markdown else f["construct_path"]
        lines.append(f"{indent}{f['id']} at {path}: {f['message']}")
    for f in item["acknowledged"]:
        path = f"`{f['construct_path']}`" if markdown else f["construct_path"]
        lines.append(f"{indent}{PASS} {f['id']} at {path} (acknowledged: {f['acknowledged']})")
    return lines


def render(scorecard: dict[str, Any], *, markdown: bool = False) -> str:
    out: list[str] = ["# Production readiness scorecard" if markdown else "Production readiness scorecard"]
    for env in scorecard["environments"]:
        h = "## " if markdown else "\n== "
        out.append(f"{h}{env['environment']}  ({', '.join(env['stacks'])})")
        out.append(
            ("\n### " if markdown else "\n")
            + f"Production Readiness Checklist: {env['checklist_passed']}/{len(env['checklist'])}"
        )
        for item in env["checklist"]:
            out += _item_lines(item, f"{item['key']}. {item['title']}", markdown)
        out.append(("\n### " if markdown else "\n") + f"PoC gaps: {env['gap_count']} open")
        for item in env["gaps"]:
            out += _item_lines(item, f"{item['key']}: {item['title']}", markdown)
        out.append(("\n### " if markdown else "\n") + "Beyond the checklist")
        for item in env["beyond_the_checklist"]:
            out += _item_lines(item, item["key"], markdown)
        out.append(("\n**Verdict:** " if markdown else "\nVerdict: ") + env["verdict"] + "\n")
    return "\n".join(out) + "\n"


def write_scorecard(outdir: Path | str, evidence_dir: Path | str | None = DEFAULT_EVIDENCE_DIR) -> dict[str, Any]:
    """Build the scorecard and write ``readiness-scorecard.json`` and ``.md`` into the assembly directory."""
    scorecard = build_scorecard(outdir, evidence_dir)
    root = Path(outdir)
    (root / JSON_NAME).write_text(json.dumps(scorecard, indent=2, ensure_ascii=False) + "\n")
    (root / MARKDOWN_NAME).write_text(render(scorecard, markdown=True))
    return scorecard
