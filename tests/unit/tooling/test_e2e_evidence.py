"""The e2e suite records its outcome against a deployed environment for the scorecard (checklist item 8), and records
nothing when no deployed test ran (a local-only run or a skipped deployed target proves nothing)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from agentcore_constructs.readiness.evidence import read_e2e_run
from tests.e2e.evidence import DeployedRunRecorder


def _report(nodeid: str, when: str, outcome: str) -> SimpleNamespace:
    return SimpleNamespace(
        nodeid=nodeid, when=when, failed=outcome == "failed", skipped=outcome == "skipped", passed=outcome == "passed"
    )


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch, tmp_path):
    monkeypatch.setenv("E2E_EVIDENCE_DIR", str(tmp_path))
    monkeypatch.setenv("E2E_ENV", "staging")
    return tmp_path


def _session() -> SimpleNamespace:
    return SimpleNamespace(config=SimpleNamespace())


def test_a_run_against_a_deployed_environment_is_recorded_with_its_outcome(fresh) -> None:
    recorder = DeployedRunRecorder(endpoint="canary", version="7")
    for nodeid, when, outcome in [
        ("tests/e2e/test_agent_e2e.py::test_a[deployed]", "setup", "passed"),
        ("tests/e2e/test_agent_e2e.py::test_a[deployed]", "call", "passed"),
        ("tests/e2e/test_agent_e2e.py::test_b[deployed-x]", "call", "failed"),
        ("tests/e2e/test_agent_e2e.py::test_c[deployed]", "setup", "skipped"),
        ("tests/e2e/test_agent_e2e.py::test_a[local]", "call", "failed"),  # local targets are not evidence
    ]:
        recorder.log_report(_report(nodeid, when, outcome))
    recorder.finish(_session())
    run = read_e2e_run(fresh, "staging")
    assert run is not None
    assert (run.passed, run.failed, run.skipped, run.endpoint, run.runtime_version) == (1, 1, 1, "canary", "7")
    assert run.result == "failed"


def test_nothing_is_recorded_when_no_deployed_test_ran(fresh) -> None:
    recorder = DeployedRunRecorder(endpoint="canary", version="7")
    recorder.log_report(_report("tests/e2e/test_agent_e2e.py::test_a[deployed]", "setup", "skipped"))
    recorder.log_report(_report("tests/e2e/test_agent_e2e.py::test_a[local]", "call", "passed"))
    recorder.finish(_session())
    assert read_e2e_run(fresh, "staging") is None
