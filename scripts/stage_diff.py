"""What each migration stage adds: synthesize one environment stage by stage and diff the templates.

    python -m scripts.stage_diff [--env dev] [--markdown]

Takes one environment's settings from ``cdk.json`` (default ``dev``) and synthesizes it five times, in memory and
offline, the way the infrastructure tests do (``stacks.synth.synth_app``: asset bundling skipped,
built-in validation off, placeholder account ``123456789012`` / ``us-east-1``):

1. ``stages: ["runtime"]``
2. ``+ memory``
3. ``+ gateway``
4. ``+ identity``
5. ``+ observability knobs``: ``alarm_emails: ["oncall@example.com"]`` and ``transaction_search: "manage"`` with
   ``transaction_search_indexing_percent: 5`` (the account-level stack)

Steps 1-4 run without those two knobs, whatever the environment sets. The readiness validation level is set to
``off`` (it changes no template, and stage 1 alone would fail an environment set to ``error``); prod cannot be
turned off, so ``--env prod`` keeps ``error`` and its early steps fail synth.

For every step it prints the resource total per stack, the logical ids added, removed and modified (with their
resource types, and for modified ones the top-level keys that changed), the environment variables added to (or
removed from) the agent runtime, the IAM / resource-policy actions added to (or removed from) each resource, the
policy statements added to resources that already existed, and the stack outputs added (cross-stack references).
``--markdown`` prints the same lists in the format of ``docs/migration.md``.

Nothing is deployed and nothing is written outside a temporary directory. Each synth takes a few seconds.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent

# Offline and deterministic, whatever the calling shell has: the placeholder account, no AWS lookups, project Node.
os.environ["CDK_DEFAULT_ACCOUNT"] = "123456789012"
os.environ["CDK_DEFAULT_REGION"] = "us-east-1"
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
_NODE_BIN = REPO_ROOT / "node_modules" / ".bin"
if _NODE_BIN.is_dir() and str(_NODE_BIN) not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = f"{_NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}"

FAKE_ALARM_EMAIL = "oncall@example.com"
INDEXING_PERCENT = 5
OBSERVABILITY_KNOBS = ("alarm_emails", "transaction_search", "transaction_search_indexing_percent")
STEPS: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    # (label, stages, observability knobs on)
    ("Stage 1: runtime", ("runtime",), False),
    ("Stage 2: + memory", ("runtime", "memory"), False),
    ("Stage 3: + gateway", ("runtime", "memory", "gateway"), False),
    ("Stage 4: + identity", ("runtime", "memory", "gateway", "identity"), False),
    (
        "Observability knobs: + alarm_emails, transaction_search manage",
        ("runtime", "memory", "gateway", "identity"),
        True,
    ),
)
RUNTIME_TYPE = "AWS::BedrockAgentCore::Runtime"

Templates = dict[str, dict[str, Any]]  # "dev/Runtime" -> template


# ---------------------------------------------------------------------------------------------------------------
# Configurations and synthesis
# ---------------------------------------------------------------------------------------------------------------
def step_environment(base: dict[str, Any], name: str, stages: Iterable[str], knobs: bool) -> dict[str, Any]:
    """The environment entry for one step: ``base`` with ``stages`` replaced and the observability knobs set or not."""
    env = copy.deepcopy(base)
    env["stages"] = list(stages)
    for key in OBSERVABILITY_KNOBS:
        env.pop(key, None)
    if knobs:
        env["alarm_emails"] = [FAKE_ALARM_EMAIL]
        env["transaction_search"] = "manage"
        env["transaction_search_indexing_percent"] = INDEXING_PERCENT
    if name != "prod":
        env["readiness"] = "off"  # validation only: no template changes, and stage 1 alone must synthesize
    return env


def synthesize(name: str, env: dict[str, Any]) -> Templates:
    from stacks.synth import synth_app

    with tempfile.TemporaryDirectory(prefix="stage-diff-") as outdir:
        return synth_app(Path(outdir), environments={name: env}).stack_templates()


# ---------------------------------------------------------------------------------------------------------------
# Diffing
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class StepDiff:
    label: str
    totals: dict[str, int]
    added: list[tuple[str, str, str]] = field(default_factory=list)  # (stack, logical id, type)
    removed: list[tuple[str, str, str]] = field(default_factory=list)
    modified: list[tuple[str, str, str, list[str]]] = field(default_factory=list)  # (..., changed keys)
    env_added: list[str] = field(default_factory=list)
    env_removed: list[str] = field(default_factory=list)
    iam_added: list[tuple[str, str, str, list[str]]] = field(default_factory=list)  # (stack, id, type, actions)
    iam_removed: list[tuple[str, str, str, list[str]]] = field(default_factory=list)
    statements_added: list[tuple[str, str, str, list[str]]] = field(default_factory=list)  # (..., Sid or actions)
    outputs_added: list[tuple[str, str]] = field(default_factory=list)  # (stack, output name)
    outputs_removed: list[tuple[str, str]] = field(default_factory=list)


def _resources(templates: Templates) -> dict[tuple[str, str], dict[str, Any]]:
    return {(stack, lid): res for stack, tpl in templates.items() for lid, res in tpl.get("Resources", {}).items()}


def _without_metadata(resource: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if k != "Metadata"}


def _changed_keys(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Top-level keys that differ, with ``Properties`` broken down one level (``Properties.EnvironmentVariables``)."""
    changed: list[str] = []
    for key in sorted(set(old) | set(new)):
        if key == "Metadata" or old.get(key) == new.get(key):
            continue
        if key == "Properties" and isinstance(old.get(key), dict) and isinstance(new.get(key), dict):
            props_old, props_new = old[key], new[key]
            for prop in sorted(set(props_old) | set(props_new)):
                if props_old.get(prop) != props_new.get(prop):
                    marker = "+" if prop not in props_old else "-" if prop not in props_new else ""
                    changed.append(f"{marker}Properties.{prop}")
        else:
            changed.append(key)
    return changed


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(resource: dict[str, Any]) -> list[dict[str, Any]]:
    props = resource.get("Properties", {})
    kind = resource.get("Type")
    documents: list[Any] = []
    if kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        documents.append(props.get("PolicyDocument"))
    elif kind == "AWS::IAM::Role":
        documents.extend(p.get("PolicyDocument") for p in props.get("Policies", []) or [])
    elif kind in ("AWS::KMS::Key",):
        documents.append(props.get("KeyPolicy"))
    elif kind in ("AWS::SNS::TopicPolicy", "AWS::Logs::ResourcePolicy", "AWS::XRay::ResourcePolicy"):
        documents.append(props.get("PolicyDocument"))
    statements: list[dict[str, Any]] = []
    for document in documents:
        if isinstance(document, dict):
            statements.extend(s for s in _as_list(document.get("Statement", [])) if isinstance(s, dict))
    return statements


def _allowed_actions(resource: dict[str, Any]) -> set[str]:
    actions: set[str] = set()
    for statement in _statements(resource):
        if statement.get("Effect", "Allow") != "Allow":
            continue
        actions.update(a for a in _as_list(statement.get("Action", [])) if isinstance(a, str))
    return actions


def _statement_label(statement: dict[str, Any]) -> str:
    if statement.get("Sid"):
        return str(statement["Sid"])
    return "/".join(str(a) for a in _as_list(statement.get("Action", [])))


def _new_statements(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    """Labels (Sid, else actions) of the statements of ``new`` that ``old`` does not have, compared in full."""
    before = [json.dumps(s, sort_keys=True) for s in _statements(old)] if old else []
    return [_statement_label(s) for s in _statements(new) if json.dumps(s, sort_keys=True) not in before]


def _outputs(templates: Templates) -> set[tuple[str, str]]:
    return {(stack, name) for stack, tpl in templates.items() for name in tpl.get("Outputs", {})}


def _runtime_env_vars(templates: Templates) -> set[str]:
    names: set[str] = set()
    for res in _resources(templates).values():
        if res.get("Type") == RUNTIME_TYPE:
            variables = res.get("Properties", {}).get("EnvironmentVariables") or {}
            names.update(f"{k}" for k in variables)
    return names


def diff_step(label: str, before: Templates | None, after: Templates) -> StepDiff:
    totals = {stack: len(tpl.get("Resources", {})) for stack, tpl in sorted(after.items())}
    step = StepDiff(label=label, totals=totals)
    old = _resources(before or {})
    new = _resources(after)
    for key in sorted(set(new) - set(old)):
        step.added.append((*key, new[key]["Type"]))
    for key in sorted(set(old) - set(new)):
        step.removed.append((*key, old[key]["Type"]))
    for key in sorted(set(old) & set(new)):
        if _without_metadata(old[key]) != _without_metadata(new[key]):
            step.modified.append((*key, new[key]["Type"], _changed_keys(old[key], new[key])))
    env_before = _runtime_env_vars(before or {})
    env_after = _runtime_env_vars(after)
    step.env_added = sorted(env_after - env_before)
    step.env_removed = sorted(env_before - env_after) if before is not None else []
    for key in sorted(set(old) | set(new)):
        actions_old = _allowed_actions(old[key]) if key in old else set()
        actions_new = _allowed_actions(new[key]) if key in new else set()
        kind = (new.get(key) or old[key])["Type"]
        if actions_new - actions_old:
            step.iam_added.append((*key, kind, sorted(actions_new - actions_old)))
        if actions_old - actions_new:
            step.iam_removed.append((*key, kind, sorted(actions_old - actions_new)))
        if key in old and key in new:
            labels = _new_statements(old[key], new[key])
            if labels:
                step.statements_added.append((*key, kind, labels))
    outputs_old = _outputs(before or {})
    outputs_new = _outputs(after)
    step.outputs_added = sorted(outputs_new - outputs_old)
    step.outputs_removed = sorted(outputs_old - outputs_new)
    return step


def run(env_name: str) -> list[StepDiff]:
    context = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    environments = context.get("environments", {})
    if env_name not in environments:
        raise SystemExit(f"unknown environment {env_name!r} (cdk.json has: {', '.join(sorted(environments))})")
    base = environments[env_name]
    steps: list[StepDiff] = []
    previous: Templates | None = None
    for label, stages, knobs in STEPS:
        templates = synthesize(env_name, step_environment(base, env_name, stages, knobs))
        steps.append(diff_step(label, previous, templates))
        previous = templates
    return steps


# ---------------------------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------------------------
def render_text(env_name: str, steps: list[StepDiff]) -> str:
    lines = [f"Environment {env_name!r} from cdk.json, synthesized offline once per step (bundling skipped).", ""]
    grand = " -> ".join(str(sum(s.totals.values())) for s in steps)
    lines += [f"Total resources per step: {grand}", ""]
    for step in steps:
        total = sum(step.totals.values())
        per_stack = ", ".join(f"{stack} {count}" for stack, count in step.totals.items())
        lines.append(f"== {step.label}: {total} resources ({per_stack})")
        for title, rows in (("added", step.added), ("removed", step.removed)):
            lines.append(f"  {title} ({len(rows)}):")
            lines += [f"    {stack}  {lid}  {kind}" for stack, lid, kind in rows] or ["    (none)"]
        lines.append(f"  modified ({len(step.modified)}):")
        lines += [f"    {stack}  {lid}  {kind}  [{', '.join(keys)}]" for stack, lid, kind, keys in step.modified] or [
            "    (none)"
        ]
        lines.append(f"  runtime env vars added: {', '.join(step.env_added) or '(none)'}")
        if step.env_removed:
            lines.append(f"  runtime env vars removed: {', '.join(step.env_removed)}")
        lines.append("  IAM / resource-policy actions added:")
        lines += [
            f"    {stack}  {lid}  {kind}: {', '.join(actions)}" for stack, lid, kind, actions in step.iam_added
        ] or ["    (none)"]
        if step.iam_removed:
            lines.append("  IAM / resource-policy actions removed:")
            lines += [
                f"    {stack}  {lid}  {kind}: {', '.join(actions)}" for stack, lid, kind, actions in step.iam_removed
            ]
        if step.statements_added:
            lines.append("  policy statements added to existing resources (Sid, else actions):")
            lines += [
                f"    {stack}  {lid}  {kind}: {', '.join(labels)}" for stack, lid, kind, labels in step.statements_added
            ]
        lines.append(
            f"  outputs added: {', '.join(f'{stack} {name}' for stack, name in step.outputs_added) or '(none)'}"
        )
        if step.outputs_removed:
            lines.append(f"  outputs removed: {', '.join(f'{stack} {name}' for stack, name in step.outputs_removed)}")
        lines.append("")
    return "\n".join(lines)


def _group_by_type(rows: list[tuple[str, str, str]]) -> list[str]:
    by_type: dict[str, list[str]] = {}
    for _stack, lid, kind in rows:
        by_type.setdefault(kind, []).append(lid)
    return [f"- `{kind}`: " + ", ".join(f"`{lid}`" for lid in ids) for kind, ids in sorted(by_type.items())]


def render_markdown(env_name: str, steps: list[StepDiff]) -> str:
    lines = [
        f"<!-- generated by `python -m scripts.stage_diff --env {env_name} --markdown` -->",
        "",
        "Totals: " + " → ".join(str(sum(s.totals.values())) for s in steps) + " resources.",
        "",
    ]
    for step in steps:
        total = sum(step.totals.values())
        per_stack = ", ".join(f"`{stack}` {count}" for stack, count in step.totals.items())
        lines += [f"### {step.label} — {total} resources ({per_stack})", ""]
        stacks = sorted({stack for stack, _, _ in step.added})
        lines.append(f"**`cdk diff` adds ({len(step.added)} resources)**")
        for stack in stacks:
            rows = [r for r in step.added if r[0] == stack]
            lines.append(f"- `{stack}` ({len(rows)}):")
            lines += ["  " + line for line in _group_by_type(rows)]
        if step.removed:
            lines += ["", f"**`cdk diff` removes ({len(step.removed)} resources)**"]
            lines += [f"- `{stack}`: `{kind}` `{lid}`" for stack, lid, kind in step.removed]
        if step.modified:
            lines += ["", "**`cdk diff` modifies**"]
            for stack, lid, kind, keys in step.modified:
                lines.append(f"- `{stack}` `{lid}` (`{kind}`): " + ", ".join(f"`{k}`" for k in keys))
        if step.env_added:
            lines += ["", "Runtime environment variables added: " + ", ".join(f"`{v}`" for v in step.env_added)]
        if step.iam_added:
            lines += ["", "Actions added:"]
            for _stack, lid, _kind, actions in step.iam_added:
                lines.append(f"- `{lid}`: " + ", ".join(f"`{a}`" for a in actions))
        if step.statements_added:
            lines += ["", "Policy statements added to existing resources:"]
            for _stack, lid, _kind, labels in step.statements_added:
                lines.append(f"- `{lid}`: " + ", ".join(f"`{label}`" for label in labels))
        if step.outputs_added:
            lines += [
                "",
                "Stack outputs added: " + ", ".join(f"`{stack}` `{name}`" for stack, name in step.outputs_added),
            ]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.stage_diff", description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="dev", help="environment of cdk.json whose settings are used (default: dev)")
    parser.add_argument("--markdown", action="store_true", help="print the lists in the format of docs/migration.md")
    args = parser.parse_args(argv)
    steps = run(args.env)
    sys.stdout.write((render_markdown if args.markdown else render_text)(args.env, steps) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
