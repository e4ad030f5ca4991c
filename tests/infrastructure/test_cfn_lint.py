"""cfn-lint on every synthesized template: 0 errors, 0 warnings."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from tests.infrastructure.synth import SynthesizedApp

if TYPE_CHECKING:
    from cfnlint.rules import RulesCollection

# cfn-lint is imported where it runs: it imports sympy and networkx (0.8 s), which every worker would pay at collection.
REGIONS = ["us-east-1"]


def lint(template: dict[str, Any], rules: RulesCollection) -> list[Any]:
    from cfnlint.api import ManualArgs
    from cfnlint.api import lint as cfn_lint

    return cfn_lint(json.dumps(template), rules=rules, config=ManualArgs(regions=REGIONS))


@pytest.fixture(scope="module")
def rules() -> RulesCollection:
    """cfn-lint's rules, loaded once as its CLI does for all the templates it is given (a load is 0.4 s; `lint`
    without ``rules`` loads them again for every template)."""
    from cfnlint.api import ManualArgs
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    return Runner(ConfigMixIn(**ManualArgs(regions=REGIONS))).rules


def test_every_template_is_cfn_lint_clean(synthesized: SynthesizedApp, rules: RulesCollection) -> None:
    templates = synthesized.stack_templates()
    assert templates, "no templates synthesized"
    findings = {}
    for name, template in templates.items():
        matches = lint(template, rules)
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
    assert lint(template, rules)
