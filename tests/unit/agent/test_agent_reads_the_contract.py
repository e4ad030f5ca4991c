"""The app's agent reads every variable of the env-var contract through the contract package, never a retyped name."""

from __future__ import annotations

from agentcore_constructs.contract import env_vars as env_contract
from tests.support import REPO_ROOT


def test_env_contract_names_are_unique_and_the_agent_reads_every_one_through_it() -> None:
    names = [v.name for v in env_contract.ALL]
    assert len(names) == len(set(names))
    assert set(env_contract.RETRY_SIGNAL) <= set(env_contract.ALL)
    kit_auth = REPO_ROOT / "constructs" / "agentcore_constructs" / "kit" / "auth.py"
    settings_source = (kit_auth.parent / "settings.py").read_text() + kit_auth.read_text()
    constants = {value: key for key, value in vars(env_contract).items() if isinstance(value, env_contract.EnvVar)}
    unread = [
        constants[v]
        for v in env_contract.ALL
        if f"contract.{constants[v]}" not in settings_source and f"env_vars.{constants[v]}" not in settings_source
    ]
    assert unread == []
    # ...and never by a retyped string literal.
    assert not [n for n in names if f'"{n}"' in settings_source or f"'{n}'" in settings_source]
