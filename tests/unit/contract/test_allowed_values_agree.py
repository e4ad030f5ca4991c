"""The three places that check a contract variable agree on its allowed values, because they read them from one home.

The app config (cdk.json, at synth), the ``AgentRuntime`` props (at synth) and the agent's settings (at start) each
accept exactly the contract's choices and bounds: a value synth accepts never stops the agent from starting.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

import aws_cdk as cdk
import pytest

from agentcore_constructs import AgentRuntime, InvocationLimits, RetryPolicy
from agentcore_constructs.contract import env_vars
from agentcore_constructs.kit.settings import SettingsError, load_settings
from agentcore_constructs.testing import OFFLINE_CONTEXT
from stacks.config import ConfigError, load_environments
from tests.support import REPO_ROOT

ENVIRONMENTS = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]["environments"]
FIXTURE_AGENT = REPO_ROOT / "constructs" / "library_tests" / "fixtures" / "agent"

#: Where each variable is set in cdk.json (an environment's key path) and on AgentRuntime (prop, value -> argument).
CONFIG_KEYS: dict[str, tuple[str, ...]] = {
    env_vars.RETRY_MAX_ATTEMPTS.name: ("retry", "max_attempts"),
    env_vars.RETRY_MODE.name: ("retry", "mode"),
    env_vars.HTTP_TIMEOUT_SECONDS.name: ("retry", "timeout_seconds"),
    env_vars.MAX_TURNS.name: ("limits", "max_turns"),
    env_vars.MAX_TOTAL_TOKENS.name: ("limits", "max_total_tokens"),
    env_vars.MAX_SECONDS.name: ("limits", "max_seconds"),
    env_vars.LOG_LEVEL.name: ("log_level",),
}
RUNTIME_PROPS: dict[str, tuple[str, Callable[[object], object]]] = {
    env_vars.RETRY_MAX_ATTEMPTS.name: ("retry", lambda v: RetryPolicy(max_attempts=v)),
    env_vars.RETRY_MODE.name: ("retry", lambda v: RetryPolicy(mode=v)),
    env_vars.HTTP_TIMEOUT_SECONDS.name: ("retry", lambda v: RetryPolicy(timeout_seconds=v)),
    env_vars.MAX_TURNS.name: ("limits", lambda v: InvocationLimits(max_turns=v)),
    env_vars.MAX_TOTAL_TOKENS.name: ("limits", lambda v: InvocationLimits(max_total_tokens=v)),
    env_vars.MAX_SECONDS.name: ("limits", lambda v: InvocationLimits(max_seconds=v)),
    env_vars.LOG_LEVEL.name: ("log_level", lambda v: v),
    env_vars.MODEL_PROVIDER.name: ("model_provider", lambda v: v),
}
CHECKED = [v for v in env_vars.ALL if v.choices or v.minimum is not None or v.maximum is not None]


def config_accepts(var: env_vars.EnvVar, value: object) -> bool | None:
    if var.name not in CONFIG_KEYS:
        return None  # not a cdk.json setting
    environments = copy.deepcopy(ENVIRONMENTS)
    *parents, key = CONFIG_KEYS[var.name]
    node = environments["dev"]
    for parent in parents:
        if not isinstance(node.get(parent), dict):
            node[parent] = {}
        node = node[parent]
    node[key] = value
    try:
        load_environments(environments, {})
    except ConfigError:
        return False
    return True


def runtime_accepts(var: env_vars.EnvVar, value: object) -> bool:
    prop, to_argument = RUNTIME_PROPS[var.name]
    stack = cdk.Stack(cdk.App(context=OFFLINE_CONTEXT), "Test", env=cdk.Environment(account="111122223333"))
    try:
        AgentRuntime(
            stack,
            "Agent",
            runtime_name="agent_test",
            source_dir=FIXTURE_AGENT,
            model_id="us.anthropic.claude-haiku-4-5-20251001-v1:0",
            **{prop: to_argument(value)},
        )
    except ValueError:
        return False
    return True


def settings_accept(var: env_vars.EnvVar, value: object) -> bool:
    try:
        load_settings({var.name: str(value)}, credentials_available=lambda: False)
    except SettingsError:
        return False
    return True


def candidates(var: env_vars.EnvVar) -> list[tuple[object, bool]]:
    """Values to try, each with whether the contract allows it."""
    if var.choices:
        return [*((choice, True) for choice in var.choices), ("not-a-choice", False)]
    values: list[tuple[object, bool]] = []
    if var.minimum is not None:
        values += [(var.minimum, True), (var.minimum - 1, False)]
    if var.maximum is not None:
        values += [(var.maximum, True), (var.maximum + 1, False)]
    return values


@pytest.mark.parametrize("var", CHECKED, ids=lambda v: v.name)
def test_config_runtime_and_agent_accept_exactly_the_contracts_values(var: env_vars.EnvVar) -> None:
    verdicts = {}
    for value, allowed in candidates(var):
        config = config_accepts(var, value)
        verdicts[value] = (
            allowed,
            config if config is not None else allowed,
            runtime_accepts(var, value),
            settings_accept(var, value),
        )
    assert {value: verdict for value, verdict in verdicts.items() if len(set(verdict)) > 1} == {}


def test_every_bounded_or_chosen_variable_is_checked() -> None:
    assert {v.name for v in CHECKED} == set(RUNTIME_PROPS)
