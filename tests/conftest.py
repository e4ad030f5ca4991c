"""Suite-wide setup: run jsii on the project's pinned Node, never touch AWS."""

from __future__ import annotations

import fcntl
import json
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
    """The real app, every environment in cdk.json, cdk-nag + readiness pack and CDK's built-in CloudFormation
    validation on (the gate test reads its report): synthesized once per run. Under
    xdist the first worker that needs it synthesizes into the run's shared temp folder while the other waits on a lock,
    then both read the same cloud assembly (pytest-xdist docs, "Making session-scoped fixtures execute only once"):
    the same templates for half the CPU."""
    from stacks.synth import SynthesizedApp
    from tests.infrastructure.synth import synth_app

    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return synth_app(tmp_path_factory.mktemp("cdk.out"), builtin_validation=True)
    shared = tmp_path_factory.getbasetemp().parent / "shared-synth"
    shared.mkdir(exist_ok=True)
    assembly = shared / "cdk.out"
    with (shared / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not assembly.is_dir():
            # Synthesized aside and renamed when complete: a failed synth leaves no half assembly for the other worker.
            partial = shared / f"partial-{os.environ['PYTEST_XDIST_WORKER']}"
            synth_app(partial, builtin_validation=True).outdir.rename(assembly)
    return SynthesizedApp(outdir=assembly, manifest=json.loads((assembly / "manifest.json").read_text()))


@pytest.fixture(scope="session")
def templates(synthesized) -> dict[str, dict]:
    return synthesized.stack_templates()
