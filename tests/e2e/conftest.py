"""One set of e2e test bodies, two targets: the local stack always (CI), a deployed environment when pointed at one."""

from __future__ import annotations

import pytest

from scripts.deployed_target import deployed_target_or_skip_reason
from tests.e2e.evidence import DeployedRunRecorder
from tests.e2e.targets import LocalTarget


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e" in item.nodeid:
            item.add_marker(pytest.mark.e2e)


#: Local targets: the Strands support agent, its LangGraph flavour and the migrated seed PoC (in Strands and in
#: LangGraph), same bodies.
LOCAL_AGENTS = {
    "local": "strands",
    "local-langgraph": "langgraph",
    "local-migrated-poc": "poc",
    "local-migrated-poc-langgraph": "poc-langgraph",
}


@pytest.fixture(scope="session", params=[*LOCAL_AGENTS, "deployed"])
def target(request: pytest.FixtureRequest):
    if request.param in LOCAL_AGENTS:
        local = LocalTarget(name=request.param, agent=LOCAL_AGENTS[request.param])
        yield local
        local.close()
        return
    deployed, reason = deployed_target_or_skip_reason()
    if deployed is None:
        pytest.skip(reason)
    _recorder.endpoint = deployed.endpoint
    _recorder.version = deployed.served_version()
    yield deployed
    deployed.close()


# ---- evidence for checklist item 8: the outcome of a run against a deployed environment is recorded ------------
_recorder = DeployedRunRecorder()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _recorder.log_report(report)


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = _recorder.finish(session)
    if path is not None:
        print(f"\nend-to-end run recorded for the scorecard (checklist item 8): {path}")
