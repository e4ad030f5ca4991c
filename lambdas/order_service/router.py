"""Tool name -> implementation, argument validation against the declarations, every outcome a dict."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from agentcore_constructs.contract import tools as tool_contract
from agentcore_constructs.contract.tools import CALLER_ID_ARGUMENT
from order_service.errors import INTERNAL, INVALID_ARGUMENT, UNAUTHENTICATED, UNKNOWN_TOOL, ToolError
from order_service.observability import METRICS_NAMESPACE, SERVICE, logger
from order_service.settings import caller_required
from order_service.tools import ArgumentError, ToolDeclaration, strip_target_prefix, tools_by_name, validate_arguments
from order_service.upstream import _DEADLINE, DEADLINE_SAFETY_SECONDS

TOOL_NAME_KEY = "bedrockAgentCoreToolName"


ToolFunction = Callable[[dict[str, Any]], dict[str, Any]]


class ToolRouter:
    """Maps tool names (declared in tools.py) to implementations; turns every outcome into a dict."""

    def __init__(self, declarations: tuple[ToolDeclaration, ...]) -> None:
        self.declarations = tools_by_name(declarations)
        self.implementations: dict[str, ToolFunction] = {}

    def tool(self, name: str) -> Callable[[ToolFunction], ToolFunction]:
        if name not in self.declarations:
            raise ValueError(f"tool {name!r} is not declared in tools.py")

        def register(fn: ToolFunction) -> ToolFunction:
            if name in self.implementations:
                raise ValueError(f"tool {name!r} is implemented twice")
            self.implementations[name] = fn
            return fn

        return register

    def check_complete(self) -> None:
        missing = sorted(set(self.declarations) - set(self.implementations))
        if missing:
            raise RuntimeError(f"declared tools without implementation: {missing}")

    def handle(self, event: Any, context: Any) -> dict[str, Any]:
        token = _DEADLINE.set(_deadline_of(context))
        try:
            return self._handle(event, context)
        finally:
            _DEADLINE.reset(token)

    def _handle(self, event: Any, context: Any) -> dict[str, Any]:
        tool = "unknown"
        try:
            tool = self._tool_name(context)
            logger.append_keys(tool=tool)
            declaration = self.declarations.get(tool)
            if declaration is None or tool not in self.implementations:
                raise ToolError(UNKNOWN_TOOL, f"unknown tool {tool[:128]!r}")
            try:
                arguments = validate_arguments(declaration, event)
            except ArgumentError as exc:
                raise ToolError(INVALID_ARGUMENT, str(exc)) from None
            if CALLER_ID_ARGUMENT not in arguments and caller_required():
                # Fail closed: with the identity stage on, a call the interceptor did not stamp with a verified
                # caller never runs (it would return any customer's data).
                raise ToolError(UNAUTHENTICATED, "no verified caller on this tool call; sign in and try again")
            logger.info("tool invoked", extra={"has_caller_id": CALLER_ID_ARGUMENT in arguments})
            result = self.implementations[tool](arguments)
            return result
        except ToolError as exc:
            logger.info("tool error", extra={"code": exc.code, "error_message": exc.message})
            self._record_error(tool, exc.code)
            return exc.to_result()
        except Exception:  # the contract: never an unhandled exception
            logger.exception("unexpected tool failure")
            self._record_error(tool, INTERNAL)
            return ToolError(INTERNAL, "internal error in the order service", retryable=True).to_result()

    def _record_error(self, tool: str, code: str) -> None:
        _record_error_metric(self.declarations, tool, code)

    @staticmethod
    def _tool_name(context: Any) -> str:
        client_context = getattr(context, "client_context", None)
        custom = getattr(client_context, "custom", None)
        name = custom.get(TOOL_NAME_KEY) if isinstance(custom, Mapping) else None
        if not isinstance(name, str) or not name:
            raise ToolError(UNKNOWN_TOOL, f"missing tool name (client_context.custom.{TOOL_NAME_KEY})")
        return strip_target_prefix(name)


def _deadline_of(context: Any) -> float | None:
    try:
        remaining_ms = context.get_remaining_time_in_millis()
        return time.monotonic() + float(remaining_ms) / 1000 - DEADLINE_SAFETY_SECONDS
    except Exception:  # no usable Lambda context: no deadline
        return None


def _record_error_metric(declarations: Mapping[str, ToolDeclaration], tool: str, code: str) -> None:
    known = tool if tool in declarations else "unknown"  # bounded dimension cardinality
    with single_metric(
        name=tool_contract.TOOL_ERRORS_METRIC,
        unit=MetricUnit.Count,
        value=1,
        namespace=METRICS_NAMESPACE,
        default_dimensions={
            tool_contract.SERVICE_DIMENSION: SERVICE,
            tool_contract.TOOL_DIMENSION: known,
            tool_contract.CODE_DIMENSION: code,
        },
    ):
        pass
