"""Synthesize the real app the way `cdk synth` does, minus asset bundling (unit tests never vendor wheels).

Moved to :mod:`stacks.synth` (scripts use it too); re-exported for the tests."""

from __future__ import annotations

from stacks.synth import CDK_JSON, SynthesizedApp, synth_app

__all__ = ["CDK_JSON", "SynthesizedApp", "synth_app"]
