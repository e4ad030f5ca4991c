"""The assembly as the cost model reads it: the library's reader (``agentcore_constructs.readiness.assembly``),
seen as environments of ``(logical id, properties)`` per resource type."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agentcore_constructs.readiness import assembly


class Environment:
    """One Stage of the assembly (its stacks), for pricing."""

    def __init__(self, env: assembly.Environment) -> None:
        self._env = env
        self.name = env.display_name
        self.stacks = env.stacks

    @property
    def account(self) -> str:
        target = self.stacks[0].aws_environment if self.stacks else ""
        return target.removeprefix("aws://").partition("/")[0] or "unknown"

    def resources(self, cfn_type: str) -> list[tuple[str, dict[str, Any]]]:
        return [(r.logical_id, r.properties) for r in self._env.resources(cfn_type)]

    def count(self, cfn_type: str) -> int:
        return len(self._env.resources(cfn_type))


def load_assembly(outdir: Path) -> list[Environment]:
    """Every environment of a synthesized cloud assembly (FileNotFoundError when there is none)."""
    return [Environment(env) for env in assembly.load_cloud_assembly(outdir)]
