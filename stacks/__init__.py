"""Thin wiring: which constructs exist for an environment and how they connect."""
