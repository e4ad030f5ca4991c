"""The construct library's own tests: offline, their own fixture agent and tool (never the app's).

Run inside ``constructs/`` (``make test`` runs them after the app's suite): ``python -m pytest``. jsii needs Node on
PATH (``make`` puts the project's pinned Node there).
"""

from __future__ import annotations

from agentcore_constructs.testing import use_offline_environment

# Offline: a placeholder account and no credentials lookups reach AWS.
use_offline_environment()
