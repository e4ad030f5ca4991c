"""Names derived from user-given names (construct ids, statement ids, alarm names): one rule everywhere."""

from __future__ import annotations

import re


def pascal_case(name: str) -> str:
    """``order-service`` / ``order_service`` / ``order.service`` -> ``OrderService`` (letters and digits kept)."""
    return "".join(part.capitalize() for part in re.split(r"[^a-zA-Z0-9]", name) if part)
