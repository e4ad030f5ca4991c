"""checkov (CloudFormation framework) as a second opinion over every synthesized template.

Every check passes or is skipped on one resource with a reason in its template metadata (``Metadata.checkov.skip``);
an unexplained failure fails this test. checkov runs from its own pinned venv (``make install``:
tools/checkov/requirements.lock), because its pins conflict with the app's test stack.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support import REPO_ROOT

CHECKOV = REPO_ROOT / ".tools" / "checkov" / "bin" / "checkov"
#: One checkov run (about 30 s) for both tests: on two workers each would run its own.
pytestmark = pytest.mark.xdist_group("checkov")


@pytest.fixture(scope="session")
def checkov_report(synthesized) -> list[dict]:
    if not CHECKOV.exists():
        pytest.skip(
            "checkov is not installed: run `make install` (it creates .tools/checkov from "
            "tools/checkov/requirements.lock)"
        )
    # --skip-download: offline, as every test here. Without it checkov first fetches its guideline mappings from
    # Prisma Cloud (a network call, retried when the host is unreachable); the checks themselves ship in the package.
    # (checkov --help: "Do not download any data from Prisma Cloud. This will omit doc links, severities, etc.")
    command = [str(CHECKOV), "-d", str(synthesized.outdir), "--framework", "cloudformation", "--compact", "-o", "json"]
    result = subprocess.run(
        [*command, "--skip-download"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.stdout.strip(), result.stderr[-2000:]
    report = json.loads(result.stdout)
    return report if isinstance(report, list) else [report]


def test_no_unexplained_checkov_failure_in_any_template(checkov_report: list[dict]) -> None:
    failures = [
        (f["check_id"], Path(f["file_path"]).name, f["resource"])
        for r in checkov_report
        for f in r["results"]["failed_checks"]
    ]
    assert failures == []
    assert sum(r["summary"]["passed"] for r in checkov_report) > 300
    assert all(r["summary"]["parsing_errors"] == 0 for r in checkov_report)


def test_every_checkov_skip_names_a_true_reason(checkov_report: list[dict]) -> None:
    skipped = [f for r in checkov_report for f in r["results"]["skipped_checks"]]
    assert skipped
    for check in skipped:
        reason = check.get("check_result", {}).get("suppress_comment", "")
        assert len(reason) > 40, (check["check_id"], check["resource"], reason)


def test_checkov_starts_from_the_bytecode_make_install_compiled() -> None:
    # Without it each checkov start recompiles its ~2,000 modules (make install runs compileall on its venv).
    packages = list(CHECKOV.parent.parent.glob("lib/python*/site-packages/checkov"))
    if not packages:
        pytest.skip("checkov is not installed: run `make install`")
    (package,) = packages
    assert list((package / "__pycache__").glob("*.pyc")), "checkov's venv has no bytecode: rerun `make install`"
