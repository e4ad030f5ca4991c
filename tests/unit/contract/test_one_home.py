"""Every value two rooms share has one home, the contract package: its literals appear nowhere else in the code.

Names: scans the string constants (docstrings excluded) of the library, the stacks, the agent, the Lambdas, the local
stand-ins and the scripts. A hit means a copy that can drift (as the dashboard's ``order-service`` did from the
Lambda's ``order_service``): import the name from ``agentcore_constructs.contract`` instead.

Values: the same code plus the tests and examples must not spell the runtime session header, nor a collection of the
allowed values of a contract variable (retry modes, model providers, log levels) or of the inline tool-schema
keyword rules (keywords, types, tool keys): they read them from the contract.
"""

from __future__ import annotations

import ast
from pathlib import Path

from agentcore_constructs.contract import env_vars, memory, tool_schema, tools
from agentcore_constructs.contract.invocation import SESSION_HEADER
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
#: Where a copied value would drift too: the tests and examples, besides the code above.
VALUE_SCANNED = [*SCANNED, REPO_ROOT / "tests", REPO_ROOT / "constructs" / "library_tests", REPO_ROOT / "examples"]


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


def python_files(roots: list[Path]) -> list[Path]:
    files = [p for root in roots for p in ([root] if root.is_file() else sorted(root.rglob("*.py")))]
    return [p for p in files if CONTRACT_DIR not in p.parents and ".egg-info" not in str(p) and p != THIS_FILE]


THIS_FILE = Path(__file__).resolve()


def test_contract_literals_live_only_in_the_contract_package() -> None:
    literals = contract_literals()
    files = python_files(SCANNED)
    assert len(files) > 50
    copies = [hit for path in files for hit in copies_in(path, literals)]
    assert copies == []


def contract_value_sets() -> dict[str, frozenset[str]]:
    """Each collection of values with a home, by the name of that home."""
    sets = {f"env_vars.{v.name}.choices": frozenset(v.choices) for v in env_vars.ALL if v.choices}
    sets["tool_schema.SCHEMA_KEYWORDS"] = tool_schema.SCHEMA_KEYWORDS
    sets["tool_schema.SCHEMA_TYPES"] = frozenset(tool_schema.SCHEMA_TYPES)
    sets["tool_schema.TOOL_KEYS"] = tool_schema.TOOL_KEYS
    return sets


def _where(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT)) if REPO_ROOT in path.parents else path.name


def value_copies_in(path: Path, sets: dict[str, frozenset[str]], scalars: set[str]) -> list[str]:
    """Literal copies of contract values in ``path``: a scalar value (the session header), or a tuple/list/set
    of string constants drawn from one home's collection (all of a small one, at least three of a larger one)."""
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and node.value in scalars:
            found.append(f"{_where(path)}:{node.lineno}: {node.value!r}")
        elements = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else []
        strings = {e.value for e in elements if isinstance(e, ast.Constant) and isinstance(e.value, str)}
        for home, values in sets.items():
            if len(strings) >= min(3, len(values)) and strings <= values:
                found.append(f"{_where(path)}:{node.lineno}: {sorted(strings)} (home: {home})")
    return found


def test_contract_values_live_only_in_the_contract_package() -> None:
    sets = contract_value_sets()
    assert len(sets) >= 6  # retry modes, model providers, log levels, and the three tool-schema rules
    files = python_files(VALUE_SCANNED)
    assert len(files) > 200
    copies = [hit for path in files for hit in value_copies_in(path, sets, {SESSION_HEADER})]
    assert copies == []


def test_the_scan_finds_a_copy() -> None:
    literals = contract_literals()
    probe = Path(__file__).with_name("_probe.py")
    probe.write_text(f'"""Docstrings may say {tools.CALLER_ID_ARGUMENT}."""\nCALLER = {tools.CALLER_ID_ARGUMENT!r}\n')
    try:
        assert copies_in(probe, literals) == [f"{probe.relative_to(REPO_ROOT)}:2: {tools.CALLER_ID_ARGUMENT!r}"]
    finally:
        probe.unlink()


def test_the_value_scan_finds_a_copy(tmp_path: Path) -> None:
    """A copied header or allowed-value tuple is found; a single value (``"standard"`` as a botocore retry mode of a
    function outside the contract) and a schema instance (a dict using the keywords) are not copies of a rule."""
    sets = contract_value_sets()
    probe = tmp_path / "probe.py"
    modes = env_vars.RETRY_MODE.choices
    probe.write_text(
        f"H = {SESSION_HEADER!r}\nok = mode in {tuple(modes)!r}\nsolo = {modes[0]!r}\n"
        'schema = {"type": "object", "properties": {}, "required": []}\n'
    )
    assert value_copies_in(probe, sets, {SESSION_HEADER}) == [
        f"probe.py:1: {SESSION_HEADER!r}",
        f"probe.py:2: {sorted(modes)} (home: env_vars.{env_vars.RETRY_MODE.name}.choices)",
    ]
