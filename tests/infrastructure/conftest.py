from __future__ import annotations

import pytest

from tests.infrastructure.synth import SynthesizedApp, synth_app


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    """The real app, every environment in cdk.json, cdk-nag on: synthesized once per session."""
    return synth_app(tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(scope="session")
def templates(synthesized: SynthesizedApp) -> dict[str, dict]:
    return synthesized.stack_templates()
