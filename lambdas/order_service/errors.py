"""The structured tool error every failure becomes (the Gateway Lambda contract: never an unhandled exception)."""

from __future__ import annotations

from typing import Any

# Error codes of the structured tool error.
INVALID_ARGUMENT = "INVALID_ARGUMENT"
UNAUTHENTICATED = "UNAUTHENTICATED"
UNKNOWN_TOOL = "UNKNOWN_TOOL"
NOT_FOUND = "NOT_FOUND"
FORBIDDEN = "FORBIDDEN"
REFUSED = "REFUSED"
NOT_CONFIGURED = "NOT_CONFIGURED"
UPSTREAM_ERROR = "UPSTREAM_ERROR"
UPSTREAM_UNAVAILABLE = "UPSTREAM_UNAVAILABLE"
#: A request that changes something (a refund) may or may not have been carried out: it was sent, and no answer
#: came back (timeout, reset connection, 5xx after the retries). Never "try again": check first.
OUTCOME_UNKNOWN = "OUTCOME_UNKNOWN"
#: A tool call that must be safe to retry arrived without the runtime session id and tool-call id that make it so.
CALL_CONTEXT_MISSING = "CALL_CONTEXT_MISSING"
INTERNAL = "INTERNAL"


class ToolError(Exception):
    """A failure to report to the model as a structured tool error."""

    def __init__(self, code: str, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = retryable

    def to_result(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "retryable": self.retryable}}


# --------------------------------------------------------------------------- dev-only seam
