"""Evidence for checklist item 8: the outcome of an e2e run against a deployed environment, recorded for the
scorecard. The e2e conftest.py feeds one :class:`DeployedRunRecorder` from its pytest hooks."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentcore_constructs.readiness.evidence import DEFAULT_EVIDENCE_DIR, E2eRun, now_iso, record_e2e_run


@dataclass
class DeployedRunRecorder:
    """Counts the outcomes of the deployed-target tests and records them once the session ends."""

    outcomes: Counter[str] = field(default_factory=Counter)
    endpoint: str | None = None
    version: str | None = None

    def log_report(self, report: Any) -> None:
        if "[deployed" not in report.nodeid:
            return
        if report.failed:
            self.outcomes["failed"] += 1
        elif report.skipped:
            self.outcomes["skipped"] += 1
        elif report.when == "call":
            self.outcomes["passed"] += 1

    def finish(self, session: Any) -> Path | None:
        environment = os.environ.get("E2E_ENV")
        ran = self.outcomes["passed"] + self.outcomes["failed"]
        if not environment or not ran or hasattr(session.config, "workerinput"):
            return None  # nothing ran against a deployed environment: no evidence, in either direction
        return record_e2e_run(
            os.environ.get("E2E_EVIDENCE_DIR", DEFAULT_EVIDENCE_DIR),
            E2eRun(
                environment=environment,
                endpoint=str(self.endpoint),
                runtime_version=self.version,
                finished_at=now_iso(),
                passed=self.outcomes["passed"],
                failed=self.outcomes["failed"],
                skipped=self.outcomes["skipped"],
                source=os.environ.get("E2E_SOURCE", "make e2e"),
            ),
        )
