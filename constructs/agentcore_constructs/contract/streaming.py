"""The agent's streamed answer on ``/invocations``: what the kit sends and clients (``scripts/invoke.py``) read.

A caller that accepts :data:`EVENT_STREAM` (the ``Accept`` header; ``InvokeAgentRuntime``'s ``accept`` parameter)
gets Server-Sent Events, one JSON object per ``data:`` line (the ``bedrock-agentcore`` SDK's framing):

* ``{"delta": "..."}``: answer text as the model generates it (every model call's text, in order);
* last, on success: the JSON path's body, ``{"response": "...", ...}`` (with ``"memory": "not-saved"`` when the turn
  could not be stored, :mod:`.memory`);
* last, instead, on a failure after the stream started: ``{"error": "...", "status": 504}``, the message and HTTP
  status the JSON path answers with (a failure before the first event keeps its HTTP status).
"""

from __future__ import annotations

EVENT_STREAM = "text/event-stream"
DELTA_FIELD = "delta"
RESPONSE_FIELD = "response"
ERROR_FIELD = "error"
#: On an error event: the HTTP status the JSON path would have answered with (the stream's own status is 200).
STATUS_FIELD = "status"
