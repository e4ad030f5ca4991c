"""One snapshot per stack, asset hashes normalized. Update with `make snapshot-update`."""

from __future__ import annotations

import json
import re

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from tests.infrastructure.synth import CDK_JSON

_ASSET_HASH = re.compile(r"[0-9a-f]{64}")


def _normalized(template: dict) -> dict:
    return json.loads(_ASSET_HASH.sub("<asset-hash>", json.dumps(template, sort_keys=True)))


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("environment", sorted(CDK_JSON["context"]["environments"]))
def test_stack_snapshots(templates: dict, snapshot_json, environment: str) -> None:
    stacks = {name: _normalized(t) for name, t in sorted(templates.items()) if name.startswith(f"{environment}/")}
    assert stacks
    assert stacks == snapshot_json
