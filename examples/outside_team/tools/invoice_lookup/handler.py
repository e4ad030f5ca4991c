"""The ledger team's invoice tool (Python, standard library only): look up an invoice by id.

When the gateway has a caller interceptor it writes the verified caller into the reserved argument
(``CALLER_ID_ARGUMENT``) and tells the tool so (``CALLER_REQUIRED_ENV``): then a call without it is refused.
"""

from __future__ import annotations

import os
import re
from typing import Any

from agentcore_constructs.contract.tools import CALLER_ID_ARGUMENT, CALLER_REQUIRED_ENV

INVOICE_ID = re.compile(r"^INV-\d{4,10}$")


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    if not isinstance(event, dict):
        return {"error": "invalid_request", "message": "The tool input must be an object"}
    caller = event.get(CALLER_ID_ARGUMENT)
    if os.environ.get(CALLER_REQUIRED_ENV) == "true" and not isinstance(caller, str):
        return {"error": "unauthorized", "message": "No verified caller"}
    invoice_id = event.get("invoice_id")
    if not isinstance(invoice_id, str) or not INVOICE_ID.match(invoice_id):
        return {"error": "invalid_request", "message": "invoice_id must look like INV-20240117"}
    return {"invoice_id": invoice_id, "owner": caller, "status": "paid"}
