"""The Cedar policy files :class:`~agentcore_constructs.tool_policy.ToolPolicy` deploys and the local gateway
evaluates (``local_dev/tool_policy.py``): one ``permit``/``forbid`` statement per ``*.cedar`` file, ``{{name}}``
placeholders filled in before use, ``{{gateway_arn}}`` always among them. Standard library only, so the local stack
reads the files without loading the CDK."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

#: The placeholder every policy file may use for the gateway's ARN (the construct fills in the deployed one).
GATEWAY_ARN_PLACEHOLDER = "gateway_arn"
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_STATEMENT = re.compile(r"^\s*(permit|forbid)\s*\(", re.MULTILINE)


def policy_files(policy_dir: Path) -> tuple[dict[str, str], list[str]]:
    """``{file stem: Cedar text}`` for every ``*.cedar`` file, and why the folder is not one statement per file
    (``<path>: <what is wrong>`` lines; [] when it is)."""
    files = sorted(Path(policy_dir).glob("*.cedar"))
    if not files:
        return {}, [f"{policy_dir}: no .cedar files"]
    policies, problems = {}, []
    for path in files:
        text = path.read_text()
        statements = len(_STATEMENT.findall(text))
        if statements != 1:
            problems.append(f"{path}: holds {statements} permit/forbid statements; put exactly one in each file")
        policies[path.stem] = text
    return policies, problems


def read_policy_files(policy_dir: Path) -> dict[str, str]:
    """``{file stem: Cedar text}`` for every ``*.cedar`` file, one statement per file (a ValueError naming every
    file that is not)."""
    policies, problems = policy_files(policy_dir)
    if problems:
        raise ValueError("; ".join(problems))
    return policies


def unknown_placeholders(text: str, values: Mapping[str, str]) -> list[str]:
    """The ``{{name}}`` placeholders of ``text`` that ``values`` does not fill, in order of appearance."""
    return list(dict.fromkeys(name for name in _PLACEHOLDER.findall(text) if name not in values))


def render_policy(text: str, values: Mapping[str, str], source: str = "policy") -> str:
    """Fill ``{{name}}`` placeholders; an unknown one is an error naming it."""
    unknown = unknown_placeholders(text, values)
    if unknown:
        raise ValueError(unknown_placeholder_text(source, unknown, values))
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def unknown_placeholder_text(source: str, unknown: list[str], values: Mapping[str, str]) -> str:
    """``<source>: unknown placeholder {{a}}, {{b}} (known: ...)``."""
    names = ", ".join(f"{{{{{name}}}}}" for name in unknown)
    return f"{source}: unknown placeholder {names} (known: {', '.join(sorted(values))})"
