#!/usr/bin/env python3
"""The CDK app's entry point (cdk.json "app"): build it (stacks/app.py), synthesize, and gate on the findings."""

from __future__ import annotations

import sys

from agentcore_constructs.readiness.gate import synth_and_enforce
from stacks.app import build_app

__all__ = ["build_app"]

if __name__ == "__main__":
    # The CLI fails only on findings of the stacks it selected (none, for a bare `cdk synth` of Stages): the app
    # exits non-zero itself on any error-level finding, so every CLI command that synthesizes is gated.
    sys.exit(synth_and_enforce(build_app()))
