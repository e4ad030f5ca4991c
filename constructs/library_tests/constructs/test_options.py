"""The shared option groups check themselves against the env-var contract (what the agent accepts at start) and
AWS's bounds (what AgentCore accepts at deploy): each problem is a ``(prop, what is wrong)`` pair."""

from __future__ import annotations

import pytest

from agentcore_constructs.contract import env_vars as contract
from agentcore_constructs.options import (
    LIFECYCLE_MAX_SECONDS,
    LIFECYCLE_MIN_SECONDS,
    InvocationLimits,
    RetryPolicy,
    SessionLifecycle,
)


def _props(problems: list[tuple[str, str]]) -> list[str]:
    return [prop for prop, _ in problems]


def test_the_defaults_are_the_contracts_and_have_no_problem() -> None:
    assert RetryPolicy() == RetryPolicy(
        contract.DEFAULT_RETRY_MAX_ATTEMPTS, contract.DEFAULT_RETRY_MODE, contract.DEFAULT_HTTP_TIMEOUT_SECONDS
    )
    assert InvocationLimits() == InvocationLimits(
        contract.DEFAULT_MAX_TURNS, contract.DEFAULT_MAX_TOTAL_TOKENS, contract.DEFAULT_MAX_SECONDS
    )
    assert SessionLifecycle() == SessionLifecycle(900, 28_800)
    assert RetryPolicy().problems() == InvocationLimits().problems() == SessionLifecycle().problems() == []


@pytest.mark.parametrize(
    ("field", "var"),
    [("max_attempts", contract.RETRY_MAX_ATTEMPTS), ("timeout_seconds", contract.HTTP_TIMEOUT_SECONDS)],
)
def test_retry_bounds_are_the_contracts(field: str, var: contract.EnvVar) -> None:
    assert var.minimum is not None
    assert RetryPolicy(**{field: var.minimum}).problems() == []
    (problem,) = RetryPolicy(**{field: var.minimum - 1}).problems()
    assert problem == (
        field,
        f"{var.minimum - 1} must be an integer {var.range_text()} (what the agent accepts in {var.name})",
    )
    if var.maximum is not None:
        assert RetryPolicy(**{field: var.maximum}).problems() == []
        assert _props(RetryPolicy(**{field: var.maximum + 1}).problems()) == [field]


def test_retry_mode_is_one_of_botocores_and_every_problem_is_reported() -> None:
    assert RetryPolicy(mode="standard").problems() == []
    assert RetryPolicy(max_attempts=0, mode="legacy", timeout_seconds=0).problems() == [
        ("max_attempts", RetryPolicy(max_attempts=0).problems()[0][1]),
        ("timeout_seconds", RetryPolicy(timeout_seconds=0).problems()[0][1]),
        ("mode", f"'legacy' must be one of {', '.join(contract.RETRY_MODE.choices)}"),
    ]


@pytest.mark.parametrize(
    ("field", "var"),
    [
        ("max_turns", contract.MAX_TURNS),
        ("max_total_tokens", contract.MAX_TOTAL_TOKENS),
        ("max_seconds", contract.MAX_SECONDS),
    ],
)
def test_limit_bounds_are_the_contracts(field: str, var: contract.EnvVar) -> None:
    assert var.minimum is not None
    assert InvocationLimits(**{field: var.minimum}).problems() == []
    assert _props(InvocationLimits(**{field: var.minimum - 1}).problems()) == [field]
    if var.maximum is not None:
        assert InvocationLimits(**{field: var.maximum}).problems() == []
        assert _props(InvocationLimits(**{field: var.maximum + 1}).problems()) == [field]


def test_limits_refuse_what_is_not_an_integer_and_report_every_field() -> None:
    assert _props(InvocationLimits(max_turns=True, max_total_tokens=1.5, max_seconds="60").problems()) == [
        "max_turns",
        "max_total_tokens",
        "max_seconds",
    ]
    # The Runtime ends a synchronous invocation after 15 minutes: no budget beyond.
    assert _props(InvocationLimits(max_seconds=contract.MAX_SECONDS_CEILING + 1).problems()) == ["max_seconds"]


@pytest.mark.parametrize("field", ["idle_timeout_seconds", "max_lifetime_seconds"])
def test_lifecycle_values_are_within_agentcores_bounds(field: str) -> None:
    for value in (LIFECYCLE_MIN_SECONDS, LIFECYCLE_MAX_SECONDS):
        # Both at the bound: idle may equal the lifetime.
        assert SessionLifecycle(idle_timeout_seconds=value, max_lifetime_seconds=value).problems() == []
    for value in (LIFECYCLE_MIN_SECONDS - 1, LIFECYCLE_MAX_SECONDS + 1, "900"):
        assert SessionLifecycle(**{field: value}).problems() == [
            (field, f"{value!r} must be {LIFECYCLE_MIN_SECONDS}..{LIFECYCLE_MAX_SECONDS} seconds")
        ]


def test_the_idle_timeout_may_not_exceed_the_lifetime() -> None:
    assert SessionLifecycle(idle_timeout_seconds=3_600, max_lifetime_seconds=3_600).problems() == []
    assert SessionLifecycle(idle_timeout_seconds=3_601, max_lifetime_seconds=3_600).problems() == [
        ("idle_timeout_seconds", "3601 exceeds max_lifetime_seconds (AgentCore refuses it)")
    ]
