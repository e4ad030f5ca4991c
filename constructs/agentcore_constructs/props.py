"""How every construct takes and checks its props: one convention.

* Documented defaults merged with a user's overrides, aws-solutions-constructs style (``x_props``,
  :func:`merged_props`), and ``existing_x`` xor ``x_props`` (:func:`exactly_one_source`).
* Every construct checks all its props before it creates a resource and collects every problem (:class:`Problems`),
  so one synth names every mistake, then raises once (:class:`PropsError`). Every line of the error reads
  ``<Class> <path>: <prop> <what is wrong>``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from constructs import Construct


class PropsError(ValueError):
    """Props a construct cannot build from. ``problems`` holds each ``<prop> <what is wrong>`` line."""

    def __init__(self, owner: str, problems: Iterable[str]) -> None:
        self.owner = owner
        self.problems = tuple(problems)
        super().__init__("\n".join(f"{owner}: {problem}" for problem in self.problems))


@dataclass
class Problems:
    """Collects ``<prop> <what is wrong>`` lines for one construct; :meth:`raise_if_any` raises them together."""

    owner: str
    found: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, construct: Construct) -> Problems:
        """Problems of ``construct``, owned as ``<Class> <path>``."""
        return cls(f"{type(construct).__name__} {construct.node.path}")

    def add(self, prop: str, problem: str) -> None:
        """Record that ``prop`` is wrong: ``problem`` says how, and what to do (``prop`` starts the line)."""
        self.found.append(f"{prop} {problem}")

    def check(self, condition: object, prop: str, problem: str) -> bool:
        """Record ``problem`` for ``prop`` unless ``condition`` holds; returns whether it holds."""
        if not condition:
            self.add(prop, problem)
        return bool(condition)

    def extend(self, problems: Iterable[tuple[str, str]]) -> None:
        """Record ``(prop, problem)`` pairs, e.g. an option group's ``problems()``."""
        for prop, problem in problems:
            self.add(prop, problem)

    def raise_if_any(self) -> None:
        """Raise every problem recorded so far as one :class:`PropsError`."""
        if self.found:
            raise PropsError(self.owner, self.found)


def exactly_one_source(
    problems: Problems, existing_name: str, existing: object, props_name: str, props: object
) -> None:
    """``existing_x`` and ``x_props`` are alternatives: record a problem when both are given, naming them."""
    if existing is not None and props is not None:
        problems.add(
            props_name,
            f"and {existing_name} are alternatives: pass one ({props_name} configures the resource the construct "
            f"creates; with {existing_name} it creates none)",
        )


def override_problems(
    props_name: str, overrides: Mapping[str, Any] | None, target: Callable[..., Any], *, fixed: Collection[str] = ()
) -> list[tuple[str, str]]:
    """``(props_name, what is wrong)`` for keys of ``overrides`` that ``target`` does not take or that the construct
    must own (``fixed``: what its guarantees rest on), so a construct can collect them before it creates anything."""
    if not overrides:
        return []
    signature = inspect.signature(target.__init__ if inspect.isclass(target) else target)  # jsii: the class's own
    accepted = set(signature.parameters) - {"self", "scope", "id", "construct_id"}
    found = []
    unknown = sorted(set(overrides) - accepted)
    if unknown:
        found.append((props_name, f"has keys {target.__qualname__} does not take: {unknown}"))
    owned = sorted(set(overrides) & set(fixed))
    if owned:
        found.append((props_name, f"may not set {owned}: the construct sets them (use its own props for those)"))
    return found


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
    (``fixed``: what its guarantees rest on), fails naming ``owner`` and ``props_name`` (:func:`override_problems`)."""
    problems = Problems(owner)
    merged = collect_merged(problems, props_name, defaults, overrides, target, fixed=fixed)
    problems.raise_if_any()
    return merged


def collect_merged(
    problems: Problems,
    props_name: str,
    defaults: Mapping[str, Any],
    overrides: Mapping[str, Any] | None,
    target: Callable[..., Any],
    *,
    fixed: Collection[str] = (),
) -> dict[str, Any]:
    """:func:`merged_props`, recording its problems in ``problems`` instead of raising, so a construct can check
    ``x_props`` with everything else before it creates anything (the defaults alone when the overrides are refused)."""
    found = override_problems(props_name, overrides, target, fixed=fixed)
    if found:
        problems.extend(found)
        return dict(defaults)
    return {**defaults, **(overrides or {})}
