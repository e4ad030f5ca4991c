"""Helpers for testing a CDK app built on this library offline (unit and snapshot tests in CI).

* :data:`OFFLINE_CONTEXT`: app context that skips asset bundling (no wheels are vendored, no Docker, no index) and
  turns CDK's built-in CloudFormation validation off (turn it on in one gate test: it is the slow part);
* :func:`use_offline_environment`: a placeholder account and Region and no instance-metadata lookups, so nothing
  reaches AWS;
* :func:`snapshot_template`: a template with asset hashes replaced, so a snapshot changes only when the
  infrastructure does;
* a pytest plugin (``-p agentcore_constructs.testing`` in ``addopts``): :func:`settle_garbage_collector` once the
  tests are collected, and the heap frozen once they are done.
"""

from __future__ import annotations

import gc
import json
import os
import re
from typing import Any

#: ``cdk.App(context=OFFLINE_CONTEXT)``: bundling skipped for every stack, built-in template validation off.
OFFLINE_CONTEXT: dict[str, Any] = {
    "aws:cdk:bundling-stacks": [],
    "@aws-cdk/core:validateAgainstDefaultRules": False,
}
#: The account id AWS documentation uses as a placeholder.
PLACEHOLDER_ACCOUNT = "123456789012"
_ASSET_HASH = re.compile(r"[0-9a-f]{64}")


def use_offline_environment(region: str = "us-east-1") -> None:
    """Default ``CDK_DEFAULT_ACCOUNT``/``CDK_DEFAULT_REGION`` to placeholders and keep SDKs off instance metadata.

    Values already set win (a deploy pipeline's real account stays)."""
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    os.environ.setdefault("CDK_DEFAULT_ACCOUNT", PLACEHOLDER_ACCOUNT)
    os.environ.setdefault("CDK_DEFAULT_REGION", region)
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")


def snapshot_template(template: dict[str, Any]) -> dict[str, Any]:
    """``template`` with every 64-hex-digit asset hash replaced by ``<asset-hash>`` (keys sorted)."""
    normalized: dict[str, Any] = json.loads(_ASSET_HASH.sub("<asset-hash>", json.dumps(template, sort_keys=True)))
    return normalized


#: Allocations between young-generation collections while tests run (CPython's default is 700).
TEST_GC_THRESHOLD = (50_000, 20, 100)


def settle_garbage_collector() -> None:
    """Move everything built so far (imported modules, collected tests: a CDK suite holds hundreds of thousands of
    objects) out of the collector's reach with :func:`gc.freeze`, and collect less often. CPython's defaults ran a
    collection every 700 allocations over that whole heap: in this repository's suite, 21 s of CPU of about 190;
    7 s with these settings. Reference counting still frees everything that is not in a cycle at once; cycles wait
    a little longer. For test processes only, never in a deployed agent or Lambda."""
    gc.freeze()
    gc.set_threshold(*TEST_GC_THRESHOLD)


def pytest_collection_finish(session: object) -> None:
    """pytest hook (this module as a plugin): the heap is built, the tests are about to run."""
    settle_garbage_collector()


def pytest_sessionfinish(session: object) -> None:
    """pytest hook: every test and fixture is done. Freeze what is left, so the full collections pytest runs on its
    way out (to report late unraisable exceptions) do not walk the whole heap again: 0.5 to 1 s each per process in
    this repository's suite. What they no longer reach is garbage in a cycle at the very end of the run."""
    gc.freeze()
