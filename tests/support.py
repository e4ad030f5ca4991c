"""Plain helpers the app's tests import (fixtures and hooks live in conftest.py, which is never imported)."""

from __future__ import annotations

from pathlib import Path

#: The repository root (the app's suite runs from here).
REPO_ROOT = Path(__file__).resolve().parent.parent
