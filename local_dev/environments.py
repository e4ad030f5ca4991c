"""What ``make dev ENV=<env>`` serves: the agent and the stages of that environment's cdk.json entry.

    environment = load_dev_environment("dev")       # cdk.json context.environments.dev, validated as synth does
    environment.stages, environment.agent_label      # ("runtime",), "agent_src/main.py"
    definition = load_agent(environment.entrypoint_path)   # the kit app the entrypoint serves

:func:`load_agent` finds the agent without running the entrypoint's ``__main__`` block and without building an app
from the process environment: it imports the modules the entrypoint imports from and takes the one kit app
definition (an object with ``create_app(settings)``, e.g. ``AgentCoreApp(...)``) they hold; only when they hold
none does it run the entrypoint itself (not as ``__main__``) and look in what it defines. The agent's packages must
be importable from this environment (``agent_src`` is installed into the dev venv as ``support-agent``).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import os
import runpy
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stacks.config import STAGES, ConfigError, parse_environment

REPO_ROOT = Path(__file__).resolve().parents[1]
CDK_JSON = REPO_ROOT / "cdk.json"


class DevEnvironmentError(ValueError):
    """The environment or its agent cannot be served locally; the message says what to change."""


@dataclass(frozen=True)
class DevEnvironment:
    """One cdk.json environment as the local stack serves it."""

    name: str
    stages: tuple[str, ...]
    #: The agent's folder (relative to ``root``) and the file the Runtime runs in it (cdk.json ``agent``).
    source: str
    entrypoint: str
    root: Path = REPO_ROOT

    @property
    def entrypoint_path(self) -> Path:
        return self.root / self.source / self.entrypoint

    @property
    def agent_label(self) -> str:
        return f"{self.source}/{self.entrypoint}"

    def has_stage(self, stage: str) -> bool:
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r} (stages: {', '.join(STAGES)})")
        return stage in self.stages


def load_dev_environment(
    name: str, *, cdk_json: Path = CDK_JSON, root: Path = REPO_ROOT, environ: Mapping[str, str] | None = None
) -> DevEnvironment:
    """The environment ``name`` of ``cdk_json`` (its ``context.environments``), validated as synth validates it."""
    try:
        environments = json.loads(cdk_json.read_text())["context"]["environments"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DevEnvironmentError(f"cannot read context.environments from {cdk_json}: {error}") from None
    if not isinstance(environments, dict) or name not in environments:
        names = ", ".join(environments) if isinstance(environments, dict) else "none"
        raise DevEnvironmentError(f"no environment {name!r} in {cdk_json} (environments: {names})")
    try:
        config = parse_environment(name, environments[name], os.environ if environ is None else environ)
    except ConfigError as error:
        raise DevEnvironmentError(str(error)) from None
    return DevEnvironment(name, config.stages, config.agent.source, config.agent.entrypoint, root)


def _is_app_definition(value: Any) -> bool:
    """A kit app definition: an instance (not a module, class or function) with a ``create_app`` method."""
    if inspect.ismodule(value) or inspect.isclass(value) or inspect.isroutine(value):
        return False
    return callable(getattr(value, "create_app", None))


def _imported_modules(tree: ast.Module) -> list[str]:
    """The absolute modules the entrypoint imports at its top level (``from M import ...``, ``import M``)."""
    modules: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.append(node.module)
        elif isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
    return modules


def _definitions(namespace: Mapping[str, Any]) -> list[Any]:
    found: list[Any] = []
    for value in namespace.values():
        if _is_app_definition(value) and all(value is not other for other in found):
            found.append(value)
    return found


def load_agent(entrypoint: Path) -> Any:
    """The kit app definition ``entrypoint`` serves (see the module docs), or :class:`DevEnvironmentError`."""
    try:
        tree = ast.parse(entrypoint.read_text(), filename=str(entrypoint))
    except (OSError, SyntaxError) as error:
        raise DevEnvironmentError(f"cannot read the agent entrypoint {entrypoint}: {error}") from None
    found: list[Any] = []
    for module_name in _imported_modules(tree):
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            raise DevEnvironmentError(
                f"{entrypoint} imports {module_name}, which this environment cannot import ({error}); install the "
                "agent's package into the dev venv"
            ) from None
        found += [d for d in _definitions(vars(module)) if all(d is not other for other in found)]
    if not found:
        # Not as __main__: the entrypoint's `if __name__ == "__main__": ...run()` must not serve anything here.
        found = _definitions(runpy.run_path(str(entrypoint), run_name="local_dev_entrypoint"))
    if len(found) != 1:
        what = "no kit app definition" if not found else f"{len(found)} kit app definitions"
        raise DevEnvironmentError(
            f"{entrypoint}: found {what} (an object with create_app(settings), e.g. AgentCoreApp(...)) in the "
            "modules it imports or in the file itself; the local stack serves exactly one"
        )
    return found[0]
