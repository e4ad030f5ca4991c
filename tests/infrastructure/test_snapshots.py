"""One snapshot per stack, asset hashes normalized. Update with `make snapshot-update`."""

from __future__ import annotations

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from agentcore_constructs.testing import snapshot_template
from tests.infrastructure.synth import CDK_JSON


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("environment", sorted(CDK_JSON["context"]["environments"]))
def test_stack_snapshots(templates: dict, snapshot_json, environment: str) -> None:
    stacks = {name: snapshot_template(t) for name, t in sorted(templates.items()) if name.startswith(f"{environment}/")}
    assert stacks
    assert stacks == snapshot_json
