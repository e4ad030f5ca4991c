"""Every value two rooms share has one home, the contract package: its literals appear nowhere else in the code.

Scans the string constants (docstrings excluded) of the library, the stacks, the agent, the Lambdas, the local
stand-ins and the scripts. A hit means a copy that can drift (as the dashboard's ``order-service`` did from the
Lambda's ``order_service``): import the name from ``agentcore_constructs.contract`` instead.
"""

from __future__ import annotations

import ast
from pathlib import Path

from agentcore_constructs.contract import env_vars, memory, tools
from tests.support import REPO_ROOT

CONTRACT_DIR = REPO_ROOT / "constructs" / "agentcore_constructs" / "contract"
SCANNED = [
    REPO_ROOT / "app.py",
    REPO_ROOT / "constructs" / "agentcore_constructs",
    REPO_ROOT / "stacks",
    REPO_ROOT / "agent_src",
    REPO_ROOT / "lambdas",
    REPO_ROOT / "local_dev",
    REPO_ROOT / "scripts",
]


def contract_literals() -> set[str]:
    values = {v.name for v in env_vars.ALL}
    values |= {
        tools.CALLER_ID_ARGUMENT,
        tools.CALLER_GROUPS_ARGUMENT,
        tools.RUNTIME_SESSION_ARGUMENT,
        tools.TOOL_CALL_ID_ARGUMENT,
        tools.RUNTIME_SESSION_META,
        tools.TOOL_CALL_ID_META,
        tools.TOOL_NAME_DELIMITER,
        tools.CALLER_REQUIRED_ENV,
        tools.INTERCEPTED_TARGETS_ENV,
        tools.TOOL_METRICS_NAMESPACE,
        tools.TOOL_ERRORS_METRIC,
        *memory.LONG_TERM_NAMESPACES,
        memory.MEMORY_STATUS_HEADER,
        memory.MEMORY_NOT_SAVED,
        memory.AGENT_METRICS_NAMESPACE,
        memory.MEMORY_NOT_SAVED_METRIC,
    }
    return values


def _docstring_nodes(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def copies_in(path: Path, literals: set[str]) -> list[str]:
    tree = ast.parse(path.read_text())
    docstrings = _docstring_nodes(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            if node.value in literals:
                found.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno}: {node.value!r}")
    return found


def test_contract_literals_live_only_in_the_contract_package() -> None:
    literals = contract_literals()
    files = [p for root in SCANNED for p in ([root] if root.is_file() else sorted(root.rglob("*.py")))]
    files = [p for p in files if CONTRACT_DIR not in p.parents and ".egg-info" not in str(p)]
    assert len(files) > 50
    copies = [hit for path in files for hit in copies_in(path, literals)]
    assert copies == []


def test_the_scan_finds_a_copy() -> None:
    literals = contract_literals()
    probe = Path(__file__).with_name("_probe.py")
    probe.write_text(f'"""Docstrings may say {tools.CALLER_ID_ARGUMENT}."""\nCALLER = {tools.CALLER_ID_ARGUMENT!r}\n')
    try:
        assert copies_in(probe, literals) == [f"{probe.relative_to(REPO_ROOT)}:2: {tools.CALLER_ID_ARGUMENT!r}"]
    finally:
        probe.unlink()
