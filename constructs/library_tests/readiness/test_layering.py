"""The readiness package has no import cycle: the model (what a rule and a finding are) knows nothing of the rules,
the rules know nothing of how they are run, and the runner sits above both."""

from __future__ import annotations

import ast
from pathlib import Path

import agentcore_constructs.readiness as readiness

PACKAGE = "agentcore_constructs.readiness"
ROOT = Path(readiness.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join([PACKAGE, *(p for p in parts if p != "__init__")])


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PACKAGE):
                for alias in node.names:
                    submodule = f"{node.module}.{alias.name}"
                    edges.add(submodule if submodule in modules else node.module)
            elif isinstance(node, ast.Import):
                edges |= {a.name for a in node.names if a.name.startswith(PACKAGE)}
        # A package's __init__ re-exports its modules; its own modules importing a sibling through it is not a cycle
        # of meaning, so package nodes are left out of the walk.
        graph[name] = {
            e for e in edges if e in modules and e != name and not (ROOT / "__init__.py").samefile(modules[e])
        }
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if nxt.endswith(".rules") and node.startswith(f"{PACKAGE}.rules."):
                continue  # a rule module taking a sibling (``from ..rules import common``) through the package
            if state.get(nxt) == 1:
                return [*path, node, nxt]
            if nxt not in state and (found := visit(nxt, [*path, node])):
                return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [])):
            return found
    return None


def test_the_model_imports_no_rules_and_the_package_has_no_cycle() -> None:
    graph = _graph()
    assert not {e for e in graph[f"{PACKAGE}.model"] if ".rules" in e}
    assert _cycle(graph) is None, _cycle(graph)
