"""Read a synthesized cloud assembly (cdk.out) into environments of stacks and resources.

Pure Python, no aws-cdk-lib import: the validation plugin (during synth) and the scorecard (after synth, offline)
load the *same files* through this module, so they always evaluate the same data.

What is read, per stack artifact of a (nested) assembly ``manifest.json``:

* the template (``properties.templateFile``),
* the ``additionalMetadataFile`` (``<artifact>.metadata.json``): construct path -> logical id
  (``aws:cdk:logicalId``) and the acknowledgements recorded by ``cdk.Validations.of(c).acknowledge(...)``
  (``aws:cdk:acknowledged-rules``). CDK records these for the stack construct and everything below it; an
  acknowledgement on a Stage or the App is *not* written to the assembly (see ``pack.py``),
* the stack's asset manifest (``*.assets.json``), for container image platforms.

An *environment* is one Stage: the stacks of one nested assembly ``assembly-<stage>`` (or the stacks at the
App root, environment name ``""``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ACKNOWLEDGED_RULES_METADATA_KEY = "aws:cdk:acknowledged-rules"  # == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY
LOGICAL_ID_METADATA_KEY = "aws:cdk:logicalId"
PATH_METADATA_KEY = "aws:cdk:path"

_SUB_VAR = re.compile(r"\$\{([^!}][^}]*)\}")


@dataclass
class Resource:
    stack: Stack
    logical_id: str
    type: str
    properties: dict[str, Any]
    path: str  # construct path, e.g. "prod/Runtime/Agent/Runtime/Resource"
    metadata: dict[str, Any] = field(default_factory=dict, compare=False)  # the template's "Metadata" of it

    def prop(self, *keys: str, default: Any = None) -> Any:
        value: Any = self.properties
        for key in keys:
            if not isinstance(value, dict) or key not in value:
                return default
            value = value[key]
        return value

    def __hash__(self) -> int:
        return hash((self.stack.path, self.logical_id))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Resource) and (self.stack.path, self.logical_id) == (
            other.stack.path,
            other.logical_id,
        )

    def __repr__(self) -> str:
        return f"Resource({self.path} {self.type})"


@dataclass
class Stack:
    path: str  # construct path == display name, e.g. "prod/Runtime"
    artifact_id: str
    stack_name: str
    template_path: Path
    template: dict[str, Any]
    resources: dict[str, Resource] = field(default_factory=dict)
    #: construct path -> {rule id as acknowledged (namespace stripped): reason}
    acknowledgements: dict[str, dict[str, str]] = field(default_factory=dict)
    #: docker image assets of this stack's asset manifest, keyed by asset hash
    docker_images: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the stack's target, ``aws://<account>/<region>`` (manifest ``environment``)
    aws_environment: str = "aws://unknown-account/unknown-region"

    @property
    def outputs(self) -> dict[str, Any]:
        return self.template.get("Outputs") or {}

    def __hash__(self) -> int:
        return hash(self.path)

    def __repr__(self) -> str:
        return f"Stack({self.path})"


@dataclass(frozen=True)
class Ref:
    """A reference to a resource (``Ref`` when attribute is None, else ``Fn::GetAtt``)."""

    resource: Resource
    attribute: str | None = None


class Environment:
    """The stacks of one Stage, with intrinsic resolution across them (``Fn::GetStackOutput``, ``Fn::ImportValue``)."""

    def __init__(self, name: str, stacks: list[Stack]) -> None:
        self.name = name
        self.stacks = stacks
        self._by_stack_name = {s.stack_name: s for s in stacks}
        self._exports: dict[str, tuple[Stack, Any]] = {}
        for stack in stacks:
            for output in stack.outputs.values():
                export = (output.get("Export") or {}).get("Name")
                if isinstance(export, str):
                    self._exports[export] = (stack, output.get("Value"))

    @property
    def display_name(self) -> str:
        return self.name or "(app)"

    def resources(self, *types: str) -> list[Resource]:
        return [r for s in self.stacks for r in s.resources.values() if not types or r.type in types]

    def acknowledgement(self, construct_path: str, finding_id: str) -> str | None:
        """The reason of the closest acknowledgement of ``finding_id`` on ``construct_path`` or an ancestor."""
        path = construct_path
        while True:
            for stack in self.stacks:
                reason = stack.acknowledgements.get(path, {}).get(finding_id)
                if reason is not None:
                    return reason
            if "/" not in path:
                return None
            path = path.rsplit("/", 1)[0]

    # ---- intrinsic resolution -------------------------------------------------------------------------
    def target(self, value: Any, stack: Stack, _depth: int = 0) -> Ref | None:
        """The resource ``value`` is, when it is exactly a Ref/GetAtt (possibly through another stack's output)."""
        if _depth > 8 or not isinstance(value, dict) or len(value) != 1:
            return None
        ((fn, arg),) = value.items()
        if fn == "Ref" and isinstance(arg, str):
            res = stack.resources.get(arg)
            return Ref(res) if res else None
        if fn == "Fn::GetAtt":
            logical_id, attribute = _getatt_parts(arg)
            res = stack.resources.get(logical_id) if logical_id else None
            return Ref(res, attribute) if res else None
        if fn in ("Fn::GetStackOutput", "Fn::ImportValue"):
            produced = self._cross_stack(fn, arg)
            return self.target(produced[1], produced[0], _depth + 1) if produced else None
        return None

    def references(self, value: Any, stack: Stack, _depth: int = 0) -> set[Ref]:
        """Every resource referenced anywhere inside ``value`` (Ref, GetAtt, Sub variables, cross-stack outputs)."""
        found: set[Ref] = set()
        if _depth > 8:
            return found
        if isinstance(value, list):
            for item in value:
                found |= self.references(item, stack, _depth)
        elif isinstance(value, dict):
            if len(value) == 1:
                ((fn, arg),) = value.items()
                if fn in ("Ref", "Fn::GetAtt"):
                    ref = self.target(value, stack)
                    return {ref} if ref else found
                if fn in ("Fn::GetStackOutput", "Fn::ImportValue"):
                    produced = self._cross_stack(fn, arg)
                    return self.references(produced[1], produced[0], _depth + 1) if produced else found
                if fn == "Fn::Sub":
                    template, variables = (
                        (arg, {}) if isinstance(arg, str) else (arg[0], arg[1] if len(arg) > 1 else {})
                    )
                    for name in _SUB_VAR.findall(template if isinstance(template, str) else ""):
                        if name in variables:
                            continue
                        logical_id, _, attribute = name.partition(".")
                        res = stack.resources.get(logical_id)
                        if res:
                            found.add(Ref(res, attribute or None))
                    return found | self.references(variables, stack, _depth)
            for item in value.values():
                found |= self.references(item, stack, _depth)
        return found

    def refers_to(self, value: Any, stack: Stack, resource: Resource, attribute: str | None = "*") -> bool:
        """Whether ``value`` references ``resource`` (with ``attribute``; ``"*"`` = any attribute or a Ref)."""
        return any(
            r.resource == resource and (attribute == "*" or r.attribute == attribute)
            for r in self.references(value, stack)
        )

    def literal_strings(self, value: Any) -> Iterator[str]:
        """The literal strings inside ``value``, intrinsic arguments included (for pattern scans)."""
        if isinstance(value, str):
            yield value
        elif isinstance(value, list):
            for item in value:
                yield from self.literal_strings(item)
        elif isinstance(value, dict):
            for key, item in value.items():
                if key in ("Ref", "Fn::GetAtt", "Fn::GetStackOutput", "Fn::ImportValue"):
                    continue
                yield from self.literal_strings(item)

    def _cross_stack(self, fn: str, arg: Any) -> tuple[Stack, Any] | None:
        if fn == "Fn::GetStackOutput" and isinstance(arg, dict):
            producer = self._by_stack_name.get(arg.get("StackName"))  # type: ignore[arg-type]
            output = producer.outputs.get(arg.get("OutputName")) if producer else None  # type: ignore[arg-type]
            return (producer, output.get("Value")) if producer and output else None
        if fn == "Fn::ImportValue" and isinstance(arg, str):
            return self._exports.get(arg)
        return None


def _getatt_parts(arg: Any) -> tuple[str | None, str | None]:
    if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
        return arg[0], arg[1] if isinstance(arg[1], str) else None
    if isinstance(arg, str) and "." in arg:
        logical_id, attribute = arg.split(".", 1)
        return logical_id, attribute
    return None, None


# ---- loading -------------------------------------------------------------------------------------------
def normalize_rule_id(acknowledged_id: str, plugin_namespaces: Iterable[str] = ()) -> str | None:
    """``Annotation::Readiness-X`` / ``<plugin namespace>::Readiness-X`` -> ``Readiness-X``; others -> None."""
    if "::" not in acknowledged_id:
        return acknowledged_id
    namespace, rule_id = acknowledged_id.split("::", 1)
    if namespace.lower() == "annotation" or namespace in set(plugin_namespaces):
        return rule_id
    return None


def load_stack(
    directory: Path, artifact_id: str, artifact: dict[str, Any], plugin_namespaces: Iterable[str] = ()
) -> Stack:
    props = artifact.get("properties") or {}
    template_path = directory / props["templateFile"]
    template = json.loads(template_path.read_text())
    stack_path = artifact.get("displayName") or artifact_id
    stack = Stack(
        path=stack_path,
        artifact_id=artifact_id,
        stack_name=props.get("stackName") or artifact_id,
        template_path=template_path,
        template=template,
        aws_environment=str(artifact.get("environment") or "aws://unknown-account/unknown-region"),
    )
    metadata: dict[str, list[dict[str, Any]]] = dict(artifact.get("metadata") or {})
    metadata_file = artifact.get("additionalMetadataFile")
    if metadata_file and (directory / metadata_file).is_file():
        for path, entries in json.loads((directory / metadata_file).read_text()).items():
            metadata.setdefault(path, []).extend(entries)
    path_by_logical_id: dict[str, str] = {}
    for path, entries in metadata.items():
        for entry in entries:
            kind = entry.get("type")
            if kind == LOGICAL_ID_METADATA_KEY and isinstance(entry.get("data"), str):
                path_by_logical_id[entry["data"]] = path.lstrip("/")
            elif kind == ACKNOWLEDGED_RULES_METADATA_KEY and isinstance(entry.get("data"), dict):
                acks = stack.acknowledgements.setdefault(path.lstrip("/"), {})
                for acknowledged_id, reason in entry["data"].items():
                    rule_id = normalize_rule_id(acknowledged_id, plugin_namespaces)
                    if rule_id is not None:
                        acks[rule_id] = reason
    for logical_id, raw in (template.get("Resources") or {}).items():
        path = (
            path_by_logical_id.get(logical_id)
            or (raw.get("Metadata") or {}).get(PATH_METADATA_KEY)
            or f"{stack_path}/{logical_id}"
        )
        stack.resources[logical_id] = Resource(
            stack, logical_id, raw.get("Type", ""), raw.get("Properties") or {}, path, raw.get("Metadata") or {}
        )
    for dependency in artifact.get("dependencies") or []:
        assets_file = directory / f"{dependency}.json"
        if dependency.endswith(".assets") and assets_file.is_file():
            stack.docker_images.update(json.loads(assets_file.read_text()).get("dockerImages") or {})
    return stack


def environment_name(directory: Path, root: Path | None, stack_paths: Iterable[str]) -> str:
    """The Stage path of a (nested) assembly directory: ``""`` for the root, ``prod`` for ``assembly-prod``."""
    if root is not None and directory.resolve() == root.resolve():
        return ""
    if not directory.name.startswith("assembly-"):
        return ""
    artifact_id = directory.name[len("assembly-") :]
    for stack_path in stack_paths:  # a Stage's artifact id is its path joined with "-"; recover the "/" path
        parts = stack_path.split("/")
        for n in range(len(parts) - 1, 0, -1):
            if "-".join(parts[:n]) == artifact_id:
                return "/".join(parts[:n])
    return artifact_id


#: Template-level ``Metadata`` key of a stack that is delivery tooling, not an agent environment (a release pipeline):
#: its value says what it is. Such stacks are left to cdk-nag; the readiness checklist does not judge them.
NOT_AN_AGENT_METADATA = "agentcore:not-an-agent"


#: Template-level ``Metadata`` key of a release pipeline that runs the end-to-end suite as a gate:
#: ``{"e2e_environment": "staging", "gated": ["prod"]}`` (the environments deployed only after that suite passed).
E2E_GATE_METADATA = "agentcore:e2e-gate"


def e2e_gates(outdir: Path | str) -> dict[str, str]:
    """Environment -> the environment whose end-to-end run gates its deployment, from release pipelines' metadata."""
    gates: dict[str, str] = {}

    def visit(directory: Path) -> None:
        manifest = json.loads((directory / "manifest.json").read_text())
        for artifact in (manifest.get("artifacts") or {}).values():
            if artifact.get("type") == "aws:cloudformation:stack":
                template = json.loads((directory / artifact["properties"]["templateFile"]).read_text())
                gate = (template.get("Metadata") or {}).get(E2E_GATE_METADATA)
                if isinstance(gate, dict):
                    for gated in gate.get("gated", []):
                        gates[str(gated)] = str(gate.get("e2e_environment"))
            elif artifact.get("type") == "cdk:cloud-assembly":
                visit(directory / artifact["properties"]["directoryName"])

    visit(Path(outdir))
    return gates


def load_assembly_directory(
    directory: Path,
    *,
    root: Path | None = None,
    only_templates: set[Path] | None = None,
    plugin_namespaces: Iterable[str] = (),
) -> Environment | None:
    """The environment of one assembly directory (its own stacks only, not nested assemblies)."""
    manifest = json.loads((directory / "manifest.json").read_text())
    stacks = []
    for artifact_id, artifact in (manifest.get("artifacts") or {}).items():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        template_file = (directory / artifact["properties"]["templateFile"]).resolve()
        if only_templates is not None and template_file not in only_templates:
            continue
        stack = load_stack(directory, artifact_id, artifact, plugin_namespaces)
        if (stack.template.get("Metadata") or {}).get(NOT_AN_AGENT_METADATA):
            continue
        stacks.append(stack)
    if not stacks:
        return None
    stacks.sort(key=lambda s: s.path)
    return Environment(environment_name(directory, root, (s.path for s in stacks)), stacks)


def load_cloud_assembly(outdir: Path | str, plugin_namespaces: Iterable[str] = ()) -> list[Environment]:
    """Every environment of a cloud assembly: the root's stacks and each nested assembly's, recursively."""
    root = Path(outdir)
    if not (root / "manifest.json").is_file():
        raise FileNotFoundError(f"{root} is not a cloud assembly (no manifest.json); run `cdk synth` first")
    environments: list[Environment] = []

    def visit(directory: Path) -> None:
        env = load_assembly_directory(directory, root=root, plugin_namespaces=plugin_namespaces)
        if env is not None:
            environments.append(env)
        manifest = json.loads((directory / "manifest.json").read_text())
        for artifact in (manifest.get("artifacts") or {}).values():
            if artifact.get("type") == "cdk:cloud-assembly":
                visit(directory / artifact["properties"]["directoryName"])

    visit(root)
    return environments


def environment_from_templates(
    name: str,
    templates: dict[str, dict[str, Any]],
    *,
    acknowledgements: dict[str, dict[str, str]] | None = None,
    stack_names: dict[str, str] | None = None,
    aws_environment: str = "aws://123456789012/us-east-1",
) -> Environment:
    """An environment from in-memory templates, for unit-testing rule functions without a synth.

    ``templates`` maps stack construct paths (``"prod/Runtime"``) to template dicts; resource construct paths are
    ``<stack path>/<logical id>``. ``acknowledgements`` maps construct paths to ``{finding id: reason}``;
    ``stack_names`` maps stack paths to CloudFormation stack names (default: the path with "/" -> "-").
    """
    stacks = []
    for stack_path, template in templates.items():
        stack = Stack(
            path=stack_path,
            artifact_id=stack_path.replace("/", ""),
            stack_name=(stack_names or {}).get(stack_path, stack_path.replace("/", "-")),
            template_path=Path(f"{stack_path.replace('/', '-')}.template.json"),
            template=template,
            aws_environment=aws_environment,
        )
        for logical_id, raw in (template.get("Resources") or {}).items():
            stack.resources[logical_id] = Resource(
                stack,
                logical_id,
                raw.get("Type", ""),
                raw.get("Properties") or {},
                f"{stack_path}/{logical_id}",
                raw.get("Metadata") or {},
            )
        for path, acks in (acknowledgements or {}).items():
            if path == stack_path or path.startswith(stack_path + "/"):
                stack.acknowledgements[path] = dict(acks)
        stacks.append(stack)
    return Environment(name, stacks)
