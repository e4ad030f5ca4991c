"""Option groups the constructs take and the app's config reads: pure Python, so config needs no aws-cdk-lib.

Each group carries its documented defaults and checks itself against the bounds its values must respect (the env-var
contract for what the agent reads, AWS's API for what AgentCore accepts): :meth:`problems` returns
``(prop, what is wrong)`` pairs, which a construct records in its :class:`agentcore_constructs.props.Problems` and the
config reports under its own keys. One definition, so the construct, the config and the agent agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from agentcore_constructs.contract import env_vars as contract


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _bounded(prop: str, value: object, var: contract.EnvVar) -> list[tuple[str, str]]:
    if isinstance(value, int) and not isinstance(value, bool) and var.in_range(value):
        return []
    return [(prop, f"{value!r} must be an integer {var.range_text()} (what the agent accepts in {var.name})")]


@dataclass(frozen=True)
class RetryPolicy:
    """The agent's retry policy for every remote call (model, memory, gateway), passed through the env-var contract.

    This is the agent's only model retry layer (botocore's); the kit turns the framework's own model retries off so
    attempts do not multiply.

    Attributes:
        max_attempts: total attempts, the first call included. Default: 4.
        mode: botocore retry mode, ``"adaptive"`` or ``"standard"``. Default: ``"adaptive"``.
        timeout_seconds: read timeout of every remote call, seconds. Default: 60.
    """

    max_attempts: int = contract.DEFAULT_RETRY_MAX_ATTEMPTS
    mode: str = contract.DEFAULT_RETRY_MODE
    timeout_seconds: int = contract.DEFAULT_HTTP_TIMEOUT_SECONDS

    def problems(self) -> list[tuple[str, str]]:
        """``(prop, what is wrong)`` for each value the agent would refuse at start."""
        found = _bounded("max_attempts", self.max_attempts, contract.RETRY_MAX_ATTEMPTS)
        found += _bounded("timeout_seconds", self.timeout_seconds, contract.HTTP_TIMEOUT_SECONDS)
        if self.mode not in contract.RETRY_MODE.choices:
            found.append(("mode", f"{self.mode!r} must be one of {', '.join(contract.RETRY_MODE.choices)}"))
        return found


@dataclass(frozen=True)
class InvocationLimits:
    """What one invocation may spend, so a request cannot loop and burn money; the agent answers a clear error when
    one is reached.

    Attributes:
        max_turns: model turns (a model call and its tools). Default: 8.
        max_total_tokens: input + output tokens, a soft cap checked before each model call. Default: 100,000.
        max_seconds: wall-clock seconds, at most 900 (the Runtime ends a synchronous invocation after 15 minutes).
            Default: 120.
    """

    max_turns: int = contract.DEFAULT_MAX_TURNS
    max_total_tokens: int = contract.DEFAULT_MAX_TOTAL_TOKENS
    max_seconds: int = contract.DEFAULT_MAX_SECONDS

    def problems(self) -> list[tuple[str, str]]:
        """``(prop, what is wrong)`` for each value the agent would refuse at start."""
        return [
            *_bounded("max_turns", self.max_turns, contract.MAX_TURNS),
            *_bounded("max_total_tokens", self.max_total_tokens, contract.MAX_TOTAL_TOKENS),
            *_bounded("max_seconds", self.max_seconds, contract.MAX_SECONDS),
        ]


#: AgentCore's bounds for both lifecycle values on microVM runtimes, and idle <= lifetime (Control Plane API reference,
#: LifecycleConfiguration, https://docs.aws.amazon.com/bedrock-agentcore-control/latest/APIReference/
#: API_LifecycleConfiguration.html; developer guide, "Configure Amazon Bedrock AgentCore lifecycle settings").
LIFECYCLE_MIN_SECONDS = 60
LIFECYCLE_MAX_SECONDS = 28_800


@dataclass(frozen=True)
class SessionLifecycle:
    """How long a runtime session lives: AgentCore ends it after ``idle_timeout_seconds`` without a request and
    ``max_lifetime_seconds`` after it started, whatever it is doing.

    Attributes:
        idle_timeout_seconds: 60..28800 and at most ``max_lifetime_seconds``. Default: 900 (AgentCore's own default).
        max_lifetime_seconds: 60..28800. Default: 28800 (AgentCore's own default).
    """

    idle_timeout_seconds: int = 900
    max_lifetime_seconds: int = 28_800

    def problems(self) -> list[tuple[str, str]]:
        """``(prop, what is wrong)`` for each value AgentCore would refuse (ValidationException at deploy)."""
        found = []
        for prop in ("idle_timeout_seconds", "max_lifetime_seconds"):
            value = getattr(self, prop)
            if not (_is_number(value) and LIFECYCLE_MIN_SECONDS <= value <= LIFECYCLE_MAX_SECONDS):
                found.append((prop, f"{value!r} must be {LIFECYCLE_MIN_SECONDS}..{LIFECYCLE_MAX_SECONDS} seconds"))
        if not found and self.idle_timeout_seconds > self.max_lifetime_seconds:
            found.append(
                (
                    "idle_timeout_seconds",
                    f"{self.idle_timeout_seconds} exceeds max_lifetime_seconds (AgentCore refuses it)",
                )
            )
        return found
