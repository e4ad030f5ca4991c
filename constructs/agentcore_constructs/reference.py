"""The per-construct reference (``constructs/REFERENCE.md``), rendered from the code: signatures with their defaults,
the docstrings (props, defaults, attributes) and the public methods (what each grants or sets).

    python -m agentcore_constructs.reference > constructs/REFERENCE.md      (make reference)

A test fails when the file differs from what this renders, or when a keyword parameter is not documented.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import re
import sys
from typing import Any

#: The public API (every name of ``agentcore_constructs.__all__``), in the order of the migration stages, then the
#: cross-cutting parts; the readiness pack's plugin last.
PUBLIC_ORDER: tuple[str, ...] = (
    "AgentRuntime",
    "CodeArtifact",
    "ContainerArtifact",
    "RuntimeArtifactKind",
    "VpcPlacement",
    "RetryPolicy",
    "InvocationLimits",
    "SessionLifecycle",
    "RuntimeVpcEndpoints",
    "AgentMemory",
    "ToolGateway",
    "LambdaTool",
    "ToolFunction",
    "ToolPolicy",
    "PythonArm64Function",
    "AgentIdentity",
    "OAuthScopes",
    "UserPoolSettings",
    "UserClientSettings",
    "ExternalOidcIdentity",
    "OutboundOAuth2",
    "AgentObservability",
    "TransactionSearch",
    "AlarmThresholds",
    "OnlineEvaluation",
    "EndpointRollback",
    "ModelAccess",
)
_PLUGIN = ("agentcore_constructs.readiness.pack", "ProductionReadinessChecks")
_SKIPPED_PARAMETERS = {"self", "scope", "construct_id", "id"}


def public_names() -> list[tuple[str, str]]:
    """(module, name) of every public export, in :data:`PUBLIC_ORDER`; an export missing there fails loudly."""
    import agentcore_constructs

    unlisted = sorted(set(agentcore_constructs.__all__) - set(PUBLIC_ORDER))
    if unlisted:
        raise ValueError(f"agentcore_constructs exports {unlisted} that reference.PUBLIC_ORDER does not place")
    exports: dict[str, str] = agentcore_constructs._EXPORTS
    return [(exports[name], name) for name in PUBLIC_ORDER if name in agentcore_constructs.__all__] + [_PLUGIN]


def public_classes() -> list[type[Any]]:
    return [getattr(importlib.import_module(module), name) for module, name in public_names()]


def keyword_parameters(cls: type[Any]) -> list[inspect.Parameter]:
    if issubclass(cls, enum.Enum):
        return []  # an enum is chosen from, not constructed: its members are listed instead
    return [p for p in inspect.signature(cls.__init__).parameters.values() if p.name not in _SKIPPED_PARAMETERS]


def _member_docs(cls: type[enum.Enum]) -> dict[str, str]:
    """The ``#:`` comment above each member of an enum, from its source."""
    docs: dict[str, str] = {}
    comment: list[str] = []
    for line in inspect.getsource(cls).splitlines():
        stripped = line.strip()
        if stripped.startswith("#:"):
            comment.append(stripped[2:].strip())
            continue
        match = re.match(r"([A-Z][A-Z0-9_]*)\s*=", stripped)
        if match and comment:
            docs[match.group(1)] = " ".join(comment)
        comment = []
    return docs


def undocumented_parameters(cls: type[Any]) -> list[str]:
    """Keyword parameters of ``cls`` its docstring does not name (in ``Args:`` or ``Attributes:``)."""
    doc = inspect.getdoc(cls) or ""
    return [p.name for p in keyword_parameters(cls) if not re.search(rf"(?<![\w.]){re.escape(p.name)}(?!\w)", doc)]


def _default(parameter: inspect.Parameter) -> str:
    if parameter.default is inspect.Parameter.empty:
        return "required"
    value = parameter.default
    kind = type(value).__name__
    if isinstance(value, enum.Enum):
        text = f"{kind}.{value.name}"
    elif hasattr(value, "to_human_string"):
        text = f"Duration: {value.to_human_string()}"
    elif type(value).__module__.startswith(("aws_cdk", "jsii")):
        # jsii objects repr as memory addresses: name the member where it has one, else the type.
        member = getattr(value, "name", None) or getattr(value, "value", None)
        text = f"{kind} {member}" if isinstance(member, str) else kind
    else:
        text = repr(value)
    return f"`{text}`"


def _doc_markdown(doc: str) -> list[str]:
    """A Google-style docstring as Markdown: ``Args:``/``Attributes:`` entries become bullets."""
    out: list[str] = []
    section = False
    for line in doc.splitlines():
        if line.rstrip() in ("Args:", "Attributes:"):
            section = True
            out += ["", f"**{line.rstrip()[:-1]}**", ""]
            continue
        if section and line.startswith("    ") and not line.startswith("        "):
            name, sep, rest = line.strip().partition(": ")
            out.append(f"- `{name}`: {rest}" if sep and len(name) < 80 else f"- {line.strip()}")
            continue
        if section and line.startswith("        "):
            out[-1] += " " + line.strip()
            continue
        if section and line.strip():
            section = False
        out.append(line)
    return out


def _annotation(parameter: inspect.Parameter) -> str:
    annotation = parameter.annotation
    return annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))


def _methods(cls: type[Any]) -> list[tuple[str, str]]:
    methods = []
    for name, member in cls.__dict__.items():
        if name.startswith("_") or not callable(member) or isinstance(member, (staticmethod, type)):
            continue
        doc = inspect.getdoc(member) or ""
        methods.append((name, " ".join(doc.split("\n\n")[0].split())))
    return methods


def render() -> str:
    lines = [
        "# agentcore-constructs reference",
        "",
        "Rendered from the code by `python -m agentcore_constructs.reference` (`make reference`); a test keeps it",
        "current. Every construct takes keyword-only props after `scope, id`; defaults are in the table and, with",
        "what they mean, in the description.",
        "",
    ]
    for module, name in public_names():
        # The module users import it from (a package re-exports what its modules define).
        cls = getattr(importlib.import_module(module), name)
        lines += [f"## `{cls.__name__}`", "", f"`{module}`", ""]
        lines += [*_doc_markdown(inspect.getdoc(cls) or ""), ""]
        parameters = keyword_parameters(cls)
        if parameters:
            lines += ["| prop | type | default |", "|---|---|---|"]
            for parameter in parameters:
                type_text = _annotation(parameter).replace("|", "\\|")
                lines.append(f"| `{parameter.name}` | `{type_text}` | {_default(parameter)} |")
            lines.append("")
        if issubclass(cls, enum.Enum):
            docs = _member_docs(cls)
            lines += ["| member | value | meaning |", "|---|---|---|"]
            for member in cls:
                lines.append(f"| `{cls.__name__}.{member.name}` | `{member.value!r}` | {docs.get(member.name, '')} |")
            lines.append("")
            continue
        methods = _methods(cls)
        if methods:
            lines += ["Methods:", ""]
            lines += [f"- `{name}`: {summary}" if summary else f"- `{name}`" for name, summary in methods]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
