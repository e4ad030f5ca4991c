"""Which third-party packages an agent's source imports, read statically at synth, and whether its lock installs them.

An agent that imports a package its requirements lock lacks deploys fine and fails on its first cold start
(``ModuleNotFoundError`` in the runtime's log, every invocation 500). Two checks refuse it before that:

* at synth, :func:`unlocked_imports`: the distribution that provides an import in the environment running the CDK app
  (``importlib.metadata.packages_distributions``) is not pinned in the lock. An import that environment does not
  provide either is left to the second check;
* when the bundle is built, :func:`unresolved_imports`: an import that nothing in the built bundle provides (neither
  an installed package, the agent's own modules, nor the standard library).

Imports guarded by ``try: ... except ImportError`` (optional) and under ``if TYPE_CHECKING:`` are not required.
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

_SKIPPED_PARTS = frozenset({"tests", "__pycache__", ".venv", "node_modules", ".local", "site-packages"})
_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


@dataclass(frozen=True)
class ImportSite:
    module: str  #: the top-level name, e.g. "requests"
    file: str  #: relative to the source folder
    line: int

    def __str__(self) -> str:
        return f"{self.module} ({self.file} line {self.line})"


def _guarded(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Whether ``node`` sits in a ``try`` that catches ImportError, or under ``if TYPE_CHECKING``."""
    child, parent = node, parents.get(node)
    while parent is not None:
        if isinstance(parent, ast.Try) and child in parent.body:
            for handler in parent.handlers:
                names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
                if handler.type is None or any(isinstance(n, ast.Name) and n.id in _IMPORT_ERRORS for n in names):
                    return True
        if isinstance(parent, ast.If) and child in parent.body:
            test = parent.test
            if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
                isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
            ):
                return True
        child, parent = parent, parents.get(parent)
    return False


def _module_files(source_dir: Path, dotted: str, shipped: Mapping[str, Path]) -> list[Path]:
    """The files a dotted module name loads (each package's ``__init__.py``, then the module): from the agent's
    folder, or from ``shipped`` (bundle path -> file) for what is copied in beside it."""
    files, parts = [], dotted.split(".")
    for depth in range(1, len(parts) + 1):
        relative = "/".join(parts[:depth])
        for candidate in (f"{relative}/__init__.py", f"{relative}.py"):
            if candidate in shipped:
                files.append(shipped[candidate])
                break
            if (source_dir / candidate).is_file():
                files.append(source_dir / candidate)
                break
        else:
            if not (source_dir / relative).is_dir():
                break
    return files


def _bundle_path(path: Path, source_dir: Path, shipped: Mapping[str, Path]) -> str:
    by_file = {file: bundle for bundle, file in shipped.items()}
    return by_file.get(path) or path.relative_to(source_dir).as_posix()


def _imports(tree: ast.AST, package: tuple[str, ...]) -> list[tuple[ast.AST, list[str], list[str]]]:
    """(node, absolute top-level-able module names, every dotted target incl. ``from x import y`` -> ``x.y``)."""
    found: list[tuple[ast.AST, list[str], list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
            found.append((node, names, names))
        elif isinstance(node, ast.ImportFrom):
            base = list(package[: len(package) - node.level + 1]) if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            targets = ([module] if module else []) + [f"{module}.{a.name}" if module else a.name for a in node.names]
            found.append((node, [node.module] if node.module and node.level == 0 else [], targets))
    return found


def _reachable(
    source_dir: Path, entry: str | None, shipped: Mapping[str, Path]
) -> list[tuple[str, ast.AST, dict[ast.AST, ast.AST]]]:
    """(bundle path, tree, parents) of the agent's files ``entry`` imports, transitively through the agent's own
    modules and the ``shipped`` ones (every agent file when ``entry`` is None). Optional imports are not followed."""
    agent_files = [
        p for p in sorted(source_dir.rglob("*.py")) if not _SKIPPED_PARTS & set(p.relative_to(source_dir).parts)
    ]
    queue = [source_dir / entry] if entry is not None and (source_dir / entry).is_file() else list(agent_files)
    seen: dict[Path, tuple[str, ast.AST, dict[ast.AST, ast.AST]]] = {}
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        except SyntaxError:
            continue
        bundle = _bundle_path(path, source_dir, shipped)
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        seen[path] = (bundle, tree, parents)
        package = tuple(bundle.split("/")[:-1])
        for node, _, targets in _imports(tree, package):
            if not _guarded(node, parents):
                for target in targets:
                    queue.extend(_module_files(source_dir, target, shipped))
    return sorted(seen.values(), key=lambda item: item[0])


def required_imports(
    source_dir: Path, entry: str | None = None, shipped: Mapping[str, Path] | None = None
) -> list[ImportSite]:
    """Every absolute, unguarded import's top-level module in the files ``entry`` (relative to ``source_dir``)
    reaches through the agent's own modules and the ``shipped`` ones (bundle path -> file, e.g. the library's kit);
    every file of the agent when ``entry`` is None. First site of each, sorted (one scan per app and inputs: every
    environment of an app deploys the same source)."""
    return list(_required_imports(source_dir.resolve(), entry, tuple(sorted((shipped or {}).items()))))


@functools.lru_cache(maxsize=32)
def _required_imports(
    source_dir: Path, entry: str | None, shipped: tuple[tuple[str, Path], ...]
) -> tuple[ImportSite, ...]:
    found: dict[str, ImportSite] = {}
    for bundle, tree, parents in _reachable(source_dir, entry, dict(shipped)):
        for node, names, _ in _imports(tree, ()):
            if _guarded(node, parents):
                continue
            for name in names:
                top = name.split(".")[0]
                if top != "__future__":
                    found.setdefault(top, ImportSite(top, bundle, getattr(node, "lineno", 0)))
    return tuple(sorted(found.values(), key=lambda site: site.module))


def _local_modules(source_dir: Path) -> set[str]:
    """Top-level names the agent's own files provide (``app.py``, ``support_agent/``)."""
    names = {p.stem for p in source_dir.glob("*.py")}
    names |= {p.name for p in source_dir.iterdir() if p.is_dir() and not p.name.startswith(".")}
    return names


@functools.lru_cache(maxsize=1)
def _providers() -> dict[str, list[str]]:
    return {name: list(dists) for name, dists in importlib.metadata.packages_distributions().items()}


def unlocked_imports(
    source_dir: Path, locked: set[str], *, entry: str | None = None, shipped: Mapping[str, Path] | None = None
) -> list[str]:
    """``"<import> (<file> line N): <distribution> is not in the lock"`` for every import whose providing
    distribution (as installed where the CDK app runs) the lock (canonical names) does not pin. ``shipped``: roots
    of packages copied into the bundle besides the agent (the library's kit): their imports count too."""
    local = _local_modules(source_dir) | {bundle.split("/")[0].removesuffix(".py") for bundle in shipped or {}}
    problems = []
    for site in required_imports(source_dir, entry, shipped):
        if site.module in sys.stdlib_module_names or site.module in local:
            continue
        providers = _providers().get(site.module)
        if not providers:
            continue  # unknown here: the bundle check decides
        if not {canonicalize_name(p) for p in providers} & locked:
            problems.append(f"{site}: {' or '.join(sorted(set(providers)))} is not in the lock")
    return problems


def unresolved_imports(
    bundle_dir: Path, source_dir: Path, entry: str | None = None, shipped: Mapping[str, Path] | None = None
) -> list[str]:
    """``"<import> (<file> line N)"`` for every import of the agent's source that nothing in the built bundle provides
    (no package or module of that name, not the standard library)."""
    problems = []
    for site in required_imports(source_dir, entry, shipped):
        name = site.module
        if name in sys.stdlib_module_names:
            continue
        if (bundle_dir / name).is_dir() or (bundle_dir / f"{name}.py").is_file():
            continue
        if any(bundle_dir.glob(f"{name}.*.so")) or any(bundle_dir.glob(f"{name}.*.pyd")):
            continue
        problems.append(str(site))
    return problems


def handler_problem(code_root: Path, handler: str) -> str | None:
    """Why Lambda could not load ``handler`` (``package.module.function``) from ``code_root``, or None: the module
    file must exist in the bundle's source and define the function at module level (a ``def``, an assignment or an
    import of that name). Lambda resolves the handler this way at cold start (Lambda developer guide, "Define Lambda
    function handler in Python": the handler is ``<file name without .py>.<function name>``, dots for packages)."""
    module, _, function = handler.rpartition(".")
    if not module or not function.isidentifier():
        return f"handler {handler!r} must be <module path>.<function>, e.g. order_service.handler.lambda_handler"
    relative = Path(*module.split("."))
    path = code_root / relative.with_suffix(".py")
    if not path.is_file():
        path = code_root / relative / "__init__.py"
    if not path.is_file():
        return f"handler {handler!r}: no module {module} ({relative.with_suffix('.py')}) under {code_root}"
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except SyntaxError as error:
        return f"handler {handler!r}: {path.name} does not parse ({error.msg}, line {error.lineno})"
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == function:
            return None
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == function for t in targets):
                return None
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if any((alias.asname or alias.name.split(".")[0]) == function for alias in node.names):
                return None
    return f"handler {handler!r}: {module} defines no {function} at module level"
