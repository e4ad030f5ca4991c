"""Option groups :class:`~agentcore_constructs.gateway.LambdaTool` takes: pure Python (no aws-cdk-lib), each with its
documented defaults and a ``problems()`` method returning ``(prop, what is wrong)`` pairs, like
:mod:`agentcore_constructs.options`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from agentcore_constructs.imports import handler_problem

#: Lambda's bounds for a function (Lambda developer guide, "Lambda quotas": memory 128 MB to 10,240 MB, timeout up to
#: 900 seconds: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
TIMEOUT_SECONDS = (1, 900)
MEMORY_MB = (128, 10_240)


def _whole_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class ToolFunction:
    """The arm64 Python function a :class:`~agentcore_constructs.gateway.LambdaTool` builds (Powertools vendored from
    the code root's ``requirements.lock``, its own log group and role).

    Attributes:
        code_root: the folder holding the service package (and its ``requirements.lock``). Required.
        handler: the handler path, e.g. ``"order_service.handler.lambda_handler"``; checked against the code root.
            Required.
        timeout_seconds: function timeout, 1..900. Default: 15 (the handler's retry budget fits inside it).
        memory_size: MB, 128..10240. Default: 256.
        reserved_concurrency: reserved concurrent executions, at least 1. Default: None (the unreserved pool).
    """

    code_root: str | Path
    handler: str
    timeout_seconds: int = 15
    memory_size: int = 256
    reserved_concurrency: int | None = None

    def problems(self) -> list[tuple[str, str]]:
        """``(prop, what is wrong)`` for each value Lambda would refuse, and a handler it could not load."""
        found = []
        code_root = Path(self.code_root)
        if not code_root.is_dir():
            found.append(("code_root", f"{str(code_root)!r} is not a directory"))
        elif not isinstance(self.handler, str):
            found.append(("handler", f"{self.handler!r} must be a string"))
        else:
            problem = handler_problem(code_root, self.handler)
            if problem is not None:
                # handler_problem names the prop itself ("handler '...' ..."): the function would fail at its first
                # invocation.
                found.append(("handler", problem.removeprefix("handler ")))
        for prop, (low, high), unit in (
            ("timeout_seconds", TIMEOUT_SECONDS, "seconds"),
            ("memory_size", MEMORY_MB, "MB"),
        ):
            value = getattr(self, prop)
            if not (_whole_number(value) and low <= value <= high):
                found.append((prop, f"{value!r} must be a whole number of {unit} within {low}..{high}"))
        reserved = self.reserved_concurrency
        if reserved is not None and not (_whole_number(reserved) and reserved >= 1):
            found.append(("reserved_concurrency", f"{reserved!r} must be >= 1 (or None for the unreserved pool)"))
        return found
