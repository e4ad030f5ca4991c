"""cfn-lint on every synthesized template: 0 errors, 0 warnings."""

from __future__ import annotations

import json

import pytest
from cfnlint.api import ManualArgs, lint
from cfnlint.config import ConfigMixIn
from cfnlint.rules import RulesCollection
from cfnlint.runner import Runner

from tests.infrastructure.synth import SynthesizedApp

CONFIG = ManualArgs(regions=["us-east-1"])


@pytest.fixture(scope="module")
def rules() -> RulesCollection:
    """cfn-lint's rules, loaded once as its CLI does for all the templates it is given (a load is 0.4 s; `lint`
    without ``rules`` loads them again for every template)."""
    return Runner(ConfigMixIn(**CONFIG)).rules


def test_every_template_is_cfn_lint_clean(synthesized: SynthesizedApp, rules: RulesCollection) -> None:
    templates = synthesized.stack_templates()
    assert templates, "no templates synthesized"
    findings = {}
    for name, template in templates.items():
        matches = lint(json.dumps(template), rules=rules, config=CONFIG)
        if matches:
            findings[name] = [str(m) for m in matches]
    assert findings == {}


@pytest.mark.parametrize("bad_property", [{"RetentionInDays": 31}])
def test_cfn_lint_catches_a_broken_template(
    synthesized: SynthesizedApp, rules: RulesCollection, bad_property: dict
) -> None:
    # Guards the test above against a silently disabled linter.
    template = next(t for t in synthesized.stack_templates().values() if "AWS::Logs::LogGroup" in json.dumps(t))
    group = next(r for r in template["Resources"].values() if r["Type"] == "AWS::Logs::LogGroup")
    group["Properties"].update(bad_property)
    assert lint(json.dumps(template), rules=rules, config=CONFIG)
