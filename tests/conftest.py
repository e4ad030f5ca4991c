"""Suite-wide setup: run jsii on the project's pinned Node, never touch AWS."""

from __future__ import annotations

import os

import pytest

from agentcore_constructs.testing import use_offline_environment
from tests.support import REPO_ROOT

_node_bin = REPO_ROOT / "node_modules" / ".bin"
if _node_bin.is_dir() and str(_node_bin) not in os.environ.get("PATH", ""):
    os.environ["PATH"] = f"{_node_bin}{os.pathsep}{os.environ.get('PATH', '')}"
# Offline: a placeholder account and no credentials lookups reach AWS.
use_offline_environment()


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory):
    """The real app, every environment in cdk.json, cdk-nag + readiness pack on: synthesized once per session,
    that is once per xdist worker: pinning every synth test to one worker measured slower on two cores (90 vs 71 s)
    than both workers synthesizing in parallel."""
    from tests.infrastructure.synth import synth_app

    return synth_app(tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(scope="session")
def templates(synthesized) -> dict[str, dict]:
    return synthesized.stack_templates()
