"""Evidence for checklist item 8 ("end-to-end tests against the deployed agent"): the recorded result of the last
end-to-end run against an environment. A template can only show the outputs a suite would use; whether the suite ran,
against which version, and passed, is written by the suite itself (``record_e2e_run``) and read by the scorecard.

Pure Python: the app's e2e suite writes it, the scorecard reads it, neither imports aws-cdk-lib.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

#: Where runs are recorded unless told otherwise (``<dir>/<environment>.json``), relative to the working directory.
DEFAULT_EVIDENCE_DIR = "e2e-evidence"
PASSED, FAILED = "passed", "failed"


@dataclass(frozen=True)
class E2eRun:
    environment: str
    endpoint: str
    runtime_version: str | None  #: the version the endpoint served (control plane), None when unknown
    finished_at: str  #: ISO 8601, UTC
    passed: int
    failed: int
    skipped: int
    source: str = "end-to-end suite"  #: who ran it (the app's suite command, the pipeline's post-deploy step)

    @property
    def result(self) -> str:
        return PASSED if self.failed == 0 and self.passed > 0 else FAILED

    def describe(self) -> str:
        version = f"version {self.runtime_version}" if self.runtime_version else "version unknown"
        return (
            f"{self.result} {self.finished_at} ({self.source}) against {self.endpoint}, {version}: "
            f"{self.passed} passed, {self.failed} failed, {self.skipped} skipped"
        )


def record_e2e_run(directory: Path | str, run: E2eRun) -> Path:
    """Write ``run`` as the environment's latest end-to-end result."""
    path = Path(directory) / f"{run.environment}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**asdict(run), "result": run.result}, indent=2, sort_keys=True) + "\n")
    return path


def read_e2e_run(directory: Path | str, environment: str) -> E2eRun | None:
    """The environment's latest recorded run, or None ("never run"). A malformed record is an error, not a pass."""
    path = Path(directory) / f"{environment}.json"
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    data.pop("result", None)
    try:
        run = E2eRun(**data)
        datetime.fromisoformat(run.finished_at)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{path}: not an end-to-end run record ({error})") from None
    return run


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
