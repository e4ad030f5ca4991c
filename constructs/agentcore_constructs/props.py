"""Documented defaults merged with a user's overrides, aws-solutions-constructs style (``x_props``), checked early."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Collection, Mapping
from typing import Any


def exactly_one_source(owner: str, existing_name: str, existing: object, props_name: str, props: object) -> None:
    """``existing_x`` and ``x_props`` are alternatives: refuse both at once, naming them."""
    if existing is not None and props is not None:
        raise ValueError(
            f"{owner}: pass {existing_name} or {props_name}, not both ({props_name} configures the resource the "
            f"construct creates; with {existing_name} it creates none)"
        )


def merged_props(
    owner: str,
    props_name: str,
    defaults: Mapping[str, Any],
    overrides: Mapping[str, Any] | None,
    target: Callable[..., Any],
    *,
    fixed: Collection[str] = (),
) -> dict[str, Any]:
    """``defaults`` updated with ``overrides``; a key ``target`` does not take, or one the construct must own
    (``fixed``: what its guarantees rest on), fails naming ``owner`` and ``props_name``."""
    if not overrides:
        return dict(defaults)
    signature = inspect.signature(target.__init__ if inspect.isclass(target) else target)  # jsii: the class's own
    accepted = set(signature.parameters) - {"self", "scope", "id", "construct_id"}
    unknown = sorted(set(overrides) - accepted)
    if unknown:
        raise ValueError(f"{owner}: {props_name} has keys {target.__qualname__} does not take: {unknown}")
    owned = sorted(set(overrides) & set(fixed))
    if owned:
        raise ValueError(
            f"{owner}: {props_name} may not set {owned}: the construct sets them (use its own props for those)"
        )
    return {**defaults, **overrides}
