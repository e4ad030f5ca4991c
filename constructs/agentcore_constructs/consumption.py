"""What an agent's source consumes of the contract, and what it does that no template shows, read statically (no
import, no execution) at synth.

An agent consumes a contract variable when its code

* imports a kit module that reads it (``contract.consumers.KIT_CONSUMES``: ``from agentcore_constructs.kit.strands
  import AgentCoreApp`` consumes every stage), except ``MEMORY_ID``: memory counts only when the agent calls what
  wires it (``contract.consumers.KIT_MEMORY_CALLABLES``: ``AgentCoreApp(...)``, a runner, ``conversation_memory``),
  since an import alone stores nothing, or
* names the variable through the contract (``env_vars.MEMORY_ID``, ``from ...env_vars import MEMORY_ID``), or
* reads it by name (the string ``"MEMORY_ID"``, as in ``os.environ["MEMORY_ID"]``).

Besides, :func:`scan_agent_source` records (file, line and kind only; never a secret's value):

* hard-coded credentials: a string literal assigned to, passed as, or keyed by a secret-like name (``api_key=``,
  ``{"X-API-Key": ...}``, a literal ``Authorization`` header), judged by the readiness pack's credential detection;
  and any literal that matches a credential pattern (``sk-...``, ``AKIA...``, a private key...);
* direct HTTP calls (requests, httpx, aiohttp, urllib.request, urllib3, http.client) whose URL starts with a literal
  ``http(s)://host/``: the readiness pack matches the host with the upstream URLs of the environment's gateway tools;
* the kit's memory imported but never called.

Files under ``tests``, caches and virtual environments are not the agent.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from agentcore_constructs.contract import env_vars
from agentcore_constructs.contract.consumers import KIT_CONSUMES, KIT_MEMORY_CALLABLES

_SKIPPED_PARTS = frozenset({"tests", "__pycache__", ".venv", "node_modules", ".local", "site-packages"})
_NAMES = {v.name: v for v in env_vars.ALL}
_CONSTANTS = {key: value.name for key, value in vars(env_vars).items() if isinstance(value, env_vars.EnvVar)}
_MEMORY_CALLABLES = frozenset(f"{module}.{name}" for module, names in KIT_MEMORY_CALLABLES.items() for name in names)
#: At most this many credentials and direct calls are recorded (the runtime's metadata stays small).
MAX_RECORDED = 20
#: Modules whose calls are HTTP requests.
HTTP_MODULES = ("requests", "httpx", "aiohttp", "urllib.request", "urllib3", "http.client")
_HOST_CONNECTIONS = frozenset({"http.client.HTTPConnection", "http.client.HTTPSConnection"})
_URL_KEYWORDS = frozenset({"url", "base_url"})
#: Header names whose literal value is a credential whatever it looks like.
_AUTH_HEADERS = frozenset({"AUTHORIZATION", "PROXY_AUTHORIZATION"})
_MIN_AUTH_HEADER_VALUE = 8
#: In source, ``password=...`` is a connection string or a query; ``token: ...`` is prose (a prompt), not a secret.
_SECRET_ASSIGNMENT = "password/secret assignment"
_SECRET_IN_A_STRING = re.compile(r"(?i)\b(?:password|passwd|pwd|secret|api[_-]?key|token)=[^\s&;,]{3,}")
_URL_START = re.compile(r"^https?://[^/?#\s]+(?:[/?#]|$)", re.IGNORECASE)
#: A literal prefix names its host only when the host ends inside it (``f"https://api.example.com/{path}"``).
_HOST_ENDS = re.compile(r"^https?://[^/?#\s]+[/?#]", re.IGNORECASE)


def url_host(text: str, *, whole: bool = True) -> str | None:
    """The lower-case host of an ``http(s)://host...`` string, or None. ``whole=False``: ``text`` is only the start
    of a string (an f-string's literal head, a fragment of ``Fn::Join``), so the host counts only where it ends."""
    match = (_URL_START if whole else _HOST_ENDS).match(text.strip())
    if match is None:
        return None
    try:
        host = urlsplit(match.group(0)).hostname
    except ValueError:
        return None
    return host or None


@dataclass
class AgentSource:
    """What :func:`scan_agent_source` found in an agent's source folder."""

    consumes: list[str]  #: the contract variables it consumes, sorted
    credentials: list[dict[str, Any]] = field(default_factory=list)  #: ``{"file", "line", "kind"}``
    direct_http: list[dict[str, Any]] = field(default_factory=list)  #: ``{"file", "line", "host"}``
    #: The kit module whose memory the agent imports but never calls (None: it calls it, or never imports it).
    memory_uncalled: str | None = None

    def metadata(self) -> dict[str, Any]:
        """The runtime's ``agentcore:source`` metadata: only what was found (empty: nothing to record)."""
        found: dict[str, Any] = {}
        if self.credentials:
            found["credentials"] = self.credentials[:MAX_RECORDED]
        if self.direct_http:
            found["direct_http"] = self.direct_http[:MAX_RECORDED]
        if self.memory_uncalled:
            found["memory"] = "imported"
        return found


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


# ---- one module of the agent ------------------------------------------------------------------------------
@dataclass
class _Module:
    file: str  #: relative to the source folder, POSIX
    name: str  #: its dotted module name (``pkg/__init__.py`` -> ``pkg``)
    tree: ast.Module
    #: Local name -> the qualified name it is bound to by an import (``App`` -> ``...kit.strands.AgentCoreApp``).
    bindings: dict[str, str] = field(default_factory=dict)
    #: Module-level ``NAME = "literal"`` strings (a URL kept in a constant).
    strings: dict[str, str] = field(default_factory=dict)


def _module(source_dir: Path, path: Path) -> _Module | None:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except SyntaxError:
        return None
    parts = list(path.relative_to(source_dir).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    module = _Module(path.relative_to(source_dir).as_posix(), ".".join(parts), tree)
    package = parts if is_package else parts[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    module.bindings[alias.asname] = alias.name
                else:
                    root = alias.name.split(".")[0]
                    module.bindings[root] = root
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                origin = ".".join([*base, *([node.module] if node.module else [])])
            else:
                origin = node.module or ""
            for alias in node.names:
                module.bindings[alias.asname or alias.name] = f"{origin}.{alias.name}"
    for statement in tree.body:
        value = statement.value if isinstance(statement, (ast.Assign, ast.AnnAssign)) else None
        targets = statement.targets if isinstance(statement, ast.Assign) else [getattr(statement, "target", None)]
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            for target in targets:
                if isinstance(target, ast.Name):
                    module.strings[target.id] = value.value
    return module


class _Resolver:
    """Qualified names of expressions across the agent's modules, through re-exports (``from .app import App``)."""

    def __init__(self, modules: list[_Module]) -> None:
        self.by_name = {m.name: m for m in modules}

    def qualname(self, module: _Module, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            bound = module.bindings.get(node.id)
            return self._through_local_modules(bound) if bound else None
        if isinstance(node, ast.Attribute):
            owner = self.qualname(module, node.value)
            return f"{owner}.{node.attr}" if owner else None
        return None

    def _through_local_modules(self, qualified: str, depth: int = 3) -> str:
        owner, _, name = qualified.rpartition(".")
        local = self.by_name.get(owner)
        if depth and local is not None and name in local.bindings:
            return self._through_local_modules(local.bindings[name], depth - 1)
        return qualified


# ---- memory called ----------------------------------------------------------------------------------------
def _used_callables(module: _Module) -> Iterator[ast.AST]:
    """Expressions used as a callable: called, used as a decorator, or subclassed."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Call):
            yield node.func
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield from (d for d in node.decorator_list if not isinstance(d, ast.Call))
            if isinstance(node, ast.ClassDef):
                yield from node.bases


def _calls_memory(module: _Module, resolver: _Resolver) -> bool:
    return any(resolver.qualname(module, expr) in _MEMORY_CALLABLES for expr in _used_callables(module))


# ---- hard-coded credentials -------------------------------------------------------------------------------
def _normalized(name: str) -> str:
    """``apiKey``/``X-API-Key``/``api_key`` -> ``API_KEY`` style, as the credential rules read names."""
    return re.sub(r"[^A-Za-z0-9]+", "_", re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)).strip("_").upper()


def _docstrings(tree: ast.Module) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.add(id(value))
    return found


def _named_literals(tree: ast.Module) -> Iterator[tuple[str, ast.Constant, str, str]]:
    """(name, node, literal, where) for every string literal bound to a name: assigned, passed, keyed or a default."""

    def literal(node: ast.AST | None) -> tuple[ast.Constant, str] | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node, node.value
        return None

    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            value = literal(node.value)
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets if value is not None else []:
                name = target.id if isinstance(target, ast.Name) else getattr(target, "attr", None)
                if isinstance(name, str) and value is not None:
                    yield name, *value, f"variable {name}"
        elif isinstance(node, ast.Call):
            for keyword in node.keywords:
                value = literal(keyword.value)
                if keyword.arg and value is not None:
                    yield keyword.arg, *value, f"argument {keyword.arg}="
        elif isinstance(node, ast.Dict):
            for key, item in zip(node.keys, node.values, strict=True):
                name, value = literal(key), literal(item)
                if name is not None and value is not None:
                    yield name[1], *value, f"key {name[1]!r}"
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            arguments = node.args
            positional = [*arguments.posonlyargs, *arguments.args]
            pairs = [
                *zip(positional[len(positional) - len(arguments.defaults) :], arguments.defaults, strict=True),
                *zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True),
            ]
            for argument, default in pairs:
                value = literal(default)
                if value is not None:
                    yield argument.arg, *value, f"default of {argument.arg}"


def _credentials(module: _Module) -> list[dict[str, Any]]:
    # Imported here: the readiness package imports this module's url_host (no import cycle at load time).
    from agentcore_constructs.readiness.rules.credentials import CREDENTIAL_PATTERNS, credential_kind

    # A bare literal (a prompt, a message) is judged by the unmistakable patterns only, not by "token: ..." prose.
    patterns = {k: p for k, p in CREDENTIAL_PATTERNS.items() if k != _SECRET_ASSIGNMENT}
    found: dict[int, str] = {}
    judged: set[int] = set()
    for name, node, text, where in _named_literals(module.tree):
        judged.add(id(node))
        normalized = _normalized(name)
        kind = credential_kind(normalized, text)
        if kind == _SECRET_ASSIGNMENT and not _SECRET_IN_A_STRING.search(text):
            kind = None
        if kind is None and normalized in _AUTH_HEADERS and len(text.strip()) >= _MIN_AUTH_HEADER_VALUE:
            kind = "literal Authorization header"
        if kind is not None:
            found.setdefault(node.lineno, f"{kind} in {where}")
    skipped = _docstrings(module.tree) | judged
    for bare in ast.walk(module.tree):
        if isinstance(bare, ast.Constant) and isinstance(bare.value, str) and id(bare) not in skipped:
            kind = next((k for k, p in patterns.items() if p.search(bare.value)), None)
            if kind is not None:
                found.setdefault(bare.lineno, f"{kind} in a string literal")
    return [{"file": module.file, "line": line, "kind": kind} for line, kind in sorted(found.items())]


# ---- direct HTTP calls ------------------------------------------------------------------------------------
def _is_http(qualified: str | None) -> bool:
    return qualified is not None and any(qualified == m or qualified.startswith(f"{m}.") for m in HTTP_MODULES)


def _leading_literal(node: ast.AST, strings: dict[str, str]) -> tuple[str, bool]:
    """The literal text an expression starts with, and whether that is all of it."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, True
    if isinstance(node, ast.Name) and node.id in strings:
        return strings[node.id], True
    if isinstance(node, ast.JoinedStr):
        text = ""
        for part in node.values:
            if not (isinstance(part, ast.Constant) and isinstance(part.value, str)):
                return text, False
            text += part.value
        return text, True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, complete = _leading_literal(node.left, strings)
        if not complete:
            return left, False
        right, complete = _leading_literal(node.right, strings)
        return left + right, complete
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        left, _ = _leading_literal(node.left, strings)
        return left.split("%", 1)[0], False
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        template, _ = _leading_literal(node.func.value, strings)
        return template.split("{", 1)[0], False
    return "", False


def _client_names(module: _Module, resolver: _Resolver) -> set[str]:
    """Expressions (source text) holding an HTTP client: ``s = requests.Session()``, ``with httpx.Client() as c``."""
    names: set[str] = set()
    for node in ast.walk(module.tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Call):
            if _is_http(resolver.qualname(module, node.value.func)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names |= {ast.unparse(t) for t in targets}
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                call = item.context_expr
                if isinstance(call, ast.Call) and _is_http(resolver.qualname(module, call.func)) and item.optional_vars:
                    names.add(ast.unparse(item.optional_vars))
    return names


def _direct_http(module: _Module, resolver: _Resolver) -> list[dict[str, Any]]:
    clients = _client_names(module, resolver)
    found: dict[tuple[int, str], None] = {}
    for node in ast.walk(module.tree):
        if not isinstance(node, ast.Call):
            continue
        qualified = resolver.qualname(module, node.func)
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
        http = _is_http(qualified) or (
            receiver is not None
            and (
                ast.unparse(receiver) in clients
                or (isinstance(receiver, ast.Call) and _is_http(resolver.qualname(module, receiver.func)))
            )
        )
        if not http:
            continue
        arguments = [*node.args, *(k.value for k in node.keywords if k.arg in _URL_KEYWORDS)]
        for argument in arguments:
            text, complete = _leading_literal(argument, module.strings)
            if qualified in _HOST_CONNECTIONS and argument is (node.args[0] if node.args else None) and complete:
                host: str | None = text.split(":", 1)[0].lower() or None
            else:
                host = url_host(text, whole=complete)
            if host:
                found[(node.lineno, host)] = None
    return [{"file": module.file, "line": line, "host": host} for line, host in sorted(found)]


# ---- the whole source folder ------------------------------------------------------------------------------
def _agent_modules(source_dir: Path) -> list[_Module]:
    modules = []
    for path in sorted(source_dir.rglob("*.py")):
        if _SKIPPED_PARTS & set(path.relative_to(source_dir).parts):
            continue
        module = _module(source_dir, path)
        if module is not None:
            modules.append(module)
    return modules


def scan_agent_source(source_dir: Path) -> AgentSource:
    """What the Python code under ``source_dir`` consumes of the contract, and what it does no template shows."""
    modules = _agent_modules(source_dir)
    resolver = _Resolver(modules)
    from_kit: set[str] = set()
    named: set[str] = set()
    memory_modules: set[str] = set()
    result = AgentSource(consumes=[])
    for module in modules:
        imported = _imported_modules(module.tree)
        for name in imported:
            from_kit |= {v.name for v in KIT_CONSUMES.get(name, ())}
        memory_modules |= imported & set(KIT_MEMORY_CALLABLES)
        named |= _named_variables(module.tree)
        result.credentials += _credentials(module)
        result.direct_http += _direct_http(module, resolver)
    memory_called = any(_calls_memory(module, resolver) for module in modules)
    if not memory_called:
        from_kit.discard(env_vars.MEMORY_ID.name)
        if memory_modules and env_vars.MEMORY_ID.name not in named:
            result.memory_uncalled = sorted(memory_modules)[0]
    result.consumes = sorted(from_kit | named)
    return result


def consumed_variables(source_dir: Path) -> list[str]:
    """The contract variables the Python code under ``source_dir`` consumes, sorted."""
    return scan_agent_source(source_dir).consumes
