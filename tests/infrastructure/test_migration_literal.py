"""docs/migration.md followed literally reaches "Production-ready": every cdk.json block the guide gives, applied in
order to a new environment that deploys the migrated PoC (docs/migration/stage4_identity.py), synthesizes with the
readiness pack at error level and leaves no PoC gap open."""

from __future__ import annotations

import json
import re
from pathlib import Path

from agentcore_constructs.readiness.scorecard import build_scorecard
from stacks.synth import synth_app
from tests.support import REPO_ROOT

GUIDE = REPO_ROOT / "docs" / "migration.md"
#: What the guide says a new environment needs before stage 1 ("Required keys are ...").
BASE = {
    "model_id": "us.anthropic.claude-haiku-4-5-20251001-v1:0",
    "log_retention_days": 30,
    "network_mode": "PUBLIC",
}


def guide_blocks() -> list[dict]:
    """Every ```json block that follows a **cdk.json** heading, in the guide's order, as a dict of keys."""
    text = GUIDE.read_text()
    blocks = re.findall(r"\*\*cdk\.json\*\*[^\n]*\n```json\n(.*?)\n```", text, re.DOTALL)
    return [json.loads("{" + block + "}") for block in blocks]


def test_the_guide_followed_literally_is_production_ready(tmp_path: Path) -> None:
    environment = dict(BASE, readiness="error")
    for block in guide_blocks():
        environment.update(block)
    assert environment["stages"] == ["runtime", "memory", "gateway", "identity"]
    # The agent the guide migrates, in its own folder and locked as its "Once" steps say (docs/migration/agent:
    # main.py is the file after stage 4, requirements.in -> requirements.lock).
    assert (REPO_ROOT / "docs/migration/agent/main.py").read_text() == (
        REPO_ROOT / "docs/migration/stage4_identity.py"
    ).read_text()
    environment["agent"] = {
        "source": "docs/migration/agent",
        "entrypoint": "main.py",
        "requirements": "requirements.lock",
    }
    out = tmp_path / "cdk.out"
    synth_app(out, environments={"guide": environment})  # raises on any error-level finding
    (scorecard,) = build_scorecard(out, evidence_dir=None)["environments"]
    assert scorecard["verdict"] == "Production-ready: no PoC gaps open.", json.dumps(scorecard, indent=1)[:3000]


def test_the_observability_block_is_valid_in_every_environment_at_once() -> None:
    """The guide's observability block, pasted into every environment of cdk.json (they share the placeholder
    account), is a valid configuration: each manages Transaction Search with the same settings."""
    from stacks.config import load_environments
    from tests.infrastructure.synth import CDK_JSON

    (observability,) = [b for b in guide_blocks() if "transaction_search" in b]
    environments = {name: {**env, **observability} for name, env in CDK_JSON["context"]["environments"].items()}
    configs = load_environments(environments)
    assert {c.transaction_search for c in configs} == {"manage"}
    assert len({(c.account, c.region) for c in configs}) == 1
