"""What an agent's source consumes of the contract, read statically (no import, no execution) at synth.

An agent consumes a contract variable when its code

* imports a kit module that reads it (``contract.consumers.KIT_CONSUMES``: ``from agentcore_constructs.kit.strands
  import AgentCoreApp`` consumes every stage), or
* names the variable through the contract (``env_vars.MEMORY_ID``, ``from ...env_vars import MEMORY_ID``), or
* reads it by name (the string ``"MEMORY_ID"``, as in ``os.environ["MEMORY_ID"]``).

Files under ``tests``, caches and virtual environments are not the agent.
"""

from __future__ import annotations

import ast
from pathlib import Path

from agentcore_constructs.contract import env_vars
from agentcore_constructs.contract.consumers import KIT_CONSUMES

_SKIPPED_PARTS = frozenset({"tests", "__pycache__", ".venv", "node_modules", ".local", "site-packages"})
_NAMES = {v.name: v for v in env_vars.ALL}
_CONSTANTS = {key: value.name for key, value in vars(env_vars).items() if isinstance(value, env_vars.EnvVar)}


def _imported_modules(tree: ast.AST) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
            modules |= {f"{node.module}.{alias.name}" for alias in node.names}
    return modules


def _named_variables(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in _NAMES:
            names.add(node.value)
        elif isinstance(node, ast.Attribute) and node.attr in _CONSTANTS:
            names.add(_CONSTANTS[node.attr])
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.endswith("contract.env_vars"):
            names |= {_CONSTANTS[a.name] for a in node.names if a.name in _CONSTANTS}
    return names


def consumed_variables(source_dir: Path) -> list[str]:
    """The contract variables the Python code under ``source_dir`` consumes, sorted."""
    consumed: set[str] = set()
    for module in sorted(source_dir.rglob("*.py")):
        if _SKIPPED_PARTS & set(module.relative_to(source_dir).parts):
            continue
        try:
            tree = ast.parse(module.read_text(encoding="utf-8", errors="replace"))
        except SyntaxError:
            continue
        for imported in _imported_modules(tree):
            consumed |= {v.name for v in KIT_CONSUMES.get(imported, ())}
        consumed |= _named_variables(tree)
    return sorted(consumed)
