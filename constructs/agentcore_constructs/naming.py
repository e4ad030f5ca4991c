"""Names derived from user-given names (construct ids, statement ids, alarm names): one rule everywhere."""

from __future__ import annotations

import re


def pascal_case(name: str) -> str:
    """``order-service`` / ``order_service`` / ``order.service`` -> ``OrderService`` (letters and digits kept)."""
    return "".join(part.capitalize() for part in re.split(r"[^a-zA-Z0-9]", name) if part)


#: What every physical name derived from a prefix may contain (CloudWatch dashboard names: letters, digits, '-', '_').
NAME_PREFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")


def kebab_case(name: str) -> str:
    """``support_agent_dev`` / ``SupportAgent.dev`` -> ``support-agent-dev`` (the default prefix of physical names)."""
    return "-".join(part.lower() for part in re.split(r"[^a-zA-Z0-9]+", name) if part)


def name_prefix_problem(prefix: str) -> str | None:
    """Why ``prefix`` cannot start every physical name derived from it (the rest of a ``name_prefix ...`` line), or
    None."""
    if NAME_PREFIX.match(prefix):
        return None
    return (
        f"{prefix!r} must be 1-100 letters, digits, '-' or '_' starting with a letter or digit (it starts dashboard, "
        "alarm and topic names)"
    )
